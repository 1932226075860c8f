#!/bin/bash
# pkexec through panther's Wayland card under polkit 127+ (sid's 128), where
# polkit's PAM helper is not setuid and is started per connection on
# /run/polkit/agent-helper.socket (systemd's socket unit, emulated by the
# harness). pkexec runs as the test user from a shell the agent is
# registered for:
# - 1Password fills the card, one Return runs the command as root;
# - 1Password dismissed, the password typed on the card runs it;
# - Escape on the card: pkexec refuses (126), nothing ran;
# - polkitd restarts: the agent registers again and pkexec works through it.
# Each time the helper that checked the password was the socket's, not a
# child of the agent. Runs inside the namespace (run.sh).
set -u
. "$PANTHER_SOURCE_DIR/tests/harness/polkit-agent.sh"
. "$PANTHER_SOURCE_DIR/tests/harness/prompt.sh"

version=$(pkcheck --version | awk '{ print $NF }')
[ "${version%%.*}" -ge 127 ] 2>/dev/null || pn_fail "expected polkit 127 or newer in the sid root, found '$version'"
[ -u "$PN_POLKIT_HELPER" ] && pn_fail "$PN_POLKIT_HELPER is setuid: this is not polkit's socket design"
pn_need_cmd pkexec
pn_note "polkit $version, helper started by $PN_POLKIT_HELPER_SOCKET"

pn_prompt_setup
pk_setup 5
[ -n "${PN_POLKIT_SOCKET_PID:-}" ] || pn_fail "the harness did not start polkit's helper socket"
helper_log=$PN_TMP/polkit-helper-socket.log
pn_sway
pn_prompt_theme dark

# The requester: a shell of the test user that runs pkexec each time a line
# arrives on its fifo; the agent is registered for it (pkexec's parent).
out=$PN_TMP/pkexec
install -d -m 0700 -o "$PN_TEST_USER" -g "$PN_TEST_USER" "$out"
go=$out/go
mkfifo -m 0600 "$go"
chown "$PN_TEST_USER:" "$go"
pn_spawn_as_user requester sh -c 'while read -r n <"$1"; do
	pkexec --disable-internal-agent /usr/bin/id -u >"$2.$n.out" 2>"$2.$n.err"
	echo $? >"$2.$n.rc"
done' sh "$go" "$out/run"
PK_SUBJECT=$PN_PID
echo "$PK_SUBJECT" >"$PK_OP/subject"
pk_wayland_agent --process "$PK_SUBJECT"

filled() {
	[ "$(grep -c "1Password filled the answer" "$PK_AGENT_LOG")" -ge "$1" ]
}
helper_runs() {
	grep -c . "$helper_log"
}
# pkexec_start N: the Nth pkexec.
pkexec_start() {
	echo "$1" >"$go"
}
# pkexec_end N RC WHAT: waits for the Nth pkexec; fails unless it exited RC.
pkexec_end() {
	pn_wait_for -t 20 test -s "$out/run.$1.rc" || pn_fail "$3: pkexec did not finish"
	local rc
	rc=$(cat "$out/run.$1.rc")
	[ "$rc" -eq "$2" ] ||
		pn_fail "$3: pkexec exited $rc, expected $2: $(cat "$out/run.$1.err")"
}
keep_shot() {
	pn_prompt_screenshot "$PN_TMP/$1"
	cp "$PN_TMP/$1" "${PN_NEWEST_LOGS:-$PN_TMP}/$1"
}

pn_note "1Password fills the card, one Return runs pkexec's command as root"
runs=$(helper_runs)
pk_mode op right
pkexec_start 1
pk_prompt_shown 1
pn_wait_for filled 1 || pn_fail "1Password's answer was not taken (see $PK_AGENT_LOG)"
keep_shot pkexec-filled.png
pn_prompt_check_card "$PN_TMP/pkexec-filled.png" "$PN_DARK_CARD" "$PN_LIGHT_CARD"
[ -z "$(pn_polkit_helpers "$PK_AGENT_PID")" ] || pn_fail "PAM's helper runs before anyone pressed Return"
pk_prompt_armed 1
pn_key Return
pkexec_end 1 0 "filled and confirmed"
[ "$(cat "$out/run.1.out")" = 0 ] || pn_fail "pkexec's command did not run as root: $(cat "$out/run.1.out")"
[ "$(helper_runs)" -gt "$runs" ] || pn_fail "the socket started no helper: the password was not checked through it"
pgrep -P "$PK_AGENT_PID" -f polkit-agent-helper-1 >/dev/null &&
	pn_fail "the agent ran the helper itself (polkit 127+ starts it from the socket)"
grep -q "request 1: .* authorized for $PN_TEST_USER" "$PK_AGENT_LOG" || pn_fail "the agent did not log the authorization"

pn_note "1Password dismissed: the typed password runs it"
pk_mode op dismiss
pkexec_start 2
pk_prompt_shown 2
pn_wait_for grep -q "request 2: 1Password: authorization prompt dismissed" "$PK_AGENT_LOG" ||
	pn_fail "op's failure was not taken"
pn_type "$PN_TEST_PASSWORD"
keep_shot pkexec-typed.png
pn_key Return
pkexec_end 2 0 "typed password"
[ "$(cat "$out/run.2.out")" = 0 ] || pn_fail "pkexec's command did not run as root after the typed password"

pn_note "Escape on the card: pkexec refuses"
pk_mode op dismiss
pkexec_start 3
pk_prompt_shown 3
pn_key Escape
pkexec_end 3 126 "Escape on the card"
[ -s "$out/run.3.out" ] && pn_fail "pkexec's command ran although the card was cancelled"
pn_wait_for -t 5 pk_no_prompt || pn_fail "the card stayed open after Escape"

pn_note "polkitd restarts: the agent registers again, pkexec works"
regs=$(grep -c "registered as the authentication agent" "$PK_AGENT_LOG")
pn_restart_polkitd
pn_wait_for eval '[ "$(grep -c "registered as the authentication agent" "$PK_AGENT_LOG")" -gt '"$regs"' ]' ||
	pn_fail "the agent did not register with the new polkitd (see $PK_AGENT_LOG)"
pk_mode op right
pkexec_start 4
pk_prompt_shown 4
pn_wait_for filled 2 || pn_fail "1Password's answer was not taken after polkitd restarted"
pk_prompt_armed 4
pn_key Return
pkexec_end 4 0 "after polkitd restarted"

pk_no_secret_in "$PK_AGENT_LOG" "$helper_log"
pk_stop_agent
pn_pass
