/* Outgoing calls, name owner watches and signal matches. */

#include "bus.h"
#include "panther/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- signals ---- */

static void report_owner(struct pn_name_watch *w, const char *owner)
{
	if (owner && !*owner)
		owner = NULL;
	bool same = (!owner && !w->owner) || (owner && w->owner && strcmp(owner, w->owner) == 0);
	if (w->known && same)
		return;
	w->known = true;
	if (!same) {
		free(w->owner);
		w->owner = owner ? pn_xstrdup(owner) : NULL;
	}
	if (w->fn)
		w->fn(w->data, w->name, w->owner);
}

static bool match_accepts(const struct pn_match *m, DBusMessage *msg)
{
	if (m->path && !dbus_message_has_path(msg, m->path))
		return false;
	if (m->iface && !dbus_message_has_interface(msg, m->iface))
		return false;
	if (m->member && !dbus_message_has_member(msg, m->member))
		return false;
	if (!m->sender)
		return true;
	if (!m->sender_owner)
		return dbus_message_has_sender(msg, m->sender);
	/* Until the owner is known, trust the bus's own filtering by the rule. */
	const struct pn_name_watch *w = m->sender_owner;
	if (!w->known)
		return true;
	return w->owner && dbus_message_has_sender(msg, w->owner);
}

void bus_deliver_signal(struct pn_bus *bus, DBusMessage *msg)
{
	if (dbus_message_is_signal(msg, DBUS_INTERFACE_DBUS, "NameOwnerChanged") &&
		dbus_message_has_sender(msg, DBUS_SERVICE_DBUS)) {
		const char *name, *old_owner, *new_owner;
		if (dbus_message_get_args(msg, NULL, DBUS_TYPE_STRING, &name, DBUS_TYPE_STRING,
			    &old_owner, DBUS_TYPE_STRING, &new_owner, DBUS_TYPE_INVALID)) {
			/* Before the first answer, that answer is what counts. */
			for (struct pn_name_watch *w = bus->watches; w && !bus->closing;
				w = w->next) {
				if (!w->dead && w->known && strcmp(w->name, name) == 0)
					report_owner(w, new_owner);
			}
		}
	}
	for (struct pn_match *m = bus->matches; m && !bus->closing; m = m->next) {
		if (!m->dead && match_accepts(m, msg))
			m->fn(m->data, msg);
	}
}

/* ---- calling ---- */

static void pending_done(DBusPendingCall *call, void *data)
{
	struct pn_pending *p = data;
	struct pn_bus *bus = p->bus;
	if (p->dead || bus->closing)
		return;
	/* The callback runs once; the entry is freed when dispatching is over. */
	p->dead = true;
	bus->has_dead = true;
	DBusMessage *reply = dbus_pending_call_steal_reply(call);
	bus_enter(bus);
	if (!reply) {
		DBusError error;
		dbus_error_init(&error);
		dbus_set_error_const(&error, DBUS_ERROR_NO_REPLY, "No reply");
		p->fn(p->data, NULL, &error);
	} else if (dbus_message_get_type(reply) == DBUS_MESSAGE_TYPE_ERROR) {
		DBusError error;
		dbus_error_init(&error);
		dbus_set_error_from_message(&error, reply);
		p->fn(p->data, NULL, &error);
		dbus_error_free(&error);
	} else {
		p->fn(p->data, reply, NULL);
	}
	if (reply)
		dbus_message_unref(reply);
	bus_leave(bus);
}

