#ifndef PANTHER_SESSION_SUPERVISOR_H
#define PANTHER_SESSION_SUPERVISOR_H

/*
 * Direct mode: runs session.services as our children, each in its own
 * process group, in "after" order; restarts them by policy with backoff;
 * stops them in reverse order, whole process groups, SIGKILL after 5 s.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "panther/config.h"
#include "panther/dbus.h"
#include "panther/loop.h"

#define SUPERVISOR_STOP_TIMEOUT_MS 5000
/*
 * Stopping the session, every service gets SIGKILL 5 s after the stop began,
 * except that one stopped late (it waited for those after it) gets this long.
 */
#define SUPERVISOR_MIN_GRACE_MS 500
/* A service with "ready" that has not taken its name by then no longer holds others back. */
#define SUPERVISOR_READY_TIMEOUT_MS 30000

enum service_state {
	SERVICE_WAITING, /* for the services in its "after" list */
	SERVICE_STARTING, /* runs; its D-Bus name has no owner yet */
	SERVICE_RUNNING,
	SERVICE_STOPPING, /* SIGTERM sent; waiting for its process group to end */
	SERVICE_RESTARTING, /* ended; starts again after a delay */
	SERVICE_EXITED, /* ended with status 0 and is not restarted */
	SERVICE_FAILED, /* ended in failure, or kept crashing: not restarted */
	SERVICE_STOPPED, /* stopped on request */
};

const char *service_state_name(enum service_state state);

struct service_info {
	const char *name;
	enum service_state state;
	pid_t pid; /* 0 when not running */
	unsigned restarts;
};

struct supervisor_listener {
	/* Every service has been started (and is ready) once. */
	void (*up)(void *data);
	/* name exited too often; it is not restarted any more. */
	void (*crash_loop)(void *data, const char *name);
	/* After supervisor_stop_all(): nothing runs any more. */
	void (*stopped)(void *data);
};

struct supervisor;

/* bus (may be NULL) is where "ready" names are watched. */
struct supervisor *supervisor_create(struct pn_loop *loop, struct pn_bus *bus,
	const struct supervisor_listener *listener, void *data);
/* SIGKILLs whatever still runs. */
void supervisor_destroy(struct supervisor *sup);

/* Starts the services of cfg. 0 or a negative errno (-EALREADY when started). */
int supervisor_start(struct supervisor *sup, const struct pn_session_config *cfg);
/* A reloaded config: added services start, removed ones stop, changed ones restart. */
void supervisor_apply(struct supervisor *sup, const struct pn_session_config *cfg);
/* Stops name if it runs and starts it again. -ENOENT for an unknown name. */
int supervisor_restart(struct supervisor *sup, const char *name);
/* Stops everything in reverse order; the listener's stopped() follows. */
void supervisor_stop_all(struct supervisor *sup);

size_t supervisor_count(const struct supervisor *sup);
/* The i-th service in start order; false past the end. */
bool supervisor_info(const struct supervisor *sup, size_t i, struct service_info *info);

#endif
