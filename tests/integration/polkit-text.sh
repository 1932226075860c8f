#!/bin/bash
# What the card says about the requesting program is honest, with real
# polkitd and PAM (the command prompter stands in for the card: it gets the
# same text the Wayland prompt draws):
# - a program argument holding U+2028 (LINE SEPARATOR) and U+202E (RIGHT-TO-
#   LEFT OVERRIDE) shows as escaped text, on one line, in the prompt's
#   PANTHER_PROMPT_PROGRAM and in the agent's log;
# - a program whose /proc/PID/exe the agent cannot read (a process that made
#   itself non-dumpable) is shown as unverified: "claims to be ...";
# - a request through pkexec names pkexec's parent as such and the whole
#   command pkexec will run, checked against polkit's message.
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

# 3. pkexec: polkit's subject is pkexec's parent, and what pkexec will run is
# shown whole, taken from pkexec's command line and checked against polkit's
# message (the program alone on polkit 122; later pkexecs quote the command,
# shortened in the middle past 80 bytes).
pn_need_cmd pkexec
pk_mode prompt right
go=$PN_TMP/go
mkfifo -m 0666 "$go"
long=$(printf 'x%.0s' {1..60})
pn_spawn_as_user pkexec-parent bash -c 'read -r _ <"$1"; pkexec --disable-internal-agent echo start "$2" end; sleep 3600' \
	sh "$go" "$long"
PK_SUBJECT=$PN_PID
pk_agent
echo go >"$go"
pn_wait_for grep -q "request 1: .* authorized" "$PK_AGENT_LOG" ||
	pn_fail "pkexec's request was not authorized (see $PK_AGENT_LOG)"
program=$(prompt_program 1)
case $program in
"/usr/bin/bash -c read -r _"*"(pkexec's parent); pkexec will run /usr/bin/echo start $long end") ;;
*) pn_fail "the card does not say what pkexec will run and who asked: \"$program\"" ;;
esac
message=$(tr '\0' '\n' <"$PK_PROMPT/env.1" | sed -n 's/^PANTHER_PROMPT_MESSAGE=//p')
case $message in
*"\`/usr/bin/echo'"*) pn_note "polkit's message names the program alone (polkit 122)" ;;
*"\`/usr/bin/echo start xx"*" ... "*"xx end'"*) pn_note "polkit's message shortens the command" ;;
*) pn_fail "polkit's message shows neither the program nor the shortened command: \"$message\"" ;;
esac
grep -q "start xx.* end" "$PN_TMP/pkexec-parent.log" || pn_fail "pkexec did not run the command"
pn_note "polkit says: $message"
pn_note "shown as: Requested by ...${program: -110}"
pk_stop_agent
pn_pass
