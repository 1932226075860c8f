#!/bin/bash
# pantherctl doctor: each thing it looks for is broken once and the matching
# check turns to fail (or warn) with a fix line, and back to ok once it is
# repaired. Against real programs where they run here (panther-powerd,
# panther-session, the op stand-in as op, processes in /proc) and stand-ins
# elsewhere: the Niri stand-in, ppd_template.py (ppd 0.20), asusd_template.py
# (asusd 6.1), systemd_template.py (systemd 252's user manager), dbusmock's
# notification daemon. One private bus stands in for the session and the
# system bus. Also: the exit status, --json, secrets (the op stand-in's
# password and a service account's token never reach the output, and op
# never gets OP_SERVICE_ACCOUNT_TOKEN), broken files, and silent peers.
. "$PANTHER_SOURCE_DIR/tests/integration/session-lib.sh"

POWERD=$PANTHER_BUILD_DIR/power/panther-powerd
OP_STANDIN=$PANTHER_SOURCE_DIR/tests/harness/op-standin.sh
pn_need_cmd "$PN_PYTHON" busctl timeout

pn_session_bus --system
pn_dbusmock --system upower -p '{"OnBattery": false}'
pn_dbusmock --system "$PANTHER_SOURCE_DIR/tests/harness/ppd_template.py" -p '{"names": "both"}'
PPD_PID=$PN_DBUSMOCK_PID
pn_dbusmock notification_daemon
session_niri
pn_dbusmock "$PANTHER_SOURCE_DIR/tests/harness/systemd_template.py" -p "$(printf '{
	"environment": {"WAYLAND_DISPLAY": "wayland-1", "NIRI_SOCKET": "%s", "XDG_CURRENT_DESKTOP": "niri"},
	"units": {"panther-session.target": {}, "panther-powerd.service": {"ActiveState": "failed", "NRestarts": 3},
		"panther-polkit-agent.service": {"NRestarts": 2}, "unrelated.service": {"ActiveState": "failed"}, "niri-flake-polkit.service": {}}}' "$NIRI_SOCKET")"
SYSTEMD_PID=$PN_DBUSMOCK_PID

# Where the doctor looks for the user's files and the machine's.
export HOME=$PN_TMP/home XDG_CONFIG_HOME=$PN_TMP/home/.config XDG_CACHE_HOME=$PN_TMP/home/.cache
export XDG_STATE_HOME=$PN_TMP/home/.local/state XDG_RUNTIME_DIR=$PN_TMP/run
export PANTHER_DOCTOR_ETC=$PN_TMP/etc
mkdir -p "$XDG_CONFIG_HOME/DankMaterialShell" "$XDG_CACHE_HOME/DankMaterialShell" \
	"$XDG_STATE_HOME/DankMaterialShell" "$XDG_RUNTIME_DIR" "$PN_TMP/etc/asusd" "$PN_TMP/etc/pam.d" \
	"$PN_TMP/bin" "$PN_TMP/op"
chmod 700 "$XDG_RUNTIME_DIR"
export PANTHER_TEST_OP_DIR=$PN_TMP/op
# op gets the agent's allow-listed environment, without PANTHER_TEST_OP_DIR:
# the stand-in finds its files through the path it is started by.
ln -s "$OP_STANDIN" "$PN_TMP/op/op"
OP_STANDIN=$PN_TMP/op/op
printf 'op-standin-password-7731' >"$PN_TMP/op/password"
echo right >"$PN_TMP/op/mode"
# The real ppd's pam file layout: polkit-1 absent means "other".
printf 'auth required pam_unix.so\n' >"$PN_TMP/etc/pam.d/other"
# A token that must never be printed.
printf 'ops_SECRET-TOKEN-4242' >"$PN_TMP/token"
chmod 600 "$PN_TMP/token"
USER_NAME=$(id -un)

