#!/bin/bash
# What the card says about the requesting program is honest, with real
# polkitd and PAM (the command prompter stands in for the card: it gets the
# same text the Wayland prompt draws):
# - a program argument holding U+2028 (LINE SEPARATOR) and U+202E (RIGHT-TO-
#   LEFT OVERRIDE) shows as escaped text, on one line, in the prompt's
#   PANTHER_PROMPT_PROGRAM and in the agent's log;
# - a program whose /proc/PID/exe the agent cannot read (a process that made
#   itself non-dumpable) is shown as unverified: "claims to be ...".
set -u
. "$PANTHER_SOURCE_DIR/tests/harness/polkit-agent.sh"

action=org.freedesktop.policykit.exec
pk_setup 5
pk_write_config 5 false
pk_mode prompt right

# prompt_program N: PANTHER_PROMPT_PROGRAM as prompt call N received it.
prompt_program() {
	tr '\0' '\n' <"$PK_PROMPT/env.$1" | sed -n 's/^PANTHER_PROMPT_PROGRAM=//p'
}

# 1. A fake line under "Requested by", and a reversed file name.
ls=$'\u2028'
rlo=$'\u202e'
pn_spawn_as_user subject bash -c 'sleep 3600; :' tool "a${ls}Requested by /usr/bin/apt" "${rlo}txt.exe"
PK_SUBJECT=$PN_PID
pk_agent
pk_check "$action"
pk_expect_status 0 "request from a program with U+2028 in its arguments"
program=$(prompt_program 1)
want="/usr/bin/bash -c sleep 3600; : tool a<U+2028>Requested by /usr/bin/apt <U+202E>txt.exe"
[ "$program" = "$want" ] ||
	pn_fail "the prompt got PANTHER_PROMPT_PROGRAM \"$program\", expected \"$want\""
[ "$(tr '\0' '\n' <"$PK_PROMPT/env.1" | grep -c '^PANTHER_PROMPT_PROGRAM=')" -eq 1 ] ||
	pn_fail "PANTHER_PROMPT_PROGRAM is not one line"
grep -qF "from $want" "$PK_AGENT_LOG" ||
	pn_fail "the log does not show the program escaped: $(grep -F ' from ' "$PK_AGENT_LOG")"
for ch in "$ls" "$rlo"; do
	grep -aqF "$ch" "$PK_AGENT_LOG" "$PK_PROMPT/env.1" &&
		pn_fail "a raw $(printf '%s' "$ch" | od -An -tx1 | tr -d ' ') reached the log or the prompt"
done
pn_note "shown as: Requested by $program"
pk_stop_agent

# 2. /proc/PID/exe unreadable: the claim is shown as a claim.
pk_mode prompt right
pn_spawn_as_user hidden /usr/bin/python3 -c 'import ctypes, time
ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE 0: /proc/PID/exe hidden from the user
time.sleep(3600)' /usr/bin/apt
PK_SUBJECT=$PN_PID
pn_wait_for pn_as_user sh -c "! readlink /proc/$PK_SUBJECT/exe" ||
	pn_fail "the subject's /proc/PID/exe stayed readable for its user"
pk_agent
pk_check "$action"
pk_expect_status 0 "request from a program with an unreadable /proc/PID/exe"
program=$(prompt_program 1)
case $program in
"unverified program, claims to be /usr/bin/python3 -c import ctypes"*) ;;
*) pn_fail "an unreadable /proc/PID/exe was not shown as unverified: \"$program\"" ;;
esac
grep -qF "from unverified program, claims to be /usr/bin/python3" "$PK_AGENT_LOG" ||
	pn_fail "the log does not say the program is unverified"
pn_note "shown as: Requested by ${program:0:60}..."
pk_stop_agent
pn_pass
