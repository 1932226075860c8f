#!/bin/bash
# Hostile D-Bus calls to org.pantheros.Power1 (panther-powerd, as root),
# org.pantheros.Session1 (panther-session, as root) and
# org.pantheros.PolkitAgent1 (the agent, as the test user), on a bus whose
# policy lets every user in:
# - every method and property call with wrong argument types, missing and
#   extra arguments, unknown members, a 120 KB string, control characters:
#   an error reply each (no timeout), and the daemons keep running;
# - every method, property and Introspect called correctly from another
#   user (the test user for the root daemons, "nobody" for all three):
#   AccessDenied, and nothing changes (the profile, the session's services);
# - a session bus with the standard policy does not even let another user
#   connect.
set -u
. "$PANTHER_SOURCE_DIR/tests/faults/lib.sh"
. "$PANTHER_SOURCE_DIR/tests/harness/polkit-agent.sh"

pn_need_cmd "$PN_PYTHON" busctl
pk_setup 5
pk_subject
pk_agent
PPD_TEMPLATE=$PANTHER_SOURCE_DIR/tests/harness/ppd_template.py
pn_dbusmock --system "$PPD_TEMPLATE" -p '{"ActiveProfile": "balanced"}'

printf '%s\n' '{"power": {"on_ac": "balanced"}}' >"$PN_TMP/power.json"
pn_spawn powerd "$FT_POWERD" --config "$PN_TMP/power.json"
POWERD_PID=$PN_PID
POWERD_LOG=$PN_LOG
pn_wait_for busctl --user status org.pantheros.Power1 || pn_fail "panther-powerd did not start (see $POWERD_LOG)"

ft_niri
ft_session_direct
sleeper=$(pgrep -P "$SESSION_PID" -x sleep)

POWER1=(org.pantheros.Power1 /org/pantheros/Power1)
SESSION1=(org.pantheros.Session1 /org/pantheros/Session1)
AGENT1=(org.pantheros.PolkitAgent1 /org/pantheros/PolkitAgent1)
PROPS=org.freedesktop.DBus.Properties
calls=0

# expect_error WHO NAME_PATTERN -- BUSCTL_ARGS...: the call gets an error
# reply whose name or text matches NAME_PATTERN (an ERE), quickly.
expect_error() {
	local who=$1 pattern=$2 out rc
	shift 3
	local prefix=()
	case $who in
	root) prefix=() ;;
	user) prefix=("${PN_AS_USER[@]}") ;;
	nobody) prefix=(setpriv --reuid nobody --regid nogroup --clear-groups) ;;
	esac
	out=$("${prefix[@]}" busctl --user --timeout=5 "$@" 2>&1)
	rc=$?
	calls=$((calls + 1))
	[ "$rc" -ne 0 ] || pn_fail "$who: busctl $*: succeeded: $out"
	[[ $out == *"timed out"* || $out == *"Timeout"* ]] && pn_fail "$who: busctl $*: no reply: $out"
	[[ $out =~ $pattern ]] || pn_fail "$who: busctl $*: expected /$pattern/, got: $out"
}

# wrong_args DEST PATH IFACE METHOD GOOD_SIG: the method with every
# signature but its own.
wrong_args() {
	local dest=$1 path=$2 iface=$3 method=$4 good=$5 sig
	local -a variants=("" "s x" "i 42" "ss a b" "as 2 a b" "v s x" "a{sv} 0" "(si) x 1" "b true" "o /x" "ay 3 1 2 3")
	for sig in "${variants[@]}"; do
		# shellcheck disable=SC2086 # the words of a call
		[ "${sig%% *}" = "$good" ] && continue
		[ -z "$sig" ] && [ -z "$good" ] && continue
		# shellcheck disable=SC2086
		expect_error root 'InvalidArgs|Invalid argument|expects arguments' -- call "$dest" "$path" "$iface" "$method" $sig
	done
}

pn_note "wrong argument types"
for m in "Set s" "Cycle" "Auto"; do
	set -- $m
	wrong_args "${POWER1[@]}" org.pantheros.Power1 "$1" "${2:-}"
done
for m in "ListServices" "Restart s" "Stop"; do
	set -- $m
	wrong_args "${SESSION1[@]}" org.pantheros.Session1 "$1" "${2:-}"
done
declare -A read_only=([POWER1]=ActiveProfile [SESSION1]=Mode [AGENT1]=Version)
for target in POWER1 SESSION1 AGENT1; do
	# shellcheck disable=SC2178 # a name reference to one of the arrays
	declare -n t=$target
	iface=${t[0]}
	wrong_args "${t[@]}" "$PROPS" Get ss
	wrong_args "${t[@]}" "$PROPS" GetAll s
	expect_error root 'No property|UnknownProperty' -- call "${t[@]}" "$PROPS" Set ssv "$iface" Nope s x
	expect_error root 'No property|UnknownProperty' -- call "${t[@]}" "$PROPS" Get ss "$iface" Nope
	expect_error root 'PropertyReadOnly|InvalidArgs|read-only|not writable|AccessDenied' -- call "${t[@]}" "$PROPS" Set ssv "$iface" "${read_only[$target]}" s 9
	expect_error root 'has no interface' -- call "${t[@]}" "$PROPS" GetAll s org.example.Nothing
	expect_error root 'UnknownMethod|Unknown method|No method' -- call "${t[@]}" "$iface" Frobnicate
	expect_error root 'has no interface' -- call "${t[@]}" org.example.Nothing Frobnicate
	expect_error root 'takes no arguments' -- call "${t[@]}" org.freedesktop.DBus.Introspectable Introspect s x
	unset -n t
