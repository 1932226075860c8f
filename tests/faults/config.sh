#!/bin/bash
# 30 broken config files (wrong types, unknown keys, huge numbers, invalid
# UTF-8, 10 MiB, a directory, an unreadable file, a FIFO, ...):
# - pantherctl check-config and each daemon at start say one line naming the
#   file, and the daemons exit 78;
# - panther-powerd, running, re-reads each of them on SIGHUP: one line
#   "(keeping the configuration in use)" each, it keeps serving, and its
#   policy is still the one of the last good file; a good file afterwards is
#   taken.
# The daemons run as the test user, so an unreadable file is unreadable.
set -u
. "$PANTHER_SOURCE_DIR/tests/faults/lib.sh"
. "$PANTHER_SOURCE_DIR/tests/integration/power-lib.sh"

pn_require_root
pn_test_user
cases=$PN_TMP/cases
mkdir -p "$cases"

# bad NAME TEXT: a case whose file holds TEXT (printf %b: \xff is a byte).
names=()
bad() {
	names+=("$1")
	printf '%b' "$2" >"$cases/$1.json"
}
bad not-json '{"power": {'
bad empty ''
bad top-array '[]'
bad top-string '"power"'
bad section-number '{"power": 1}'
bad profile-number '{"power": {"on_ac": 3}}'
bad profile-unknown '{"power": {"on_battery": "turbo"}}'
bad profile-null '{"power": {"on_ac": null}}'
bad unknown-section '{"powr": {}}'
bad unknown-key '{"power": {"on_ac2": "balanced"}}'
bad unknown-nested-key '{"polkit": {"onepassword": {"enabled": true}}}'
bad percent-huge '{"power": {"low_battery": {"percent": 1e400}}}'
bad after-huge '{"power": {"idle": {"after_s": 99999999999999999999999999}}}'
bad after-negative '{"power": {"idle": {"after_s": -1}}}'
bad percent-over '{"power": {"low_battery": {"percent": 101}}}'
bad percent-fraction '{"power": {"low_battery": {"percent": 20.5}}}'
bad timeout-huge '{"polkit": {"onepassword": {"timeout_s": 18446744073709551616}}}'
bad notify-string '{"power": {"notify": "yes"}}'
bad utf8-value '{"power": {"host": "zeph\xff\xferus"}}'
bad utf8-key '{"power": {"\xc3\x28": 1}}'
bad bom '\xef\xbb\xbf{}'
bad nul-escape '{"power": {"host": "a\\u0000b"}}'
bad trailing '{} {}'
bad cycle-empty '{"power": {"cycle": []}}'
bad regex '{"power": {"app_rules": [{"app_id": "(", "profile": "performance"}]}}'
bad reference '{"polkit": {"onepassword": {"references": {"alice": "op:/x"}}}}'
bad services-dup '{"session": {"services": [{"name": "a", "argv": ["x"]}, {"name": "a", "argv": ["y"]}]}}'
bad services-cycle '{"session": {"services": [{"name": "a", "argv": ["x"], "after": ["b"]}, {"name": "b", "argv": ["y"], "after": ["a"]}]}}'
bad import-env '{"session": {"import_env": ["1X"]}}'
bad deep "$(printf '%.0s[' {1..5000})"
# 10 MiB: a valid document, padded with spaces.
names+=(huge)
{
	printf '{"power": {}}'
	head -c $((10 * 1024 * 1024)) /dev/zero | tr '\0' ' '
} >"$cases/huge.json"
# Not files at all, or not readable by the user.
names+=(directory unreadable fifo)
mkdir "$cases/directory.json"
printf '{}' >"$cases/unreadable.json"
chmod 0200 "$cases/unreadable.json"
mkfifo "$cases/fifo.json"
chown -R "$PN_TEST_USER:" "$cases"
chmod 0755 "$cases"
[ "${#names[@]}" -ge 30 ] || pn_fail "only ${#names[@]} cases"
pn_note "${#names[@]} broken files"

# one_line WHAT FILE OUT: OUT is exactly one line, naming FILE.
one_line() {
	local n
	n=$(wc -l <"$3")
	[ "$n" -eq 1 ] || pn_fail "$1: $n lines instead of one: $(head -c 600 "$3")"
	grep -qF -- "$2" "$3" || pn_fail "$1: the line does not name $2: $(cat "$3")"
	[ "$(wc -c <"$3")" -lt 400 ] || pn_fail "$1: a line of $(wc -c <"$3") bytes"
}

