#!/bin/bash
# The stronger choices than a filled card, with real polkitd and PAM (the
# command prompter stands in for the card: it gets what the card shows):
# - polkit.always_type: a matching action is never filled by 1Password (op
#   is not run), the card says the password is typed, and the typed password
#   authorizes; an action that does not match is filled as before;
# - polkit.onepassword.fingerprint_first: with pam_fprintd in polkit-1's PAM
#   stack, 1Password is not asked and PAM starts at once, so the reader's
#   "Place your finger" reaches the card before any password (pam_echo speaks
#   for pam_fprintd, which needs a reader: TESTBED.md "PAM messages"); without
#   pam_fprintd in the stack 1Password fills the card as before, with a warning.
set -u
. "$PANTHER_SOURCE_DIR/tests/harness/polkit-agent.sh"

action=org.freedesktop.policykit.exec
pk_setup 5

# config ALWAYS_TYPE FINGERPRINT_FIRST: the agent's config with both lists.
config() {
	cat >"$PK_CONFIG" <<-JSON
		{
		  "polkit": {
		    "always_type": $1,
		    "onepassword": {
		      "op": "$PK_OP/op",
		      "references": { "$PN_TEST_USER": "$PK_REFERENCE" },
		      "timeout_s": 5,
		      "fingerprint_first": $2
		    },
		    "prompt": { "type": "command", "argv": ["$PK_PROMPT_STANDIN"] }
		  }
		}
	JSON
}
# prompt_var N NAME: PANTHER_PROMPT_NAME as prompt call N received it.
prompt_var() {
	tr '\0' '\n' <"$PK_PROMPT/env.$1" | sed -n "s/^PANTHER_PROMPT_$2=//p"
}
reload() {
	local n
	n=$(grep -c "configuration reloaded" "$PK_AGENT_LOG")
	kill -HUP "$PK_AGENT_PID"
	pn_wait_for pk__agent_log_count $((n + 1)) "configuration reloaded" ||
		pn_fail "the agent did not reload its configuration"
}
pk__agent_log_count() {
	[ "$(grep -c -- "$2" "$PK_AGENT_LOG")" -ge "$1" ]
}

pn_note "always_type: the password is typed, 1Password is not asked"
config '["org.freedesktop.policykit.*"]' '[]'
pk_subject
pk_agent
pk_mode op right
pk_mode prompt right
pk_check "$action"
pk_expect_status 0 "an always_type action with the typed password"
[ "$(pk_calls op)" -eq 0 ] || pn_fail "1Password was asked $(pk_calls op) times for an always_type action"
[ "$(prompt_var 1 FILL)" = filled ] && pn_fail "the card of an always_type action was filled"
case $(prompt_var 1 INFO) in
*"typed password"*) ;;
*) pn_fail "the card does not say the password is typed: \"$(prompt_var 1 INFO)\"" ;;
esac
grep -q "is in polkit.always_type: the password is typed" "$PK_AGENT_LOG" ||
	pn_fail "the agent did not log why 1Password was not asked"

pn_note "an action always_type does not name is filled"
config '["org.example.*"]' '[]'
reload
pk_mode op right
pk_mode prompt right
pk_check "$action"
pk_expect_status 0 "an action outside always_type"
[ "$(pk_calls op)" -eq 1 ] || pn_fail "1Password was asked $(pk_calls op) times for an action outside always_type"

pn_note "fingerprint_first with pam_fprintd in polkit-1's stack: the reader decides"
pk_pam_stack "auth optional pam_echo.so Place your finger on the fingerprint reader" \
	"-auth sufficient pam_fprintd.so"
config '[]' '["org.freedesktop.policykit.exec"]'
reload
pk_mode op right
pk_mode prompt right
pk_check "$action"
pk_expect_status 0 "a fingerprint_first action (the reader's turn passed, the typed password)"
[ "$(pk_calls op)" -eq 0 ] || pn_fail "1Password was asked $(pk_calls op) times for a fingerprint_first action"
case $(prompt_var 1 INFO) in
*"Place your finger on the fingerprint reader"*) ;;
*) pn_fail "the reader's message did not reach the card before the password: \"$(prompt_var 1 INFO)\"" ;;
esac
grep -q "pam_fprintd is in the polkit-1 PAM stack: the fingerprint reader decides" "$PK_AGENT_LOG" ||
	pn_fail "the agent did not log that the reader decides"

pn_note "fingerprint_first without pam_fprintd in the stack: 1Password fills, with a warning"
rm -f /etc/pam.d/polkit-1
pk_mode op right
pk_mode prompt right
pk_check "$action"
pk_expect_status 0 "a fingerprint_first action without a reader in the stack"
[ "$(pk_calls op)" -eq 1 ] || pn_fail "1Password was asked $(pk_calls op) times without a reader in the stack"
grep -q "pam_fprintd is not in the polkit-1 PAM stack: 1Password fills the card" "$PK_AGENT_LOG" ||
	pn_fail "no warning that fingerprint_first has no reader to ask"
pk_stop_agent
pn_pass