config() { # config [ONEPASSWORD_EXTRA]: writes $PN_TMP/config.json
	cat >"$PN_TMP/config.json" <<-JSON
		{
		  "polkit": { "onepassword": { "op": "${OP:-$OP_STANDIN}",
		    "references": { "$USER_NAME": "op://Test/login/password" } ${1:+, $1} } },
		  "session": { "mode": "direct", "services": [] }
		}
	JSON
}
OP=
config

pn_spawn powerd "$POWERD" --config "$PN_TMP/config.json"
pn_wait_for busctl --user status org.pantheros.Power1 || pn_fail "panther-powerd did not start (see $PN_LOG)"
session_start
pn_wait_for busctl --user status org.pantheros.Session1 || pn_fail "panther-session did not start (see $SESSION_LOG)"

OUT=$PN_TMP/doctor.json
# doctor [ARGS]: pantherctl --json doctor into $OUT; sets RC.
doctor() {
	RC=0
	timeout 60 "$PANTHERCTL" --config "$PN_TMP/config.json" --json doctor "$@" >"$OUT" 2>"$PN_TMP/doctor.err" || RC=$?
	[ "$RC" -le 1 ] || pn_fail "pantherctl doctor exited $RC: $(cat "$PN_TMP/doctor.err")"
	! grep -qE 'Sanitizer|runtime error' "$PN_TMP/doctor.err" ||
		pn_fail "a sanitizer report: $(head -n 20 "$PN_TMP/doctor.err")"
	[ ! -s "$PN_TMP/doctor.err" ] || pn_fail "pantherctl doctor wrote to stderr: $(cat "$PN_TMP/doctor.err")"
}
# has NAME VERDICT TEXT: a line of check NAME with VERDICT whose detail has
# TEXT; warn and fail lines must carry a fix.
has() {
	"$PN_PYTHON" - "$OUT" "$@" <<-'PY'
		import json, sys
		out, name, verdict, text = sys.argv[1:5]
		d = json.load(open(out))
		for c in d["checks"]:
		    if c["name"] == name and c["verdict"] == verdict and text in c["detail"]:
		        sys.exit(0 if (verdict == "ok") == (c["fix"] is None) and (verdict == "ok" or c["fix"]) else 2)
		sys.exit(1)
	PY
}
expect() {
	has "$@" || pn_fail "expected $2 for $1 with \"$3\"; got: $(grep -o "\"name\":\"$1\"[^}]*" "$OUT")"
}
refute() {
	! has "$@" || pn_fail "did not expect $2 for $1 with \"$3\": $(grep -o "\"name\":\"$1\"[^}]*" "$OUT")"
}

# ---- the stable JSON and the exit status ----
doctor
"$PN_PYTHON" - "$OUT" <<-'PY' || pn_fail "--json is not as pantherctl(1) documents: $(cat "$OUT")"
	import json, sys
	d = json.load(open(sys.argv[1]))
	assert set(d) == {"ok", "counts", "checks"}, d.keys()
	assert set(d["counts"]) == {"ok", "warn", "fail"}
	assert d["counts"]["fail"] == sum(c["verdict"] == "fail" for c in d["checks"])
	assert d["ok"] == (d["counts"]["fail"] == 0)
	for c in d["checks"]:
	    assert set(c) == {"name", "verdict", "detail", "fix"}, c
PY
[ "$RC" = 1 ] || pn_fail "exit status $RC with failing checks (expected 1)"
expect config ok "config.json: ok"
expect session.niri ok "Niri"
expect session.panther-session ok "direct mode"
expect power.backend ok "power-profiles-daemon 0.20-panther-mock as org.freedesktop.UPower.PowerProfiles"
expect power.profiles ok "power-saver"
expect power.powerd ok "panther-powerd: auto mode, on AC: balanced through power-profiles-daemon (on AC power)"
"$PANTHERCTL" --config "$PN_TMP/config.json" power set power-saver || pn_fail "pantherctl power set failed"
doctor
expect power.powerd ok "panther-powerd: manual mode (a choice by hand or from outside panther holds), on AC: power-saver through power-profiles-daemon (chosen by hand)"
expect dms.notifications ok "capabilities:"
expect session.environment ok "WAYLAND_DISPLAY, NIRI_SOCKET"

