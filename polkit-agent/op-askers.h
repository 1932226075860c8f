#ifndef PANTHER_POLKIT_AGENT_OP_ASKERS_H
#define PANTHER_POLKIT_AGENT_OP_ASKERS_H

/*
 * Who asks 1Password (DESIGN.md 5.4): its authorizeCLI and unlock requests
 * come to the agent looking the same whoever ran `op`, with the app as the
 * subject. The card says "panther" only when the agent's own op is the one
 * waiting and no other op of the user runs; otherwise it warns that
 * another program asks and names the user's other op processes found in
 * /proc at that moment: pid, command line, parent chain, terminal.
 */

#include <stdbool.h>
#include <sys/types.h>

/*
 * The words for the card of action_id (a com.1password.* action) when the
 * agent's own op is own_op (0: none runs), read from proc_root ("/proc").
 * *ours tells whether they say "panther". Sanitized; free() it. NULL for
 * an action that is not 1Password's authorizeCLI or unlock.
 */
char *op_askers_describe(const char *proc_root, const char *action_id, pid_t own_op, bool *ours);

#endif
