# shellcheck shell=bash
# Variables set here are for the scripts that source it:
# shellcheck disable=SC2034
#
# The whole panther session as a user has it, for scripts/sandbox.sh and
# bench/daemons-idle: the real system bus and polkitd, power-profiles-daemon
# (fake driver: three profiles), a UPower mock (on AC, battery at 80%), a
# session bus with a notification server mock, a logind session for the test
# user, headless sway, the Niri stand-in, and panther-session in direct mode
# (as the test user, in the logind session) starting panther-polkit-agent
# (1Password through the stand-in op, the Wayland prompt) and panther-powerd.
# Source after lib.sh:
#
#   . "$PANTHER_SOURCE_DIR/tests/harness/full-session.sh"
#   fs_start [SAY]    # SAY: a command that prints each piece as it comes up
#
# A daemon that is not built is left out of the session (FS_HAVE_AGENT,
# FS_HAVE_PROMPT, FS_HAVE_POWERD are empty then); FS_AGENT_UP and
# FS_POWERD_UP say whether it came up.

FS_SESSION_BIN=$PANTHER_BUILD_DIR/session/panther-session
FS_AGENT_BIN=$PANTHER_BUILD_DIR/polkit-agent/panther-polkit-agent
FS_PROMPT_BIN=$PANTHER_BUILD_DIR/polkit-agent/card/panther-polkit-prompt
FS_POWERD_BIN=$PANTHER_BUILD_DIR/power/panther-powerd
FS_CTL=$PANTHER_BUILD_DIR/ipc/ctl/pantherctl
FS_NIRI_STANDIN=$PANTHER_SOURCE_DIR/tests/harness/niri-standin.py
FS_OP_STANDIN=$PANTHER_SOURCE_DIR/tests/harness/op-standin.sh
FS_PPD=(net.hadess.PowerProfiles /net/hadess/PowerProfiles net.hadess.PowerProfiles)
FS_UPOWER=(org.freedesktop.UPower /org/freedesktop/UPower org.freedesktop.UPower)
FS_DISPLAY_DEVICE=(org.freedesktop.UPower /org/freedesktop/UPower/devices/DisplayDevice
	org.freedesktop.UPower.Device)
FS_POWER1=(org.pantheros.Power1 /org/pantheros/Power1 org.pantheros.Power1)

fs__say() {
	[ -z "${FS_SAY:-}" ] || "$FS_SAY" "$@"
}

