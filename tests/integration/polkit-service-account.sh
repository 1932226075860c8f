#!/bin/bash
# polkit.onepassword.mode "service-account" with real polkitd and PAM, and
# op 2.x's behaviour modelled by tests/harness/op-standin.sh (a token in
# OP_SERVICE_ACCOUNT_TOKEN: no approval at all).
# - The token file is checked: group-readable, owned by another user, or a
#   symlink to such a file: the agent refuses to start (exit 78, one line
#   naming the key), and pantherctl check-config says the same.
# - A good file: the token reaches op's environment, and nothing else: not
#   the agent's environment, the PAM helper's, the prompt's, nor the log at
#   debug level. The filled card is confirmed before PAM gets the answer. The inherited OP_SERVICE_ACCOUNT_TOKEN never reaches op.
# - $CREDENTIALS_DIRECTORY/NAME (systemd LoadCredential=) is resolved.
# - A token file spoilt while the agent runs: SIGHUP keeps the old config,
#   and the next run of op is refused with a reason; the prompt takes over.
set -u
. "$PANTHER_SOURCE_DIR/tests/harness/polkit-agent.sh"

action=org.freedesktop.policykit.exec
pk_setup 5
pk_subject
CTL=$PANTHER_BUILD_DIR/ipc/ctl/pantherctl

file_token=ops_panther_file_token_$RANDOM$RANDOM
token_dir=$PN_TEST_HOME/panther-token
rm -rf "$token_dir"
install -d -m 0700 -o "$PN_TEST_USER" -g "$PN_TEST_USER" "$token_dir"
pn_on_exit rm -rf "$token_dir"
token=$token_dir/op-token
printf '%s\n' "$file_token" >"$token"
chown "$PN_TEST_USER:" "$token"

# write_config TOKEN_FILE: service-account mode reading TOKEN_FILE.
write_config() {
	cat >"$PK_CONFIG" <<-EOF
		{
		  "polkit": {
		    "onepassword": {
		      "mode": "service-account",
		      "token_file": "$1",
		      "account": "pantheros.1password.com",
		      "op": "$PK_OP/op",
		      "references": { "$PN_TEST_USER": "$PK_REFERENCE" },
		      "timeout_s": 5
		    },
		    "prompt": { "type": "command", "argv": ["$PK_PROMPT_STANDIN"] }
		  }
		}
	EOF
	chmod 0644 "$PK_CONFIG"
}

# refused WHAT WANT: the agent does not start over the token file, with one
# line naming the key and containing WANT; check-config agrees.
refused() {
	local what=$1 want=$2
	pn_spawn_as_user "refused-$RANDOM" env -u PN_TEST_PASSWORD "$PK_AGENT_BIN" \
		--config "$PK_CONFIG" --process "$PK_SUBJECT"
	local pid=$PN_PID log=$PN_LOG status
	pn_wait_exit -t 10 "$pid" || pn_fail "$what: the agent started over a bad token file"
	wait "$pid"
	status=$?
	[ "$status" -eq 78 ] || pn_fail "$what: the agent exited $status, expected 78"
	[ "$(wc -l <"$log")" -eq 1 ] || pn_fail "$what: not one line: $(cat "$log")"
	grep -qF "polkit.onepassword.token_file: " "$log" && grep -qF -- "$want" "$log" ||
		pn_fail "$what: the agent said: $(cat "$log") (expected \"$want\")"
	local out
	out=$(pn_as_user "$CTL" check-config "$PK_CONFIG" 2>&1) &&
		pn_fail "$what: pantherctl check-config accepted it: $out"
	grep -qF -- "$want" <<<"$out" || pn_fail "$what: check-config said: $out"
	pn_note "$what: $(sed 's/^[^:]*: //' "$log")"
}

write_config "$token"
chmod 0640 "$token"
refused "group-readable token file" "group or others have access (mode 0640, expected 0600 or 0400)"
chmod 0604 "$token"
refused "token file readable by others" "group or others have access (mode 0604"

# Owned by another user, readable through the group, so the owner is what counts.
other=$token_dir/other-token
printf '%s\n' "$file_token" >"$other"
chown "nobody:$PN_TEST_USER" "$other"
chmod 0640 "$other"
write_config "$other"
refused "token file of another user" "owned by uid $(id -u nobody) (expected uid $PN_TEST_UID or root)"

# A symlink is followed: a link to the group-readable file is refused too.
chmod 0640 "$token"
ln -s "$token" "$token_dir/link"
write_config "$token_dir/link"
refused "symlink to a group-readable token file" "group or others have access (mode 0640"

# $CREDENTIALS_DIRECTORY/NAME without that variable (not started by systemd).
write_config '$CREDENTIALS_DIRECTORY/op-token'
pn_spawn_as_user refused-cred env -u PN_TEST_PASSWORD -u CREDENTIALS_DIRECTORY "$PK_AGENT_BIN" \
	--config "$PK_CONFIG" --process "$PK_SUBJECT"
pn_wait_exit -t 10 "$PN_PID" || pn_fail "the agent started without \$CREDENTIALS_DIRECTORY"
grep -qF 'polkit.onepassword.token_file: $CREDENTIALS_DIRECTORY is not set' "$PN_LOG" ||
	pn_fail "no clear line without \$CREDENTIALS_DIRECTORY: $(cat "$PN_LOG")"
