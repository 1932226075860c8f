#!/bin/bash
# The whole test suite: installs what it needs (Debian 12), builds twice
# (gcc, and clang with ASan+UBSan and the libFuzzer targets), runs every test
# in both builds, runs each fuzzer, and ends with "N passed, N failed, N skipped".
# Before that it says in one line each what the machine lacks (not Debian 12
# and programs missing, no free space; scripts/preflight.sh). The clone may
# be anywhere root can read: tests that run programs as the test user give it
# a private copy when it cannot read the clone (tests/harness/lib.sh).
#
#   PANTHER_FUZZ_SECONDS   seconds per fuzzer (default 120; they run side by side)
#   PANTHER_SUITES         only these meson suites (space separated), for development
#                          ("fuzz" and "format" name the fuzzers and the format check)
#   PANTHER_FORMAT_CHECK   0 leaves out the format check (scripts/check-format.sh)
set -uo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
cd "$src"
fuzz_seconds=${PANTHER_FUZZ_SECONDS:-120}
results=$(mktemp -d /tmp/panther-results.XXXXXX)
trap 'rm -rf "$results"' EXIT

step() { printf '\n==> %s\n' "$*"; }

[ "$(id -u)" -eq 0 ] ||
	echo "test: not root: packages are not installed, and tests that need root will say they are skipped" >&2
. scripts/preflight.sh
preflight test "$src/build" || exit 2
if [ "$(id -u)" -eq 0 ] && [ -n "$PREFLIGHT_DEBIAN12" ]; then
	step "packages"
	sh scripts/setup-debian.sh || exit 1
fi

setup_build() {
	local dir=$1; shift
	if [ -f "$dir/build.ninja" ]; then
		meson setup --reconfigure "$dir" "$@" >"$results/setup-$dir.log" 2>&1
	else
		meson setup "$dir" "$@" >"$results/setup-$dir.log" 2>&1
	fi || { cat "$results/setup-$dir.log"; return 1; }
}

suite_args=()
for s in ${PANTHER_SUITES:-}; do suite_args+=(--suite "$s"); done

run_build() {
	local dir=$1 label=$2
	step "build: $label ($dir)"
	if ! ninja -C "$dir" >"$results/ninja-$dir.log" 2>&1; then
		tail -n 60 "$results/ninja-$dir.log"
		echo "build-$label: FAIL" >>"$results/extra"
		return 1
	fi
	step "tests: $label"
	meson test -C "$dir" --print-errorlogs --num-processes 2 \
		--timeout-multiplier "${3:-1}" "${suite_args[@]}"
	cp "$dir/meson-logs/testlog.json" "$results/testlog-$dir.json" 2>/dev/null
	return 0
}

setup_build build -Dbuildtype=debugoptimized -Dtest_hooks=true && run_build build plain 1

CC=clang setup_build build-san \
	-Dbuildtype=debug \
	-Dtest_hooks=true \
	-Db_sanitize=address,undefined \
	-Db_lundef=false \
	-Dfuzz=true \
	-Dc_args="-fno-sanitize-recover=all -fsanitize=fuzzer-no-link -fno-omit-frame-pointer" \
	&& run_build build-san "asan+ubsan" 3

if [ -z "${PANTHER_SUITES:-}" ] || [[ " ${PANTHER_SUITES} " == *" fuzz "* ]]; then
	# All at once: the wall time is that of one fuzzer.
	step "fuzzers: ${fuzz_seconds}s each, side by side"
	for fuzzer in build-san/tests/fuzz/fuzz-*; do
		[ -f "$fuzzer" ] && [ -x "$fuzzer" ] || continue
		(
		name=${fuzzer##*/fuzz-}
		corpus=$(mktemp -d /tmp/panther-corpus.XXXXXX)
		cp -r "tests/fuzz/corpus/$name/." "$corpus/" 2>/dev/null
		if "$fuzzer" -max_total_time="$fuzz_seconds" -print_final_stats=1 \
			-rss_limit_mb=2048 -artifact_prefix="$results/" "$corpus" \
			>"$results/fuzz-$name.log" 2>&1; then
			echo "fuzz-$name: ok ($(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$results/fuzz-$name.log" | grep -o '[0-9]*$') runs)"
			echo "fuzz-$name: OK" >>"$results/extra"
		else
			tail -n 40 "$results/fuzz-$name.log"
			echo "fuzz-$name: FAIL" >>"$results/extra"
		fi
		rm -rf "$corpus"
		) &
	done
	wait
fi

if [ "${PANTHER_FORMAT_CHECK:-1}" != 0 ] &&
	{ [ -z "${PANTHER_SUITES:-}" ] || [[ " ${PANTHER_SUITES} " == *" format "* ]]; }; then
	# Every tracked C file: a fresh clone has no "changed" files to compare.
	step "format: clang-format on every C file"
	if scripts/check-format.sh --all; then
		echo "format: OK" >>"$results/extra"
	else
		echo "format: FAIL" >>"$results/extra"
	fi
fi

step "summary"
/usr/bin/python3 - "$results" <<'PY'
import glob, json, os, sys
results = sys.argv[1]
passed = failed = skipped = 0
skips, fails = [], []
for path in sorted(glob.glob(os.path.join(results, "testlog-*.json"))):
    build = path.rsplit("testlog-", 1)[1][:-5]
    for line in open(path):
        t = json.loads(line)
        name = f"{build}: {t['name']}"
        r = t["result"]
        if r in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif r == "SKIP":
            skipped += 1
            why = [l for l in (t.get("stdout") or "").splitlines() if "SKIP" in l.upper()]
            skips.append(f"{name}: {why[-1] if why else 'skipped'}")
        else:
            failed += 1
            fails.append(f"{name}: {r}")
extra = os.path.join(results, "extra")
if os.path.exists(extra):
    for line in open(extra):
        name, r = line.rsplit(":", 1)
        if r.strip() == "OK":
            passed += 1
        else:
            failed += 1
            fails.append(f"{name}: FAIL")
for s in skips:
    print(f"SKIPPED {s}")
for f in fails:
    print(f"FAILED  {f}")
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed or passed == 0 else 0)
PY
