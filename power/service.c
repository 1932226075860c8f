#include "service.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "panther/bus-names.h"
#include "panther/log.h"
#include "panther/util.h"
#include "policy.h"

struct service {
	struct pn_bus *bus;
	const struct service_handler *handler;
	void *data;
	bool exported;
	struct service_state state; /* its strings and arrays point into the copies below */
	struct ppd_hold *holds;
	char *degraded;
	char **warnings;
};

static DBusMessage *unknown_profile(struct service *service, DBusMessage *msg, const char *name,
	bool known)
{
	char offered[64];
	policy_format_profiles(service->state.offered, offered, sizeof(offered));
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
	struct service *service = data;
	const char *name;
	if (!dbus_message_get_args(msg, NULL, DBUS_TYPE_STRING, &name, DBUS_TYPE_INVALID))
		return pn_error_reply(msg, DBUS_ERROR_INVALID_ARGS, "Set takes one string");
	enum pn_profile profile = pn_profile_from_name(name);
	if (!service->state.offered)
		return no_backend(msg);
	if (profile == PN_PROFILE_NONE)
		return unknown_profile(service, msg, name, false);
	if (!(service->state.offered & POLICY_BIT(profile)))
		return unknown_profile(service, msg, name, true);
	return service->handler->set(service->data, msg, profile);
}

static DBusMessage *method_cycle(void *data, struct pn_bus *bus, DBusMessage *msg)
{
	struct service *service = data;
	if (!service->state.offered)
		return no_backend(msg);
	return service->handler->cycle(service->data, msg);
}

static DBusMessage *method_auto(void *data, struct pn_bus *bus, DBusMessage *msg)
{
	struct service *service = data;
	return service->handler->auto_mode(service->data, msg);
}

static bool append_string(DBusMessageIter *iter, const char *s)
{
	return dbus_message_iter_append_basic(iter, DBUS_TYPE_STRING, &s);
}

static bool get_active(void *data, DBusMessageIter *iter)
{
	struct service *service = data;
	const char *name = service->state.active == PN_PROFILE_NONE
		? ""
		: pn_profile_name(service->state.active);
	return append_string(iter, service->state.custom ? "custom" : name);
}

