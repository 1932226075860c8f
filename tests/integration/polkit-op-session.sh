#!/bin/bash
# One typed password per 1Password session (DESIGN.md 5.4), with the app
# stand-in (tests/harness/onepassword-app.py: it authorizes op per terminal
# session and raises authorizeCLI/unlock through polkit with itself as the
# subject) in a fake logind session whose agent is panther's. Time runs 60
# times faster: a 1Password minute is a second.
#  - three requests for pkexec's action a minute apart: 1Password's
#    authorization card once (typed password), then three filled cards, one
#    press each;
#  - pantherctl polkit status says until when, polkit forget ends it, and the
#    doctor's --try-1password sees 1Password ask for the first of its two
#    calls only;
#  - 10 minutes without use: the next request is asked again;
#  - the app locks: the next request shows unlock first;
#  - an op of the user's that is not panther's: its card does not say
#    "panther" and names that op (pid, command line);
#  - keep_authorized renews it while the app is unlocked, and stops without
#    a card when the app has locked.
set -u
. "$PANTHER_SOURCE_DIR/tests/harness/polkit-agent.sh"

action=org.freedesktop.policykit.exec
authorize=com.1password.1Password.authorizeCLI
unlock=com.1password.1Password.unlock
PK_APP_SCALE=60
pn_test_user
pn_fake_logind_session
pk_setup 30
pn_polkit_action "$PANTHER_SOURCE_DIR/tests/harness/com.1password.1Password.policy"

pn_spawn_in_session agent env -u PN_TEST_PASSWORD PANTHER_TEST_PROMPT_DIR="$PK_PROMPT" \
	PANTHER_TEST_1PASSWORD_MINUTE_MS=1000 "$PK_AGENT_BIN" --verbose --config "$PK_CONFIG"
PK_AGENT_PID=$PN_PID
PK_AGENT_LOG=$PN_LOG
pn_wait_for grep -q "registered as the authentication agent for unix-session:$PN_SESSION_ID" "$PK_AGENT_LOG" ||
	pn_fail "the agent did not register for session $PN_SESSION_ID (see $PK_AGENT_LOG)"
grep -q "op runs in the terminal session" "$PK_AGENT_LOG" ||
	pn_fail "the agent has no terminal session for op: $(grep -m1 'op runs' "$PK_AGENT_LOG")"

# request WHAT: a process of the session asks for $action and waits.
request() {
	pn_spawn_in_session request sh -c 'exec pkcheck -a '"$action"' -p $$ -u'
	local pid=$PN_PID
	pn_wait_exit -t 60 "$pid" || pn_fail "$1: the request did not finish"
	wait "$pid"
	PK_STATUS=$?
	pk_expect_status 0 "$1"
}
asked() {
	pn_app_events "$PK_OP" "ask $1"
}
card() { # card N: line N of the prompt's log
	sed -n "$1p" "$PK_PROMPT/calls"
}

# Three requests a minute apart: one authorization, three filled cards.
pk_mode op right
pk_mode prompt right confirm
request "first request"
[[ $(card 1) == *" action=$authorize "*"purpose=1Password asks to let panther read your password"* ]] ||
	pn_fail "the first card was not 1Password's authorization for panther: $(card 1)"
[[ $(card 2) == *" action=$action "*" fill=filled "* ]] ||
	pn_fail "the request's card was not filled after the authorization: $(card 2)"
sleep 1
pk_mode prompt confirm
request "second request, a minute later"
sleep 1
request "third request, two minutes later"
[ "$(asked authorizeCLI)" -eq 1 ] ||
	pn_fail "1Password asked authorizeCLI $(asked authorizeCLI) times for three requests in one session: $(cat "$PK_OP/app.events")"
[[ $(grep -c " action=$authorize " "$PK_PROMPT/calls") -eq 0 ]] ||
	pn_fail "an authorization card was shown after the first request: $(cat "$PK_PROMPT/calls")"
