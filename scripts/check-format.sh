#!/bin/bash
# Checks C files against .clang-format (clang-format --dry-run --Werror) and
# prints one line per file that differs.
#
#   scripts/check-format.sh          the tracked C files changed since the merge base
#                                    with origin/main (all of them without origin/main)
#   scripts/check-format.sh --all    every tracked C file
#
# Exit 0 when every file checked is formatted, 1 when one is not, 2 on a usage error.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 2

all=false
case "${1:-}" in
--all) all=true ;;
"") ;;
*)
	echo "usage: scripts/check-format.sh [--all]" >&2
	exit 2
	;;
esac

if ! command -v clang-format >/dev/null; then
	echo "check-format: clang-format is not installed (Debian: apt-get install clang-format)" >&2
	exit 1
fi

# Generated protocol code is not ours to format.
c_files() {
	grep -E '\.[ch]$' | grep -Ev '^protocols/|-(client|server)-protocol\.h$|-protocol-code\.c$'
}

if ! $all && base=$(git merge-base origin/main HEAD 2>/dev/null); then
	# Committed and uncommitted changes alike; deleted files are gone.
	files=$(git diff --name-only --diff-filter=ACMR "$base" -- | c_files)
	what="C files changed since $(git rev-parse --short "$base")"
else
	files=$(git ls-files | c_files)
	what="tracked C files"
fi

bad=()
for f in $files; do
	if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
		echo "$f: differs from .clang-format"
		bad+=("$f")
	fi
done

count=$(printf '%s\n' $files | grep -c .)
if [ "${#bad[@]}" -gt 0 ]; then
	echo "check-format: ${#bad[@]} of $count $what differ; to fix them:"
	echo "  clang-format -i ${bad[*]}"
	exit 1
fi
echo "check-format: $count $what, all formatted"
