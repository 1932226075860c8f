# shellcheck shell=bash
# Variables set here are for the tests that source it:
# shellcheck disable=SC2034
# What the fault tests (tests/faults/*.sh) share on top of the harness
# (tests/harness/lib.sh): where the programs are, numbers from /proc that say
# whether a daemon spins, grows or leaks, and reading a daemon's log from a
# mark on.

. "$PANTHER_SOURCE_DIR/tests/harness/lib.sh"

FT_POWERD=$PANTHER_BUILD_DIR/power/panther-powerd
FT_SESSION=$PANTHER_BUILD_DIR/session/panther-session
FT_AGENT=$PANTHER_BUILD_DIR/polkit-agent/panther-polkit-agent
FT_NIRI_WATCH=$PANTHER_BUILD_DIR/ipc/tools/panther-niri-watch
FT_CTL=${PANTHERCTL:-$PANTHER_BUILD_DIR/ipc/ctl/pantherctl}
FT_NIRI_STANDIN=$PANTHER_SOURCE_DIR/tests/harness/niri-standin.py

# ft_cpu_ticks PID: user + system CPU time of PID so far, in clock ticks
# (1/100 s here).
ft_cpu_ticks() {
	local stat
	read -r stat <"/proc/$1/stat" || return 1
	stat=${stat##*) }
	# shellcheck disable=SC2086
	set -- $stat
	echo $((${12} + ${13}))
}

# ft_mark FILE: remembers how many lines FILE has now; ft_since FILE prints
# the lines added after the mark.
declare -A FT_MARKS
ft_mark() {
	FT_MARKS[$1]=$(wc -l <"$1")
}
ft_since() {
	tail -n +"$((${FT_MARKS[$1]:-0} + 1))" "$1"
}

# ft_logged FILE TEXT: TEXT appears in FILE after its mark.
ft_logged() {
	ft_since "$1" | grep -qF -- "$2"
}

# ft_expect_log FILE TEXT [SECONDS]: waits until TEXT appears after the mark.
ft_expect_log() {
	pn_wait_for -t "${3:-10}" ft_logged "$1" "$2" ||
		pn_fail "$(basename "$1") did not say: $2"
}

# ft_no_sanitizer FILE...: no ASan/UBSan/LSan report in the logs.
ft_no_sanitizer() {
	local f
	for f in "$@"; do
		if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$f" 2>/dev/null; then
			pn_fail "sanitizer report in $f: $(grep -m1 -E 'Sanitizer|runtime error' "$f")"
		fi
	done
}

# ft_sanitized: the build uses ASan (memory numbers mean less there).
ft_sanitized() {
	pn_built_with_asan
}

# ft_stop NAME PID LOG: SIGTERM; the daemon must exit 0 with no sanitizer
# report.
ft_stop() {
	pn_stop "$2"
	local rc=$?
	[ "$rc" -eq 0 ] || pn_fail "$1 exited with status $rc on SIGTERM (see $3)"
	ft_no_sanitizer "$3"
}

# ft_niri [ARGS...]: the Niri stand-in on $PN_TMP/niri.sock (ARGS: e.g.
# --state FILE); exports NIRI_SOCKET, sets NIRI_PID and NIRI_LOG.
ft_niri() {
	pn_need_cmd "$PN_PYTHON"
	pn_spawn niri "$PN_PYTHON" "$FT_NIRI_STANDIN" "$PN_TMP/niri.sock" "$@"
	NIRI_PID=$PN_PID
	NIRI_LOG=$PN_LOG
	pn_wait_for grep -qx ready "$NIRI_LOG" || pn_fail "the Niri stand-in did not start (see $NIRI_LOG)"
	export NIRI_SOCKET=$PN_TMP/niri.sock
}

# ft_session_direct: panther-session in direct mode with one service,
# "sleeper" (sleep 300), up; sets SESSION_PID and SESSION_LOG. Needs Niri.
ft_session_direct() {
	printf '%s\n' '{"session": {"mode": "direct", "services": [{"name": "sleeper", "argv": ["sleep", "300"]}]}}' \
		>"$PN_TMP/session-direct.json"
	pn_spawn panther-session "$FT_SESSION" --config "$PN_TMP/session-direct.json"
	SESSION_PID=$PN_PID
	SESSION_LOG=$PN_LOG
	pn_wait_for grep -q "session is up" "$SESSION_LOG" ||
		pn_fail "panther-session did not come up (see $SESSION_LOG)"
}

# ft_rss_within NAME BEFORE AFTER KIB: AFTER (KiB) is at most KIB above
# BEFORE. Under ASan, whose quarantine holds freed memory, RSS says nothing
# about leaks: there LeakSanitizer checks each daemon at its exit instead.
ft_rss_within() {
	if ft_sanitized; then
		pn_note "$1: RSS $2 -> $3 KiB not compared under ASan (LeakSanitizer checks at exit)"
		return 0
	fi
	[ $(($3 - $2)) -le "$4" ] || pn_fail "$1 grew from $2 to $3 KiB (more than $4 KiB)"
}
