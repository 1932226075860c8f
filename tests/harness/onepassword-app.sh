# shellcheck shell=bash
#
# The 1Password app stand-in (onepassword-app.py: its header says what it
# models) for the tests that run the op stand-in (op-standin.sh).
#
#   pn_onepassword_app DIR [SCALE]  starts it as the test user, one per test,
#                                   serving the op stand-in whose files are in
#                                   DIR; SCALE model minutes per real minute
#                                   (default 1). PN_APP_PID, PN_APP_LOG. In
#                                   the fake logind session once there is one
#                                   (its polkit requests then reach the
#                                   session's agent).
#   pn_app DIR COMMAND [ARGS]       lock | state | authorize PID | signout
#   pn_app_events DIR WORD          how many events WORD (ask, granted, ...)
PN_APP_SCRIPT=$PN_HARNESS_DIR/onepassword-app.py

pn_onepassword_app() {
	pn_need_cmd pkcheck
	local spawn=pn_spawn_as_user
	[ -n "${PN_IN_SESSION+x}" ] && spawn=pn_spawn_in_session
	"$spawn" 1password-app /usr/bin/python3 "$PN_APP_SCRIPT" serve "$1" --scale "${2:-1}"
	PN_APP_PID=$PN_PID
	PN_APP_LOG=$PN_LOG
	pn_wait_for test -S "$1/app.sock" || pn_fail "the 1Password app stand-in did not start (see $PN_APP_LOG)"
	export PN_APP_PID
}

pn_app() {
	local dir=$1
	shift
	pn_as_user /usr/bin/python3 "$PN_APP_SCRIPT" "$1" "$dir" "${@:2}"
}

# pn_app_events DIR PATTERN: how many of the app's events match PATTERN (grep -E,
# after the model time), e.g. "ask authorizeCLI".
pn_app_events() {
	cat "$1/app.events" 2>/dev/null | grep -cE "^[0-9]+ $2"
}