[ "$(grep -c " action=$action .* fill=filled " "$PK_PROMPT/calls")" -eq 2 ] ||
	pn_fail "the second and third requests were not filled cards: $(cat "$PK_PROMPT/calls")"
[ "$(pk_calls prompt)" -eq 2 ] || pn_fail "the prompt was asked $(pk_calls prompt) times for two requests"
[ "$(pk_calls op)" -eq 3 ] || pn_fail "op ran $(pk_calls op) times for three requests"
grep -q "1Password authorized panther's terminal session" "$PK_AGENT_LOG" ||
	pn_fail "the agent did not notice 1Password's authorization"
pn_note "three requests: authorizeCLI asked $(asked authorizeCLI) time(s)"

# pantherctl says so; forget ends it (op signout in the agent's session);
# the doctor's two calls: 1Password asks for the first only.
ctl=${PANTHERCTL:?PANTHERCTL is not set}
out=$(pn_as_user "$ctl" polkit status)
[[ $out == *"1password: panther authorized until "* ]] || pn_fail "pantherctl polkit status says: $out"
out=$(pn_as_user "$ctl" --json polkit status)
[[ $out == *'"onepassword":"authorized","onepassword_until":'[0-9]* ]] || pn_fail "pantherctl --json polkit status says: $out"
pn_as_user "$ctl" polkit forget >/dev/null || pn_fail "pantherctl polkit forget failed"
[ "$(pn_app_events "$PK_OP" signout)" -eq 1 ] || pn_fail "forget did not sign out: $(cat "$PK_OP/app.events")"
out=$(pn_as_user "$ctl" polkit status)
[[ $out == *"1password: panther not authorized"* ]] || pn_fail "after forget, pantherctl polkit status says: $out"
asks=$(asked authorizeCLI)
pk_mode prompt right
pn_as_user "$ctl" --config "$PK_CONFIG" doctor --try-1password >"$PN_TMP/doctor.txt" 2>&1
line=$(grep '1password.try' "$PN_TMP/doctor.txt")
[[ $line == ok*"twice in panther's terminal session: answered; 1Password asked for the first call, not for the second"* ]] ||
	pn_fail "the doctor's two-call check says: $line"
[ "$(asked authorizeCLI)" -eq $((asks + 1)) ] || pn_fail "the doctor's two calls: $(cat "$PK_OP/app.events")"
grep -q "^ok .*1password.session .*has not authorized panther now" "$PN_TMP/doctor.txt" ||
	pn_fail "after forget the doctor says: $(grep 1password "$PN_TMP/doctor.txt")"
pn_as_user "$ctl" --config "$PK_CONFIG" doctor >>"$PN_TMP/doctor.txt" 2>&1
grep -q "^ok .*1password.session .*authorized panther's terminal session until" "$PN_TMP/doctor.txt" ||
	pn_fail "the doctor does not say until when: $(grep 1password "$PN_TMP/doctor.txt")"
pk_no_secret_in "$PN_TMP/doctor.txt"

# Ten minutes without use end the authorization: asked again.
sleep 11
asks=$(asked authorizeCLI)
pk_mode prompt right confirm
request "a request after 11 idle minutes"
[ "$(asked authorizeCLI)" -eq $((asks + 1)) ] ||
	pn_fail "1Password did not ask again after 10 idle minutes: $(cat "$PK_OP/app.events")"
[[ $(card 1) == *" action=$authorize "* && $(card 2) == *" fill=filled "* ]] ||
	pn_fail "after 10 idle minutes the cards were: $(cat "$PK_PROMPT/calls")"

# The app locks: unlock first, then the authorization, then the filled card.
pn_app "$PK_OP" lock
pk_mode prompt right right confirm
request "a request after the app locked"
[[ $(card 1) == *" action=$unlock "*"purpose=1Password asks to be unlocked so that panther"* ]] ||
	pn_fail "the first card after the lock was not 1Password's unlock for panther: $(card 1)"
