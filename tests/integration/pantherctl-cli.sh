#!/bin/bash
# pantherctl as a user meets it: help, version, usage errors and check-config.
set -u
ctl=${PANTHERCTL:?PANTHERCTL is not set}
configs=${PANTHER_SOURCE_DIR:?PANTHER_SOURCE_DIR is not set}/tests/configs
tmp=$(mktemp -d /tmp/panther-cli.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# run ARGS...: runs pantherctl, leaving the status in $status, output in $out and $err.
run() {
	"$ctl" "$@" >"$tmp/out" 2>"$tmp/err"
	status=$?
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
}

expect_status() {
	[ "$status" -eq "$1" ] || fail "$2: exit status $status, expected $1 (stderr: $err)"
}

expect_one_line() {
	local lines
	lines=$(wc -l <"$tmp/$1")
	[ "$lines" -eq 1 ] || fail "$2: $lines lines on std$1, expected one"
}

run version
expect_status 0 "version"
[[ $out =~ ^pantherctl\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "version printed '$out'"
run --version
[ "$status" -eq 0 ] && [[ $out == pantherctl\ * ]] || fail "--version: '$out' ($status)"

run --help
expect_status 0 "--help"
[[ $out == *"Usage: pantherctl"* && $out == *"check-config [FILE]"* ]] ||
	fail "--help does not show the usage"

run
expect_status 2 "no command"

run frobnicate
expect_status 2 "unknown command"
expect_one_line err "unknown command"
[[ $err == *'"frobnicate"'* ]] || fail "unknown command: stderr does not name it: $err"

run version extra
expect_status 2 "version with an argument"

# check-config
good=$configs/example.json
run check-config "$good"
expect_status 0 "check-config on a good file"
[ "$out" = "$good: ok" ] || fail "check-config good file printed '$out'"
[ -z "$err" ] || fail "check-config good file wrote to stderr: $err"

run --config "$good" check-config
expect_status 0 "check-config --config"
[ "$out" = "$good: ok" ] || fail "check-config --config printed '$out'"

bad=$configs/bad-profile.json
run check-config "$bad"
expect_status 1 "check-config on a bad file"
expect_one_line err "check-config on a bad file"
expected="$bad: power.on_battery: unknown profile \"turbo\" (expected one of power-saver, balanced, performance)"
[ "$err" = "$expected" ] || fail "check-config bad file said '$err'"
[ -z "$out" ] || fail "check-config bad file wrote to stdout: $out"

printf '{"power": {"on_ac": "balanced",}}' >"$tmp/syntax.json"
run check-config "$tmp/syntax.json"
expect_status 1 "check-config on invalid JSON"
expect_one_line err "check-config on invalid JSON"
[ "$err" = "$tmp/syntax.json: line 1, column 32: invalid JSON: unexpected character" ] ||
	fail "check-config invalid JSON said '$err'"

run check-config "$tmp/missing.json"
expect_status 0 "check-config on a missing file"
[ "$out" = "$tmp/missing.json: no config file, defaults apply" ] ||
	fail "check-config missing file printed '$out'"

run check-config "$tmp"
expect_status 1 "check-config on a directory"
expect_one_line err "check-config on a directory"
[ "$err" = "$tmp: is a directory (expected a JSON file)" ] ||
	fail "check-config directory said '$err'"

mkdir -p "$tmp/xdg/panther"
cp "$bad" "$tmp/xdg/panther/config.json"
XDG_CONFIG_HOME=$tmp/xdg run check-config
expect_status 1 "check-config on the default path"
[[ $err == "$tmp/xdg/panther/config.json: power.on_battery: "* ]] ||
	fail "check-config default path said '$err'"
XDG_CONFIG_HOME=$tmp/nothing-here run check-config
expect_status 0 "check-config without any file"
[ "$out" = "$tmp/nothing-here/panther/config.json: no config file, defaults apply" ] ||
	fail "check-config without any file printed '$out'"

# A service-account token file: checked as the agent checks it.
printf 'ops_token\n' >"$tmp/op-token"
chmod 0640 "$tmp/op-token"
printf '{"polkit":{"onepassword":{"mode":"service-account","token_file":"%s"}}}' \
	"$tmp/op-token" >"$tmp/token.json"
run check-config "$tmp/token.json"
expect_status 1 "check-config with a group-readable token file"
expect_one_line err "check-config with a group-readable token file"
[ "$err" = "$tmp/token.json: polkit.onepassword.token_file: $tmp/op-token: group or others have access (mode 0640, expected 0600 or 0400)" ] ||
	fail "check-config group-readable token file said '$err'"
chmod 0600 "$tmp/op-token"
run check-config "$tmp/token.json"
expect_status 0 "check-config with a good token file"
[ "$out" = "$tmp/token.json: ok" ] || fail "check-config good token file printed '$out'"
# A systemd credential: checked where the unit's $CREDENTIALS_DIRECTORY is set, else said so.
printf '{"polkit":{"onepassword":{"mode":"service-account","token_file":"$CREDENTIALS_DIRECTORY/op-token"}}}' \
	>"$tmp/cred.json"
CREDENTIALS_DIRECTORY=$tmp run check-config "$tmp/cred.json"
expect_status 0 "check-config with a credential"
[ "$out" = "$tmp/cred.json: ok" ] || fail "check-config credential printed '$out'"
(unset CREDENTIALS_DIRECTORY && run check-config "$tmp/cred.json" && [ "$status" -eq 0 ] &&
	[ "$out" = "$tmp/cred.json: polkit.onepassword.token_file: not checked here (\$CREDENTIALS_DIRECTORY is not set); the agent checks it when it starts
$tmp/cred.json: ok" ]) || fail "check-config without \$CREDENTIALS_DIRECTORY did not say it skipped the file"
chmod 0644 "$tmp/op-token"
CREDENTIALS_DIRECTORY=$tmp run check-config "$tmp/cred.json"
expect_status 1 "check-config with a group-readable credential"

run check-config "$good" "$bad"
expect_status 2 "check-config with two files"
expect_one_line err "check-config with two files"

run check-config --frob
expect_status 2 "check-config with an unknown option"

if [ "$failures" -ne 0 ]; then
	echo "$failures check(s) failed"
	exit 1
fi
echo "pantherctl-cli: all checks passed"
