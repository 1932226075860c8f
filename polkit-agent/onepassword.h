#ifndef PANTHER_POLKIT_AGENT_ONEPASSWORD_H
#define PANTHER_POLKIT_AGENT_ONEPASSWORD_H

/*
 * One run of `op read -n REFERENCE` (DESIGN.md 5.4): no terminal, the
 * environment of panther/op-command.h, the answer read into a locked buffer, stderr
 * kept for the message, killed on timeout or cancel.
 */

#include "panther/config.h"
#include "panther/secret.h"

struct children;
struct op_run;

/*
 * Exactly one call per run that was not cancelled. answer: the password
 * (the callee owns it) or NULL; then why says what went wrong, for the
 * user ("1Password: authorization prompt dismissed").
 */
typedef void (*op_done_fn)(void *data, struct pn_secret *answer, const char *why);

/*
 * Runs cfg's op (op_path, op_timeout_s, mode, token, account) for reference.
 * NULL when op cannot be started, with the reason in err.
 */
struct op_run *op_run_start(struct children *children, const struct pn_polkit_config *cfg,
	const char *reference, op_done_fn fn, void *data, char *err, size_t errlen);
/* Kills op; fn is not called. */
void op_run_cancel(struct op_run *run);

/*
 * "[ERROR] 2026/11/22 10:00:00 authorization prompt dismissed" ->
 * "authorization prompt dismissed": the message of the last such line of
 * op's stderr, without op's "could not read secret '...': " and "error
 * initializing client: " in front, sanitized; NULL when there is none.
 * Exposed for tests.
 */
char *op_error_message(const char *stderr_text);

#endif
