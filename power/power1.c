#include "power1.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "panther/bus-names.h"
#include "panther/log.h"
#include "panther/util.h"
#include "policy.h"

struct power1 {
	struct pn_bus *bus;
	const struct power1_calls *handler;
	void *data;
	bool exported;
	struct power1_state state; /* its strings and arrays point into the copies below */
	struct ppd_hold *holds;
	char *degraded;
	char **warnings;
};

static DBusMessage *unknown_profile(struct power1 *power1, DBusMessage *msg, const char *name,
	bool known)
{
	char offered[64];
	policy_format_profiles(power1->state.offered, offered, sizeof(offered));
	return pn_error_reply(msg, PN_POWER1_ERROR_UNKNOWN_PROFILE,
		"%s profile \"%s\" (available: %s)", known ? "unavailable" : "unknown", name,
		offered);
}

static DBusMessage *no_backend(DBusMessage *msg)
{
	return pn_error_reply(msg, PN_POWER1_ERROR_NO_BACKEND,
		"no power profile backend: neither power-profiles-daemon nor asusd is running");
}

static DBusMessage *method_set(void *data, struct pn_bus *bus, DBusMessage *msg)
{
	struct power1 *power1 = data;
	const char *name;
	if (!dbus_message_get_args(msg, NULL, DBUS_TYPE_STRING, &name, DBUS_TYPE_INVALID))
		return pn_error_reply(msg, DBUS_ERROR_INVALID_ARGS, "Set takes one string");
	enum pn_profile profile = pn_profile_from_name(name);
	if (!power1->state.offered)
		return no_backend(msg);
	if (profile == PN_PROFILE_NONE)
		return unknown_profile(power1, msg, name, false);
	if (!(power1->state.offered & POLICY_BIT(profile)))
		return unknown_profile(power1, msg, name, true);
	return power1->handler->set(power1->data, msg, profile);
}

static DBusMessage *method_cycle(void *data, struct pn_bus *bus, DBusMessage *msg)
{
	struct power1 *power1 = data;
	if (!power1->state.offered)
		return no_backend(msg);
	return power1->handler->cycle(power1->data, msg);
}

static DBusMessage *method_auto(void *data, struct pn_bus *bus, DBusMessage *msg)
{
	struct power1 *power1 = data;
	return power1->handler->auto_mode(power1->data, msg);
}

static bool append_string(DBusMessageIter *iter, const char *s)
{
	return dbus_message_iter_append_basic(iter, DBUS_TYPE_STRING, &s);
}

static bool get_active(void *data, DBusMessageIter *iter)
{
	struct power1 *power1 = data;
	const char *name = power1->state.active == PN_PROFILE_NONE
		? ""
		: pn_profile_name(power1->state.active);
	return append_string(iter, power1->state.custom ? "custom" : name);
}

static bool get_holds(void *data, DBusMessageIter *iter)
{
	struct power1 *power1 = data;
	DBusMessageIter array, entry;
	if (!dbus_message_iter_open_container(iter, DBUS_TYPE_ARRAY, "(sss)", &array))
		return false;
	for (size_t i = 0; i < power1->state.n_holds; i++) {
		const struct ppd_hold *hold = &power1->state.holds[i];
		const char *profile = pn_profile_name(hold->profile);
		if (!dbus_message_iter_open_container(&array, DBUS_TYPE_STRUCT, NULL, &entry) ||
			!append_string(&entry, profile) || !append_string(&entry, hold->app_id) ||
			!append_string(&entry, hold->reason) ||
			!dbus_message_iter_close_container(&array, &entry)) {
			dbus_message_iter_abandon_container(iter, &array);
			return false;
		}
	}
	return dbus_message_iter_close_container(iter, &array);
}

static bool get_degraded(void *data, DBusMessageIter *iter)
{
	struct power1 *power1 = data;
	return append_string(iter, power1->state.degraded ? power1->state.degraded : "");
}