# ---- a failed unit, restarts, other failed units (systemd stand-in) ----
expect session.units ok "panther-session.target: active"
expect session.units fail "panther-powerd.service: failed"
has session.units fail "panther-powerd.service" && grep -q 'journalctl --user -u panther-powerd.service' "$OUT" ||
	pn_fail "the failed unit's fix does not name journalctl for it"
expect session.units warn "panther-polkit-agent.service: active, restarted 2 times"
expect session.units warn "failed user units: unrelated.service"

# ---- the user manager's environment ----
busctl --user call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager \
	UnsetEnvironment as 1 NIRI_SOCKET
doctor
expect session.environment fail "missing in the user manager: NIRI_SOCKET"

# ---- Niri socket gone ----
pn_stop "$NIRI_PID"
doctor
expect session.niri fail "Niri does not answer at $NIRI_SOCKET"

# ---- other agents: niri-flake's unit, a second agent, DMS's Quickshell without the variable ----
doctor
expect polkit.other-agents fail "niri-flake-polkit.service (polkit-kde) is active"
grep -q 'systemctl --user disable --now niri-flake-polkit.service' "$OUT" ||
	pn_fail "no fix line for niri-flake-polkit.service"
pn_stop "$SYSTEMD_PID"
doctor
expect polkit.other-agents ok "no other polkit agent"
expect session.units ok "no systemd user manager on the session bus"
pn_dbusmock "$PANTHER_SOURCE_DIR/tests/harness/systemd_template.py"
SYSTEMD_PID=$PN_DBUSMOCK_PID
cp /bin/sleep "$PN_TMP/bin/hyprpolkitagent"
cp /bin/sleep "$PN_TMP/bin/qs"
pn_spawn second-agent "$PN_TMP/bin/hyprpolkitagent" 600
AGENT2=$PN_PID
pn_spawn dms-without env -u DMS_DISABLE_POLKIT "$PN_TMP/bin/qs" 600
QS_WITHOUT=$PN_PID
pn_spawn dms-with env DMS_DISABLE_POLKIT=1 "$PN_TMP/bin/qs" 600
QS_WITH=$PN_PID
pn_wait_for grep -qx qs "/proc/$QS_WITHOUT/comm"
pn_wait_for grep -qx qs "/proc/$QS_WITH/comm"
doctor
expect polkit.other-agents fail "hyprpolkitagent (pid $AGENT2) is another polkit agent"
expect polkit.other-agents fail "DMS's Quickshell (pid $QS_WITHOUT) runs without DMS_DISABLE_POLKIT=1"
expect polkit.other-agents ok "DMS's Quickshell (pid $QS_WITH) has DMS_DISABLE_POLKIT=1"
pn_stop "$AGENT2"
pn_stop "$QS_WITHOUT"
doctor
refute polkit.other-agents fail "pid $AGENT2"
refute polkit.other-agents fail "pid $QS_WITHOUT"

# ---- polkit's helper: setuid (polkit 126-), or its socket (127+) and who may connect ----
export PANTHER_DOCTOR_ROOT=$PN_TMP/root
helper=$PN_TMP/root/usr/lib/polkit-1/polkit-agent-helper-1
helper_socket=$PN_TMP/root/run/polkit/agent-helper.socket
mkdir -p "${helper%/*}" "${helper_socket%/*}"
doctor
expect polkit.helper warn "neither /run/polkit/agent-helper.socket nor a polkit-agent-helper-1 was found"
cp /bin/true "$helper"
chmod 0755 "$helper"
doctor
expect polkit.helper fail "polkit's helper /usr/lib/polkit-1/polkit-agent-helper-1 is not setuid root and /run/polkit/agent-helper.socket does not exist"
grep -q 'systemctl enable --now polkit-agent-helper.socket' "$OUT" ||
	pn_fail "no fix line for a helper that is neither setuid nor behind its socket"