int pn_bus_call(struct pn_bus *bus, DBusMessage *msg, int timeout_ms, pn_reply_fn fn, void *data,
	struct pn_pending **out)
{
	if (out)
		*out = NULL;
	if (!bus_connected(bus))
		return -ENOTCONN;
	if (dbus_message_get_type(msg) != DBUS_MESSAGE_TYPE_METHOD_CALL)
		return -EINVAL;
	if (!fn) {
		dbus_message_set_no_reply(msg, TRUE);
		return pn_bus_send(bus, msg);
	}
	DBusPendingCall *call = NULL;
	if (!dbus_connection_send_with_reply(bus->conn, msg, &call,
		    timeout_ms > 0 ? timeout_ms : PN_DBUS_TIMEOUT_MS))
		return -ENOMEM;
	if (!call)
		return -ENOTCONN;
	struct pn_pending *p = pn_xcalloc(1, sizeof(*p));
	*p = (struct pn_pending){.next = bus->pendings,
		.bus = bus,
		.call = call,
		.fn = fn,
		.data = data};
	if (!dbus_pending_call_set_notify(call, pending_done, p, NULL)) {
		bus_pending_free(p);
		return -ENOMEM;
	}
	bus->pendings = p;
	if (out)
		*out = p;
	return 0;
}

void pn_pending_cancel(struct pn_pending *pending)
{
	if (!pending || pending->dead)
		return;
	pending->dead = true;
	pending->bus->has_dead = true;
	bus_reap(pending->bus);
}

int pn_bus_call_method(struct pn_bus *bus, const char *dest, const char *path, const char *iface,
	const char *method, pn_reply_fn fn, void *data, struct pn_pending **out, int first_type,
	...)
{
	if (out)
		*out = NULL;
	if ((dest && !dbus_validate_bus_name(dest, NULL)) || !dbus_validate_path(path, NULL) ||
		(iface && !dbus_validate_interface(iface, NULL)) ||
		!dbus_validate_member(method, NULL))
		return -EINVAL;
	DBusMessage *msg = dbus_message_new_method_call(dest, path, iface, method);
	if (!msg)
		return -ENOMEM;
	va_list ap;
	va_start(ap, first_type);
	bool ok = dbus_message_append_args_valist(msg, first_type, ap);
	va_end(ap);
	int r = ok ? pn_bus_call(bus, msg, 0, fn, data, out) : -EINVAL;
	dbus_message_unref(msg);
	return r;
}

int pn_bus_get_property(struct pn_bus *bus, const char *dest, const char *path, const char *iface,
	const char *prop, pn_reply_fn fn, void *data, struct pn_pending **out)
{
	return pn_bus_call_method(bus, dest, path, DBUS_INTERFACE_PROPERTIES, "Get", fn, data, out,
		DBUS_TYPE_STRING, &iface, DBUS_TYPE_STRING, &prop, DBUS_TYPE_INVALID);
}

int pn_bus_get_all_properties(struct pn_bus *bus, const char *dest, const char *path,
	const char *iface, pn_reply_fn fn, void *data, struct pn_pending **out)
{
	return pn_bus_call_method(bus, dest, path, DBUS_INTERFACE_PROPERTIES, "GetAll", fn, data,
		out, DBUS_TYPE_STRING, &iface, DBUS_TYPE_INVALID);
}

int pn_bus_set_property_basic(struct pn_bus *bus, const char *dest, const char *path,
	const char *iface, const char *prop, int type, const void *value, pn_reply_fn fn,
	void *data, struct pn_pending **out)
{
	if (out)
		*out = NULL;
	if (!dbus_type_is_basic(type) || !dbus_validate_bus_name(dest, NULL) ||
		!dbus_validate_path(path, NULL))
		return -EINVAL;
	DBusMessage *msg = dbus_message_new_method_call(dest, path, DBUS_INTERFACE_PROPERTIES,
		"Set");
	if (!msg)
		return -ENOMEM;
	char sig[2] = {(char)type, '\0'};
	DBusMessageIter iter, variant;
	dbus_message_iter_init_append(msg, &iter);
	int r = -EINVAL;
	if (!dbus_message_iter_append_basic(&iter, DBUS_TYPE_STRING, &iface) ||
		!dbus_message_iter_append_basic(&iter, DBUS_TYPE_STRING, &prop) ||
		!dbus_message_iter_open_container(&iter, DBUS_TYPE_VARIANT, sig, &variant))
		goto out;
	if (!dbus_message_iter_append_basic(&variant, type, value)) {
		dbus_message_iter_abandon_container_if_open(&iter, &variant);
		goto out;
	}
	if (!dbus_message_iter_close_container(&iter, &variant))
		goto out;
	r = pn_bus_call(bus, msg, 0, fn, data, out);
out:
	dbus_message_unref(msg);
	return r;
}

