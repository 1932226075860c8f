# shellcheck shell=bash
#
# Helpers for the tests of panther-polkit-agent (tests/integration/polkit-*.sh).
# They use the real system bus and polkitd, the test user's real password
# through PAM, and stand-ins for `op` (op-standin.sh) and for the prompt
# (prompt-standin.sh), steered through files in $PK_OP and $PK_PROMPT.
#
#   . "$PANTHER_SOURCE_DIR/tests/harness/polkit-agent.sh"
#   pk_setup                  # bus, polkitd, test user, session bus, dirs, config
#   pk_subject                # a process of the test user to authenticate for
#   pk_agent                  # the agent, registered for that process
#   pk_check ACTION           # pkcheck for the subject; status in $PK_STATUS
#   pk_stop_agent             # stops it; fails on a bad exit or sanitizer report

. "$PANTHER_SOURCE_DIR/tests/harness/lib.sh"
. "$PANTHER_SOURCE_DIR/tests/harness/onepassword-app.sh"

PK_AGENT_BIN=$PANTHER_BUILD_DIR/polkit-agent/panther-polkit-agent
PK_OP_STANDIN=$PANTHER_SOURCE_DIR/tests/harness/op-standin.sh
PK_PROMPT_STANDIN=$PANTHER_SOURCE_DIR/tests/harness/prompt-standin.sh
PK_REFERENCE=op://Test/pktest-login/password
# Would let op answer without approval: they must never reach op, nor any
# other child of the agent.
PK_TOKEN=ops_panther_test_token_must_not_leak
PK_OP_SESSION=op_session_token_must_not_leak

# pk_setup [TIMEOUT_S]: everything but the agent. Writes $PK_CONFIG with the
# stand-in op (timeout_s TIMEOUT_S, default 5) and the stand-in prompt, and
# starts the 1Password app stand-in for that op (PK_APP_SCALE model minutes a
# minute, default 1).
pk_setup() {
	[ -x "$PK_AGENT_BIN" ] || pn_skip "panther-polkit-agent is not built (needs libpolkit-agent-1)"
	pn_need_cmd pkcheck
	pn_system_bus_polkitd
	pn_test_user
	pn_session_bus
	PK_OP=$PN_TMP/op
	PK_PROMPT=$PN_TMP/prompt
	install -d -m 0700 -o "$PN_TEST_USER" -g "$PN_TEST_USER" "$PK_OP" "$PK_PROMPT"
	local d
	for d in "$PK_OP" "$PK_PROMPT"; do
		printf '%s' "$PN_TEST_PASSWORD" >"$d/password"
		echo right >"$d/mode"
		chown "$PN_TEST_USER:" "$d/password" "$d/mode"
		chmod 0600 "$d/password"
	done
	# op's environment is an allow-list: the stand-in finds its files
	# through the path it is started by.
	ln -sf "$PK_OP_STANDIN" "$PK_OP/op"
	pn_onepassword_app "$PK_OP" "${PK_APP_SCALE:-1}"
	PK_CONFIG=$PN_TMP/config.json
	pk_write_config "${1:-5}"
	export PK_OP PK_PROMPT PK_CONFIG
}

# pk_write_config TIMEOUT_S [ENABLE]: (re)writes the agent's config.
pk_write_config() {
	cat >"$PK_CONFIG" <<-EOF
		{
		  "polkit": {
		    "onepassword": {
		      "enable": ${2:-true},
		      "op": "$PK_OP/op",
		      "references": { "$PN_TEST_USER": "$PK_REFERENCE" },
		      "timeout_s": $1
		    },
		    "prompt": { "type": "command", "argv": ["$PK_PROMPT_STANDIN"] }
		  }
		}
	EOF
	chmod 0644 "$PK_CONFIG"
}

