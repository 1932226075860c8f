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
