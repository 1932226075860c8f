#ifndef PANTHER_POLKIT_AGENT_OP_CONTROL_H
#define PANTHER_POLKIT_AGENT_OP_CONTROL_H

/*
 * What `pantherctl` asks of 1Password's authorization of the agent's
 * terminal session (op-session.h): its state, ending it (`op signout` in
 * that session), and the doctor's check that one authorization serves two
 * calls (`op read` twice in the session; the second must not make 1Password
 * ask again). Each runs through the op queue, one op at a time.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct agent;

/*
 * "authorized", "not-authorized", "no-terminal" (op runs without one, so
 * 1Password asks every time), "service-account", or "off".
 */
const char *op_control_state(const struct agent *agent);

/*
 * error: NULL when it went well, else one line. For try, asked[i]: whether
 * 1Password asked for authorization while call i (0, 1) waited.
 */
typedef void (*op_control_fn)(void *data, const char *error, const bool asked[2]);

/* Starts it; fn runs once, later. -1 with one line in err when it cannot start. */
int op_control_forget(struct agent *agent, op_control_fn fn, void *data, char *err, size_t errlen);
int op_control_try(struct agent *agent, op_control_fn fn, void *data, char *err, size_t errlen);

#endif