daemons=("$FT_POWERD" "$FT_SESSION")
[ -x "$FT_AGENT" ] && daemons+=("$FT_AGENT")

pn_note "check-config and every daemon at start: one line, exit 78"
for name in "${names[@]}"; do
	f=$cases/$name.json
	timeout 10 "${PN_AS_USER[@]}" "$FT_CTL" check-config "$f" >"$PN_TMP/out" 2>"$PN_TMP/err"
	rc=$?
	[ "$rc" -eq 1 ] || pn_fail "check-config $name: exit $rc, expected 1"
	[ -s "$PN_TMP/out" ] && pn_fail "check-config $name printed on stdout: $(cat "$PN_TMP/out")"
	one_line "check-config $name" "$f" "$PN_TMP/err"
	check_line=$(cat "$PN_TMP/err")
	for d in "${daemons[@]}"; do
		timeout 10 "${PN_AS_USER[@]}" "$d" --config "$f" >"$PN_TMP/out" 2>"$PN_TMP/err"
		rc=$?
		[ "$rc" -eq 78 ] || pn_fail "$(basename "$d") with $name: exit $rc, expected 78 ($(head -c 300 "$PN_TMP/err"))"
		cat "$PN_TMP/out" >>"$PN_TMP/err"
		one_line "$(basename "$d") with $name" "$f" "$PN_TMP/err"
		# The same verdict as check-config, behind the daemon's prefix.
		grep -qF -- "$check_line" "$PN_TMP/err" ||
			pn_fail "$(basename "$d") with $name said '$(cat "$PN_TMP/err")', check-config '$check_line'"
	done
done
pn_note "examples: $(for n in utf8-value huge directory unreadable; do
	"${PN_AS_USER[@]}" "$FT_CTL" check-config "$cases/$n.json" 2>&1 | sed "s|$cases/||"
done | tr '\n' '|')"

pn_note "panther-powerd re-reads each of them on SIGHUP and keeps its config"
power_mocks
conf=$PN_TMP/home/config.json
install -d -m 0755 -o "$PN_TEST_USER" "$PN_TMP/home"
good='{"power": {"on_ac": "performance", "on_battery": "balanced", "manual": "never"}}'
printf '%s\n' "$good" >"$conf"
chmod 0644 "$conf"
# Not --verbose: every line it writes here is one the user would see.
pn_spawn_as_user powerd "$FT_POWERD" --config "$conf"
POWERD_PID=$PN_PID
POWERD_LOG=$PN_LOG
pn_wait_for busctl --user status org.pantheros.Power1 ||
	pn_fail "panther-powerd did not start (see $POWERD_LOG)"
expect_ppd performance "on_ac of the first config"
for name in "${names[@]}"; do
	rm -rf "$conf"
	if [ -d "$cases/$name.json" ]; then
		mkdir "$conf"
	elif [ -p "$cases/$name.json" ]; then
		mkfifo "$conf"
	else
		cp -p "$cases/$name.json" "$conf"
	fi
	chown "$PN_TEST_USER:" "$conf"
	ft_mark "$POWERD_LOG"
	kill -HUP "$POWERD_PID"
	pn_wait_for -t 10 ft_logged "$POWERD_LOG" "keeping the configuration in use" ||
		pn_fail "no line for the reload of $name (see $POWERD_LOG)"
	sleep 0.05
	ft_since "$POWERD_LOG" >"$PN_TMP/reload.out"
	one_line "reload of $name" "$conf" "$PN_TMP/reload.out"
	pn_alive "$POWERD_PID" || pn_fail "panther-powerd died reloading $name"
done
rm -rf "$conf"
pn_wait_for busctl --user status org.pantheros.Power1 || pn_fail "Power1 no longer answers"
# The first config still applies: manual "never" and its profiles.
ctl_ok power set power-saver
expect_ppd power-saver "set"
expect_prop Mode 's "auto"' "Mode under the kept manual: never"
unplug
expect_ppd balanced "on_battery of the kept config"
plug
expect_ppd performance "on_ac of the kept config"

pn_note "a good file is taken again"
printf '%s\n' '{"power": {"on_ac": "power-saver", "on_battery": "balanced"}}' >"$conf"
chmod 0644 "$conf"
ft_mark "$POWERD_LOG"
kill -HUP "$POWERD_PID"
ft_expect_log "$POWERD_LOG" "configuration reloaded"
expect_ppd power-saver "on_ac of the new config"
ft_stop panther-powerd "$POWERD_PID" "$POWERD_LOG"
pn_pass
