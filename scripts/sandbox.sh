#!/bin/bash
# The sandbox session: installs what panther needs (Debian 12), builds it, and
# runs the whole suite as a user's session would, then walks through what a
# user does and prints each step and its result:
#   a. pkexec: the card filled through 1Password (a stand-in for `op`), Enter
#   b. pkexec with 1Password refusing, answered at the Wayland prompt
#      (typed with wtype; a screenshot is saved)
#   c. pantherctl power cycle, and its notification
#   d. the charger unplugged and plugged in again
#   e. Niri exits and everything stops
# The session is real apart from Niri and 1Password: the system bus, polkitd
# and PAM, power-profiles-daemon (fake driver: three profiles), a mock of
# UPower (so the charger can be unplugged), a notification server on the
# session bus, a logind session for the test user (files and cgroups, as
# sd-login reads them), headless sway, and panther-session in direct mode
# starting panther-polkit-agent and panther-powerd. Everything it starts is
# stopped at the end. Exit status 0 only when every step worked.
#
#   sudo ./scripts/sandbox.sh [--until STEP]
#
#   --until STEP  stop after STEP (pkexec-op, pkexec-prompt, power-cycle,
#                 ac-unplug); the later steps are listed as skipped
#   --help        this text
#
# The clone may be anywhere root can read, /root included: when the test user
# cannot read it, the session runs a copy of the programs and the harness in
# a private folder under /tmp (only root and the test user may enter it),
# removed at the end.
#
#   PANTHER_SANDBOX_NO_BUILD=1  skip package installation and the build
#   PANTHER_BUILD_DIR           the build to run (default: build/)
#   PANTHER_SANDBOX_OUT         where screenshots and logs go (default: sandbox-out/)
set -uo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
out=${PANTHER_SANDBOX_OUT:-$src/sandbox-out}
steps=(pkexec-op pkexec-prompt power-cycle ac-unplug doctor niri-exit)
declare -A step_title=(
	[pkexec-op]="pkexec as pktest: the card filled by 1Password (stand-in op), confirmed with Enter"
	[pkexec-prompt]="pkexec with 1Password refusing, answered at the Wayland prompt"
	[power-cycle]="pantherctl power cycle"
	[ac-unplug]="charger unplugged, then plugged in again"
	[doctor]="pantherctl doctor: nothing fails (warnings allowed)"
	[niri-exit]="Niri exits: everything stops"
)