static bool get_reason(void *data, DBusMessageIter *iter)
{
	struct power1 *power1 = data;
	return append_string(iter, power1->state.reason ? power1->state.reason : "");
}

static bool get_warnings(void *data, DBusMessageIter *iter)
{
	struct power1 *power1 = data;
	DBusMessageIter array;
	if (!dbus_message_iter_open_container(iter, DBUS_TYPE_ARRAY, "s", &array))
		return false;
	for (size_t i = 0; i < power1->state.n_warnings; i++) {
		if (!append_string(&array, power1->state.warnings[i])) {
			dbus_message_iter_abandon_container(iter, &array);
			return false;
		}
	}
	return dbus_message_iter_close_container(iter, &array);
}

static bool get_mode(void *data, DBusMessageIter *iter)
{
	struct power1 *power1 = data;
	return append_string(iter, power1->state.manual ? "manual" : "auto");
}

static bool get_on_battery(void *data, DBusMessageIter *iter)
{
	struct power1 *power1 = data;
	dbus_bool_t b = power1->state.on_battery;
	return dbus_message_iter_append_basic(iter, DBUS_TYPE_BOOLEAN, &b);
}

static bool get_profiles(void *data, DBusMessageIter *iter)
{
	struct power1 *power1 = data;
	DBusMessageIter array;
	if (!dbus_message_iter_open_container(iter, DBUS_TYPE_ARRAY, "s", &array))
		return false;
	for (int p = 0; p < PN_PROFILE_COUNT; p++) {
		if ((power1->state.offered & POLICY_BIT(p)) &&
			!append_string(&array, pn_profile_name((enum pn_profile)p))) {
			dbus_message_iter_abandon_container(iter, &array);
			return false;
		}
	}
	return dbus_message_iter_close_container(iter, &array);
}

static bool get_backend(void *data, DBusMessageIter *iter)
{
	struct power1 *power1 = data;
	return append_string(iter, power1->state.backend ? power1->state.backend : "none");
}

static const struct pn_method methods[] = {
	{"Set", "s", "profile", "", "", method_set},
	{"Cycle", "", "", "s", "profile", method_cycle},
	{"Auto", "", "", "", "", method_auto},
	{NULL},
};

static const struct pn_property properties[] = {
	{"ActiveProfile", "s", get_active, NULL},
	{"Mode", "s", get_mode, NULL},
	{"OnBattery", "b", get_on_battery, NULL},
	{"Profiles", "as", get_profiles, NULL},
	{"Backend", "s", get_backend, NULL},
	{"Holds", "a(sss)", get_holds, NULL},
	{"PerformanceDegraded", "s", get_degraded, NULL},
	{"Warnings", "as", get_warnings, NULL},
	{"Reason", "s", get_reason, NULL},
	{NULL},
};

static const struct pn_interface power1_iface = {
	.name = PN_POWER1_IFACE,
	.methods = methods,
	.properties = properties,
};

struct power1 *power1_create(struct pn_bus *session_bus, const struct power1_calls *handler,
	void *data)
{
	struct power1 *power1 = pn_xcalloc(1, sizeof(*power1));
	power1->bus = session_bus;
	power1->handler = handler;
	power1->data = data;
	power1->state = (struct power1_state){
		.active = PN_PROFILE_NONE,
		.backend = "none",
	};
	return power1;
}

int power1_export(struct power1 *power1)
{
	int r = pn_bus_export(power1->bus, PN_POWER1_PATH, &power1_iface, power1);
	if (r == 0)
		power1->exported = true;
	return r;
}

static void free_copies(struct ppd_hold *holds, size_t n_holds, char *degraded, char **warnings,
	size_t n_warnings)
{
	for (size_t i = 0; i < n_holds; i++) {
		free(holds[i].app_id);
		free(holds[i].reason);
	}
	free(holds);
	free(degraded);
	for (size_t i = 0; i < n_warnings; i++)
		free(warnings[i]);
	free(warnings);
}