out=$(pn_as_user env -u CREDENTIALS_DIRECTORY "$CTL" check-config "$PK_CONFIG" 2>&1) ||
	pn_fail "check-config refused a credential it cannot see here: $out"

# A good file, given as a systemd credential (a symlink to a 0600 file is fine).
chmod 0600 "$token"
write_config '$CREDENTIALS_DIRECTORY/op-token'
pk_mode op nested
pk_mode prompt hang
pn_spawn_as_user agent env -u PN_TEST_PASSWORD PANTHER_TEST_PROMPT_DIR="$PK_PROMPT" \
	CREDENTIALS_DIRECTORY="$token_dir" OP_SERVICE_ACCOUNT_TOKEN="$PK_TOKEN" \
	OP_SESSION_pktest="$PK_OP_SESSION" "$PK_AGENT_BIN" --verbose --config "$PK_CONFIG" \
	--process "$PK_SUBJECT"
PK_AGENT_PID=$PN_PID
PK_AGENT_LOG=$PN_LOG
pn_wait_for pk__registered || pn_fail "the agent did not register with a good token file (see $PK_AGENT_LOG)"

# 1. op answers from the service account: no approval ("nested" would ask
#    the 1Password app through polkit); the card is filled and confirmed.
pk_mode prompt confirm
pk_check "$action"
pk_expect_status 0 "service account answering, confirmed at the card"
[ "$(pk_calls op)" -eq 1 ] || pn_fail "op ran $(pk_calls op) times"
[ "$(pk_calls prompt)" -eq 1 ] || pn_fail "the filled card was shown $(pk_calls prompt) times (expected once)"
grep -q "^1 .* fill=filled " "$PK_PROMPT/calls" ||
	pn_fail "the card was not filled from the service account: $(cat "$PK_PROMPT/calls")"
grep -qx service-account "$PK_OP/auth.1" || pn_fail "op did not sign in with the service account"
[ ! -e "$PK_OP/nested.1" ] || pn_fail "op asked the 1Password app for an approval"
grep -qx "1 read -n --account pantheros.1password.com $PK_REFERENCE" "$PK_OP/calls" ||
	pn_fail "op was not run with --account: $(cat "$PK_OP/calls")"
tr '\0' '\n' <"$PK_OP/env.1" | grep -qxF "OP_SERVICE_ACCOUNT_TOKEN=$file_token" ||
	pn_fail "op did not get the token of the file"
tr '\0' '\n' <"$PK_OP/env.1" | grep -q '^OP_BIOMETRIC_UNLOCK_ENABLED=' &&
	pn_fail "op was sent to the desktop app in service-account mode"
grep -q "started op (pid [0-9]*, service account)" "$PK_AGENT_LOG" ||
	pn_fail "the log does not say op ran with the service account"
pn_note "service account: authorized in ${PK_ELAPSED_MS} ms, op ran once"

# 2. A wrong password from 1Password, confirmed: PAM refuses it, the card
#    asks again and PAM's helper waits for the typed answer.
pk_mode op wrong
pk_mode prompt confirm hang
pn_spawn_as_user req pkcheck -a "$action" -p "$PK_SUBJECT" -u
req=$PN_PID
pn_wait_for -t 15 test -e "$PK_PROMPT/pid.2" || pn_fail "the card did not ask again after a wrong answer"
pk_snapshot_children "$PN_TMP/procs"
grep -lqa polkit-agent-helper "$PN_TMP"/procs/*.cmdline ||
	pn_fail "polkit's helper was not working for the agent"
pn_stop "$req"

# 3. The token file spoilt while the agent runs.
chmod 0644 "$token"
kill -HUP "$PK_AGENT_PID"
pn_wait_for grep -q "(keeping the configuration in use)" "$PK_AGENT_LOG" ||
	pn_fail "SIGHUP over a group-readable token file was not refused"
pk_mode op right
pk_mode prompt right
pk_check "$action"
pk_expect_status 0 "token file spoilt, right password at the prompt"
[ "$(pk_calls op)" -eq 0 ] || pn_fail "op ran with a token file that group and others can read"
grep -q "error=1Password: the token file .*group or others have access" "$PK_PROMPT/calls" ||
	pn_fail "the prompt was not told why: $(cat "$PK_PROMPT/calls")"
cat "/proc/$PK_AGENT_PID/environ" >"$PN_TMP/agent.environ"
pk_stop_agent

# The token went to op and nowhere else; the inherited secrets went nowhere.
for f in "$PK_AGENT_LOG" "$PN_TMP"/procs/* "$PK_PROMPT"/env.* "$PN_TMP/agent.environ"; do
	[ -e "$f" ] || continue
	grep -aqF -- "$file_token" "$f" && pn_fail "the service account token appears in $f"
done
pk_no_secret_in "$PK_AGENT_LOG" "$PN_TMP"/procs/* "$PK_OP"/env.* "$PK_OP"/cmdline.* \
	"$PK_PROMPT"/env.*
pn_note "checked the log, $PK_SNAPSHOTS child processes and the prompt's environment"
pn_pass