if [ "$(id -u)" -eq 0 ]; then
	chmod 4755 "$helper"
	doctor
	expect polkit.helper ok "polkit's helper /usr/lib/polkit-1/polkit-agent-helper-1 is setuid root (polkit 126 or older)"
fi
"$PN_PYTHON" -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$helper_socket"
chmod 0666 "$helper_socket"
doctor
expect polkit.helper ok "polkit starts its helper from /run/polkit/agent-helper.socket (polkit 127+), and this user may connect to it"
if [ "$(id -u)" -eq 0 ]; then
	chown 65534:65534 "$helper_socket"
	chmod 0600 "$helper_socket"
	doctor
	expect polkit.helper fail "polkit's helper socket /run/polkit/agent-helper.socket is mode 0600, owner 65534: this user cannot connect"
	grep -q 'SocketMode=0666' "$OUT" || pn_fail "no fix line for a helper socket the user cannot connect to"
fi
unset PANTHER_DOCTOR_ROOT

# ---- op: not the setgid wrapper (warn), not executable (fail) ----
expect 1password.op warn "(op 2.30.3) is not the setgid onepassword-cli wrapper"
expect 1password.reference ok "$USER_NAME: op://Test/login/password"
cp "$OP_STANDIN" "$PN_TMP/bin/op"
chmod 644 "$PN_TMP/bin/op"
OP=$PN_TMP/bin/op config
doctor
expect 1password.op fail "$PN_TMP/bin/op is not an executable program"
config

# ---- --try-1password: it runs op in panther-polkit-agent's session (with
# the agent: polkit-op-session.sh); without the agent it fails and says so,
# with a fix line; the app is found by its process (or said missing) ----
export OP_SERVICE_ACCOUNT_TOKEN=inherited-token-must-not-reach-op
doctor --try-1password
expect 1password.try fail "op read op://Test/login/password twice in panther's session: "
[ ! -e "$PN_TMP/op/calls" ] || pn_fail "the doctor ran op itself: $(cat "$PN_TMP/op/calls")"
expect 1password.app warn "no process named 1password runs as uid $(id -u) (looked in /proc)"
cp /bin/sleep "$PN_TMP/bin/1password"
pn_spawn fake-1password "$PN_TMP/bin/1password" 600
APP=$PN_PID
pn_wait_for grep -qx 1password "/proc/$APP/comm"
"$PANTHERCTL" --config "$PN_TMP/config.json" doctor --try-1password >"$PN_TMP/doctor.txt" 2>&1 || true
pn_stop "$APP"
unset OP_SERVICE_ACCOUNT_TOKEN
grep -q "^ok .*1password.app .*the 1Password app runs as uid $(id -u) (pid $APP, found by its process name in /proc)" "$PN_TMP/doctor.txt" ||
	pn_fail "the doctor did not find the app by its process: $(grep 1password "$PN_TMP/doctor.txt")"
! grep -q 'op-standin-password-7731' "$PN_TMP/doctor.txt" "$OUT" || pn_fail "the password reached the doctor's output"
grep -A1 '^fail  1password.try' "$PN_TMP/doctor.txt" | grep -q '^ *fix: ' ||
	pn_fail "the text output has no fix line under a failing check: $(cat "$PN_TMP/doctor.txt")"

# ---- a token file readable by others (service-account mode) ----
config "\"mode\": \"service-account\", \"token_file\": \"$PN_TMP/token\""
doctor
expect 1password.token-file ok "$PN_TMP/token: owner uid $(id -u), mode 0600"
chmod 644 "$PN_TMP/token"
doctor
expect 1password.token-file fail "$PN_TMP/token: group or others have access (mode 0644, expected 0600 or 0400)"
grep -q "chmod 600 $PN_TMP/token" "$OUT" || pn_fail "no chmod 600 in the token file's fix"
! grep -q 'SECRET-TOKEN' "$OUT" || pn_fail "the token reached the output"
config

# ---- DMS settings that switch profiles ----
echo '{"acProfileName": "", "batteryProfileName": "", "batteryAutoPowerSaver": false}' \
	>"$XDG_CONFIG_HOME/DankMaterialShell/settings.json"