# ================================================================ the driver
# Installs, builds, runs the walk-through below in a process of its own (so
# that every process it started is gone when it returns), then checks that
# nothing is left and prints the summary.
if [ "${1:-}" != --walk ]; then
	until_step=
	while [ $# -gt 0 ]; do
		case $1 in
		--until)
			until_step=${2:-}
			[[ " ${steps[*]} " == *" $until_step "* ]] || {
				echo "sandbox: --until takes one of: ${steps[*]}" >&2
				exit 2
			}
			shift 2
			;;
		--help | -h)
			sed -n '2,/^set -uo/{/^set -uo/d;s/^# \{0,1\}//;p}' "$0"
			exit 0
			;;
		*)
			echo "sandbox: unknown argument $1 (see --help)" >&2
			exit 2
			;;
		esac
	done
	[ "$(id -u)" -eq 0 ] || {
		echo "sandbox: run as root (it starts a system bus, polkitd and power-profiles-daemon)" >&2
		exit 2
	}
	cd "$src" || exit 1
	started=${EPOCHREALTIME/[.,]/}
	build=${PANTHER_BUILD_DIR:-$src/build}
	. "$src/scripts/preflight.sh"
	preflight sandbox "$build" || exit 2
	mkdir -p "$out"
	rm -rf "$out/logs" "$out"/*.png "$out"/*.log "$out/results" "$out/pids" "$out/walk.txt"
	if [ -z "${PANTHER_SANDBOX_NO_BUILD:-}" ]; then
		printf '==> packages\n'
		if [ -n "$PREFLIGHT_DEBIAN12" ]; then
			sh scripts/setup-debian.sh sandbox || exit 1
		else
			echo "packages: not Debian 12, nothing installed"
		fi
		printf '==> build (%s)\n' "$build"
		if [ ! -f "$build/build.ninja" ]; then
			# The options scripts/test.sh uses for the same directory.
			meson setup "$build" -Dbuildtype=debugoptimized -Dtest_hooks=true >"$out/build.log" 2>&1 || {
				tail -n 30 "$out/build.log"
				exit 1
			}
		fi
		ninja -C "$build" >>"$out/build.log" 2>&1 || {
			tail -n 40 "$out/build.log"
			exit 1
		}
		echo "build: done"
	fi
	build=$(cd "$build" && pwd) || exit 1
	# tee ignores Ctrl-C, so the walk's cleanup can still print what it does.
	PANTHER_SOURCE_DIR=$src PANTHER_BUILD_DIR=$build PANTHER_SANDBOX_OUT=$out \
		PANTHER_SANDBOX_UNTIL=$until_step PN_LOCK_TIMEOUT=${PN_LOCK_TIMEOUT:-240} bash "$0" --walk 2>&1 | (
		trap '' INT
		exec tee "$out/walk.txt"
	)
	walk_rc=${PIPESTATUS[0]}
	# Why the walk stopped early, when it did (the harness's "FAIL: ..." line).
	stopped=$(sed -n 's/^FAIL: //p' "$out/walk.txt" | tail -n 1)
	[ "$walk_rc" -ne 130 ] && [ "$walk_rc" -ne 143 ] || stopped="interrupted"

	# Anything it started that is still there: its recorded processes, and
	# any process whose command line names its temporary directory.
	printf '\n==> leftovers\n'
	left=()
	if [ -s "$out/pids" ]; then
		while read -r pid start name; do
			[ -r "/proc/$pid/stat" ] || continue
			stat=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
			stat=${stat##*) }
			read -r -a f <<<"$stat"
			[ "${f[0]}" != Z ] && [ "${f[19]}" = "$start" ] && left+=("$pid")
		done <"$out/pids"
	fi
	tmp=$(cat "$out/tmpdir" 2>/dev/null)
	if [ -n "$tmp" ]; then
		mapfile -t more < <(ps -eo pid=,args= | T=$tmp awk 'index($0, ENVIRON["T"]) { print $1 }')
		left+=("${more[@]}")
	fi
	if [ ${#left[@]} -eq 0 ]; then
		echo "ok: no process of the sandbox is left (checked with ps and /proc)"
		echo "ok leftovers" >>"$out/results"
	else
		echo "FAILED: processes left behind:"
		ps -o pid,user,args -p "$(
			IFS=,
			echo "${left[*]}"
		)"
		echo "failed leftovers" >>"$out/results"
	fi

	printf '\n==> summary\n'
	all_ok=1
	skipped=
	for s in "${steps[@]}" leftovers; do
		if [ -n "$skipped" ] && [ "$s" != leftovers ]; then
			printf '  skipped  %s (--until %s)\n' "${step_title[$s]}" "$until_step"
			continue
		fi
		[ "$s" = "$until_step" ] && skipped=1
		r=$(awk -v s="$s" '$2 == s && $1 != "why" { print $1 }' "$out/results" 2>/dev/null | tail -n 1)
		why=$(sed -n "s/^why $s //p" "$out/results" 2>/dev/null | tail -n 1)
		title=${step_title[$s]:-no process left behind}
		case $r in
		ok) printf '  ok       %s\n' "$title" ;;
		failed) printf '  FAILED   %s%s\n' "$title" "${why:+: $why}" ;;
		*)
			printf '  NOT RUN  %s: %s\n' "$title" "${why:-the sandbox stopped before this step${stopped:+ ($stopped)}}"
			r=not-run
			;;
		esac
		[ "$r" = ok ] || all_ok=0
	done
	[ "$walk_rc" -eq 0 ] || all_ok=0
	shots=$(ls "$out"/*.png 2>/dev/null | paste -sd " ")
	echo "screenshots: ${shots:-none}"
	echo "logs: $out/logs/"
	elapsed=$(((${EPOCHREALTIME/[.,]/} - started) / 1000000))
	if [ "$all_ok" -eq 1 ] && [ -n "$until_step" ]; then
		echo "sandbox: every step up to $until_step worked (${elapsed} s)"
		exit 0
	elif [ "$all_ok" -eq 1 ]; then
		echo "sandbox: every step worked (${elapsed} s)"
		exit 0
	fi
	echo "sandbox: some steps did not work (${elapsed} s)"
	exit 1
fi

# ================================================================ the walk
. "$src/tests/harness/lib.sh"
. "$src/tests/harness/full-session.sh"
echo "$PN_TMP" >"$out/tmpdir"
results=$out/results
: >"$results"

# Logs go to $out once everything has stopped (registered first, so it runs
# last).
sandbox_keep_logs() {
	mkdir -p "$out/logs"
	cp "$PN_TMP"/*.log "$PN_TMP"/*.calls "$PN_TMP/config.json" "$out/logs/" 2>/dev/null
	true
}
pn_on_exit sandbox_keep_logs

current=
say() { printf '%s\n' "$*"; }
# step NAME: the next step begins; after the --until step the walk ends here.
step() {
	if [ -n "${PANTHER_SANDBOX_UNTIL:-}" ] && [ "$current" = "$PANTHER_SANDBOX_UNTIL" ]; then
		stop_walk "--until $current"
	fi
	current=$1
	printf '\n==> %s\n' "${step_title[$1]}"
}
# stop_walk [WHY]: ends the walk; everything it started is stopped at exit.
stop_walk() {
	if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$FS_SESSION_LOG"; then
		say "a sanitizer report is in $FS_SESSION_LOG"
		exit 1
	fi
	printf '\n==> stopping the sandbox%s\n' "${1:+ ($1)}"
	exit 0
}
ok() {
	say "ok: $*"
	echo "ok $current" >>"$results"
}
failed() {
	say "FAILED: $*"
	echo "failed $current" >>"$results"
	echo "why $current $*" >>"$results"
}
not_run() {
	say "NOT RUN: $*"
	echo "not-run $current" >>"$results"
	echo "why $current $*" >>"$results"
}
# Records every process started so far (for the check for leftovers).
record_pids() {
	sed -n 's/^pn__stop \([0-9]*\) \([0-9]*\) \(.*\) $/\1 \2 \3/p' "$PN_TMP/.undo" >>"$out/pids"
}
now_us() { echo "${EPOCHREALTIME/[.,]/}"; }
ms_since() { echo $((($(now_us) - $1) / 1000)); }
png_info() {
	echo "$("$PN_PYTHON" "$PN_HARNESS_DIR/png.py" size "$1" | tr ' ' x), $("$PN_PYTHON" "$PN_HARNESS_DIR/png.py" distinct "$1") colors"
}

printf '==> starting the sandbox session\n'
t_start=$(now_us)
fs_start say
say "everything up in $(ms_since "$t_start") ms"
record_pids
CTL=$FS_CTL
SESSION_PID=$FS_SESSION_PID

# pkexec's subject is its parent process: a shell of the test user inside the
# logind session, which stays its parent (no exec). pkexec's own text agent
# is off, so the session's agent (ours) is asked.
# shellcheck disable=SC2016 # expanded by that shell
PKEXEC_CMD='pkexec --disable-internal-agent /usr/bin/id -un; rc=$?; exit $rc'

# ---------------------------------------------------------------- a
step pkexec-op
prompts_shown() { grep -cE 'request [0-9]+: the prompt has the keyboard' "$FS_SESSION_LOG"; }
prompts_more() { [ "$(prompts_shown)" -gt "$1" ]; }
fills() { grep -c '1Password filled the answer' "$FS_SESSION_LOG"; }
fills_more() { [ "$(fills)" -gt "$1" ]; }
# pkexec_done PID LOG: waits for pkexec; rc is its exit status ("timeout"
# after 10 s: stopped), ms the time since t0, who what it printed.
pkexec_done() {
	if pn_wait_exit -t 10 "$1"; then
		wait "$1"
		rc=$?
	else
		rc=timeout
		pn_stop "$1"
	fi
	ms=$(ms_since "$t0")
	who=$(grep -x root "$2" || true)
	say "pkexec /usr/bin/id -un printed \"$who\" (exit $rc)"
}
# shoot FILE: a screenshot once the frame has settled.
shoot() {
	sleep 0.3
	pn_screenshot "$1"
	say "screenshot: $1 ($(png_info "$1"))"
}
if [ -z "$FS_HAVE_AGENT" ]; then
	not_run "panther-polkit-agent is not built ($FS_AGENT_BIN)"
elif [ -z "$FS_HAVE_PROMPT" ]; then
	not_run "panther-polkit-prompt (the Wayland prompt) is not built ($FS_PROMPT_BIN)"
elif [ -z "$FS_AGENT_UP" ]; then
	failed "panther-polkit-agent did not register for the session"
else
	fs_op_mode right
	before=$(prompts_shown)
	filled_before=$(fills)
	t0=$(now_us)
	pn_spawn_in_session pkexec-op sh -c "$PKEXEC_CMD"
	pkexec_pid=$PN_PID
	pkexec_log=$PN_LOG
	record_pids
	if ! pn_wait_for -t 15 prompts_more "$before" || ! pn_wait_for -t 15 fills_more "$filled_before"; then
		failed "the card did not appear filled by 1Password (see $FS_SESSION_LOG)"
		pn_stop "$pkexec_pid"
	else
		say "the card is on screen, filled by 1Password; PAM waits for Enter"
		shoot "$out/prompt.png"
		pn_key Return
		say "pressed Return"
		pkexec_done "$pkexec_pid" "$pkexec_log"
		if [ "$rc" = 0 ] && [ "$who" = root ] && [ "$(fs_op_calls)" -eq 1 ]; then
			ok "authorized in $ms ms (the press included), op was asked once ($(cut -d' ' -f2- "$FS_OP_DIR/calls"))"
		else
			failed "exit $rc, printed \"$who\", op asked $(fs_op_calls) times: $(tr '\n' ' ' <"$pkexec_log" | head -c 300)"
		fi
	fi
fi

# ---------------------------------------------------------------- b
step pkexec-prompt
if [ -z "$FS_HAVE_AGENT" ]; then
	not_run "panther-polkit-agent is not built ($FS_AGENT_BIN)"
elif [ -z "$FS_HAVE_PROMPT" ]; then
	not_run "panther-polkit-prompt (the Wayland prompt) is not built ($FS_PROMPT_BIN)"
elif [ -z "$FS_AGENT_UP" ]; then
	failed "panther-polkit-agent did not register for the session"
else
	fs_op_mode dismiss
	before=$(prompts_shown)
	t0=$(now_us)
	pn_spawn_in_session pkexec sh -c "$PKEXEC_CMD"
	pkexec_pid=$PN_PID
	pkexec_log=$PN_LOG
	record_pids
	if ! pn_wait_for -t 15 prompts_more "$before"; then
		failed "the prompt did not appear (see $FS_SESSION_LOG)"
		pn_stop "$pkexec_pid"
	else
		# The card is up before op answers: its refusal follows.
		pn_wait_for -t 10 grep -q '1Password: authorization prompt dismissed' "$FS_SESSION_LOG"
		why=$(grep -o '1Password: authorization prompt dismissed' "$FS_SESSION_LOG" | head -n 1)
		say "op refused (${why:-no reason logged}); the prompt is on screen with the keyboard"
		shoot "$out/prompt-typed.png"
		pn_type "$PN_TEST_PASSWORD"
		pn_key Return
		say "typed the password with wtype, then Return"
		pkexec_done "$pkexec_pid" "$pkexec_log"
		if [ "$rc" = 0 ] && [ "$who" = root ] && [ "$(fs_op_calls)" -eq 1 ]; then
			ok "authorized in $ms ms (typing included); op was asked once and refused${why:+, the prompt was told why}"
		else
			failed "pkexec: exit $rc, output: $(tr '\n' ' ' <"$pkexec_log" | head -c 300); op asked $(fs_op_calls) times"
		fi
	fi
fi

# ---------------------------------------------------------------- c
step power-cycle
notify_count() { grep -c ' Notify ' "$FS_NOTIFY_CALLS" 2>/dev/null || true; }
notify_more() { [ "$(notify_count)" -gt "$1" ]; }
power_mode() {
	local m
	m=$(busctl --user get-property "${FS_POWER1[@]}" Mode 2>/dev/null)
	m=${m#s \"}
	echo "${m%\"}"
}
if [ -z "$FS_HAVE_POWERD" ]; then
	not_run "panther-powerd is not built ($FS_POWERD_BIN)"
elif [ -z "$FS_POWERD_UP" ]; then
	failed "panther-powerd is not on the session bus"
else
	# On AC at start: on_ac (performance) applies at once.
	pn_wait_for -t 5 fs_ppd_is performance
	before=$(fs_ppd_profile)
	n_before=$(notify_count)
	printed=$(pn_in_session "$CTL" power cycle 2>"$PN_TMP/cycle.err")
	rc=$?
	pn_wait_for -t 5 fs_ppd_is balanced
	after=$(fs_ppd_profile)
	pn_wait_for -t 5 notify_more "$n_before"
	bubble=$(grep ' Notify ' "$FS_NOTIFY_CALLS" | tail -n 1 | grep -o '"Power profile: [^"]*"' || true)
	say "ppd before: $before; pantherctl power cycle printed \"$printed\" (exit $rc); ppd after: $after; panther-powerd's mode: $(power_mode)"
	say "the notification server got: ${bubble:-nothing}"
	if [ "$rc" -eq 0 ] && [ "$before" = performance ] && [ "$after" = balanced ] &&
		[ "$printed" = balanced ] && [ "$bubble" = '"Power profile: Balanced"' ]; then
		ok "$before -> $after, notification $bubble"
	else
		failed "ppd $before -> $after, pantherctl exit $rc ($(cat "$PN_TMP/cycle.err")), notification: ${bubble:-none}"
	fi
fi

# ---------------------------------------------------------------- d
step ac-unplug
if [ -z "$FS_HAVE_POWERD" ]; then
	not_run "panther-powerd is not built ($FS_POWERD_BIN)"
elif [ -z "$FS_POWERD_UP" ]; then
	failed "panther-powerd is not on the session bus"
else
	start=$(fs_ppd_profile)
	t0=$(now_us)
	pn__sysbus set-property "${FS_UPOWER[@]}" OnBattery b true
	pn_wait_for -t 5 fs_ppd_is power-saver
	unplugged=$(fs_ppd_profile)
	say "unplugged (UPower OnBattery true): ppd $start -> $unplugged in $(ms_since "$t0") ms"
	t0=$(now_us)
	pn__sysbus set-property "${FS_UPOWER[@]}" OnBattery b false
	pn_wait_for -t 5 fs_ppd_is performance
	plugged=$(fs_ppd_profile)
	say "plugged in (OnBattery false): ppd $unplugged -> $plugged in $(ms_since "$t0") ms"
	if [ "$unplugged" = power-saver ] && [ "$plugged" = performance ]; then
		ok "on battery power-saver (the hand-picked balanced gave way), on AC performance again"
	else
		failed "expected power-saver on battery and performance on AC, got $unplugged and $plugged"
	fi
fi

# ---------------------------------------------------------------- doctor
step doctor
t0=$(now_us)
pn_in_session "$CTL" --config "$FS_CONFIG" doctor >"$PN_TMP/doctor.log" 2>&1
rc=$?
ms=$(ms_since "$t0")
sed 's/^/    /' "$PN_TMP/doctor.log"
if [ "$rc" -eq 0 ]; then
	ok "$(tail -n 1 "$PN_TMP/doctor.log") in $ms ms, exit 0"
else
	failed "exit $rc: $(grep '^fail' "$PN_TMP/doctor.log" | tr -s ' ' | tr '\n' ';')"
fi

# ---------------------------------------------------------------- e
step niri-exit
children=$(pgrep -P "$SESSION_PID" | tr '\n' ' ')
before=$(fs_panther_in_session)
say "panther processes in the logind session: ${before:-none}"
no_panther_in_session() { [ -z "$(fs_panther_in_session)" ]; }
if ! pn_alive "$SESSION_PID" || ! pn_alive "$FS_NIRI_PID"; then
	failed "panther-session or the Niri stand-in was gone before Niri was told to quit"
elif ! t0=$(now_us) || ! fs_niri_quit; then
	failed "the Niri stand-in did not take the quit command"
elif ! pn_wait_exit -t 10 "$SESSION_PID"; then
	failed "panther-session still runs 10 s after Niri quit"
else
	wait "$SESSION_PID"
	rc=$?
	ms=$(ms_since "$t0")
	say "the Niri stand-in quit; panther-session: $(sed -n 's/^panther-session: stopping the session: //p' "$FS_SESSION_LOG" | head -n 1)"
	left=
	for pid in $children; do
		pn_alive "$pid" && left+="$pid "
	done
	pn_wait_for -t 5 no_panther_in_session
	remaining=$(fs_panther_in_session)
	say "panther-session exited with status $rc after $ms ms; panther processes left: ${remaining:-none}"
	if [ "$rc" -eq 0 ] && [ -z "$left" ] && [ -z "$remaining" ]; then
		ok "panther-session exited 0 in $ms ms, no panther process remains"
	else
		failed "exit status $rc, still there: $left $remaining"
	fi
fi

stop_walk
