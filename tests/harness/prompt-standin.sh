#!/bin/bash
# A `command` prompter for the polkit agent's tests, acting like a person at
# the card. It behaves as told by files in $PANTHER_TEST_PROMPT_DIR:
#   mode      one word per question, the last one repeats:
#             right    print the password from the file "password" and a newline
#                      (over 1Password's answer when the field is filled)
#             wrong    print "not-the-password"
#             confirm  with PANTHER_PROMPT_FILL=filled: exit 0 printing nothing
#                      (Enter on 1Password's answer); otherwise exit 1
#             cancel   exit 1 without an answer
#             hang     never answer
#             early    like right, but also while 1Password is still asked
#             person   a filled card: confirm; any other: right, and a line
#                      in "typed" (a password the person had to type)
#   password  the right answer
# While 1Password is asked (PANTHER_PROMPT_FILL=pending) a person waits for
# it: the stand-in appends a line to "pending" and sleeps until the agent
# starts it again (modes other than "early"). Otherwise each call appends a
# line to "calls" ("N user=... action=... error=... fill=..." from the
# PANTHER_PROMPT_* variables) and leaves its whole environment in env.N and
# its pid in pid.N. Two prompts open at once add a line to "overlap".
set -u
dir=${PANTHER_TEST_PROMPT_DIR:?PANTHER_TEST_PROMPT_DIR is not set}
read -r -a modes <"$dir/mode"
if [ "${PANTHER_PROMPT_FILL-}" = pending ] && [ "${modes[*]}" = "${modes[*]/early/}" ]; then
	printf 'user=%s action=%s\n' "${PANTHER_PROMPT_USER-}" "${PANTHER_PROMPT_ACTION-}" >>"$dir/pending"
	exec sleep 3600
fi
exec 9>>"$dir/lock"
flock 9
n=1
[ -e "$dir/calls" ] && n=$(($(wc -l <"$dir/calls") + 1))
printf '%s user=%s action=%s error=%s program=%s question=%s fill=%s purpose=%s then=%s\n' "$n" \
	"${PANTHER_PROMPT_USER-}" "${PANTHER_PROMPT_ACTION-}" "${PANTHER_PROMPT_ERROR-}" \
	"${PANTHER_PROMPT_PROGRAM-}" "${PANTHER_PROMPT_QUESTION-}" "${PANTHER_PROMPT_FILL-}" \
	"${PANTHER_PROMPT_PURPOSE-}" "${PANTHER_PROMPT_THEN-}" >>"$dir/calls"
flock -u 9
cat /proc/$$/environ >"$dir/env.$n"
echo $$ >"$dir/pid.$n"
mkdir "$dir/open" 2>/dev/null || echo "$n" >>"$dir/overlap"
trap 'rmdir "$dir/open" 2>/dev/null' EXIT

i=$((n - 1))
[ "$i" -lt "${#modes[@]}" ] || i=$((${#modes[@]} - 1))
case ${modes[$i]} in
right | early)
	cat "$dir/password"
	echo
	;;
confirm)
	[ "${PANTHER_PROMPT_FILL-}" = filled ] || exit 1
	;;
person)
	[ "${PANTHER_PROMPT_FILL-}" = filled ] && exit 0
	echo "$n ${PANTHER_PROMPT_ACTION-}" >>"$dir/typed"
	cat "$dir/password"
	echo
	;;
wrong)
	echo not-the-password
	;;
cancel)
	exit 1
	;;
hang)
	sleep 3600 &
	wait
	;;
*)
	echo "prompt-standin: unknown mode \"${modes[$i]}\"" >&2
	exit 2
	;;
esac
