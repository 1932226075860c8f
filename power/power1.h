#ifndef POWER_POWER1_H
#define POWER_POWER1_H

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

struct power1;

/*
 * Each returns the reply, or NULL after keeping a reference to msg to
 * answer later with power1_reply().
 */
struct power1_calls {
	DBusMessage *(*set)(void *data, DBusMessage *msg, enum pn_profile profile);
	DBusMessage *(*cycle)(void *data, DBusMessage *msg);
	DBusMessage *(*auto_mode)(void *data, DBusMessage *msg);
};

/* What the properties say. Strings and arrays are copied by power1_update(). */
struct power1_state {
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

struct power1 *power1_create(struct pn_bus *session_bus, const struct power1_calls *handler,
	void *data);
void power1_destroy(struct power1 *power1);
/* Exports the object; 0 or a negative errno. */
int power1_export(struct power1 *power1);
/* Takes the new state and emits PropertiesChanged for what differs. */
void power1_update(struct power1 *power1, const struct power1_state *state);
/* Sends reply (consumed) to a call answered later. */
void power1_reply(struct power1 *power1, DBusMessage *reply);

#endif
