#!/bin/bash
# The README's commands from a clone in a folder only root may enter (as
# /root is, mode 700): the test user, who runs sway, the stand-ins and the
# daemons, cannot read it, so the harness runs a copy of the programs and the
# harness that only root and the test user may enter, and removes it at the
# end. From such a clone (with the build of this run copied into it):
# - scripts/sandbox.sh --until pkexec-op: the session starts (Niri stand-in,
#   panther-session, the agent) and pkexec is answered through the stand-in
#   op, run by the test user; nothing is left running, the copy is gone;
# - tests/integration/prompt-focus.sh, which runs the prompt and the harness's
#   prompt-driver.py as the test user, passes;
# - the copy is where the harness says, only root and the test user may enter
#   it, and its programs load no library from the clone (ldd as the test user).
# The clone is of this repository, with its uncommitted changes applied.
# shellcheck disable=SC2015 # "a && b || fail" is meant
set -u
. "$PANTHER_SOURCE_DIR/tests/harness/lib.sh"
pn_require_root
pn_need_cmd git tar setpriv ldd pkexec sway wtype grim busctl fuzzel "$PN_PYTHON"
[ -x "$PANTHER_BUILD_DIR/polkit-agent/panther-polkit-agent" ] ||
	pn_skip "panther-polkit-agent is not built (needs libpolkit-agent-1): the sandbox needs it"
pn_test_user
origin=${PN_TREE_COPIED_FROM:-$PANTHER_SOURCE_DIR}

# ---------------------------------------------------------------- the clone
private=$PN_TMP/private
install -d -m 0700 -o root -g root "$private"
clone=$private/panther
if git -C "$origin" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git clone -q --no-hardlinks "$origin" "$clone" || pn_fail "git clone $origin failed"
	# What is not committed yet belongs to what is tested.
	git -C "$origin" diff HEAD --binary >"$PN_TMP/uncommitted.diff"
	if [ -s "$PN_TMP/uncommitted.diff" ]; then
		git -C "$clone" apply --whitespace=nowarn "$PN_TMP/uncommitted.diff" ||
			pn_fail "the uncommitted changes of $origin do not apply to its clone"
	fi
	git -C "$origin" ls-files -z --others --exclude-standard |
		tar -C "$origin" --null -T - -cf - | tar -C "$clone" -xf - ||
		pn_fail "copying the new files of $origin into the clone failed"
else
	mkdir "$clone" &&
		tar -C "$origin" -cf - --exclude-tag-all=build.ninja --exclude=./sandbox-out . |
		tar -C "$clone" -xf - || pn_fail "copying $origin failed"
fi
mkdir "$clone/build" &&
	tar -C "$PANTHER_BUILD_DIR" -cf - --exclude='*.p' --exclude=./meson-private --exclude=./newest-sid . |
	tar -C "$clone/build" -xf - || pn_fail "copying the build into the clone failed"
pn__user_reads "$PN_TEST_USER" "$clone/tests/harness/niri-standin.py" &&
	pn_fail "$PN_TEST_USER can read $clone: the clone is not private"
pn_note "clone in $private (mode $(stat -c %a "$private"), owner $(stat -c %U "$private"))"

# in_clone CMD...: CMD with the clone as the sources and its build as the build.
in_clone() {
	env PANTHER_SOURCE_DIR="$clone" PANTHER_BUILD_DIR="$clone/build" \
		PANTHERCTL="$clone/build/ipc/ctl/pantherctl" "$@"
}

# has FILE REGEX: FILE has a line matching REGEX, or the test fails.
has() {
	grep -qE -- "$2" "$1" || pn_fail "no line matching \"$2\" in $1"
}

# ---------------------------------------------------------------- the sandbox
log=$PN_TMP/sandbox.log
in_clone env PANTHER_SANDBOX_NO_BUILD=1 bash "$clone/scripts/sandbox.sh" --until pkexec-op >"$log" 2>&1
rc=$?
[ "$rc" -eq 0 ] ||
	pn_fail "scripts/sandbox.sh in the clone exited $rc: $(grep -E 'FAILED|NOT RUN|FAIL:|sandbox:' "$log" | head -n 5 | tr '\n' '|')"
