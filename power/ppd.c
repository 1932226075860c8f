#include "ppd.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "panther/util.h"
#include "policy.h"
#include "remote.h"

#define N_NAMES PPD_N_NAMES

struct ppd_object {
	struct ppd *ppd;
	struct remote *remote;
	unsigned offered;
	enum pn_profile active;
	bool have_offered, have_active;
	struct ppd_hold *holds;
	size_t n_holds;
	char *degraded;
};

/* A HoldProfile or ReleaseProfile call in flight. */
struct ppd_call {
	struct ppd *ppd;
	struct pn_pending *pending;
	ppd_hold_fn fn;
	void *data;
	struct ppd_call *next;
};

struct ppd {
	struct pn_bus *bus;
	struct ppd_call *calls;
	const struct backend_listener *listener;
	void *data;
	struct ppd_object objects[N_NAMES];
	struct ppd_object *use; /* the preferred one present, or NULL */
	bool reported_gone;
};

static void read_profile_entry(void *data, const char *name, DBusMessageIter *value)
{
	unsigned *offered = data;
	if (strcmp(name, "Profile") != 0 || !value ||
		dbus_message_iter_get_arg_type(value) != DBUS_TYPE_STRING)
		return;
	const char *s;
	dbus_message_iter_get_basic(value, &s);
	enum pn_profile profile = pn_profile_from_name(s);
	if (profile != PN_PROFILE_NONE)
		*offered |= POLICY_BIT(profile);
}

static void clear_holds(struct ppd_object *object)
{
	for (size_t i = 0; i < object->n_holds; i++) {
		free(object->holds[i].app_id);
		free(object->holds[i].reason);
	}
	free(object->holds);
	object->holds = NULL;
	object->n_holds = 0;
}

static void read_hold_entry(void *data, const char *name, DBusMessageIter *value)
{
	struct ppd_hold *hold = data;
	if (!value || dbus_message_iter_get_arg_type(value) != DBUS_TYPE_STRING)
		return;
	const char *s;
	dbus_message_iter_get_basic(value, &s);
	if (strcmp(name, "Profile") == 0)
		hold->profile = pn_profile_from_name(s);
	else if (strcmp(name, "ApplicationId") == 0 && !hold->app_id)
		hold->app_id = pn_xstrdup(s);
	else if (strcmp(name, "Reason") == 0 && !hold->reason)
		hold->reason = pn_xstrdup(s);
}

/* ActiveProfileHolds: aa{sv} with ApplicationId, Profile, Reason (ppd 0.12 to today). */
static void read_holds(struct ppd_object *object, DBusMessageIter *value)
{
	clear_holds(object);
	DBusMessageIter entries;
	size_t n = 0;
	dbus_message_iter_recurse(value, &entries);
	while (dbus_message_iter_get_arg_type(&entries) == DBUS_TYPE_ARRAY) {
		n++;
		dbus_message_iter_next(&entries);
	}
	if (!n)
		return;
	object->holds = pn_xcalloc(n, sizeof(*object->holds));
	dbus_message_iter_recurse(value, &entries);
	while (dbus_message_iter_get_arg_type(&entries) == DBUS_TYPE_ARRAY) {
		struct ppd_hold *hold = &object->holds[object->n_holds++];
		hold->profile = PN_PROFILE_NONE;
		pn_iter_foreach_property(&entries, read_hold_entry, hold);
		if (!hold->app_id)
			hold->app_id = pn_xstrdup("");
		if (!hold->reason)
			hold->reason = pn_xstrdup("");
		dbus_message_iter_next(&entries);
	}
}

static void on_property(void *data, struct remote *remote, const char *name, DBusMessageIter *value)
{
	struct ppd_object *object = data;
	if (!value)
		return;
	int type = dbus_message_iter_get_arg_type(value);
	if (strcmp(name, "ActiveProfileHolds") == 0 && type == DBUS_TYPE_ARRAY) {
		read_holds(object, value);
	} else if (strcmp(name, "PerformanceDegraded") == 0 && type == DBUS_TYPE_STRING) {
		const char *s;
		dbus_message_iter_get_basic(value, &s);
		free(object->degraded);
		object->degraded = pn_xstrdup(s);
	} else if (strcmp(name, "ActiveProfile") == 0 && type == DBUS_TYPE_STRING) {
		const char *s;
		dbus_message_iter_get_basic(value, &s);
		object->active = pn_profile_from_name(s);
		object->have_active = true;
	} else if (strcmp(name, "Profiles") == 0 && type == DBUS_TYPE_ARRAY) {
		DBusMessageIter entries;
		object->offered = 0;
		object->have_offered = true;
		dbus_message_iter_recurse(value, &entries);
		while (dbus_message_iter_get_arg_type(&entries) == DBUS_TYPE_ARRAY) {
			pn_iter_foreach_property(&entries, read_profile_entry, &object->offered);
			dbus_message_iter_next(&entries);
		}
	}
}

static bool usable(const struct ppd_object *object)
{
	return remote_present(object->remote) && object->have_active && object->have_offered;
}

/* Reports the preferred usable object once every name has been looked at. */
static void choose(struct ppd *ppd)
{
	struct ppd_object *use = NULL;
	for (size_t i = 0; i < N_NAMES; i++) {
		if (!remote_known(ppd->objects[i].remote))
			return;
		if (!use && usable(&ppd->objects[i]))
			use = &ppd->objects[i];
	}
	if (use == ppd->use && (use || ppd->reported_gone))
		return;
	ppd->use = use;
	if (use) {
		ppd->reported_gone = false;
		ppd->listener->appeared(ppd->data, use->offered, use->active);
	} else if (!ppd->reported_gone) {
		ppd->reported_gone = true;
		ppd->listener->gone(ppd->data);
	}
}