bool pn_reply_variant(DBusMessage *reply, DBusMessageIter *iter)
{
	DBusMessageIter top;
	if (!reply || !dbus_message_iter_init(reply, &top) ||
		dbus_message_iter_get_arg_type(&top) != DBUS_TYPE_VARIANT)
		return false;
	dbus_message_iter_recurse(&top, iter);
	return true;
}

bool pn_iter_foreach_property(DBusMessageIter *dict, pn_prop_fn fn, void *data)
{
	char *sig = dbus_message_iter_get_signature(dict);
	bool ok = sig && strcmp(sig, "a{sv}") == 0;
	dbus_free(sig);
	if (!ok)
		return false;
	DBusMessageIter entries;
	dbus_message_iter_recurse(dict, &entries);
	for (; dbus_message_iter_get_arg_type(&entries) == DBUS_TYPE_DICT_ENTRY;
		dbus_message_iter_next(&entries)) {
		DBusMessageIter entry, variant;
		const char *name;
		dbus_message_iter_recurse(&entries, &entry);
		dbus_message_iter_get_basic(&entry, &name);
		dbus_message_iter_next(&entry);
		dbus_message_iter_recurse(&entry, &variant);
		fn(data, name, &variant);
	}
	return true;
}

bool pn_reply_foreach_property(DBusMessage *reply, pn_prop_fn fn, void *data)
{
	DBusMessageIter iter;
	if (!reply || !dbus_message_has_signature(reply, "a{sv}"))
		return false;
	dbus_message_iter_init(reply, &iter);
	return pn_iter_foreach_property(&iter, fn, data);
}

bool pn_properties_changed_foreach(DBusMessage *msg, const char **iface, pn_prop_fn fn, void *data)
{
	if (!dbus_message_is_signal(msg, DBUS_INTERFACE_PROPERTIES, "PropertiesChanged") ||
		!dbus_message_has_signature(msg, "sa{sv}as"))
		return false;
	DBusMessageIter iter, invalid;
	const char *name;
	dbus_message_iter_init(msg, &iter);
	dbus_message_iter_get_basic(&iter, &name);
	if (iface)
		*iface = name;
	dbus_message_iter_next(&iter);
	pn_iter_foreach_property(&iter, fn, data);
	dbus_message_iter_next(&iter);
	dbus_message_iter_recurse(&iter, &invalid);
	for (; dbus_message_iter_get_arg_type(&invalid) == DBUS_TYPE_STRING;
		dbus_message_iter_next(&invalid)) {
		dbus_message_iter_get_basic(&invalid, &name);
		fn(data, name, NULL);
	}
	return true;
}

/* ---- watching ---- */

static char *build_rule(const char *sender, const char *path, const char *iface, const char *member,
	const char *arg0)
{
	char *rule = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&rule, &size);
	if (!f)
		return NULL;
	fputs("type='signal'", f);
	if (sender)
		fprintf(f, ",sender='%s'", sender);
	if (path)
		fprintf(f, ",path='%s'", path);
	if (iface)
		fprintf(f, ",interface='%s'", iface);
	if (member)
		fprintf(f, ",member='%s'", member);
	/* Bus names never contain quotes, so no escaping is needed. */
	if (arg0)
		fprintf(f, ",arg0='%s'", arg0);
	bool failed = ferror(f);
	if (fclose(f) != 0 || failed) {
		free(rule);
		return NULL;
	}
	return rule;
}