has "$log" "^# $PN_TEST_USER cannot read $clone \\($private \\(drwx------ root\\) is in the way\\): it runs a copy in /tmp/"
has "$log" '^Niri \(stand-in\) at '
has "$log" '^panther-polkit-agent: registered for the session'
has "$log" '^ok: authorized in [0-9]+ ms \(the press included\), op was asked once'
has "$log" '^  skipped  pkexec with 1Password refusing'
has "$log" '^ok: no process of the sandbox is left'
has "$log" '^sandbox: every step up to pkexec-op worked'
walk_tmp=$(cat "$clone/sandbox-out/tmpdir")
[ -n "$walk_tmp" ] && [ ! -e "$walk_tmp" ] || pn_fail "the sandbox's copy in $walk_tmp is still there"
pn_note "in the clone, $(grep '^sandbox: ' "$log")"

# ---------------------------------------------------------------- a test as the test user
log=$PN_TMP/prompt-focus.log
in_clone bash "$clone/tests/integration/prompt-focus.sh" >"$log" 2>&1
rc=$?
[ "$rc" -eq 0 ] || pn_fail "prompt-focus.sh in the clone exited $rc: $(grep -E '^(FAIL|SKIP):' "$log" | tr '\n' '|')"
has "$log" "^# $PN_TEST_USER cannot read $clone .*: it runs a copy in /tmp/"
has "$log" '^PASS: prompt-focus$'

# ---------------------------------------------------------------- the copy
# The harness sourced from the clone: where it points, who may enter the
# copy, and the libraries the test user's loader finds for each program.
# shellcheck disable=SC2016 # expanded by that bash
in_clone bash -c '. "$1/tests/harness/lib.sh"
	echo "copied-from $PN_TREE_COPIED_FROM"
	echo "source $PANTHER_SOURCE_DIR"
	echo "build $PANTHER_BUILD_DIR"
	echo "ctl $PANTHERCTL"
	echo "tree $(stat -c "%a %U %G" "$PN_TMP/tree")"
	pn__user_reads nobody "$PN_TMP/tree" && echo "nobody can enter the copy"
	pn__user_reads "$PN_TEST_USER" "$PANTHER_SOURCE_DIR/tests/harness/niri-standin.py" ||
		echo "the test user cannot read the copied stand-in"
	find "$PANTHER_BUILD_DIR" -type f -perm -u+x -exec sh -c "head -c 4 \"\$1\" | grep -q ELF" sh {} \; -print |
		while read -r prog; do
			echo "program $prog"
			pn_as_user ldd "$prog" | sed "s|^|ldd |"
		done
	echo "done"' bash "$clone" >"$PN_TMP/copy.log" 2>&1
rc=$?
[ "$rc" -eq 0 ] && grep -qx "done" "$PN_TMP/copy.log" ||
	pn_fail "sourcing the harness from the clone failed (exit $rc): $(tail -n 3 "$PN_TMP/copy.log" | tr '\n' '|')"
has "$PN_TMP/copy.log" "^copied-from $clone\$"
has "$PN_TMP/copy.log" '^source /tmp/panther-test\.[^ ]*/tree/src$'
has "$PN_TMP/copy.log" '^build /tmp/panther-test\.[^ ]*/tree/src/build$'
has "$PN_TMP/copy.log" '^ctl /tmp/panther-test\.[^ ]*/tree/src/build/ipc/ctl/pantherctl$'
has "$PN_TMP/copy.log" "^tree 750 root $PN_TEST_USER\$"
has "$PN_TMP/copy.log" '^program .*/session/panther-session$'
has "$PN_TMP/copy.log" '^program .*/polkit-agent/card/panther-polkit-prompt$'
! grep -E '^nobody can enter|^the test user cannot' "$PN_TMP/copy.log" ||
	pn_fail "the copy's permissions are wrong"
! grep -E '^ldd .*(not found|'"$private"')' "$PN_TMP/copy.log" ||
	pn_fail "a copied program needs a library the test user cannot load"
pn_note "$(grep -c '^program ' "$PN_TMP/copy.log") programs copied, every library found by the test user"

pn_pass
