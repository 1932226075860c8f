#ifndef POWER_REMOTE_H
#define POWER_REMOTE_H

/*
 * One object of another program on a bus, followed: when its bus name gets
 * an owner, all properties of one interface are read (GetAll); then every
 * PropertiesChanged from that owner is passed on; when the name loses its
 * owner, that is reported too. Used for ppd, asusd and UPower.
 */

#include <stdbool.h>

#include "backend.h"
#include "panther/dbus.h"

struct remote;

struct remote_listener {
	/* One property, from the first read or from a change. */
	void (*property)(void *data, struct remote *remote, const char *name,
		DBusMessageIter *value);
	/* After a batch of properties; first is true for the read after appearing. */
	void (*updated)(void *data, struct remote *remote, bool first);
	/* Not there: reported once at start when absent, then each time it leaves. */
	void (*gone)(void *data, struct remote *remote);
};

struct remote *remote_create(struct pn_bus *bus, const char *name, const char *path,
	const char *iface, const struct remote_listener *listener, void *data);
void remote_destroy(struct remote *remote);

/* Its properties have been read and the owner has not left since. */
bool remote_present(const struct remote *remote);
/* The first owner report has come (present or not). */
bool remote_known(const struct remote *remote);
const char *remote_name(const struct remote *remote);

/*
 * Sets a property of a basic type (type is a DBUS_TYPE_*). fn (may be NULL)
 * gets the outcome, unless the remote is destroyed first. 0 or a negative errno.
 */
int remote_set(struct remote *remote, const char *prop, int type, const void *value,
	backend_done_fn fn, void *data);

#endif
