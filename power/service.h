#ifndef POWER_SERVICE_H
#define POWER_SERVICE_H

/*
 * org.pantheros.Power1 at /org/pantheros/Power1 on the session bus:
 * methods Set(s), Cycle() -> s, Auto(); properties ActiveProfile, Mode,
 * OnBattery, Profiles, Backend, Holds a(sss) (profile, application id,
 * reason), PerformanceDegraded s, Warnings as, with PropertiesChanged on
 * every change.
 * The calls are checked here; what they do is control.c's.
 */

#include <stdbool.h>

#include "panther/config.h"
#include "panther/dbus.h"
#include "ppd.h"

struct service;

/*
 * Each returns the reply, or NULL after keeping a reference to msg to
 * answer later with service_reply().
 */
struct service_handler {
	DBusMessage *(*set)(void *data, DBusMessage *msg, enum pn_profile profile);
	DBusMessage *(*cycle)(void *data, DBusMessage *msg);
	DBusMessage *(*auto_mode)(void *data, DBusMessage *msg);
};

/* What the properties say. Strings and arrays are copied by service_update(). */
struct service_state {
	enum pn_profile active;
	bool custom; /* asusd's Custom: ActiveProfile reads "custom" */
	bool manual;
	bool on_battery;
	unsigned offered; /* POLICY_BIT() of each profile */
	const char *backend; /* "power-profiles-daemon", "asusd" or "none" */
	const struct ppd_hold *holds; /* ppd's ActiveProfileHolds, ours included */
	size_t n_holds;
	const char *degraded; /* ppd's PerformanceDegraded, "" or NULL when not */
	const char *reason; /* policy_reason_text(): a static string, "" when none */
	const char *const *warnings;
	size_t n_warnings;
};

struct service *service_create(struct pn_bus *session_bus, const struct service_handler *handler,
	void *data);
void service_destroy(struct service *service);
/* Exports the object; 0 or a negative errno. */
int service_export(struct service *service);
/* Takes the new state and emits PropertiesChanged for what differs. */
void service_update(struct service *service, const struct service_state *state);
/* Sends reply (consumed) to a call answered later. */
void service_reply(struct service *service, DBusMessage *reply);

#endif