doctor
expect power.dms ok "DMS leaves power profiles alone"
expect power.osd ok "panther-powerd's bubble is the power OSD"
echo '{"osdPowerProfileEnabled": true}' >"$XDG_CONFIG_HOME/DankMaterialShell/settings.json"
doctor
expect power.osd warn "DMS shows its own power profile OSD (osdPowerProfileEnabled in $XDG_CONFIG_HOME/DankMaterialShell/settings.json): panther-powerd sends no bubble"
grep -q 'osdPowerProfileEnabled false' "$OUT" || pn_fail "the OSD line's fix does not say how to turn DMS's off"
echo '{"acProfileName": "2", "batteryProfileName": ""}' >"$XDG_CONFIG_HOME/DankMaterialShell/settings.json"
doctor
expect power.dms fail "DMS switches profiles itself (acProfileName \"2\" (performance))"
head -c 3000 /dev/urandom >"$XDG_CONFIG_HOME/DankMaterialShell/settings.json"
doctor
expect power.dms warn "cannot check DMS's power profile settings"
# DMS writes booleans: a string is not "on" (panther-powerd reads it so too).
echo '{"batteryAutoPowerSaver": "no"}' >"$XDG_CONFIG_HOME/DankMaterialShell/settings.json"
doctor
expect power.dms ok "DMS leaves power profiles alone"

# ---- DMS colors and light/dark ----
PATH=$PN_TMP/bin:$PATH doctor
expect dms.colors warn "no DMS colors file ($XDG_CACHE_HOME/DankMaterialShell/dms-colors.json; matugen is not on PATH)"
printf '#!/bin/sh\n' >"$PN_TMP/bin/matugen"
chmod +x "$PN_TMP/bin/matugen"
PATH=$PN_TMP/bin:$PATH doctor
expect dms.colors warn "matugen is on PATH"
echo '{"colors": {"dark": {"primary": "#d0bcff"}, "light": {"primary": "#6750a4"}}}' \
	>"$XDG_CACHE_HOME/DankMaterialShell/dms-colors.json"
echo '{"isLightMode": true}' >"$XDG_STATE_HOME/DankMaterialShell/session.json"
doctor
expect dms.colors ok "dms-colors.json, written 0 days ago"
expect dms.light-dark ok "light"

# ---- asusd switching by itself ----
pn_dbusmock --system "$PANTHER_SOURCE_DIR/tests/harness/asusd_template.py"
cat >"$PN_TMP/etc/asusd/asusd.ron" <<-'RON'
	(
	    charge_control_end_threshold: 80,
	    // change_platform_profile_on_battery: false,
	    platform_profile_linked_epp: true,
	    platform_profile_on_battery: Quiet,
	    change_platform_profile_on_battery: true,
	    platform_profile_on_ac: Performance,
	    change_platform_profile_on_ac: false,
	)
RON
doctor
expect power.backend ok "; asusd runs too"
expect power.asusd fail "asusd switches profiles itself on battery"
expect power.asusd warn "asusd sets the CPU's EPP with each profile, and power-profiles-daemon does too"
sed -i 's/on_battery: true/on_battery: false/' "$PN_TMP/etc/asusd/asusd.ron"
doctor
expect power.asusd ok "asusd leaves switching to panther-powerd"

# ---- broken files: garbage, a FIFO, a directory: a line each, no crash, no hang ----
head -c 5000 /dev/urandom >"$PN_TMP/etc/asusd/asusd.ron"
head -c 5000 /dev/urandom >"$XDG_STATE_HOME/DankMaterialShell/session.json"
rm -f "$XDG_CACHE_HOME/DankMaterialShell/dms-colors.json" "$XDG_CONFIG_HOME/DankMaterialShell/settings.json"
mkfifo "$XDG_CACHE_HOME/DankMaterialShell/dms-colors.json"
mkdir "$XDG_CONFIG_HOME/DankMaterialShell/settings.json"
doctor
expect power.asusd ok "asusd leaves switching to panther-powerd"
expect dms.light-dark ok "dark"
expect dms.colors warn "cannot be read"
rm -f "$XDG_CACHE_HOME/DankMaterialShell/dms-colors.json"
rmdir "$XDG_CONFIG_HOME/DankMaterialShell/settings.json"

