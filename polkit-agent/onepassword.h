#ifndef PANTHER_POLKIT_AGENT_ONEPASSWORD_H
#define PANTHER_POLKIT_AGENT_ONEPASSWORD_H

/*
 * One run of `op read -n REFERENCE` (DESIGN.md 5.4), or of `op whoami` /
 * `op signout` (their output is not read): in the agent's terminal session
 * (op-session.h) when there is one, the environment of
 * panther/op-command.h, the answer read into a locked buffer, stderr kept
 * for the message, killed on timeout or cancel.
 */

#include "panther/config.h"
#include "panther/secret.h"

struct children;
struct op_run;
struct op_session;

/*
 * Exactly one call per run that was not cancelled. answer: the password
 * (the callee owns it) or NULL; why says what went wrong, for the user
 * ("1Password: authorization prompt dismissed"), NULL when it went well.
 */
typedef void (*op_done_fn)(void *data, struct pn_secret *answer, const char *why);

struct op_run_spec {
	const struct pn_polkit_config *cfg;
	const char *reference; /* for read */
	const char *verb; /* NULL: read; "whoami", "signout" */
	struct op_session *session; /* NULL: no terminal */
};

/*
 * Runs cfg's op (op_path, op_timeout_s, mode, token, account).
 * NULL when op cannot be started, with the reason in err.
 */
struct op_run *op_run_start(struct children *children, const struct op_run_spec *spec,
	op_done_fn fn, void *data, char *err, size_t errlen);
/* The pid of its op (0 once it ended). */
int op_run_pid(const struct op_run *run);
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
