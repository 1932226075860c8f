#ifndef PANTHER_SESSION_ENVIRONMENT_H
#define PANTHER_SESSION_ENVIRONMENT_H

/*
 * The environment the session exports (session.import_env): only the listed
 * variables, only those that are set. D-Bus activation gets them through
 * UpdateActivationEnvironment, except under dbus-broker, which takes
 * activation environment from systemd and cannot unset anything.
 */

#include <dbus/dbus.h>
#include <stdbool.h>

#include "panther/dbus.h"

/* "NAME=VALUE" for each name of import_env set in env (NULL-terminated). */
char **environment_assignments(char *const *import_env, char *const *env);
/* The names of assignments ("NAME=VALUE" -> "NAME"). */
char **environment_names(char *const *assignments);

/*
 * Whether a GetStats reply of org.freedesktop.DBus comes from dbus-broker:
 * its statistics are named "org.bus1.DBus.Debug.Stats.*"; dbus-daemon's
 * are not, and a bus without statistics answers with an error.
 */
bool environment_stats_are_broker(DBusMessage *reply);

typedef void (*environment_done_fn)(void *data);
/*
 * Sends assignments to UpdateActivationEnvironment unless the bus is
 * dbus-broker; done runs when that is settled either way (failures are
 * logged). 0 or a negative errno (done does not run then).
 */
int environment_export_activation(struct pn_bus *bus, char *const *assignments,
	environment_done_fn done, void *data);

#endif