done
pn_note "bad values"
big=$(head -c 120000 /dev/zero | tr '\0' x)
expect_error root 'UnknownProfile|unknown profile' -- call "${POWER1[@]}" org.pantheros.Power1 Set s "$big"
expect_error root 'UnknownProfile|unknown profile' -- call "${POWER1[@]}" org.pantheros.Power1 Set s $'bal\nanced\e[31m'
expect_error root 'UnknownService|no service' -- call "${SESSION1[@]}" org.pantheros.Session1 Restart s "$big"
expect_error root 'UnknownService|no service' -- call "${SESSION1[@]}" org.pantheros.Session1 Restart s $'a\nb'
expect_error root 'read-only' -- call "${POWER1[@]}" "$PROPS" Set ssv org.pantheros.Power1 ActiveProfile i 3
# Every error the daemons logged is one line of reasonable length.
for log in "$POWERD_LOG" "$SESSION_LOG" "$PK_AGENT_LOG"; do
	awk 'length($0) > 400 { exit 1 }' "$log" || pn_fail "a line longer than 400 bytes in $log"
done

pn_note "the right calls from another user"
# denied_all WHO TARGET METHOD_CALLS...: every call AccessDenied.
for who in user nobody; do
	calls_as() {
		local target=$1
		shift
		# shellcheck disable=SC2178 # a name reference to one of the arrays
	declare -n t=$target
		local iface=${t[0]} call
		for call in "$@"; do
			# shellcheck disable=SC2086
			expect_error "$who" 'Access denied' -- call "${t[@]}" $call
		done
		expect_error "$who" 'Access denied' -- call "${t[@]}" "$PROPS" GetAll s "$iface"
		expect_error "$who" 'Access denied' -- call "${t[@]}" org.freedesktop.DBus.Introspectable Introspect
		unset -n t
	}
	calls_as POWER1 "org.pantheros.Power1 Set s performance" "org.pantheros.Power1 Cycle" \
		"org.pantheros.Power1 Auto" "$PROPS Get ss org.pantheros.Power1 ActiveProfile"
	calls_as SESSION1 "org.pantheros.Session1 ListServices" "org.pantheros.Session1 Restart s sleeper" \
		"org.pantheros.Session1 Stop" "$PROPS Get ss org.pantheros.Session1 Mode"
	if [ "$who" = nobody ]; then
		calls_as AGENT1 "$PROPS Get ss org.pantheros.PolkitAgent1 Requests"
	fi
done
[ "$(busctl --system get-property net.hadess.PowerProfiles /net/hadess/PowerProfiles net.hadess.PowerProfiles ActiveProfile)" = 's "balanced"' ] ||
	pn_fail "a call from another user changed the profile"
[ "$(busctl --user get-property "${POWER1[@]}" org.pantheros.Power1 Mode)" = 's "auto"' ] ||
	pn_fail "a call from another user changed the mode"
pn_alive "$sleeper" || pn_fail "a call from another user restarted the service"
pn_alive "$SESSION_PID" || pn_fail "panther-session died (see $SESSION_LOG)"
pn_alive "$POWERD_PID" || pn_fail "panther-powerd died (see $POWERD_LOG)"
# Root may still read and act.
busctl --user get-property "${POWER1[@]}" org.pantheros.Power1 ActiveProfile >/dev/null ||
	pn_fail "root can no longer read Power1"
busctl --user call "${SESSION1[@]}" org.pantheros.Session1 ListServices >/dev/null ||
	pn_fail "root can no longer list the services"
busctl --user get-property "${AGENT1[@]}" org.pantheros.PolkitAgent1 State >/dev/null ||
	pn_fail "root can no longer read the agent's state"
pn_note "$calls hostile calls, all answered with an error"

pn_note "the standard session-bus policy keeps other users out"
pn_spawn std-bus dbus-daemon --session --address="unix:path=$PN_TMP/std-bus" --nofork --nopidfile
pn_wait_for busctl --address="unix:path=$PN_TMP/std-bus" status || pn_fail "the standard session bus did not start"
for who in pktest nobody; do
	out=$(setpriv --reuid "$who" --regid "$(id -g "$who")" --clear-groups \
		busctl --address="unix:path=$PN_TMP/std-bus" --timeout=5 status 2>&1)
	[ $? -ne 0 ] || pn_fail "$who connected to root's session bus: $out"
done

ft_stop panther-powerd "$POWERD_PID" "$POWERD_LOG"
ft_stop panther-session "$SESSION_PID" "$SESSION_LOG"
pk_stop_agent
pn_pass
