#ifndef PANTHER_POLKIT_AGENT_OP_RENEW_H
#define PANTHER_POLKIT_AGENT_OP_RENEW_H

/*
 * polkit.onepassword.keep_authorized: while 1Password's authorization of
 * the agent's terminal session lasts, a harmless `op whoami` in that
 * session shortly before 10 minutes without use run out renews it; never
 * once the 12 hours would be past. The app says nothing when it locks: the
 * agent learns it when such a call makes the app ask (unlock or
 * authorizeCLI) while nothing else of panther's waits on op; that request
 * is dropped without a card and renewing stops until a person authorizes
 * again.
 */

#include <stdbool.h>

struct agent;
struct op_renew;

struct op_renew *op_renew_new(struct agent *agent);
void op_renew_free(struct op_renew *renew);
/* Re-plans the next renewal (after an authorization, a use, a reload). */
void op_renew_update(struct op_renew *renew);
/*
 * 1Password asks for one of its actions while only an op of the agent
 * waits (no other op of the user runs): true when that op is the
 * renewal's, which then stops (the caller drops the request, no card).
 */
bool op_renew_asked(struct op_renew *renew);

#endif
