#!/bin/bash
# The agent's Wayland prompt end to end under headless sway, with the real
# polkitd and PAM: 1Password (the stand-in) answers, the card is on screen
# filled by 1Password (dots and a label) and PAM is not started until Enter,
# which authorizes once the card is armed (an Enter right after the fill
# does not, and Enter while 1Password works never reaches PAM: pam_faillock's count stays); Escape on a filled card cancels and op is not asked
# again; a click on Authenticate (a virtual pointer) confirms too. 1Password is dismissed, the prompt shows why; the password typed with wtype authorizes; a wrong one shows the error
# and the right one then works; Escape dismisses and the next request still
# works; with two identities Tab picks the other one and its password is the
# one checked.
set -u
. "$PANTHER_SOURCE_DIR/tests/harness/polkit-agent.sh"
. "$PANTHER_SOURCE_DIR/tests/harness/prompt.sh"

action=org.freedesktop.policykit.exec
pk_card_setup
pk_subject
pk_wayland_agent

# pam_helpers: the agent's running polkit-agent-helper-1 (PAM) processes.
pam_helpers() {
	pn_polkit_helpers "$PK_AGENT_PID" | wc -l
}
filled() {
	[ "$(grep -c "1Password filled the answer" "$PK_AGENT_LOG")" -ge "$1" ]
}
# PAM's own count of failed attempts, as lockout setups keep it
# (pam_faillock): Enter on a card 1Password is still filling must not add to
# it, a wrong password must.
pn_need_cmd faillock
pk_pam_stack "auth required pam_faillock.so preauth deny=100" \
	"auth [success=1 default=ignore] pam_unix.so" \
	"auth [default=die] pam_faillock.so authfail deny=100" \
	"auth sufficient pam_faillock.so authsucc deny=100"
faillock --user "$PN_TEST_USER" --reset
pam_failures() {
	faillock --user "$PN_TEST_USER" | grep -c '^[0-9]'
}

pn_note "1Password fills the card, Enter confirms"
pk_mode op right
pk_check_start "$action"
pk_prompt_shown 1
pn_wait_for filled 1 || pn_fail "1Password's answer was not taken (see $PK_AGENT_LOG)"
pn_key Return
pn_wait_for grep -qE "Enter [0-9]+ ms after the card changed: ignored" "$PK_AGENT_LOG" ||
	pn_fail "an Enter right after the fill was not refused"
pn_note "$(grep -oE "Enter [0-9]+ ms after the card changed" "$PK_AGENT_LOG" | tail -n 1): ignored"
grep -q "request 1: starting PAM" "$PK_AGENT_LOG" && pn_fail "an Enter right after the fill started PAM"
pn_alive "$PK_CHECK_PID" || pn_fail "the request ended on an Enter right after the fill"
pk_prompt_armed 1
pn_prompt_screenshot "$PN_TMP/filled.png"
pn_prompt_check_card "$PN_TMP/filled.png" "$PN_DARK_CARD" "$PN_LIGHT_CARD"
filled_accent=$(pn_png count "$PN_TMP/filled.png" "$PN_DARK_PRIMARY")
[ "$(pam_helpers)" -eq 0 ] || pn_fail "PAM's helper runs before anyone pressed Enter"
grep -q "request 1: starting PAM" "$PK_AGENT_LOG" && pn_fail "PAM was started before Enter"
pn_alive "$PK_CHECK_PID" || pn_fail "the request ended before Enter"
pn_key Return
pk_check_end
pk_expect_status 0 "1Password's answer confirmed with Enter once the card was armed"
[ "$(pk_calls op)" -eq 1 ] || pn_fail "op ran $(pk_calls op) times"
pn_wait_for -t 5 pk_no_prompt || pn_fail "the prompt stayed open after the request was authorized"

pn_note "Enter while 1Password works sends nothing to PAM"
pk_mode op hang
pk_check_start "$action"
pk_prompt_shown 2
pn_key Return
pn_wait_for grep -q "Enter while 1Password is filling the card: ignored" "$PK_AGENT_LOG" ||
	pn_fail "Enter while 1Password was filling the card was not refused"
sleep 0.3
grep -q "request 2: starting PAM" "$PK_AGENT_LOG" && pn_fail "Enter while 1Password was filling the card started PAM"
grep -q "request 2: authentication failed" "$PK_AGENT_LOG" && pn_fail "Enter while 1Password was filling the card cost a failed attempt"
[ "$(pam_helpers)" -eq 0 ] || pn_fail "PAM's helper runs after Enter on a pending card"
[ "$(pam_failures)" -eq 0 ] || pn_fail "Enter on a pending card added to pam_faillock's count: $(faillock --user "$PN_TEST_USER")"
pn_alive "$PK_CHECK_PID" || pn_fail "the request ended on Enter while 1Password was filling the card"
pn_key Escape
pk_check_end
pk_expect_status 3 "Escape on a card 1Password is filling"

pn_note "Escape on a filled card"
pk_mode op right
pk_check_start "$action"
pk_prompt_shown 3
pn_wait_for filled 2 || pn_fail "1Password's answer was not taken the second time"
pn_key Escape
pk_check_end
pk_expect_status 3 "Escape on the filled card"
grep -q "request 3: starting PAM" "$PK_AGENT_LOG" && pn_fail "PAM was started although the card was cancelled"
[ "$(pk_calls op)" -eq 1 ] || pn_fail "op ran $(pk_calls op) times for a cancelled request"