static void on_updated(void *data, struct remote *remote, bool first)
{
	struct ppd_object *object = data;
	struct ppd *ppd = object->ppd;
	if (first || object != ppd->use) {
		choose(ppd);
		return;
	}
	ppd->listener->changed(ppd->data, object->offered, object->active);
}

static void on_gone(void *data, struct remote *remote)
{
	struct ppd_object *object = data;
	object->have_active = object->have_offered = false;
	object->active = PN_PROFILE_NONE;
	object->offered = 0;
	clear_holds(object);
	free(object->degraded);
	object->degraded = NULL;
	choose(object->ppd);
}

static const struct remote_listener remote_listener = {
	.property = on_property,
	.updated = on_updated,
	.gone = on_gone,
};

struct ppd *ppd_create(struct pn_bus *system_bus, const struct backend_listener *listener,
	void *data)
{
	struct ppd *ppd = pn_xcalloc(1, sizeof(*ppd));
	ppd->bus = system_bus;
	ppd->listener = listener;
	ppd->data = data;
	for (size_t i = 0; i < N_NAMES; i++) {
		struct ppd_object *object = &ppd->objects[i];
		object->ppd = ppd;
		object->active = PN_PROFILE_NONE;
		/* Both names use the same interface name as their bus name. */
		object->remote = remote_create(system_bus, ppd_names[i].name, ppd_names[i].path,
			ppd_names[i].name, &remote_listener, object);
	}
	return ppd;
}

void ppd_destroy(struct ppd *ppd)
{
	if (!ppd)
		return;
	while (ppd->calls) {
		struct ppd_call *call = ppd->calls;
		ppd->calls = call->next;
		pn_pending_cancel(call->pending);
		free(call);
	}
	for (size_t i = 0; i < N_NAMES; i++) {
		remote_destroy(ppd->objects[i].remote);
		clear_holds(&ppd->objects[i]);
		free(ppd->objects[i].degraded);
	}
	free(ppd);
}

const char *ppd_bus_name(const struct ppd *ppd)
{
	return ppd->use ? remote_name(ppd->use->remote) : NULL;
}

int ppd_set_profile(struct ppd *ppd, enum pn_profile profile, backend_done_fn fn, void *data)
{
	if (!ppd->use)
		return -ENODEV;
	const char *name = pn_profile_name(profile);
	if (!name)
		return -EINVAL;
	return remote_set(ppd->use->remote, "ActiveProfile", DBUS_TYPE_STRING, &name, fn, data);
}

size_t ppd_holds(const struct ppd *ppd, const struct ppd_hold **holds)
{
	*holds = ppd->use ? ppd->use->holds : NULL;
	return ppd->use ? ppd->use->n_holds : 0;
}

const char *ppd_degraded(const struct ppd *ppd)
{
	return ppd->use && ppd->use->degraded ? ppd->use->degraded : "";
}

static void on_call_reply(void *data, DBusMessage *reply, const DBusError *err)
{
	struct ppd_call *call = data;
	for (struct ppd_call **p = &call->ppd->calls; *p; p = &(*p)->next) {
		if (*p == call) {
			*p = call->next;
			break;
		}
	}
	uint32_t cookie = 0;
	const char *error = NULL;
	if (!reply)
		error = err && err->message ? err->message : "no reply";
	else if (dbus_message_get_signature(reply)[0] == 'u')
		dbus_message_get_args(reply, NULL, DBUS_TYPE_UINT32, &cookie, DBUS_TYPE_INVALID);
	if (call->fn)
		call->fn(call->data, cookie, error);
	free(call);
}

static int ppd_call_method(struct ppd *ppd, const char *method, ppd_hold_fn fn, void *data,
	int first_type, ...)
{
	if (!ppd->use)
		return -ENODEV;
	size_t i = (size_t)(ppd->use - ppd->objects);
	DBusMessage *msg = dbus_message_new_method_call(ppd_names[i].name, ppd_names[i].path,
		ppd_names[i].name, method);
	if (!msg)
		return -ENOMEM;
	va_list args;
	va_start(args, first_type);
	bool ok = dbus_message_append_args_valist(msg, first_type, args);
	va_end(args);
	if (!ok) {
		dbus_message_unref(msg);
		return -ENOMEM;
	}
	struct ppd_call *call = pn_xcalloc(1, sizeof(*call));
	*call = (struct ppd_call){.ppd = ppd, .fn = fn, .data = data, .next = ppd->calls};
	ppd->calls = call;
	int r = pn_bus_call(ppd->bus, msg, 0, on_call_reply, call, &call->pending);
	dbus_message_unref(msg);
	if (r < 0) {
		ppd->calls = call->next;
		free(call);
	}
	return r;
}

int ppd_hold(struct ppd *ppd, enum pn_profile profile, const char *reason, const char *app_id,
	ppd_hold_fn fn, void *data)
{
	const char *name = pn_profile_name(profile);
	if (profile != PN_PROFILE_POWER_SAVER && profile != PN_PROFILE_PERFORMANCE)
		return -EINVAL;
	return ppd_call_method(ppd, "HoldProfile", fn, data, DBUS_TYPE_STRING, &name,
		DBUS_TYPE_STRING, &reason, DBUS_TYPE_STRING, &app_id, DBUS_TYPE_INVALID);
}

int ppd_release(struct ppd *ppd, uint32_t cookie, ppd_hold_fn fn, void *data)
{
	return ppd_call_method(ppd, "ReleaseProfile", fn, data, DBUS_TYPE_UINT32, &cookie,
		DBUS_TYPE_INVALID);
}