# pk_mode op|prompt WORD...: what the stand-in does on each next call; the
# call logs start afresh.
pk_mode() {
	local d=$PK_OP
	[ "$1" = prompt ] && d=$PK_PROMPT
	shift
	echo "$*" >"$d/mode"
	rm -f "$d"/calls "$d"/typed "$d"/pending "$d"/overlap "$d"/env.* "$d"/pid.* "$d"/cmdline.* "$d"/nested.* "$d"/auth.*
}

# pk_calls op|prompt: how many times the stand-in ran since pk_mode.
pk_calls() {
	local d=$PK_OP
	[ "$1" = prompt ] && d=$PK_PROMPT
	if [ -e "$d/calls" ]; then wc -l <"$d/calls"; else echo 0; fi
}

# pk_subject: a long-running process of the test user; PK_SUBJECT is its pid.
pk_subject() {
	pn_spawn_as_user subject sleep 3600
	PK_SUBJECT=$PN_PID
	echo "$PK_SUBJECT" >"$PK_OP/subject"
	export PK_SUBJECT
}

# pk_agent [ARGS...]: starts the agent as the test user at debug level,
# registered for $PK_SUBJECT unless ARGS say otherwise, and waits until it is
# registered. PK_AGENT_PID, PK_AGENT_LOG. The 1Password app counts the
# agent's terminal session as authorized (as after a first authorization):
# these tests are about what follows; polkit-op-session.sh is about that.
pk_agent() {
	local args=("$@")
	[ ${#args[@]} -gt 0 ] || args=(--process "$PK_SUBJECT")
	pn_spawn_as_user agent env -u PN_TEST_PASSWORD PANTHER_TEST_OP_DIR="$PK_OP" PANTHER_TEST_PROMPT_DIR="$PK_PROMPT" \
		OP_SERVICE_ACCOUNT_TOKEN="$PK_TOKEN" OP_SESSION_pktest="$PK_OP_SESSION" \
		OP_CONNECT_TOKEN="$PK_TOKEN" \
		"$PK_AGENT_BIN" --verbose --config "$PK_CONFIG" "${args[@]}"
	PK_AGENT_PID=$PN_PID
	PK_AGENT_LOG=$PN_LOG
	pn_wait_for pk__registered || pn_fail "the agent did not register (see $PK_AGENT_LOG)"
	pk_app_authorize
}

# pk_app_authorize: the app counts the agent's terminal session as authorized.
pk_app_authorize() {
	pn_app "$PK_OP" authorize "$PK_AGENT_PID" ||
		pn_fail "the 1Password app stand-in could not authorize the agent's session"
}

pk__registered() {
	grep -q "registered as the authentication agent" "$PK_AGENT_LOG"
}

# pk_check ACTION [SUBJECT]: pkcheck -u as the test user for the subject;
# sets PK_STATUS (0 authorized, 1 not, 2 no agent/challenge, 3 dismissed)
# and PK_ELAPSED_MS.
pk_check() {
	local start end
	start=$(pn__now_ms)
	pn_as_user pkcheck -a "$1" -p "${2:-$PK_SUBJECT}" -u >"$PN_TMP/pkcheck.out" 2>&1
	PK_STATUS=$?
	end=$(pn__now_ms)
	PK_ELAPSED_MS=$((end - start))
}

# pk_expect_status N WHAT: fails unless the last pk_check gave N.
pk_expect_status() {
	[ "$PK_STATUS" -eq "$1" ] ||
		pn_fail "$2: pkcheck exited $PK_STATUS, expected $1 ($(tr '\n' ' ' <"$PN_TMP/pkcheck.out"))"
}

# pk_no_process PID: the process is gone, not even a zombie.
pk_no_process() {
	[ ! -e "/proc/$1" ]
}

# pk_no_secret_in FILE...: the test user's password is in none of them.
pk_no_secret_in() {
	local f
	for f in "$@"; do
		[ -e "$f" ] || continue
		if grep -aqF -- "$PN_TEST_PASSWORD" "$f"; then
			pn_fail "the password appears in $f"
		fi
		if grep -aqF -- "$PK_TOKEN" "$f"; then
			pn_fail "the inherited OP_SERVICE_ACCOUNT_TOKEN's value appears in $f"
		fi
		if grep -aqF -- "$PK_OP_SESSION" "$f"; then
			pn_fail "the inherited OP_SESSION_pktest's value appears in $f"
		fi
	done
}

# pk_snapshot_children DIR: copies environ and cmdline of every process
# below the agent (op, the prompt, polkit's PAM helper wherever it runs, see
# pn_polkit_helpers, and what they
# started) into DIR/PID.environ and DIR/PID.cmdline. PK_SNAPSHOTS counts the
# processes seen so far.
PK_SNAPSHOTS=0
pk_snapshot_children() {
	local dir=$1 pid ppid stat
	mkdir -p "$dir"
	local -A below=(["$PK_AGENT_PID"]=1)
	local changed=1
	# polkit 127+: the PAM helper is the socket activator's child, not ours.
	for pid in $(pn_polkit_helpers "$PK_AGENT_PID"); do
		below[$pid]=1
		cat "/proc/$pid/environ" >"$dir/$pid.environ" 2>/dev/null
		cat "/proc/$pid/cmdline" >"$dir/$pid.cmdline" 2>/dev/null
		PK_SNAPSHOTS=$((PK_SNAPSHOTS + 1))
	done
	while [ "$changed" -eq 1 ]; do
		changed=0
		for stat in /proc/[0-9]*/stat; do
			pid=${stat#/proc/}
			pid=${pid%/stat}
			[ -n "${below[$pid]:-}" ] && continue
			read -r ppid < <(awk '{ sub(/.*\) /, ""); print $2 }' "$stat" 2>/dev/null) || continue
			if [ -n "${below[$ppid]:-}" ]; then
				below[$pid]=1
				changed=1
				cat "/proc/$pid/environ" >"$dir/$pid.environ" 2>/dev/null
				cat "/proc/$pid/cmdline" >"$dir/$pid.cmdline" 2>/dev/null
				PK_SNAPSHOTS=$((PK_SNAPSHOTS + 1))
			fi
		done
	done
}

# pk_stop_agent: SIGTERM; fails unless it exits 0 with no sanitizer report.
pk_stop_agent() {
	pn_stop "$PK_AGENT_PID"
	local rc=$?
	[ "$rc" -eq 0 ] || pn_fail "the agent exited with status $rc on SIGTERM (see $PK_AGENT_LOG)"
	if grep -q "Sanitizer" "$PK_AGENT_LOG"; then
		pn_fail "sanitizer report in the agent's log ($PK_AGENT_LOG)"
	fi
}

# pk_pam_stack LINE...: writes /etc/pam.d/polkit-1 (the PAM stack polkit's
# helper runs; absent on Debian, where "other" applies) from LINEs plus
# Debian's common-auth and common-account, and removes it at exit, also on
# failure. /etc is shared by every namespace nsrun makes, where the system
# lock is not: a flock on /etc/pam.d itself makes tests of parallel runs take
# turns. A file this harness did not write is never replaced.
pk_pam_stack() {
	local file=/etc/pam.d/polkit-1 marker="# written by panther's test harness"
	pn_spawn pam-lock flock -o -w "${PN_LOCK_TIMEOUT:-240}" /etc/pam.d \
		sh -c 'echo locked; exec tail --pid="$1" -f /dev/null' sh $$
	pn_wait_for -t "${PN_LOCK_TIMEOUT:-240}" grep -q '^locked' "$PN_LOG" ||
		pn_fail "/etc/pam.d stayed locked by another test"
	if [ -e "$file" ] && ! grep -qF "$marker" "$file"; then
		pn_skip "$file exists and was not written by this harness: not replacing the machine's PAM stack"
	fi
	pn_on_exit rm -f "$file"
	{
		echo "$marker (pid $$, $PN_TEST_NAME); removed when it ends"
		printf '%s\n' "$@"
		echo "@include common-auth"
		echo "@include common-account"
	} >"$file.tmp" && mv "$file.tmp" "$file"
}
