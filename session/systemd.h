#ifndef PANTHER_SESSION_SYSTEMD_H
#define PANTHER_SESSION_SYSTEMD_H

/*
 * systemd mode: the user's systemd manager supervises the session's units.
 * We export session.import_env to it (and to D-Bus activation), start
 * session.target, and on the way out stop the target and unset what we set.
 */

#include <stdbool.h>

#include "panther/config.h"
#include "panther/dbus.h"
#include "panther/loop.h"

struct systemd_listener {
	/* The target's start job has been queued. */
	void (*up)(void *data);
	/* After systemd_session_stop(): the target is stopped and the environment unset. */
	void (*stopped)(void *data);
};

/* Whether systemd's user manager is on the bus: fn gets the answer. 0 or a negative errno. */
int systemd_probe(struct pn_bus *bus, void (*fn)(void *data, bool present), void *data);

struct systemd_session;

/* env is the environment to export from (normally environ). */
struct systemd_session *systemd_session_start(struct pn_bus *bus,
	const struct pn_session_config *cfg, char *const *env,
	const struct systemd_listener *listener, void *data);
void systemd_session_stop(struct systemd_session *sd);
void systemd_session_destroy(struct systemd_session *sd);

#endif
