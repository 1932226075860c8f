#ifndef PANTHER_POLKIT_AGENT_OP_SESSION_H
#define PANTHER_POLKIT_AGENT_OP_SESSION_H

/*
 * The terminal session every `op` of the agent runs in (DESIGN.md 5.4):
 * 1Password's app authorizes op per terminal session, so the agent is the
 * leader of a session of its own whose controlling terminal is a
 * pseudo-terminal it owns; op is started inside it (a process group of its
 * own, stdin/stdout/stderr still /dev/null and pipes). Nobody ever writes
 * to that terminal: what op would print on it is read and dropped, and op
 * cannot read from it (a background group gets SIGTTIN), so it never
 * prompts there. Also what the agent knows of 1Password's authorization of
 * that session: granted when its own op was the one waiting on an
 * authorizeCLI that was authorized, renewed by every use, ended by the
 * app's limits, a lock (an unlock request), or `op signout`.
 */

#include <stdbool.h>
#include <stdint.h>

#include "panther/loop.h"

struct op_session;

/*
 * Makes the agent a session leader with the terminal. NULL (with one line
 * in err) when it cannot: op then runs without a terminal, as a new
 * session each time, and 1Password asks on every call.
 */
struct op_session *op_session_open(struct pn_loop *loop, char *err, size_t errlen);
void op_session_close(struct op_session *session);
/* The terminal's name (/dev/pts/N). */
const char *op_session_tty(const struct op_session *session);

/*
 * 1Password's limits for an authorization, in ms: 10 minutes without use,
 * 12 hours at most. PANTHER_TEST_1PASSWORD_MINUTE_MS (tests only) shortens
 * the minute to match a scaled app stand-in.
 */
uint64_t op_session_minute_ms(void);

/* The app authorized the session now (its own op waited on authorizeCLI). */
void op_session_authorized(struct op_session *session);
/* An op read in the session succeeded: the authorization was used. */
void op_session_used(struct op_session *session);
/* The authorization ended (lock, signout, a call that was asked again). */
void op_session_ended(struct op_session *session, const char *why);
/* 0 when none is known; else when it ends without use (monotonic ms). */
uint64_t op_session_until(const struct op_session *session);
/* When the 12 hours end, whatever the use (monotonic ms; 0 when none). */
uint64_t op_session_hard_end(const struct op_session *session);
/* The same as wall-clock seconds since the epoch (0 when none). */
int64_t op_session_until_wall(const struct op_session *session);

#endif