static bool get_holds(void *data, DBusMessageIter *iter)
{
	struct service *service = data;
	DBusMessageIter array, entry;
	if (!dbus_message_iter_open_container(iter, DBUS_TYPE_ARRAY, "(sss)", &array))
		return false;
	for (size_t i = 0; i < service->state.n_holds; i++) {
		const struct ppd_hold *hold = &service->state.holds[i];
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
	struct service *service = data;
	return append_string(iter, service->state.degraded ? service->state.degraded : "");
}

static bool get_reason(void *data, DBusMessageIter *iter)
{
	struct service *service = data;
	return append_string(iter, service->state.reason ? service->state.reason : "");
}

static bool get_warnings(void *data, DBusMessageIter *iter)
{
	struct service *service = data;
	DBusMessageIter array;
	if (!dbus_message_iter_open_container(iter, DBUS_TYPE_ARRAY, "s", &array))
		return false;
	for (size_t i = 0; i < service->state.n_warnings; i++) {
		if (!append_string(&array, service->state.warnings[i])) {
			dbus_message_iter_abandon_container(iter, &array);
			return false;
		}
	}
	return dbus_message_iter_close_container(iter, &array);
}

static bool get_mode(void *data, DBusMessageIter *iter)
{
	struct service *service = data;
	return append_string(iter, service->state.manual ? "manual" : "auto");
}

static bool get_on_battery(void *data, DBusMessageIter *iter)
{
	struct service *service = data;
	dbus_bool_t b = service->state.on_battery;
	return dbus_message_iter_append_basic(iter, DBUS_TYPE_BOOLEAN, &b);
}

static bool get_profiles(void *data, DBusMessageIter *iter)
{
	struct service *service = data;
	DBusMessageIter array;
	if (!dbus_message_iter_open_container(iter, DBUS_TYPE_ARRAY, "s", &array))
		return false;
	for (int p = 0; p < PN_PROFILE_COUNT; p++) {
		if ((service->state.offered & POLICY_BIT(p)) &&
			!append_string(&array, pn_profile_name((enum pn_profile)p))) {
			dbus_message_iter_abandon_container(iter, &array);
			return false;
		}
	}
	return dbus_message_iter_close_container(iter, &array);
}

static bool get_backend(void *data, DBusMessageIter *iter)
{
	struct service *service = data;
	return append_string(iter, service->state.backend ? service->state.backend : "none");
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

struct service *service_create(struct pn_bus *session_bus, const struct service_handler *handler,
	void *data)
{
	struct service *service = pn_xcalloc(1, sizeof(*service));
	service->bus = session_bus;
	service->handler = handler;
	service->data = data;
	service->state = (struct service_state){
		.active = PN_PROFILE_NONE,
		.backend = "none",
	};
	return service;
}

int service_export(struct service *service)
{
	int r = pn_bus_export(service->bus, PN_POWER1_PATH, &power1_iface, service);
	if (r == 0)
		service->exported = true;
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

static bool same_holds(const struct service_state *a, const struct service_state *b)
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

static bool same_warnings(const struct service_state *a, const struct service_state *b)
{
	if (a->n_warnings != b->n_warnings)
		return false;
	for (size_t i = 0; i < a->n_warnings; i++) {
		if (strcmp(a->warnings[i], b->warnings[i]) != 0)
			return false;
	}
	return true;
}

/* Copies what state points at into service, for the getters. */
static void keep_copies(struct service *service, const struct service_state *state)
{
	struct ppd_hold *old_holds = service->holds;
	char *old_degraded = service->degraded;
	char **old_warnings = service->warnings;
	size_t old_n_holds = service->state.n_holds, old_n_warnings = service->state.n_warnings;
	service->state = *state;
	service->holds = state->n_holds ? pn_xcalloc(state->n_holds, sizeof(*service->holds))
					: NULL;
	for (size_t i = 0; i < state->n_holds; i++) {
		service->holds[i].profile = state->holds[i].profile;
		service->holds[i].app_id = pn_xstrdup(state->holds[i].app_id);
		service->holds[i].reason = pn_xstrdup(state->holds[i].reason);
	}
	service->degraded = pn_xstrdup(state->degraded ? state->degraded : "");
	service->warnings = state->n_warnings
		? pn_xcalloc(state->n_warnings, sizeof(*service->warnings))
		: NULL;
	for (size_t i = 0; i < state->n_warnings; i++)
		service->warnings[i] = pn_xstrdup(state->warnings[i]);
	service->state.holds = service->holds;
	service->state.degraded = service->degraded;
	service->state.warnings = (const char *const *)service->warnings;
	free_copies(old_holds, old_n_holds, old_degraded, old_warnings, old_n_warnings);
}

void service_destroy(struct service *service)
{
	if (!service)
		return;
	if (service->exported)
		pn_bus_unexport(service->bus, PN_POWER1_PATH);
	free_copies(service->holds, service->state.n_holds, service->degraded, service->warnings,
		service->state.n_warnings);
	free(service);
}

static bool same_string(const char *a, const char *b)
{
	return strcmp(a ? a : "none", b ? b : "none") == 0;
}

void service_update(struct service *service, const struct service_state *state)
{
	const char *changed[10];
	size_t n = 0;
	struct service_state *old = &service->state;
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
	keep_copies(service, state);
	if (n && service->exported)
		pn_bus_emit_properties_changed(service->bus, PN_POWER1_PATH, PN_POWER1_IFACE,
			changed);
}

void service_reply(struct service *service, DBusMessage *reply)
{
	if (!reply)
		return;
	pn_bus_send(service->bus, reply);
	dbus_message_unref(reply);
}