# ---- holds by others, PerformanceDegraded ----
expect power.holds ok "no program holds a profile"
pn_spawn holder "$PN_PYTHON" -c 'import dbus, time
bus = dbus.SystemBus()
ppd = bus.get_object("org.freedesktop.UPower.PowerProfiles", "/org/freedesktop/UPower/PowerProfiles")
ppd.HoldProfile("performance", "compiling", "org.example.Builder",
                dbus_interface="org.freedesktop.UPower.PowerProfiles")
print("held", flush=True)
time.sleep(600)'
HOLDER=$PN_PID
pn_wait_for grep -qx held "$PN_LOG" || pn_fail "the hold was not taken (see $PN_LOG)"
doctor
expect power.holds warn "held: performance by org.example.Builder (compiling)"
expect power.degraded ok "not degraded"
pn_stop "$HOLDER"
# panther-powerd's own hold is its policy at work, not a warning.
pn_spawn own-hold "$PN_PYTHON" "$PN_HARNESS_DIR/ppd-holder.py" power-saver idle panther-powerd
pn_wait_for grep -q "^held " "$PN_LOG" || pn_fail "panther-powerd's hold was not taken (see $PN_LOG)"
doctor
expect power.holds ok "panther-powerd holds power-saver (idle)"
pn_stop "$PN_PID"

# ---- ppd stopped ----
pn_stop "$PPD_PID"
doctor
expect power.backend ok "asusd as xyz.ljones.Asusd (no power-profiles-daemon)"
pn_stop "$PN_DBUSMOCK_PID"
doctor
expect power.backend fail "neither power-profiles-daemon nor asusd"

# ---- bad input: one line, exit 2 ----
rc=0
"$PANTHERCTL" doctor --frobnicate >"$PN_TMP/usage.out" 2>"$PN_TMP/usage.err" || rc=$?
[ "$rc" = 2 ] && [ "$(wc -l <"$PN_TMP/usage.err")" = 1 ] && [ ! -s "$PN_TMP/usage.out" ] ||
	pn_fail "doctor --frobnicate: exit $rc, $(cat "$PN_TMP/usage.err")"
echo '{"power": {"on_ac": "turbo"}}' >"$PN_TMP/config.json"
doctor
expect config fail 'power.on_ac: unknown profile "turbo"'

# ---- silent peers: a stopped panther-powerd, systemd and Niri that accept but never answer ----
config
"$PN_PYTHON" -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(8); print("ready", flush=True); time.sleep(600)' \
	"$PN_TMP/silent-niri.sock" >"$PN_TMP/silent-niri.out" &
SILENT=$!
pn_track "$SILENT" silent-niri
pn_wait_for grep -qx ready "$PN_TMP/silent-niri.out"
POWERD_PID=$(pn_bus_name_pid org.pantheros.Power1)
kill -STOP "$POWERD_PID" "$SYSTEMD_PID"
pn_on_exit kill -CONT "$POWERD_PID" "$SYSTEMD_PID"
NIRI_SOCKET=$PN_TMP/silent-niri.sock doctor
kill -CONT "$POWERD_PID" "$SYSTEMD_PID"
expect session.niri fail "no answer (it is busy or stuck)"
expect power.powerd fail "no answer (it is busy or stuck)"
# The bus daemon itself stopped: one timeout per bus, then "no session bus".
kill -STOP "$PN_SESSION_BUS_PID"
pn_on_exit kill -CONT "$PN_SESSION_BUS_PID"
doctor
kill -CONT "$PN_SESSION_BUS_PID"
expect session.panther-session fail "no session bus"
expect power.backend fail "no system bus"
pn_note "against silent peers the doctor finished (each peer asked until its first timeout)"

pn_pass
