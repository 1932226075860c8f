#!/bin/bash
# A `command` prompter for the polkit agent's tests. It behaves as told by
# files in $PANTHER_TEST_PROMPT_DIR:
#   mode      one word per call, the last one repeats:
#             right    print the password from the file "password" and a newline
#             wrong    print "not-the-password"
#             cancel   exit 1 without an answer
#             hang     never answer
#   password  the right answer
# Each call appends a line to "calls" ("N USER ACTION ERROR=..." from the
# PANTHER_PROMPT_* variables) and leaves its whole environment in env.N and
# its pid in pid.N. Two prompts open at once add a line to "overlap".
set -u
dir=${PANTHER_TEST_PROMPT_DIR:?PANTHER_TEST_PROMPT_DIR is not set}
exec 9>>"$dir/lock"
flock 9
n=1
[ -e "$dir/calls" ] && n=$(($(wc -l <"$dir/calls") + 1))
printf '%s user=%s action=%s error=%s program=%s question=%s\n' "$n" \
	"${PANTHER_PROMPT_USER-}" "${PANTHER_PROMPT_ACTION-}" "${PANTHER_PROMPT_ERROR-}" \
	"${PANTHER_PROMPT_PROGRAM-}" "${PANTHER_PROMPT_QUESTION-}" >>"$dir/calls"
flock -u 9
cat /proc/$$/environ >"$dir/env.$n"
echo $$ >"$dir/pid.$n"
mkdir "$dir/open" 2>/dev/null || echo "$n" >>"$dir/overlap"
trap 'rmdir "$dir/open" 2>/dev/null' EXIT

read -r -a modes <"$dir/mode"
i=$((n - 1))
[ "$i" -lt "${#modes[@]}" ] || i=$((${#modes[@]} - 1))
case ${modes[$i]} in
right)
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
