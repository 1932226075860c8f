#ifndef PANTHER_SESSION_SESSION1_H
#define PANTHER_SESSION_SESSION1_H

/*
 * org.pantheros.Session1 at /org/pantheros/Session1 on the session bus:
 *   ListServices() -> a(ssuu)  name, state, pid (0: none), restarts
 *   Restart(s name)
 *   Stop()                     stops every service and panther-session
 *   Mode (s, read-only)        "direct", "systemd", or "starting" until Niri answers
 */

#include <stdbool.h>
#include <stddef.h>

#include "panther/dbus.h"
#include "supervisor.h"

/* What the exported object asks of the session. */
struct session_ops {
	const char *(*mode)(void *data);
	/* The supervisor of direct mode, or NULL (systemd mode, or not started yet). */
	struct supervisor *(*supervisor)(void *data);
	bool (*stopping)(void *data);
	void (*stop)(void *data);
};

struct session_object;

/* NULL with *error set (a negative errno) on failure. */
struct session_object *session1_export(struct pn_bus *bus, const struct session_ops *ops,
	void *data, int *error);
void session1_destroy(struct session_object *object);

#endif
