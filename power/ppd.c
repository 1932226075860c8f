#include "ppd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "panther/util.h"
#include "policy.h"
#include "remote.h"

/* In order of preference. */
static const struct ppd_name {
	const char *name;
	const char *path;
} ppd_names[] = {
	{"org.freedesktop.UPower.PowerProfiles", "/org/freedesktop/UPower/PowerProfiles"},
	{"net.hadess.PowerProfiles", "/net/hadess/PowerProfiles"},
};
#define N_NAMES PN_ARRAY_LEN(ppd_names)

struct ppd_object {
	struct ppd *ppd;
	struct remote *remote;
	unsigned offered;
	enum pn_profile active;
	bool have_offered, have_active;
};

struct ppd {
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

static void on_property(void *data, struct remote *remote, const char *name,
	DBusMessageIter *value)
{
	struct ppd_object *object = data;
	if (!value)
		return;
	int type = dbus_message_iter_get_arg_type(value);
	if (strcmp(name, "ActiveProfile") == 0 && type == DBUS_TYPE_STRING) {
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
	for (size_t i = 0; i < N_NAMES; i++)
		remote_destroy(ppd->objects[i].remote);
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