# fs_start [SAY]: starts all of it; fails (pn_fail) when a piece that is not
# panther's does not come up.
fs_start() {
	FS_SAY=${1:-}
	[ -x "$FS_SESSION_BIN" ] && [ -x "$FS_CTL" ] ||
		pn_fail "panther-session or pantherctl is not built in $PANTHER_BUILD_DIR"
	FS_HAVE_AGENT=1 FS_HAVE_PROMPT=1 FS_HAVE_POWERD=1
	[ -x "$FS_AGENT_BIN" ] || FS_HAVE_AGENT=
	[ -x "$FS_PROMPT_BIN" ] || FS_HAVE_PROMPT=
	[ -x "$FS_POWERD_BIN" ] || FS_HAVE_POWERD=

	pn_need_cmd pkexec sway wtype grim busctl "$PN_PYTHON"
	pn_system_bus_polkitd
	fs__say "system bus and polkitd $(dpkg-query -W -f='${Version}' polkitd 2>/dev/null): up"
	pn_test_user
	pn_ppd_real --fake-driver
	fs__say "power-profiles-daemon $(dpkg-query -W -f='${Version}' power-profiles-daemon 2>/dev/null) (fake driver): $(fs_ppd_profile)"
	pn_dbusmock --system upower -p '{"OnBattery": false}'
	pn__sysbus set-property "${FS_DISPLAY_DEVICE[@]}" IsPresent b true
	pn__sysbus set-property "${FS_DISPLAY_DEVICE[@]}" Type u 2
	pn__sysbus set-property "${FS_DISPLAY_DEVICE[@]}" Percentage d 80
	fs__say "UPower (mock): on AC, battery at 80%"
	pn_session_bus
	pn_dbusmock notification_daemon
	FS_NOTIFY_CALLS=$PN_DBUSMOCK_LOG
	fs__say "session bus, with a notification server (mock)"
	pn_fake_logind_session
	fs__say "logind session $PN_SESSION_ID for $PN_TEST_USER (active, seat0)"
	pn_sway
	fs__say "headless sway $(dpkg-query -W -f='${Version}' sway 2>/dev/null) as $PN_TEST_USER on $WAYLAND_DISPLAY"
	export NIRI_SOCKET=$PN_XDG_RUNTIME_DIR/niri.sock
	pn_spawn_as_user niri "$PN_PYTHON" "$FS_NIRI_STANDIN" "$NIRI_SOCKET"
	FS_NIRI_PID=$PN_PID
	pn_wait_for grep -qx ready "$PN_LOG" || pn_fail "the Niri stand-in did not start (see $PN_LOG)"
	fs__say "Niri (stand-in) at $NIRI_SOCKET"

	# What the stand-in op does is steered by files in its directory.
	FS_OP_DIR=$PN_XDG_RUNTIME_DIR/op
	install -d -m 0700 -o "$PN_TEST_USER" -g "$PN_TEST_USER" "$FS_OP_DIR"
	printf '%s' "$PN_TEST_PASSWORD" >"$FS_OP_DIR/password"
	echo right >"$FS_OP_DIR/mode"
	chown "$PN_TEST_USER:" "$FS_OP_DIR/password" "$FS_OP_DIR/mode"
	chmod 0600 "$FS_OP_DIR/password"
	ln -sf "$FS_OP_STANDIN" "$FS_OP_DIR/op"
	# The 1Password app it asks, in the logind session (its authorization
	# requests come to panther's agent).
	. "$PN_HARNESS_DIR/onepassword-app.sh"
	pn_onepassword_app "$FS_OP_DIR"
	fs__say "1Password app (stand-in) as $PN_TEST_USER"

	FS_CONFIG=$PN_TMP/config.json
	fs__config >"$FS_CONFIG"
	chmod 0644 "$FS_CONFIG"
	"$FS_CTL" check-config "$FS_CONFIG" >/dev/null 2>&1 ||
		pn_fail "the session's config is refused: $("$FS_CTL" check-config "$FS_CONFIG" 2>&1)"

	pn_spawn_in_session panther-session "$FS_SESSION_BIN" --config "$FS_CONFIG"
	FS_SESSION_PID=$PN_PID
	FS_SESSION_LOG=$PN_LOG
	pn_wait_for -t 15 fs_session_has "session is up" ||
		pn_fail "panther-session did not come up (see $FS_SESSION_LOG)"
	fs__say "panther-session (direct mode, in the logind session): up"
	FS_AGENT_UP=
	if [ -n "$FS_HAVE_AGENT" ]; then
		if pn_wait_for -t 10 fs_session_has "registered as the authentication agent for unix-session:$PN_SESSION_ID"; then
			FS_AGENT_UP=1
			fs__say "panther-polkit-agent: registered for the session"
			# As after the person's first authorization: the session's
			# requests are what this session shows.
			pn_app "$FS_OP_DIR" authorize "$(fs_service_pid polkit-agent)" ||
				pn_fail "the 1Password app stand-in could not authorize the agent's session"
		else
			fs__say "panther-polkit-agent: did not register (see $FS_SESSION_LOG)"
		fi
	fi
	FS_POWERD_UP=
	if [ -n "$FS_HAVE_POWERD" ]; then
		if pn_wait_for -t 10 busctl --user status org.pantheros.Power1; then
			FS_POWERD_UP=1
			fs__say "panther-powerd: on the session bus, ppd now $(fs_ppd_profile)"
		else
			fs__say "panther-powerd: not on the session bus (see $FS_SESSION_LOG)"
		fi
	fi
}