static bool same_holds(const struct power1_state *a, const struct power1_state *b)
{
	if (a->n_holds != b->n_holds)
		return false;
	for (size_t i = 0; i < a->n_holds; i++) {
		if (a->holds[i].profile != b->holds[i].profile ||
			strcmp(a->holds[i].app_id, b->holds[i].app_id) != 0 ||
			strcmp(a->holds[i].reason, b->holds[i].reason) != 0)
			return false;
	}
	return true;
}

static bool same_warnings(const struct power1_state *a, const struct power1_state *b)
{
	if (a->n_warnings != b->n_warnings)
		return false;
	for (size_t i = 0; i < a->n_warnings; i++) {
		if (strcmp(a->warnings[i], b->warnings[i]) != 0)
			return false;
	}
	return true;
}

/* Copies what state points at into power1, for the getters. */
static void keep_copies(struct power1 *power1, const struct power1_state *state)
{
	struct ppd_hold *old_holds = power1->holds;
	char *old_degraded = power1->degraded;
	char **old_warnings = power1->warnings;
	size_t old_n_holds = power1->state.n_holds, old_n_warnings = power1->state.n_warnings;
	power1->state = *state;
	power1->holds = state->n_holds ? pn_xcalloc(state->n_holds, sizeof(*power1->holds)) : NULL;
	for (size_t i = 0; i < state->n_holds; i++) {
		power1->holds[i].profile = state->holds[i].profile;
		power1->holds[i].app_id = pn_xstrdup(state->holds[i].app_id);
		power1->holds[i].reason = pn_xstrdup(state->holds[i].reason);
	}
	power1->degraded = pn_xstrdup(state->degraded ? state->degraded : "");
	power1->warnings = state->n_warnings
		? pn_xcalloc(state->n_warnings, sizeof(*power1->warnings))
		: NULL;
	for (size_t i = 0; i < state->n_warnings; i++)
		power1->warnings[i] = pn_xstrdup(state->warnings[i]);
	power1->state.holds = power1->holds;
	power1->state.degraded = power1->degraded;
	power1->state.warnings = (const char *const *)power1->warnings;
	free_copies(old_holds, old_n_holds, old_degraded, old_warnings, old_n_warnings);
}

void power1_destroy(struct power1 *power1)
{
	if (!power1)
		return;
	if (power1->exported)
		pn_bus_unexport(power1->bus, PN_POWER1_PATH);
	free_copies(power1->holds, power1->state.n_holds, power1->degraded, power1->warnings,
		power1->state.n_warnings);
	free(power1);
}

static bool same_string(const char *a, const char *b)
{
	return strcmp(a ? a : "none", b ? b : "none") == 0;
}

void power1_update(struct power1 *power1, const struct power1_state *state)
{
	const char *changed[10];
	size_t n = 0;
	struct power1_state *old = &power1->state;
	if (state->active != old->active || state->custom != old->custom)
		changed[n++] = "ActiveProfile";
	if (state->manual != old->manual)
		changed[n++] = "Mode";
	if (state->on_battery != old->on_battery)
		changed[n++] = "OnBattery";
	if (state->offered != old->offered)
		changed[n++] = "Profiles";
	if (!same_string(state->backend, old->backend))
		changed[n++] = "Backend";
	if (!same_holds(state, old))
		changed[n++] = "Holds";
	if (strcmp(state->degraded ? state->degraded : "", old->degraded ? old->degraded : "") != 0)
		changed[n++] = "PerformanceDegraded";
	if (!same_warnings(state, old))
		changed[n++] = "Warnings";
	if (!same_string(state->reason, old->reason))
		changed[n++] = "Reason";
	changed[n] = NULL;
	keep_copies(power1, state);
	if (n && power1->exported)
		pn_bus_emit_properties_changed(power1->bus, PN_POWER1_PATH, PN_POWER1_IFACE,
			changed);
}

void power1_reply(struct power1 *power1, DBusMessage *reply)
{
	if (!reply)
		return;
	pn_bus_send(power1->bus, reply);
	dbus_message_unref(reply);
}
