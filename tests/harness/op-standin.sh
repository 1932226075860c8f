#!/bin/bash
# A stand-in for 1Password's `op` in the polkit agent's tests. Signing in
# through the desktop app is modelled by the app stand-in
# (onepassword-app.py, next to this file; its header names the sources):
# before it reads, op asks the app, which authorizes op's terminal session
# or raises polkit's authorizeCLI/unlock as 1Password does; no app running
# is op's "cannot connect to 1Password app". What op then answers is as
# told by files in its directory: $PANTHER_TEST_OP_DIR, else the directory
# it was started from (the agent gives op no such variable: a test runs it
# through a symlink DIR/op). Never by the rest of the environment, which the
# tests inspect for secrets:
#   mode      one word per call, the last one repeats:
#             right    print the password from the file "password" (no newline)
#             slow     the same after 0.2 s (two runs at once then overlap)
#             wrong    print "not-the-password"
#             dismiss  fail like op when the approval is dismissed (exit 1),
#                      without asking the app
#             hang     never answer, without asking the app
#             garbage  print the password with a newline in the middle
#             huge     print 10 MiB
#             nested   ask polkit for com.1password.1Password.authorizeCLI for the
#                      process in the file "subject" (pkcheck) and wait for it,
#                      then answer as "right" (without asking the app)
#   password  the right answer
# `op whoami` and `op signout [--all]` only ask the app (signout ends the
# terminal session's authorization, --all every one); they are logged in
# "calls" too.
# `op --version` prints a version as op 2.30 does, and is not counted.
# Each call appends its number and arguments to "calls" and leaves its
# environment and command line in env.N and cmdline.N (NUL-separated, as in
# /proc), its pid in pid.N, how it signed in in auth.N ("app" or
# "service-account"), and for "nested" the exit status of pkcheck in nested.N.
#
# Signing in as op 2.30 does (service accounts need 2.18 or later): with
# OP_SERVICE_ACCOUNT_TOKEN in its environment op uses that service account
# and never asks the desktop app, so no approval is shown: "dismiss" and
# "nested" answer as "right" then. A token that does not start with "ops_"
# is refused (exit 1) before anything is read. Without the variable op asks
# the 1Password app (the modes above).
# Two runs at once (but "hang") add a line to "overlap".
set -u
if [ "$*" = --version ]; then
	echo 2.30.3
	exit 0
fi
dir=${PANTHER_TEST_OP_DIR:-$(dirname "$0")}
app=$(dirname "$(readlink -f "$0")")/onepassword-app.py
[ -e "$dir/mode" ] || {
	echo "op-standin: no file \"mode\" in $dir" >&2
	exit 2
}
exec 9>>"$dir/lock"
flock 9
n=1
[ -e "$dir/calls" ] && n=$(($(wc -l <"$dir/calls") + 1))
printf '%s %s\n' "$n" "$*" >>"$dir/calls"
flock -u 9
case ${1:-} in
whoami)
	[ -n "${OP_SERVICE_ACCOUNT_TOKEN+set}" ] || exec /usr/bin/python3 "$app" read "$dir"
	exit 0
	;;
signout)
	[ "${2:-}" = --all ] && exec /usr/bin/python3 "$app" signout-all "$dir"
	exec /usr/bin/python3 "$app" signout "$dir"
	;;
esac
cat /proc/$$/environ >"$dir/env.$n"
cat /proc/$$/cmdline >"$dir/cmdline.$n"
echo $$ >"$dir/pid.$n"

read -r -a modes <"$dir/mode"
i=$((n - 1))
[ "$i" -lt "${#modes[@]}" ] || i=$((${#modes[@]} - 1))
mode=${modes[$i]}
if [ "$mode" != hang ]; then
	mkdir "$dir/running" 2>/dev/null || echo "$n" >>"$dir/overlap"
	trap 'rmdir "$dir/running" 2>/dev/null' EXIT
fi

if [ -n "${OP_SERVICE_ACCOUNT_TOKEN+set}" ]; then
	echo service-account >"$dir/auth.$n"
	case $OP_SERVICE_ACCOUNT_TOKEN in
	ops_?*) ;;
	*)
		echo "[ERROR] $(date '+%Y/%m/%d %H:%M:%S') error initializing client: invalid service account token" >&2
		exit 1
		;;
	esac
	case $mode in
	dismiss | nested) mode=right ;;
	esac
else
	echo app >"$dir/auth.$n"
	case $mode in
	dismiss | hang | nested) ;;
	*) /usr/bin/python3 "$app" read "$dir" || exit 1 ;;
	esac
fi

right() {
	cat "$dir/password"
}

case $mode in
right)
	right
	;;
slow)
	sleep 0.2
	right
	;;
wrong)
	printf 'not-the-password'
	;;
dismiss)
	echo "[ERROR] 2026/11/22 10:00:00 authorization prompt dismissed" >&2
	exit 1
	;;
hang)
	exec sleep 3600
	;;
garbage)
	printf 'pktest\n'
	right
	;;
huge)
	head -c 10485760 /dev/zero | tr '\0' a
	;;
nested)
	pkcheck -a com.1password.1Password.authorizeCLI -p "$(cat "$dir/subject")" -u >/dev/null 2>&1
	echo $? >"$dir/nested.$n"
	right
	;;
*)
	echo "op-standin: unknown mode \"$mode\"" >&2
	exit 2
	;;
esac