static void name_watch_initial(void *data, DBusMessage *reply, const DBusError *err)
{
	struct pn_name_watch *w = data;
	const char *owner = NULL;
	w->initial = NULL;
	if (reply &&
		!dbus_message_get_args(reply, NULL, DBUS_TYPE_STRING, &owner, DBUS_TYPE_INVALID))
		owner = NULL;
	report_owner(w, owner);
}

struct pn_name_watch *pn_bus_watch_name(struct pn_bus *bus, const char *name, pn_owner_fn fn,
	void *data)
{
	if (!bus_connected(bus) || !name || !dbus_validate_bus_name(name, NULL))
		return NULL;
	struct pn_name_watch *w = pn_xcalloc(1, sizeof(*w));
	*w = (struct pn_name_watch){.bus = bus, .name = pn_xstrdup(name), .fn = fn, .data = data};
	w->rule = build_rule(DBUS_SERVICE_DBUS, DBUS_PATH_DBUS, DBUS_INTERFACE_DBUS,
		"NameOwnerChanged", name);
	if (!w->rule) {
		bus_name_watch_free(w);
		return NULL;
	}
	/* The rule goes first, so no change after GetNameOwner's answer is missed. */
	dbus_bus_add_match(bus->conn, w->rule, NULL);
	if (pn_bus_call_method(bus, DBUS_SERVICE_DBUS, DBUS_PATH_DBUS, DBUS_INTERFACE_DBUS,
		    "GetNameOwner", name_watch_initial, w, &w->initial, DBUS_TYPE_STRING, &name,
		    DBUS_TYPE_INVALID) < 0) {
		dbus_bus_remove_match(bus->conn, w->rule, NULL);
		bus_name_watch_free(w);
		return NULL;
	}
	w->next = bus->watches;
	bus->watches = w;
	return w;
}

void pn_name_watch_remove(struct pn_name_watch *watch)
{
	if (!watch || watch->dead)
		return;
	bus_name_watch_release(watch);
	watch->dead = true;
	watch->bus->has_dead = true;
	bus_reap(watch->bus);
}

static char *dup_or_null(const char *s)
{
	return s ? pn_xstrdup(s) : NULL;
}

struct pn_match *pn_bus_subscribe(struct pn_bus *bus, const char *sender, const char *path,
	const char *iface, const char *member, pn_signal_fn_msg fn, void *data)
{
	if (!bus_connected(bus) || !fn)
		return NULL;
	if ((sender && !dbus_validate_bus_name(sender, NULL)) ||
		(path && !dbus_validate_path(path, NULL)) ||
		(iface && !dbus_validate_interface(iface, NULL)) ||
		(member && !dbus_validate_member(member, NULL)))
		return NULL;
	char *rule = build_rule(sender, path, iface, member, NULL);
	if (!rule)
		return NULL;
	struct pn_match *m = pn_xcalloc(1, sizeof(*m));
	*m = (struct pn_match){.bus = bus,
		.sender = dup_or_null(sender),
		.path = dup_or_null(path),
		.iface = dup_or_null(iface),
		.member = dup_or_null(member),
		.rule = rule,
		.fn = fn,
		.data = data};
	if (sender && sender[0] != ':' && strcmp(sender, DBUS_SERVICE_DBUS) != 0) {
		m->sender_owner = pn_bus_watch_name(bus, sender, NULL, NULL);
		if (!m->sender_owner) {
			bus_match_free(m);
			return NULL;
		}
	}
	dbus_bus_add_match(bus->conn, rule, NULL);
	m->next = bus->matches;
	bus->matches = m;
	return m;
}

void pn_match_remove(struct pn_match *match)
{
	if (!match || match->dead)
		return;
	bus_match_release(match);
	match->dead = true;
	match->bus->has_dead = true;
	bus_reap(match->bus);
}