[[ $(card 2) == *" action=$authorize "* && $(card 3) == *" fill=filled "* ]] ||
	pn_fail "after the unlock the cards were: $(cat "$PK_PROMPT/calls")"
[ "$(asked unlock)" -eq 1 ] || pn_fail "the app asked unlock $(asked unlock) times"

# Another op of the user's (no terminal: 1Password asks every time): its
# card warns, does not say panther, names that op by pid and command line.
pk_mode prompt cancel
pn_spawn_in_session foreign "$PK_OP/op" read -n op://Private/foreign-item/password
foreign=$PN_PID
pn_wait_exit -t 30 "$foreign" || pn_fail "the foreign op did not end after its card was dismissed"
line=$(card 1)
[[ $line == *" action=$authorize "* ]] || pn_fail "the foreign op raised no authorization card: $(cat "$PK_PROMPT/calls")"
purpose=${line#* purpose=}
purpose=${purpose%% then=*}
# Its own words, before the op it names (whose path may hold anything).
[[ ${purpose%%. It is pid*} == *panther* ]] && pn_fail "the foreign op's card says panther: $purpose"
[[ $purpose == *"another program asks 1Password"* ]] || pn_fail "the foreign op's card does not warn: $purpose"
[[ $purpose == *". It is pid $foreign: "*"op read -n op://Private/foreign-item/password"* ]] ||
	pn_fail "the foreign op's card does not name it (pid $foreign): $purpose"
pn_note "foreign op's card: $purpose"

# keep_authorized: renewed while nobody asks; no authorization for a
# request 25 idle minutes later; after a lock the renewal's unlock request
# shows no card, and the next request asks to unlock.
sed -i 's/"timeout_s": \([0-9]*\)/"timeout_s": \1, "keep_authorized": true/' "$PK_CONFIG"
kill -HUP "$PK_AGENT_PID"
pn_wait_for grep -q "configuration reloaded" "$PK_AGENT_LOG" || pn_fail "the agent did not reload its config"
sleep 11
asks=$(asked authorizeCLI)
pk_mode prompt right confirm
request "a request with keep_authorized, after 11 idle minutes"
[ "$(asked authorizeCLI)" -eq $((asks + 1)) ] || pn_fail "1Password's asks: $(cat "$PK_OP/app.events")"
renewed=$(pn_app_events "$PK_OP" renewed)
sleep 25
[ "$(pn_app_events "$PK_OP" renewed)" -ge $((renewed + 2)) ] ||
	pn_fail "keep_authorized did not renew the authorization within 25 idle minutes: $(cat "$PK_OP/app.events")"
pk_mode prompt confirm
request "a request with keep_authorized, after 25 idle minutes"
[ "$(asked authorizeCLI)" -eq $((asks + 1)) ] ||
	pn_fail "keep_authorized: 1Password asked again after 25 idle minutes: $(cat "$PK_OP/app.events")"
[ "$(pk_calls prompt)" -eq 1 ] || pn_fail "keep_authorized: the cards were $(cat "$PK_PROMPT/calls")"
pn_app "$PK_OP" lock
pk_mode prompt cancel
unlocks() { [ "$(asked unlock)" -ge 2 ]; }
pn_wait_for -t 15 unlocks || pn_fail "the renewal did not reach the locked app: $(cat "$PK_OP/app.events")"
pn_wait_for grep -q "only panther's renewal waited" "$PK_AGENT_LOG" ||
	pn_fail "the agent did not drop the unlock request raised by its renewal"
[ "$(pk_calls prompt)" -eq 0 ] || pn_fail "the renewal raised a card by itself: $(cat "$PK_PROMPT/calls")"
pk_mode prompt right right confirm
request "a request after the app locked, with keep_authorized"
[[ $(card 1) == *" action=$unlock "* ]] || pn_fail "after a lock with keep_authorized the cards were: $(cat "$PK_PROMPT/calls")"

pk_no_secret_in "$PK_AGENT_LOG" "$PK_OP/app.events"
pk_stop_agent
pn_pass
