# shellcheck shell=bash
# Variables set here are for the tests that source it:
# shellcheck disable=SC2034
#
# Helpers for the tests of panther-polkit-prompt (the agent's Wayland
# prompt). Source after lib.sh:
#
#   . "$PANTHER_SOURCE_DIR/tests/harness/prompt.sh"
#
# The DMS theme used by the tests has colors of its own (not the built-in
# palette), so a match proves the file was read.

PN_DARK_CARD='#1e2b36'
PN_DARK_ERROR='#ff8a80'
PN_DARK_PRIMARY='#8fcdff'
PN_LIGHT_CARD='#e3edf6'
PN_LIGHT_ERROR='#c62828'

# pn_prompt_setup: finds the built program (PN_PROMPT_PROGRAM; skips when it
# was not built), makes the test user, and the XDG cache and state
# directories the prompt reads the theme from (PN_XDG_CACHE, PN_XDG_STATE).
pn_prompt_setup() {
	pn_require_root
	PN_PROMPT_PROGRAM=$PANTHER_BUILD_DIR/polkit-agent/card/panther-polkit-prompt
	[ -x "$PN_PROMPT_PROGRAM" ] ||
		pn_skip "panther-polkit-prompt was not built (needs cairo, pango, xkbcommon and libpolkit-agent-1)"
	pn_need_cmd "$PN_PYTHON"
	pn_test_user
	PN_XDG_CACHE=$PN_TMP/cache
	PN_XDG_STATE=$PN_TMP/state
	install -d -o "$PN_TEST_USER" -g "$PN_TEST_USER" "$PN_XDG_CACHE" "$PN_XDG_STATE" \
		"$PN_XDG_CACHE/DankMaterialShell" "$PN_XDG_STATE/DankMaterialShell"
	export PN_PROMPT_PROGRAM PN_XDG_CACHE PN_XDG_STATE
}

# pn_prompt_test_hooks: the agent of this build runs the card named by
# PANTHER_PROMPT_PROGRAM (the build tree's) only when it was configured with
# -Dtest_hooks=true, as scripts/test.sh does; otherwise the test is skipped
# (failed under CI, whose builds must be made for tests).
pn_prompt_test_hooks() {
	grep -qx '#define PANTHER_TEST_HOOKS 1' "$PANTHER_BUILD_DIR/polkit-agent/test-hooks.h" 2>/dev/null &&
		return 0
	[ "${CI:-}" = true ] && pn_fail "$PANTHER_BUILD_DIR was configured without -Dtest_hooks=true: the agent would not run the build's card"
	pn_skip "$PANTHER_BUILD_DIR was configured without -Dtest_hooks=true, so its agent ignores PANTHER_PROMPT_PROGRAM (meson configure $PANTHER_BUILD_DIR -Dtest_hooks=true)"
}

# pn_prompt_theme dark|light|none: writes DMS's dms-colors.json and
# session.json (isLightMode) for the test user; "none" removes both.
pn_prompt_theme() {
	local dir=$PN_XDG_CACHE/DankMaterialShell state=$PN_XDG_STATE/DankMaterialShell
	if [ "$1" = none ]; then
		rm -f "$dir/dms-colors.json" "$state/session.json"
		return
	fi
	cat >"$dir/dms-colors.json" <<-EOF
		{"colors": {
		 "dark": {"primary": "$PN_DARK_PRIMARY", "on_primary": "#003352", "surface": "#0f1418",
		  "on_surface": "#dee3e9", "on_surface_variant": "#c1c7ce",
		  "surface_container": "$PN_DARK_CARD", "surface_container_highest": "#303a44",
		  "outline": "#8b9198", "outline_variant": "#41484d", "error": "$PN_DARK_ERROR",
		  "tertiary": "#d6bee4"},
		 "light": {"primary": "#1e6591", "on_primary": "#ffffff", "surface": "#f7f9ff",
		  "on_surface": "#171c20", "on_surface_variant": "#41484d",
		  "surface_container": "$PN_LIGHT_CARD", "surface_container_highest": "#d3dde6",
		  "outline": "#71787e", "outline_variant": "#c1c7ce", "error": "$PN_LIGHT_ERROR",
		  "tertiary": "#6a5778"}
		}}
	EOF
	local light=false
	[ "$1" = light ] && light=true
	printf '{"isLightMode": %s, "wallpaperPath": ""}\n' "$light" >"$state/session.json"
	chown "$PN_TEST_USER:" "$dir/dms-colors.json" "$state/session.json"
}

