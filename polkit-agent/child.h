#ifndef PANTHER_POLKIT_AGENT_CHILD_H
#define PANTHER_POLKIT_AGENT_CHILD_H

/*
 * Helper programs (op, a command prompter): started in a session of their
 * own with no terminal (op: in the agent's terminal session, see
 * op-session.h), stdin on /dev/null, only the environment given, and
 * no inherited file descriptors beyond stdout/stderr. Every child is reaped
 * through the loop; an abandoned one is killed and reaped quietly.
 */

#include <stdbool.h>
#include <sys/types.h>

#include "panther/loop.h"

struct children;
struct child;

/* wstatus as from waitpid(). */
typedef void (*child_exit_fn)(void *data, int wstatus);

struct children *children_create(struct pn_loop *loop);
/* Kills what still runs, waits up to timeout_ms for it to be reaped, frees. */
void children_destroy(struct children *children, int timeout_ms);
struct pn_loop *children_loop(struct children *children);

struct child_spec {
	char *const *argv; /* argv[0]: absolute path, or a name looked up in PATH */
	char *const *envp;
	int stdout_fd; /* given to the child as stdout (closed here by the caller) */
	int stderr_fd; /* -1: inherit ours */
	int fd3; /* > 0: given to the child as fd 3 (a prompt's socket) */
	/* Stays in the agent's session (op-session.h), in a process group of its own. */
	bool in_session;
};

/*
 * Starts the program. NULL on failure with one line in err (an exec that
 * fails in the child shows as exit status 127 instead).
 */
struct child *child_spawn(struct children *children, const struct child_spec *spec,
	child_exit_fn fn, void *data, char *err, size_t errlen);
pid_t child_pid(const struct child *child);
/* Sends sig to the child's whole process group. */
void child_signal(struct child *child, int sig);
/* Kills the process group; fn is not called; it is reaped and freed later. */
void child_abandon(struct child *child);

/*
 * A copy of environ without the variables named in drop (NULL-terminated;
 * a name ending in '*' drops every variable with that prefix), followed by
 * the "NAME=VALUE" strings of add. Free with pn_strv_free().
 */
char **child_environment(char *const *drop, char *const *add);

#endif