# The config: on AC performance, on battery power-saver, a cycle that goes
# performance -> balanced; 1Password first, the Wayland prompt; the two
# daemons that are built, at debug level.
fs__config() {
	local services=()
	if [ -n "$FS_HAVE_AGENT" ]; then
		services+=("$(printf '{"name": "polkit-agent", "argv": ["%s", "--verbose", "--config", "%s"], "restart": "on-failure", "env": {"PANTHER_TEST_OP_DIR": "%s", "PANTHER_PROMPT_PROGRAM": "%s"}}' \
			"$FS_AGENT_BIN" "$FS_CONFIG" "$FS_OP_DIR" "$FS_PROMPT_BIN")")
	fi
	if [ -n "$FS_HAVE_POWERD" ]; then
		services+=("$(printf '{"name": "powerd", "argv": ["%s", "--verbose", "--config", "%s"], "restart": "always"}' \
			"$FS_POWERD_BIN" "$FS_CONFIG")")
	fi
	local list
	list=$(
		IFS=,
		echo "${services[*]}"
	)
	cat <<-EOF
		{
		  "power": {
		    "on_ac": "performance",
		    "on_battery": "power-saver",
		    "cycle": ["performance", "balanced", "power-saver"],
		    "notify": true
		  },
		  "polkit": {
		    "onepassword": {
		      "enable": true,
		      "op": "$FS_OP_DIR/op",
		      "references": { "$PN_TEST_USER": "op://Sandbox/$PN_TEST_USER-login/password" },
		      "timeout_s": 10
		    },
		    "prompt": { "type": "wayland" }
		  },
		  "session": {
		    "mode": "direct",
		    "services": [ $list ]
		  }
		}
	EOF
}

# fs_session_has TEXT: panther-session's log (its services' output included)
# has a line containing TEXT.
fs_session_has() {
	grep -qF -- "$1" "$FS_SESSION_LOG"
}

# fs_ppd_profile: power-profiles-daemon's ActiveProfile (a bare word).
fs_ppd_profile() {
	local v
	v=$(pn__sysbus get-property "${FS_PPD[@]}" ActiveProfile 2>/dev/null) || return 1
	v=${v#s \"}
	echo "${v%\"}"
}

fs_ppd_is() {
	[ "$(fs_ppd_profile)" = "$1" ]
}

# fs_op_mode WORD: what the stand-in op does from now on (op-standin.sh);
# its call log starts afresh. fs_op_calls: how often it ran since.
fs_op_mode() {
	echo "$1" >"$FS_OP_DIR/mode"
	rm -f "$FS_OP_DIR"/calls "$FS_OP_DIR"/env.* "$FS_OP_DIR"/cmdline.* "$FS_OP_DIR"/pid.*
}

fs_op_calls() {
	if [ -e "$FS_OP_DIR/calls" ]; then wc -l <"$FS_OP_DIR/calls"; else echo 0; fi
}

# fs_service_pid NAME: the pid of a service of panther-session (its
# `pantherctl session status --json`), empty when it has none.
fs_service_pid() {
	"$FS_CTL" session status --json 2>/dev/null | "$PN_PYTHON" -c 'import json, sys
d = json.load(sys.stdin)
print(next((s["pid"] or "" for s in d["services"] if s["name"] == sys.argv[1]), ""))' "$1"
}

# fs_panther_in_session: "PID:COMM ..." of every panther program in the
# logind session's cgroup (empty when none).
fs_panther_in_session() {
	local f pid comm found=()
	for f in /sys/fs/cgroup/systemd"$PN_SESSION_CGROUP"/cgroup.procs \
		/sys/fs/cgroup"$PN_SESSION_CGROUP"/cgroup.procs; do
		[ -r "$f" ] || continue
		while read -r pid; do
			comm=$(cat "/proc/$pid/comm" 2>/dev/null) || continue
			[[ $comm == panther* ]] && found+=("$pid:$comm")
		done <"$f"
		break
	done
	echo "${found[*]}"
}

# fs_niri_quit: tells the Niri stand-in to quit, as niri does on exit.
fs_niri_quit() {
	"$PN_PYTHON" "$FS_NIRI_STANDIN" ctl "$NIRI_SOCKET.ctl" '{"cmd": "quit"}' >/dev/null
}
