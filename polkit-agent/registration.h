#ifndef PANTHER_POLKIT_AGENT_REGISTRATION_H
#define PANTHER_POLKIT_AGENT_REGISTRATION_H

/*
 * Holding the agent slot with polkitd for one subject: our logind session,
 * or one process (--process). Retries with backoff while another agent holds
 * it, and registers again when polkitd comes back.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct agent;
struct registration;

enum registration_state {
	REG_STARTING,
	REG_REGISTERED,
	REG_TAKEN, /* another agent holds the subject */
	REG_NO_POLKITD, /* polkitd is not on the bus */
	REG_FAILED, /* registration failed otherwise; retrying */
};

/*
 * pid 0: the logind session of this process. Otherwise that process,
 * identified by start_time too (0: looked up). NULL with one line in err
 * when the subject cannot be made (no session, no such process, no
 * system bus).
 */
struct registration *registration_start(struct agent *agent, pid_t pid, uint64_t start_time,
	char *err, size_t errlen);
/* Unregisters (when registered) and frees. */
void registration_stop(struct registration *reg);

enum registration_state registration_state(const struct registration *reg);
const char *registration_state_name(enum registration_state state);
/* "unix-session:c1", "unix-process:1234:56789". */
const char *registration_subject(const struct registration *reg);

/*
 * The one line logged when another agent holds the subject: names the
 * known agents running as uid (from /proc) and how to turn the usual ones
 * off. Exposed for tests.
 */
char *registration_holders_line(const char *proc_root, uid_t uid, pid_t self, const char *subject);

#endif
