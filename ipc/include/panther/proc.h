#ifndef PANTHER_PROC_H
#define PANTHER_PROC_H

/*
 * Other processes, read from /proc (or a /proc-like tree, for tests), using
 * only files anyone may read: programs that are not dumpable have
 * /proc/PID/exe and environ closed to their own user.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * The real uid and comm (at most 15 bytes of the executable's name) of
 * process pid (a decimal string) under proc_root. False when it is gone or
 * its files do not read as expected.
 */
bool pn_proc_read(const char *proc_root, const char *pid, uid_t *uid, char *comm, size_t comm_len);

/*
 * The executable name of the known polkit authentication agent whose comm
 * this is (comm is cut at 15 bytes), or NULL. Includes Quickshell ("qs",
 * "quickshell"), which DMS turns into an agent, and panther-polkit-agent.
 */
const char *pn_proc_polkit_agent(const char *comm);

#endif