# pn_prompt_start [PROGRAM_ARGS...]: starts the prompt as the test user on
# pn_sway's display through prompt-driver.py. Lines for it go through
# pn_prompt_send; what it says lands in $PN_PROMPT_LOG.
pn_prompt_start() {
	local fifo=$PN_TMP/prompt-commands
	exec 7>&- 2>/dev/null
	rm -f "$fifo"
	mkfifo -m 0644 "$fifo"
	pn_spawn_as_user prompt env WAYLAND_DISPLAY="$WAYLAND_DISPLAY" \
		XDG_CACHE_HOME="$PN_XDG_CACHE" XDG_STATE_HOME="$PN_XDG_STATE" \
		"$PN_PYTHON" "$PN_HARNESS_DIR/prompt-driver.py" "$fifo" "$PN_PROMPT_PROGRAM" -v "$@"
	PN_PROMPT_PID=$PN_PID
	PN_PROMPT_LOG=$PN_LOG
	exec 7>"$fifo"
}

# pn_prompt_send LINE: one protocol line to the prompt.
pn_prompt_send() {
	printf '%s\n' "$1" >&7
}

# pn_prompt_ask ID USER... [-- LINE...]: a question as the agent asks it
# (the first user selected), with extra protocol LINEs before "show".
pn_prompt_ask() {
	local id=$1 users=() extra=() u
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		users+=("$1")
		shift
	done
	[ "${1:-}" = -- ] && shift
	extra=("$@")
	{
		echo "ask $id"
		echo "message Authentication is needed to run \`/usr/bin/true' as the super user"
		echo "action org.freedesktop.policykit.exec"
		echo "program /usr/bin/pkexec /usr/bin/true (pid 4242)"
		echo "question Password: "
		echo "echo 0"
		for u in "${users[@]}"; do
			echo "user $u"
		done
		echo "selected 0"
		[ ${#extra[@]} -eq 0 ] || printf '%s\n' "${extra[@]}"
		echo "show"
	} >&7
}

pn__log_has() {
	[ "$(grep -cFx -- "$2" "$PN_PROMPT_LOG")" -ge "$1" ]
}

# pn_prompt_wait [-n N] LINE: waits until LINE (exactly) is in the prompt's
# log (N times).
pn_prompt_wait() {
	local n=1
	if [ "$1" = -n ]; then
		n=$2
		shift 2
	fi
	pn_wait_for pn__log_has "$n" "$1" ||
		pn_fail "the prompt did not say \"$1\" (${n}x); its log: $(tail -n 5 "$PN_PROMPT_LOG" | tr '\n' '|')"
}

# pn_prompt_wait_log REGEX: waits until a line of the prompt's log (its own
# messages included) matches REGEX (grep -E).
pn_prompt_wait_log() {
	pn_wait_for grep -qE -- "$1" "$PN_PROMPT_LOG" ||
		pn_fail "the prompt did not log /$1/; its log: $(tail -n 5 "$PN_PROMPT_LOG" | tr '\n' '|')"
}

# pn_png CMD FILE ARGS...: tests/harness/png.py.
pn_png() {
	"$PN_PYTHON" "$PN_HARNESS_DIR/png.py" "$@"
}

# pn_hex TEXT: TEXT's bytes in hex, as prompt-driver.py prints an answer.
pn_hex() {
	printf '%s' "$1" | od -An -tx1 | tr -d ' \n'
}

# pn_prompt_screenshot FILE: a screenshot once the frame has settled.
pn_prompt_screenshot() {
	sleep 0.2
	pn_screenshot "$1"
}

# pn_prompt_check_card FILE COLOR OTHER: the picture is not blank, a card
# of COLOR is on it, and nothing has the OTHER theme's card color.
pn_prompt_check_card() {
	local counts n other distinct
	distinct=$(pn_png distinct "$1")
	[ "$distinct" -gt 30 ] || pn_fail "$1 looks blank: $distinct colors"
	counts=$(pn_png count "$1" "$2" "$3")
	read -r n other <<<"$counts"
	[ "$n" -gt 20000 ] || pn_fail "$1: the card is not $2 ($n pixels of it)"
	[ "$other" -eq 0 ] || pn_fail "$1: $other pixels of the other theme's card color $3"
	pn_note "$1: $n card pixels of $2, $distinct colors"
}

# ---------------------------------------------------------------- with the agent
# (after polkit-agent.sh's pk_setup)

# pk_wayland_agent: the agent with the wayland prompt on pn_sway's display,
# 1Password through the stand-in (enabled), the theme from the test's DMS
# files. PK_AGENT_PID, PK_AGENT_LOG.
pk_wayland_agent() {
	cat >"$PK_CONFIG" <<-EOF
		{
		  "polkit": {
		    "onepassword": {
		      "enable": true,
		      "op": "$PK_OP/op",
		      "references": { "$PN_TEST_USER": "$PK_REFERENCE" },
		      "timeout_s": 5
		    },
		    "prompt": { "type": "wayland" }
		  }
		}
	EOF
	chmod 0644 "$PK_CONFIG"
	pn_prompt_test_hooks
	export XDG_CACHE_HOME=$PN_XDG_CACHE XDG_STATE_HOME=$PN_XDG_STATE
	export PANTHER_PROMPT_PROGRAM=$PN_PROMPT_PROGRAM
	pk_agent "$@"
}

# pk_check_start ACTION: pkcheck for the subject in the background
# (PK_CHECK_PID); pk_check_end collects its status into PK_STATUS.
pk_check_start() {
	pn_spawn_as_user pkcheck pkcheck -a "$1" -p "${2:-$PK_SUBJECT}" -u
	PK_CHECK_PID=$PN_PID
	PK_CHECK_LOG=$PN_LOG
}

pk_check_end() {
	pn_wait_exit -t "${1:-10}" "$PK_CHECK_PID" || pn_fail "pkcheck did not finish"
	wait "$PK_CHECK_PID"
	PK_STATUS=$?
	cp "$PK_CHECK_LOG" "$PN_TMP/pkcheck.out"
}

pk__agent_log_count() {
	[ "$(grep -c -- "$2" "$PK_AGENT_LOG")" -ge "$1" ]
}

# pk_prompt_shown N: waits until the prompt has been on screen N times and
# has the keyboard (wtype's keys would be lost before).
pk_prompt_shown() {
	pn_wait_for pk__agent_log_count "$1" "the prompt is on screen" ||
		pn_fail "the prompt did not appear (time $1; see $PK_AGENT_LOG)"
	pn_wait_for pk__agent_log_count "$1" "the prompt has the keyboard" ||
		pn_fail "the prompt did not get the keyboard (time $1; see $PK_AGENT_LOG)"
}

# pk_card_setup: where the tests of the agent with its Wayland card start:
# the card's own setup, everything but the agent (op's timeout 5 s),
# headless sway and the dark theme.
pk_card_setup() {
	pn_prompt_setup
	pk_setup 5
	pn_sway
	pn_prompt_theme dark
}

# pk_prompt_armed REQUEST: the filled card of request number REQUEST takes a
# press (PRESS_ARM_MS after the latest of its first frame, keyboard focus and
# the fill).
pk_prompt_armed() {
	pn_wait_for grep -q "request $1: the filled card takes a press" "$PK_AGENT_LOG" ||
		pn_fail "the filled card of request $1 did not arm (see $PK_AGENT_LOG)"
}

# pk_no_prompt: no card of the agent's serves a request any more; only the
# idle card, which has been handed none, may run (the agent logs each card it
# gives a request with its pid).
pk_no_prompt() {
	local pid
	for pid in $(pgrep -P "$PK_AGENT_PID" -x panther-polkit-); do
		! grep -q "^.*request [0-9]*: .*(pid $pid)" "$PK_AGENT_LOG" || return 1
	done
}

# pk_idle_card: waits for the agent's idle card; its pid goes into PK_IDLE_PID.
pk__idle_card() {
	local pid
	for pid in $(pgrep -P "$PK_AGENT_PID" -x panther-polkit-); do
		grep -q "request [0-9]*: .*(pid $pid)" "$PK_AGENT_LOG" && continue
		grep -q "idle card started (pid $pid)" "$PK_AGENT_LOG" && PK_IDLE_PID=$pid && return 0
	done
	return 1
}
pk_idle_card() {
	pn_wait_for pk__idle_card || pn_fail "the agent started no idle card (see $PK_AGENT_LOG)"
}
