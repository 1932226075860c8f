#include "remote.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "panther/log.h"
#include "panther/util.h"

struct remote_set {
	struct remote *remote;
	struct pn_pending *pending;
	backend_done_fn fn;
	void *data;
	struct remote_set *next;
};

struct remote {
	struct pn_bus *bus;
	char *name, *path, *iface;
	const struct remote_listener *listener;
	void *data;
	struct pn_name_watch *watch;
	struct pn_match *match;
	char *owner;
	struct pn_pending *reading;
	bool known;
	bool present;
	struct remote_set *sets;
};

static void pass_property(void *data, const char *name, DBusMessageIter *value)
{
	struct remote *remote = data;
	remote->listener->property(remote->data, remote, name, value);
}

static void leave(struct remote *remote)
{
	bool report = remote->present || !remote->known;
	remote->present = false;
	remote->known = true;
	if (report)
		remote->listener->gone(remote->data, remote);
}

static void on_read(void *data, DBusMessage *reply, const DBusError *err)
{
	struct remote *remote = data;
	remote->reading = NULL;
	if (!reply) {
		pn_warn("%s: cannot read %s: %s", remote->name, remote->iface,
			err && err->message ? err->message : "no reply");
		leave(remote);
		return;
	}
	if (!pn_reply_foreach_property(reply, pass_property, remote)) {
		pn_warn("%s: GetAll %s: the reply is not an a{sv}", remote->name, remote->iface);
		leave(remote);
		return;
	}
	remote->present = true;
	remote->known = true;
	remote->listener->updated(remote->data, remote, true);
}

static void on_properties_changed(void *data, DBusMessage *msg)
{
	struct remote *remote = data;
	const char *sender = dbus_message_get_sender(msg);
	const char *path = dbus_message_get_path(msg);
	if (!remote->present || !sender || !remote->owner || strcmp(sender, remote->owner) != 0 ||
		!path || strcmp(path, remote->path) != 0)
		return;
	const char *iface = NULL;
	DBusMessageIter args;
	/* Only the changes of our interface; other interfaces on the path are not ours. */
	if (!dbus_message_iter_init(msg, &args) ||
		dbus_message_iter_get_arg_type(&args) != DBUS_TYPE_STRING)
		return;
	dbus_message_iter_get_basic(&args, &iface);
	if (strcmp(iface, remote->iface) != 0)
		return;
	if (!pn_properties_changed_foreach(msg, NULL, pass_property, remote))
		return;
	remote->listener->updated(remote->data, remote, false);
}

static void on_owner(void *data, const char *name, const char *owner)
{
	struct remote *remote = data;
	if (owner && !owner[0])
		owner = NULL;
	if (owner && remote->owner && strcmp(owner, remote->owner) == 0 &&
		(remote->present || remote->reading))
		return;
	if (remote->reading) {
		pn_pending_cancel(remote->reading);
		remote->reading = NULL;
	}
	free(remote->owner);
	remote->owner = owner ? pn_xstrdup(owner) : NULL;
	if (remote->present || !owner)
		leave(remote);
	if (!owner)
		return;
	int r = pn_bus_get_all_properties(remote->bus, remote->name, remote->path, remote->iface,
		on_read, remote, &remote->reading);
	if (r < 0) {
		pn_warn("%s: cannot ask for its properties: %s", remote->name, strerror(-r));
		leave(remote);
	}
}

struct remote *remote_create(struct pn_bus *bus, const char *name, const char *path,
	const char *iface, const struct remote_listener *listener, void *data)
{
	struct remote *remote = pn_xcalloc(1, sizeof(*remote));
	remote->bus = bus;
	remote->name = pn_xstrdup(name);
	remote->path = pn_xstrdup(path);
	remote->iface = pn_xstrdup(iface);
	remote->listener = listener;
	remote->data = data;
	/*
	 * The match rule names the path, not the sender: a rule with a
	 * well-known sender would miss nothing either, but checking the owner
	 * here keeps one rule per object whoever owns the name.
	 */
	remote->match = pn_bus_subscribe(bus, NULL, path, "org.freedesktop.DBus.Properties",
		"PropertiesChanged", on_properties_changed, remote);
	remote->watch = pn_bus_watch_name(bus, name, on_owner, remote);
	return remote;
}

void remote_destroy(struct remote *remote)
{
	if (!remote)
		return;
	while (remote->sets) {
		struct remote_set *set = remote->sets;
		remote->sets = set->next;
		pn_pending_cancel(set->pending);
		free(set);
	}
	if (remote->reading)
		pn_pending_cancel(remote->reading);
	if (remote->watch)
		pn_name_watch_remove(remote->watch);
	if (remote->match)
		pn_match_remove(remote->match);
	free(remote->owner);
	free(remote->name);
	free(remote->path);
	free(remote->iface);
	free(remote);
}

bool remote_present(const struct remote *remote)
{
	return remote->present;
}

bool remote_known(const struct remote *remote)
{
	return remote->known;
}

const char *remote_name(const struct remote *remote)
{
	return remote->name;
}

static void on_set(void *data, DBusMessage *reply, const DBusError *err)
{
	struct remote_set *set = data;
	for (struct remote_set **p = &set->remote->sets; *p; p = &(*p)->next) {
		if (*p == set) {
			*p = set->next;
			break;
		}
	}
	if (set->fn)
		set->fn(set->data, reply ? NULL : err && err->message ? err->message : "no reply");
	free(set);
}

int remote_set(struct remote *remote, const char *prop, int type, const void *value,
	backend_done_fn fn, void *data)
{
	if (!remote->present)
		return -ENODEV;
	struct remote_set *set = pn_xcalloc(1, sizeof(*set));
	*set = (struct remote_set){.remote = remote, .fn = fn, .data = data, .next = remote->sets};
	remote->sets = set;
	int r = pn_bus_set_property_basic(remote->bus, remote->name, remote->path, remote->iface,
		prop, type, value, on_set, set, &set->pending);
	if (r < 0) {
		remote->sets = set->next;
		free(set);
	}
	return r;
}