pn_note "a click on Authenticate confirms the filled card"
pn_spawn_as_user pointer-keeper "$PANTHER_BUILD_DIR/tests/virtual-pointer" keep
pointer_keeper=$PN_PID
pk_mode op right
pk_check_start "$action"
pk_prompt_shown 4
pn_wait_for filled 3 || pn_fail "1Password's answer was not taken the third time"
pk_prompt_armed 4
pn_wait_for grep -q "the Authenticate button is at" "$PK_AGENT_LOG" || pn_fail "no Authenticate button was drawn"
read -r bx by bw bh < <(grep "the Authenticate button is at" "$PK_AGENT_LOG" | tail -n 1 |
	sed -E 's/.* at ([0-9]+),([0-9]+) \(([0-9]+)x([0-9]+)\).*/\1 \2 \3 \4/')
read -r ow oh < <(pn_as_user swaymsg -t get_outputs -r | /usr/bin/python3 -c \
	'import json, sys; r = json.load(sys.stdin)[0]["rect"]; print(r["width"], r["height"])')
[ "$(pam_helpers)" -eq 0 ] || pn_fail "PAM's helper runs before the click"
pn_as_user "$PANTHER_BUILD_DIR/tests/virtual-pointer" click $((bx + bw / 2)) $((by + bh / 2)) "$ow" "$oh" ||
	pn_fail "the virtual pointer could not click"
pk_check_end
pk_expect_status 0 "1Password's answer confirmed with a click on Authenticate"
pn_stop "$pointer_keeper"

pn_note "right password"
pk_mode op dismiss
pk_check_start "$action"
pk_prompt_shown 5
pn_wait_for grep -q "request 5: 1Password: authorization prompt dismissed" "$PK_AGENT_LOG" ||
	pn_fail "op's failure was not taken"
pn_prompt_screenshot "$PN_TMP/first.png"
pn_prompt_check_card "$PN_TMP/first.png" "$PN_DARK_CARD" "$PN_LIGHT_CARD"
plain_accent=$(pn_png count "$PN_TMP/first.png" "$PN_DARK_PRIMARY")
[ "$filled_accent" -gt $((plain_accent + 300)) ] ||
	pn_fail "the filled card does not show 1Password's dots and label ($filled_accent accent pixels, $plain_accent on an empty card)"
pn_note "accent pixels: $filled_accent filled, $plain_accent empty"
pn_type "$PN_TEST_PASSWORD"
pn_key Return
pk_check_end
pk_expect_status 0 "the right password at the prompt"
pn_wait_for -t 5 pk_no_prompt || pn_fail "the prompt stayed open after the request was authorized"
grep -q "request 5: .* authorized for $PN_TEST_USER" "$PK_AGENT_LOG" || pn_fail "the agent did not log the authorization"

pn_note "wrong, then right"
pk_check_start "$action"
pk_prompt_shown 6
pn_type 'not-the-password'
pn_key Return
pk_prompt_shown 7
[ "$(pam_failures)" -eq 1 ] || pn_fail "pam_faillock did not count the wrong password: $(faillock --user "$PN_TEST_USER")"
pn_prompt_screenshot "$PN_TMP/wrong.png"
errors=$(pn_png count "$PN_TMP/wrong.png" "$PN_DARK_ERROR")
[ "$errors" -gt 20 ] || pn_fail "no error text after a wrong password ($errors pixels in $PN_DARK_ERROR)"
pn_type "$PN_TEST_PASSWORD"
pn_key Return
pk_check_end
pk_expect_status 0 "the right password after a wrong one"
grep -q "authentication failed (attempt 1 of 3)" "$PK_AGENT_LOG" || pn_fail "the wrong password was not counted"

pn_note "Escape dismisses, the next request works"
pk_check_start "$action"
pk_prompt_shown 8
pn_type 'half typed'
pn_key Escape
pk_check_end
pk_expect_status 3 "Escape at the prompt"
pn_wait_for -t 5 pk_no_prompt || pn_fail "the prompt stayed open after Escape"
pk_check_start "$action"
pk_prompt_shown 9
pn_type "$PN_TEST_PASSWORD"
pn_key Return
pk_check_end
pk_expect_status 0 "the request after a dismissed one"

pn_note "two identities: Tab picks the other, and its password counts"
other=pktest2
other_password=pktest2-other-password
id "$other" >/dev/null 2>&1 || useradd -M -s /usr/sbin/nologin "$other" || pn_fail "cannot create $other"
echo "$other:$other_password" | chpasswd || pn_fail "cannot set $other's password"
pn_polkit_rule 10-panther-test-admin 'polkit.addAdminRule(function(action, subject) {
	if (action.id == "org.freedesktop.policykit.exec")
		return ["unix-user:'"$other"'", "unix-group:sudo"];
});'
pk_check_start "$action"
pk_prompt_shown 10
pn_key Tab
pn_wait_for grep -q "identity changed to $other" "$PK_AGENT_LOG" || pn_fail "Tab did not change the identity"
pk_prompt_shown 11
# The test user's own password is not the other one's.
pn_type "$PN_TEST_PASSWORD"
pn_key Return
pk_prompt_shown 12
pn_type "$other_password"
pn_key Return
pk_check_end
pk_expect_status 0 "the other identity's password"
grep -q "authorized for $other" "$PK_AGENT_LOG" || pn_fail "the request was not authorized for $other"

pk_no_secret_in "$PK_AGENT_LOG"
pk_stop_agent
pn_pass
