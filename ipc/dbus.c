#include "panther/dbus.h"
#include "panther/log.h"
#include "panther/loop.h"
#include "panther/util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * Everything a bus owns lives in singly linked lists. While the bus is
 * dispatching (depth > 0) removing an entry only marks it dead, and closing
 * the bus only marks it closing: callbacks may remove anything, close the bus
 * included, and the real work happens when the outermost dispatch returns.
 */

#define UID_CACHE_SIZE 16
#define DISPATCH_BATCH 64

struct export {
	struct export *next;
	char *path;
	const struct pn_interface *iface;
	void *data;
	bool dead;
};

struct pn_pending {
	struct pn_pending *next;
	struct pn_bus *bus;
	DBusPendingCall *call;
	pn_reply_fn fn;
	void *data;
	bool dead;
};

struct pn_name_watch {
	struct pn_name_watch *next;
	struct pn_bus *bus;
	char *name;
	char *rule;
	char *owner;
	bool known; /* the first answer has arrived */
	struct pn_pending *initial;
	pn_owner_fn fn;
	void *data;
	bool dead;
};

struct pn_match {
	struct pn_match *next;
	struct pn_bus *bus;
	char *sender, *path, *iface, *member;
	char *rule;
	/* A well-known sender: signals carry the owner's unique name. */
	struct pn_name_watch *sender_owner;
	pn_signal_fn_msg fn;
	void *data;
	bool dead;
};

struct uid_entry {
	char *sender;
	long uid;
};

struct pn_bus {
	struct pn_loop *loop;
	DBusConnection *conn;
	struct pn_timer *dispatch_timer;

	struct export *exports;
	struct pn_pending *pendings;
	struct pn_name_watch *watches;
	struct pn_match *matches;
	bool has_dead;

	struct uid_entry uids[UID_CACHE_SIZE];
	size_t uid_next;

	pn_bus_lost_fn lost_fn;
	void *lost_data;
	bool lost;

	int depth;
	bool closing;
	bool own_user_only;
};

static void bus_free(struct pn_bus *bus);

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || errlen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- deferred removal ---- */

static void pending_free(struct pn_pending *p)
{
	if (p->call) {
		dbus_pending_call_cancel(p->call);
		dbus_pending_call_unref(p->call);
	}
	free(p);
}

static void name_watch_release(struct pn_name_watch *w)
{
	struct pn_bus *bus = w->bus;
	if (w->initial)
		pn_pending_cancel(w->initial);
	if (bus->conn && !bus->closing && dbus_connection_get_is_connected(bus->conn))
		dbus_bus_remove_match(bus->conn, w->rule, NULL);
}

static void name_watch_free(struct pn_name_watch *w)
{
	free(w->name);
	free(w->rule);
	free(w->owner);
	free(w);
}

static void match_release(struct pn_match *m)
{
	struct pn_bus *bus = m->bus;
	pn_name_watch_remove(m->sender_owner);
	if (bus->conn && !bus->closing && dbus_connection_get_is_connected(bus->conn))
		dbus_bus_remove_match(bus->conn, m->rule, NULL);
}

static void match_free(struct pn_match *m)
{
	free(m->sender);
	free(m->path);
	free(m->iface);
	free(m->member);
	free(m->rule);
	free(m);
}

/*
 * Frees dead entries. Matches first: releasing one removes its name watch,
 * releasing a watch cancels its pending call.
 */
static void reap(struct pn_bus *bus)
{
	if (bus->depth > 0 || !bus->has_dead)
		return;
	bus->has_dead = false;
	for (struct pn_match **p = &bus->matches; *p;) {
		struct pn_match *m = *p;
		if (m->dead) {
			*p = m->next;
			match_free(m);
		} else {
			p = &m->next;
		}
	}
	for (struct pn_name_watch **p = &bus->watches; *p;) {
		struct pn_name_watch *w = *p;
		if (w->dead) {
			*p = w->next;
			name_watch_free(w);
		} else {
			p = &w->next;
		}
	}
	for (struct pn_pending **p = &bus->pendings; *p;) {
		struct pn_pending *q = *p;
		if (q->dead) {
			*p = q->next;
			pending_free(q);
		} else {
			p = &q->next;
		}
	}
	for (struct export **p = &bus->exports; *p;) {
		struct export *e = *p;
		if (e->dead) {
			*p = e->next;
			free(e->path);
			free(e);
		} else {
			p = &e->next;
		}
	}
}

static void enter(struct pn_bus *bus)
{
	bus->depth++;
}

static void leave(struct pn_bus *bus)
{
	if (--bus->depth > 0)
		return;
	if (bus->closing)
		bus_free(bus);
	else
		reap(bus);
}

/* ---- libdbus main loop integration ---- */

static short watch_events(DBusWatch *watch)
{
	if (!dbus_watch_get_enabled(watch))
		return 0; /* the loop then leaves the fd out of poll() */
	unsigned int flags = dbus_watch_get_flags(watch);
	short events = 0;
	if (flags & DBUS_WATCH_READABLE)
		events |= POLLIN;
	if (flags & DBUS_WATCH_WRITABLE)
		events |= POLLOUT;
	return events;
}

static void watch_ready(void *data, int fd, short revents)
{
	DBusWatch *watch = data;
	unsigned int flags = 0;
	if (revents & POLLIN)
		flags |= DBUS_WATCH_READABLE;
	if (revents & POLLOUT)
		flags |= DBUS_WATCH_WRITABLE;
	if (revents & POLLHUP)
		flags |= DBUS_WATCH_HANGUP;
	if (revents & (POLLERR | POLLNVAL))
		flags |= DBUS_WATCH_ERROR;
	/* May remove this watch and others: touch nothing afterwards. */
	dbus_watch_handle(watch, flags);
}

static void remove_fd_source(void *source)
{
	pn_fd_remove(source);
}

/* One loop source per watch: libdbus's read and write watches share an fd. */
static dbus_bool_t add_watch(DBusWatch *watch, void *data)
{
	struct pn_bus *bus = data;
	struct pn_fd *source = pn_loop_add_fd(bus->loop, dbus_watch_get_unix_fd(watch),
		watch_events(watch), watch_ready, watch);
	if (!source)
		return FALSE;
	dbus_watch_set_data(watch, source, remove_fd_source);
	return TRUE;
}

static void remove_watch(DBusWatch *watch, void *data)
{
	dbus_watch_set_data(watch, NULL, NULL);
}

static void toggle_watch(DBusWatch *watch, void *data)
{
	struct pn_fd *source = dbus_watch_get_data(watch);
	if (source)
		pn_fd_set_events(source, watch_events(watch));
}

static void timeout_expired(void *data)
{
	DBusTimeout *timeout = data;
	/* libdbus timeouts repeat until disabled or removed. */
	pn_timer_arm(dbus_timeout_get_data(timeout), (uint64_t)dbus_timeout_get_interval(timeout));
	dbus_timeout_handle(timeout);
}

static void remove_timer(void *timer)
{
	pn_timer_remove(timer);
}

static void toggle_timeout(DBusTimeout *timeout, void *data)
{
	struct pn_timer *timer = dbus_timeout_get_data(timeout);
	if (!timer)
		return;
	if (dbus_timeout_get_enabled(timeout))
		pn_timer_arm(timer, (uint64_t)dbus_timeout_get_interval(timeout));
	else
		pn_timer_disarm(timer);
}

static dbus_bool_t add_timeout(DBusTimeout *timeout, void *data)
{
	struct pn_bus *bus = data;
	struct pn_timer *timer = pn_loop_add_timer(bus->loop, timeout_expired, timeout);
	if (!timer)
		return FALSE;
	dbus_timeout_set_data(timeout, timer, remove_timer);
	toggle_timeout(timeout, data);
	return TRUE;
}

static void remove_timeout(DBusTimeout *timeout, void *data)
{
	dbus_timeout_set_data(timeout, NULL, NULL);
}

static void dispatch_status_changed(DBusConnection *conn, DBusDispatchStatus status, void *data)
{
	struct pn_bus *bus = data;
	if (status == DBUS_DISPATCH_DATA_REMAINS)
		pn_timer_arm(bus->dispatch_timer, 0);
}

static void dispatch_ready(void *data)
{
	struct pn_bus *bus = data;
	enter(bus);
	DBusDispatchStatus status = DBUS_DISPATCH_COMPLETE;
	for (int i = 0; i < DISPATCH_BATCH && !bus->closing; i++) {
		status = dbus_connection_dispatch(bus->conn);
		if (status != DBUS_DISPATCH_DATA_REMAINS)
			break;
	}
	/* Still more after a full batch: come back after the other sources. */
	if (!bus->closing && status == DBUS_DISPATCH_DATA_REMAINS)
		pn_timer_arm(bus->dispatch_timer, 0);
	leave(bus);
}

/* ---- copying values ---- */

/* Copies every value from the position of from to the end of its container. */
static bool copy_values(DBusMessageIter *from, DBusMessageIter *to)
{
	int type;
	for (; (type = dbus_message_iter_get_arg_type(from)) != DBUS_TYPE_INVALID;
			dbus_message_iter_next(from)) {
		if (dbus_type_is_basic(type)) {
			DBusBasicValue value;
			dbus_message_iter_get_basic(from, &value);
			bool ok = dbus_message_iter_append_basic(to, type, &value);
			if (type == DBUS_TYPE_UNIX_FD && value.fd >= 0)
				close(value.fd);
			if (!ok)
				return false;
			continue;
		}

		DBusMessageIter sub_from, sub_to;
		dbus_message_iter_recurse(from, &sub_from);
		char *sig = NULL;
		const char *contained = NULL;
		if (type == DBUS_TYPE_ARRAY) {
			sig = dbus_message_iter_get_signature(from);
			if (!sig)
				return false;
			contained = sig + 1;
		} else if (type == DBUS_TYPE_VARIANT) {
			sig = dbus_message_iter_get_signature(&sub_from);
			if (!sig)
				return false;
			contained = sig;
		}
		bool ok = dbus_message_iter_open_container(to, type, contained, &sub_to);
		if (ok) {
			int elem = type == DBUS_TYPE_ARRAY ? dbus_message_iter_get_element_type(from)
							   : DBUS_TYPE_INVALID;
			if (dbus_type_is_fixed(elem) && elem != DBUS_TYPE_UNIX_FD) {
				const void *items;
				int n;
				dbus_message_iter_get_fixed_array(&sub_from, &items, &n);
				ok = dbus_message_iter_append_fixed_array(&sub_to, elem, &items, n);
			} else {
				ok = copy_values(&sub_from, &sub_to);
			}
			if (ok)
				ok = dbus_message_iter_close_container(to, &sub_to);
			else
				dbus_message_iter_abandon_container_if_open(to, &sub_to);
		}
		dbus_free(sig);
		if (!ok)
			return false;
	}
	return true;
}

/* ---- exported objects ---- */

static bool path_exported(struct pn_bus *bus, const char *path)
{
	for (struct export *e = bus->exports; e; e = e->next) {
		if (!e->dead && strcmp(e->path, path) == 0)
			return true;
	}
	return false;
}

static struct export *find_export(struct pn_bus *bus, const char *path, const char *iface)
{
	for (struct export *e = bus->exports; e; e = e->next) {
		if (!e->dead && strcmp(e->path, path) == 0 && strcmp(e->iface->name, iface) == 0)
			return e;
	}
	return NULL;
}

/* The child of parent that path lies under ("a" for /x/a/b under /x), or NULL. */
static const char *child_of(const char *parent, const char *path, size_t *len)
{
	size_t plen = strlen(parent);
	if (strcmp(parent, "/") == 0)
		plen = 0;
	if (strncmp(path, parent, plen) != 0 || path[plen] != '/' || path[plen + 1] == '\0')
		return NULL;
	const char *child = path + plen + 1;
	*len = strcspn(child, "/");
	return child;
}

static const struct pn_property *find_property_in(const struct pn_interface *iface,
	const char *name)
{
	for (const struct pn_property *p = iface->properties; p && p->name; p++) {
		if (strcmp(p->name, name) == 0)
			return p;
	}
	return NULL;
}

DBusMessage *pn_error_reply(DBusMessage *call, const char *name, const char *fmt, ...)
{
	char text[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	/* The text may quote what a peer sent: D-Bus strings must be valid UTF-8. */
	char *clean = pn_sanitize_text(text, sizeof(text));
	DBusMessage *reply = dbus_message_new_error(call, name, clean ? clean : "");
	free(clean);
	return reply;
}

/*
 * Runs prop->get into a scratch message and checks that it appended exactly
 * the declared type, so a wrong getter cannot corrupt a reply.
 */
static DBusMessage *read_property(const struct export *e, const struct pn_property *prop)
{
	if (!prop->get)
		return NULL;
	DBusMessage *scratch = dbus_message_new(DBUS_MESSAGE_TYPE_METHOD_RETURN);
	if (!scratch)
		return NULL;
	DBusMessageIter iter;
	dbus_message_iter_init_append(scratch, &iter);
	if (!prop->get(e->data, &iter)) {
		dbus_message_unref(scratch);
		return NULL;
	}
	const char *got = dbus_message_get_signature(scratch);
	if (strcmp(got, prop->sig) != 0) {
		pn_err("D-Bus property %s.%s: getter appended '%s', declared '%s'",
			e->iface->name, prop->name, got, prop->sig);
		dbus_message_unref(scratch);
		return NULL;
	}
	return scratch;
}

static bool append_variant(DBusMessageIter *iter, const char *sig, DBusMessage *value)
{
	DBusMessageIter variant, from;
	if (!dbus_message_iter_open_container(iter, DBUS_TYPE_VARIANT, sig, &variant))
		return false;
	dbus_message_iter_init(value, &from);
	if (!copy_values(&from, &variant)) {
		dbus_message_iter_abandon_container_if_open(iter, &variant);
		return false;
	}
	return dbus_message_iter_close_container(iter, &variant);
}

/* Appends {name: value} to an open a{sv}. */
static bool append_entry(DBusMessageIter *dict, const char *name, const char *sig,
	DBusMessage *value)
{
	DBusMessageIter entry;
	if (!dbus_message_iter_open_container(dict, DBUS_TYPE_DICT_ENTRY, NULL, &entry))
		return false;
	if (!dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &name) ||
			!append_variant(&entry, sig, value)) {
		dbus_message_iter_abandon_container_if_open(dict, &entry);
		return false;
	}
	return dbus_message_iter_close_container(dict, &entry);
}

static DBusMessage *no_memory(DBusMessage *msg)
{
	return dbus_message_new_error(msg, DBUS_ERROR_NO_MEMORY, "Out of memory");
}

/*
 * Finds iface.name at path. iface "" searches every interface there. On
 * failure returns the error reply to send.
 */
static DBusMessage *lookup_property(struct pn_bus *bus, DBusMessage *msg, const char *path,
	const char *iface, const char *name, struct export **e_out,
	const struct pn_property **p_out)
{
	bool iface_found = false;
	for (struct export *e = bus->exports; e; e = e->next) {
		if (e->dead || strcmp(e->path, path) != 0)
			continue;
		if (*iface && strcmp(e->iface->name, iface) != 0)
			continue;
		iface_found = true;
		const struct pn_property *p = find_property_in(e->iface, name);
		if (p) {
			*e_out = e;
			*p_out = p;
			return NULL;
		}
	}
	if (!iface_found)
		return pn_error_reply(msg, DBUS_ERROR_UNKNOWN_INTERFACE,
			"Object %s has no interface %s", path, iface);
	return pn_error_reply(msg, DBUS_ERROR_UNKNOWN_PROPERTY, "No property %s%s%s", iface,
		*iface ? "." : "", name);
}

static DBusMessage *property_get(struct pn_bus *bus, DBusMessage *msg, const char *path)
{
	const char *iface, *name;
	if (!dbus_message_get_args(msg, NULL, DBUS_TYPE_STRING, &iface, DBUS_TYPE_STRING, &name,
			DBUS_TYPE_INVALID))
		return NULL;
	struct export *e;
	const struct pn_property *prop;
	DBusMessage *error = lookup_property(bus, msg, path, iface, name, &e, &prop);
	if (error)
		return error;
	if (!prop->get)
		return pn_error_reply(msg, DBUS_ERROR_ACCESS_DENIED, "Property %s is write-only",
			name);
	DBusMessage *value = read_property(e, prop);
	if (!value)
		return pn_error_reply(msg, DBUS_ERROR_FAILED, "Property %s could not be read",
			name);
	DBusMessage *reply = dbus_message_new_method_return(msg);
	DBusMessageIter iter;
	if (reply) {
		dbus_message_iter_init_append(reply, &iter);
		if (!append_variant(&iter, prop->sig, value)) {
			dbus_message_unref(reply);
			reply = NULL;
		}
	}
	dbus_message_unref(value);
	return reply ? reply : no_memory(msg);
}

static DBusMessage *property_get_all(struct pn_bus *bus, DBusMessage *msg, const char *path)
{
	const char *iface;
	if (!dbus_message_get_args(msg, NULL, DBUS_TYPE_STRING, &iface, DBUS_TYPE_INVALID))
		return NULL;
	if (*iface && !find_export(bus, path, iface))
		return pn_error_reply(msg, DBUS_ERROR_UNKNOWN_INTERFACE,
			"Object %s has no interface %s", path, iface);

	DBusMessage *reply = dbus_message_new_method_return(msg);
	if (!reply)
		return no_memory(msg);
	DBusMessageIter iter, dict;
	dbus_message_iter_init_append(reply, &iter);
	if (!dbus_message_iter_open_container(&iter, DBUS_TYPE_ARRAY, "{sv}", &dict))
		goto oom;
	for (struct export *e = bus->exports; e; e = e->next) {
		if (e->dead || strcmp(e->path, path) != 0)
			continue;
		if (*iface && strcmp(e->iface->name, iface) != 0)
			continue;
		for (const struct pn_property *p = e->iface->properties; p && p->name; p++) {
			/* A property that cannot be read is left out, not the whole answer. */
			DBusMessage *value = read_property(e, p);
			if (!value)
				continue;
			bool ok = append_entry(&dict, p->name, p->sig, value);
			dbus_message_unref(value);
			if (!ok) {
				dbus_message_iter_abandon_container_if_open(&iter, &dict);
				goto oom;
			}
		}
	}
	if (!dbus_message_iter_close_container(&iter, &dict))
		goto oom;
	return reply;
oom:
	dbus_message_unref(reply);
	return no_memory(msg);
}

static DBusMessage *property_set(struct pn_bus *bus, DBusMessage *msg, const char *path)
{
	DBusMessageIter iter, variant;
	const char *iface, *name;
	dbus_message_iter_init(msg, &iter);
	dbus_message_iter_get_basic(&iter, &iface);
	dbus_message_iter_next(&iter);
	dbus_message_iter_get_basic(&iter, &name);
	dbus_message_iter_next(&iter);
	dbus_message_iter_recurse(&iter, &variant);

	struct export *e;
	const struct pn_property *prop;
	DBusMessage *error = lookup_property(bus, msg, path, iface, name, &e, &prop);
	if (error)
		return error;
	if (!prop->set)
		return pn_error_reply(msg, DBUS_ERROR_PROPERTY_READ_ONLY,
			"Property %s is read-only", name);
	char *got = dbus_message_iter_get_signature(&variant);
	if (!got)
		return no_memory(msg);
	if (strcmp(got, prop->sig) != 0) {
		error = pn_error_reply(msg, DBUS_ERROR_INVALID_ARGS,
			"Property %s has type '%s', got '%s'", name, prop->sig, got);
		dbus_free(got);
		return error;
	}
	dbus_free(got);
	error = prop->set(e->data, msg, &variant);
	if (error)
		return error;
	DBusMessage *reply = dbus_message_new_method_return(msg);
	return reply ? reply : no_memory(msg);
}

static const char *const properties_sigs[][2] = {
	{"Get", "ss"},
	{"GetAll", "s"},
	{"Set", "ssv"},
};

static DBusMessage *handle_properties(struct pn_bus *bus, DBusMessage *msg, const char *path,
	const char *member)
{
	for (size_t i = 0; i < PN_ARRAY_LEN(properties_sigs); i++) {
		if (strcmp(member, properties_sigs[i][0]) != 0)
			continue;
		const char *want = properties_sigs[i][1];
		if (!dbus_message_has_signature(msg, want))
			return pn_error_reply(msg, DBUS_ERROR_INVALID_ARGS,
				"Method %s expects arguments '%s', got '%s'", member, want,
				dbus_message_get_signature(msg));
		DBusMessage *reply = NULL;
		if (i == 0)
			reply = property_get(bus, msg, path);
		else if (i == 1)
			reply = property_get_all(bus, msg, path);
		else
			reply = property_set(bus, msg, path);
		return reply ? reply : no_memory(msg);
	}
	return pn_error_reply(msg, DBUS_ERROR_UNKNOWN_METHOD, "No method %s.%s",
		DBUS_INTERFACE_PROPERTIES, member);
}

/* ---- introspection ---- */

static const char standard_interfaces_xml[] =
	"  <interface name=\"org.freedesktop.DBus.Peer\">\n"
	"    <method name=\"Ping\"/>\n"
	"    <method name=\"GetMachineId\">\n"
	"      <arg type=\"s\" name=\"machine_uuid\" direction=\"out\"/>\n"
	"    </method>\n"
	"  </interface>\n"
	"  <interface name=\"org.freedesktop.DBus.Introspectable\">\n"
	"    <method name=\"Introspect\">\n"
	"      <arg type=\"s\" name=\"xml_data\" direction=\"out\"/>\n"
	"    </method>\n"
	"  </interface>\n"
	"  <interface name=\"org.freedesktop.DBus.Properties\">\n"
	"    <method name=\"Get\">\n"
	"      <arg type=\"s\" name=\"interface_name\" direction=\"in\"/>\n"
	"      <arg type=\"s\" name=\"property_name\" direction=\"in\"/>\n"
	"      <arg type=\"v\" name=\"value\" direction=\"out\"/>\n"
	"    </method>\n"
	"    <method name=\"GetAll\">\n"
	"      <arg type=\"s\" name=\"interface_name\" direction=\"in\"/>\n"
	"      <arg type=\"a{sv}\" name=\"properties\" direction=\"out\"/>\n"
	"    </method>\n"
	"    <method name=\"Set\">\n"
	"      <arg type=\"s\" name=\"interface_name\" direction=\"in\"/>\n"
	"      <arg type=\"s\" name=\"property_name\" direction=\"in\"/>\n"
	"      <arg type=\"v\" name=\"value\" direction=\"in\"/>\n"
	"    </method>\n"
	"    <signal name=\"PropertiesChanged\">\n"
	"      <arg type=\"s\" name=\"interface_name\"/>\n"
	"      <arg type=\"a{sv}\" name=\"changed_properties\"/>\n"
	"      <arg type=\"as\" name=\"invalidated_properties\"/>\n"
	"    </signal>\n"
	"  </interface>\n";

/* One <arg> per complete type of sig, named from the comma-separated names. */
static void introspect_args(FILE *f, const char *sig, const char *names, const char *direction)
{
	if (!sig || !*sig)
		return;
	DBusSignatureIter it;
	dbus_signature_iter_init(&it, sig);
	do {
		char *type = dbus_signature_iter_get_signature(&it);
		fprintf(f, "      <arg type=\"%s\"", type ? type : "");
		dbus_free(type);
		if (names) {
			names += strspn(names, " ");
			size_t len = strcspn(names, ",");
			if (len > 0)
				fprintf(f, " name=\"%.*s\"", (int)len, names);
			names = names[len] ? names + len + 1 : NULL;
		}
		if (direction)
			fprintf(f, " direction=\"%s\"", direction);
		fputs("/>\n", f);
	} while (dbus_signature_iter_next(&it));
}

static void introspect_interface(FILE *f, const struct pn_interface *iface)
{
	fprintf(f, "  <interface name=\"%s\">\n", iface->name);
	for (const struct pn_method *m = iface->methods; m && m->name; m++) {
		fprintf(f, "    <method name=\"%s\">\n", m->name);
		introspect_args(f, m->in_sig, m->in_names, "in");
		introspect_args(f, m->out_sig, m->out_names, "out");
		fputs("    </method>\n", f);
	}
	for (const struct pn_property *p = iface->properties; p && p->name; p++) {
		const char *access = p->get ? (p->set ? "readwrite" : "read") : "write";
		fprintf(f, "    <property name=\"%s\" type=\"%s\" access=\"%s\"/>\n", p->name,
			p->sig, access);
	}
	for (const struct pn_signal *s = iface->signals; s && s->name; s++) {
		fprintf(f, "    <signal name=\"%s\">\n", s->name);
		introspect_args(f, s->sig, s->names, NULL);
		fputs("    </signal>\n", f);
	}
	fputs("  </interface>\n", f);
}

static DBusMessage *introspect(struct pn_bus *bus, DBusMessage *msg, const char *path)
{
	if (!dbus_message_has_signature(msg, ""))
		return pn_error_reply(msg, DBUS_ERROR_INVALID_ARGS,
			"Introspect takes no arguments, got '%s'", dbus_message_get_signature(msg));
	char *xml = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&xml, &size);
	if (!f)
		return no_memory(msg);
	fputs(DBUS_INTROSPECT_1_0_XML_DOCTYPE_DECL_NODE "<node>\n", f);
	if (path_exported(bus, path)) {
		fputs(standard_interfaces_xml, f);
		for (struct export *e = bus->exports; e; e = e->next) {
			if (!e->dead && strcmp(e->path, path) == 0)
				introspect_interface(f, e->iface);
		}
	}
	for (struct export *e = bus->exports; e; e = e->next) {
		size_t len;
		const char *child = e->dead ? NULL : child_of(path, e->path, &len);
		if (!child)
			continue;
		/* Several exports may lie under one child: name it once. */
		bool seen = false;
		for (struct export *o = bus->exports; o != e && !seen; o = o->next) {
			size_t olen;
			const char *other = o->dead ? NULL : child_of(path, o->path, &olen);
			seen = other && olen == len && strncmp(other, child, len) == 0;
		}
		if (!seen)
			fprintf(f, "  <node name=\"%.*s\"/>\n", (int)len, child);
	}
	fputs("</node>\n", f);
	bool failed = ferror(f);
	if (fclose(f) != 0 || failed) {
		free(xml);
		return no_memory(msg);
	}
	DBusMessage *reply = dbus_message_new_method_return(msg);
	const char *text = xml;
	if (reply && !dbus_message_append_args(reply, DBUS_TYPE_STRING, &text, DBUS_TYPE_INVALID)) {
		dbus_message_unref(reply);
		reply = NULL;
	}
	free(xml);
	return reply ? reply : no_memory(msg);
}

static bool has_children(struct pn_bus *bus, const char *path)
{
	for (struct export *e = bus->exports; e; e = e->next) {
		size_t len;
		if (!e->dead && child_of(path, e->path, &len))
			return true;
	}
	return false;
}

/* ---- method dispatch ---- */

static DBusMessage *call_method(struct pn_bus *bus, DBusMessage *msg, const struct export *e,
	const struct pn_method *m)
{
	const char *want = m->in_sig ? m->in_sig : "";
	if (!dbus_message_has_signature(msg, want))
		return pn_error_reply(msg, DBUS_ERROR_INVALID_ARGS,
			"Method %s.%s expects arguments '%s', got '%s'", e->iface->name, m->name,
			want, dbus_message_get_signature(msg));
	return m->fn(e->data, bus, msg);
}

/* With pn_bus_only_own_user: the refusal for a caller of another user. */
static DBusMessage *refuse_stranger(struct pn_bus *bus, DBusMessage *msg)
{
	if (!bus->own_user_only)
		return NULL;
	long uid = pn_bus_sender_uid(bus, msg);
	if (uid == (long)getuid() || uid == 0)
		return NULL;
	/* A caller that left the bus already, or one the bus will not name. */
	if (uid < 0)
		return pn_error_reply(msg, DBUS_ERROR_ACCESS_DENIED, "cannot tell which user "
			"calls %s: refused", dbus_message_get_path(msg));
	return pn_error_reply(msg, DBUS_ERROR_ACCESS_DENIED, "only uid %ld and root may call %s",
		(long)getuid(), dbus_message_get_path(msg));
}

/*
 * Answers a method call for an exported path. *handled is false when the
 * path is not ours (libdbus then answers, or another handler does).
 */
static DBusMessage *dispatch_method(struct pn_bus *bus, DBusMessage *msg, bool *handled)
{
	const char *path = dbus_message_get_path(msg);
	const char *iface = dbus_message_get_interface(msg);
	const char *member = dbus_message_get_member(msg);
	*handled = false;
	if (!path || !member || dbus_message_get_type(msg) != DBUS_MESSAGE_TYPE_METHOD_CALL)
		return NULL;

	bool is_introspect = strcmp(member, "Introspect") == 0 &&
		(!iface || strcmp(iface, DBUS_INTERFACE_INTROSPECTABLE) == 0);
	if (!path_exported(bus, path)) {
		if (!is_introspect || !has_children(bus, path))
			return NULL;
		*handled = true;
		DBusMessage *refused = refuse_stranger(bus, msg);
		return refused ? refused : introspect(bus, msg, path);
	}
	*handled = true;
	DBusMessage *refused = refuse_stranger(bus, msg);
	if (refused)
		return refused;

	bool iface_found = false;
	for (struct export *e = bus->exports; e; e = e->next) {
		if (e->dead || strcmp(e->path, path) != 0)
			continue;
		if (iface && strcmp(e->iface->name, iface) != 0)
			continue;
		iface_found = true;
		for (const struct pn_method *m = e->iface->methods; m && m->name; m++) {
			if (strcmp(m->name, member) == 0)
				return call_method(bus, msg, e, m);
		}
	}

	if (is_introspect)
		return introspect(bus, msg, path);
	if (!iface || strcmp(iface, DBUS_INTERFACE_PROPERTIES) == 0) {
		bool props_member = false;
		for (size_t i = 0; i < PN_ARRAY_LEN(properties_sigs); i++)
			props_member |= strcmp(member, properties_sigs[i][0]) == 0;
		if (iface || props_member)
			return handle_properties(bus, msg, path, member);
	}
	/* libdbus answers Peer itself on a connection; this is for detached use. */
	if ((!iface || strcmp(iface, DBUS_INTERFACE_PEER) == 0) && strcmp(member, "Ping") == 0)
		return dbus_message_new_method_return(msg);
	if (iface && !iface_found && strcmp(iface, DBUS_INTERFACE_INTROSPECTABLE) != 0 &&
			strcmp(iface, DBUS_INTERFACE_PEER) != 0)
		return pn_error_reply(msg, DBUS_ERROR_UNKNOWN_INTERFACE,
			"Object %s has no interface %s", path, iface);
	return pn_error_reply(msg, DBUS_ERROR_UNKNOWN_METHOD, "No method %s%s%s with arguments '%s'",
		iface ? iface : "", iface ? "." : "", member, dbus_message_get_signature(msg));
}

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

static void deliver_signal(struct pn_bus *bus, DBusMessage *msg)
{
	if (dbus_message_is_signal(msg, DBUS_INTERFACE_DBUS, "NameOwnerChanged") &&
			dbus_message_has_sender(msg, DBUS_SERVICE_DBUS)) {
		const char *name, *old_owner, *new_owner;
		if (dbus_message_get_args(msg, NULL, DBUS_TYPE_STRING, &name, DBUS_TYPE_STRING,
				&old_owner, DBUS_TYPE_STRING, &new_owner, DBUS_TYPE_INVALID)) {
			/* Before the first answer, that answer is what counts. */
			for (struct pn_name_watch *w = bus->watches; w && !bus->closing; w = w->next) {
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

static void connection_lost(struct pn_bus *bus)
{
	if (bus->lost)
		return;
	bus->lost = true;
	/*
	 * libdbus forgets pending calls on disconnect without completing
	 * them: answer each one here, before the lost handler.
	 */
	DBusError error;
	dbus_error_init(&error);
	dbus_set_error_const(&error, DBUS_ERROR_DISCONNECTED, "Connection to the bus was lost");
	for (struct pn_pending *p = bus->pendings; p && !bus->closing; p = p->next) {
		if (p->dead)
			continue;
		p->dead = true;
		bus->has_dead = true;
		p->fn(p->data, NULL, &error);
	}
	if (bus->lost_fn && !bus->closing)
		bus->lost_fn(bus->lost_data, bus);
}

static DBusHandlerResult filter(DBusConnection *conn, DBusMessage *msg, void *data)
{
	struct pn_bus *bus = data;
	if (bus->closing)
		return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
	DBusHandlerResult result = DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
	enter(bus);
	int type = dbus_message_get_type(msg);
	if (type == DBUS_MESSAGE_TYPE_SIGNAL) {
		if (dbus_message_is_signal(msg, DBUS_INTERFACE_LOCAL, "Disconnected") &&
				dbus_message_has_path(msg, DBUS_PATH_LOCAL))
			connection_lost(bus);
		else
			deliver_signal(bus, msg);
	} else if (type == DBUS_MESSAGE_TYPE_METHOD_CALL) {
		bool handled;
		DBusMessage *reply = dispatch_method(bus, msg, &handled);
		if (reply) {
			if (!dbus_message_get_no_reply(msg) && !bus->closing)
				dbus_connection_send(conn, reply, NULL);
			dbus_message_unref(reply);
		}
		if (handled)
			result = DBUS_HANDLER_RESULT_HANDLED;
	}
	leave(bus);
	return result;
}

/* ---- connections ---- */

static struct pn_bus *bus_new(struct pn_loop *loop)
{
	struct pn_bus *bus = pn_xcalloc(1, sizeof(*bus));
	bus->loop = loop;
	return bus;
}

static struct pn_bus *bus_attach(struct pn_loop *loop, DBusConnection *conn, char *err,
	size_t errlen)
{
	struct pn_bus *bus = bus_new(loop);
	bus->conn = conn;
	bus->dispatch_timer = pn_loop_add_timer(loop, dispatch_ready, bus);
	if (!bus->dispatch_timer)
		goto fail;
	dbus_connection_set_exit_on_disconnect(conn, FALSE);
	if (!dbus_connection_add_filter(conn, filter, bus, NULL))
		goto fail;
	if (!dbus_connection_set_watch_functions(conn, add_watch, remove_watch, toggle_watch, bus,
			NULL))
		goto fail;
	if (!dbus_connection_set_timeout_functions(conn, add_timeout, remove_timeout,
			toggle_timeout, bus, NULL))
		goto fail;
	dbus_connection_set_dispatch_status_function(conn, dispatch_status_changed, bus, NULL);
	/* Messages may have arrived while connecting. */
	if (dbus_connection_get_dispatch_status(conn) == DBUS_DISPATCH_DATA_REMAINS)
		pn_timer_arm(bus->dispatch_timer, 0);
	return bus;
fail:
	set_err(err, errlen, "out of memory");
	bus_free(bus);
	return NULL;
}

struct pn_bus *pn_bus_open(struct pn_loop *loop, enum pn_bus_kind kind, char *err, size_t errlen)
{
	DBusError error;
	dbus_error_init(&error);
	DBusConnection *conn =
		dbus_bus_get_private(kind == PN_BUS_SYSTEM ? DBUS_BUS_SYSTEM : DBUS_BUS_SESSION,
			&error);
	if (!conn) {
		set_err(err, errlen, "%s bus: %s", kind == PN_BUS_SYSTEM ? "system" : "session",
			error.message ? error.message : "cannot connect");
		dbus_error_free(&error);
		return NULL;
	}
	/* dbus_bus_get_private would have a lost bus exit() the process. */
	dbus_connection_set_exit_on_disconnect(conn, FALSE);
	struct pn_bus *bus = bus_attach(loop, conn, err, errlen);
	if (bus && kind == PN_BUS_SESSION)
		pn_bus_only_own_user(bus);
	return bus;
}

struct pn_bus *pn_bus_open_address(struct pn_loop *loop, const char *address, char *err,
	size_t errlen)
{
	DBusError error;
	dbus_error_init(&error);
	DBusConnection *conn = dbus_connection_open_private(address, &error);
	if (conn && !dbus_bus_register(conn, &error)) {
		dbus_connection_close(conn);
		dbus_connection_unref(conn);
		conn = NULL;
	}
	if (!conn) {
		set_err(err, errlen, "bus %s: %s", address,
			error.message ? error.message : "cannot connect");
		dbus_error_free(&error);
		return NULL;
	}
	return bus_attach(loop, conn, err, errlen);
}

struct pn_bus *pn_bus_create_detached(void)
{
	return bus_new(NULL);
}

static void bus_free(struct pn_bus *bus)
{
	bus->closing = true;
	bus->depth = 0;
	for (struct pn_match *m = bus->matches; m; m = m->next)
		m->dead = true;
	for (struct pn_name_watch *w = bus->watches; w; w = w->next)
		w->dead = true;
	for (struct pn_pending *p = bus->pendings; p; p = p->next)
		p->dead = true;
	for (struct export *e = bus->exports; e; e = e->next)
		e->dead = true;
	bus->has_dead = true;
	reap(bus);

	DBusConnection *conn = bus->conn;
	if (conn) {
		dbus_connection_remove_filter(conn, filter, bus);
		dbus_connection_set_dispatch_status_function(conn, NULL, NULL, NULL);
		dbus_connection_close(conn);
		dbus_connection_set_watch_functions(conn, NULL, NULL, NULL, NULL, NULL);
		dbus_connection_set_timeout_functions(conn, NULL, NULL, NULL, NULL, NULL);
		dbus_connection_unref(conn);
	}
	pn_timer_remove(bus->dispatch_timer);
	for (size_t i = 0; i < UID_CACHE_SIZE; i++)
		free(bus->uids[i].sender);
	free(bus);
}

void pn_bus_close(struct pn_bus *bus)
{
	if (!bus || bus->closing)
		return;
	bus->closing = true;
	if (bus->depth == 0)
		bus_free(bus);
}

void pn_bus_set_lost_handler(struct pn_bus *bus, pn_bus_lost_fn fn, void *data)
{
	bus->lost_fn = fn;
	bus->lost_data = data;
}

DBusConnection *pn_bus_connection(struct pn_bus *bus)
{
	return bus->conn;
}

const char *pn_bus_unique_name(struct pn_bus *bus)
{
	return bus->conn ? dbus_bus_get_unique_name(bus->conn) : NULL;
}

static bool connected(struct pn_bus *bus)
{
	return bus->conn && !bus->closing && dbus_connection_get_is_connected(bus->conn);
}

int pn_bus_request_name(struct pn_bus *bus, const char *name, char *err, size_t errlen)
{
	if (!connected(bus)) {
		set_err(err, errlen, "%s: not connected to a bus", name);
		return -ENOTCONN;
	}
	if (!dbus_validate_bus_name(name, NULL) || name[0] == ':') {
		set_err(err, errlen, "%s: not a valid bus name", name);
		return -EINVAL;
	}
	DBusError error;
	dbus_error_init(&error);
	int r = dbus_bus_request_name(bus->conn, name, DBUS_NAME_FLAG_DO_NOT_QUEUE, &error);
	if (r < 0) {
		set_err(err, errlen, "%s: %s", name, error.message);
		dbus_error_free(&error);
		return -EIO;
	}
	if (r == DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER || r == DBUS_REQUEST_NAME_REPLY_ALREADY_OWNER)
		return 0;
	set_err(err, errlen, "%s: owned by another connection", name);
	return -EEXIST;
}

/* ---- exporting ---- */

static bool valid_sig(const char *sig)
{
	return !sig || dbus_signature_validate(sig, NULL);
}

static bool valid_interface(const struct pn_interface *iface)
{
	if (!iface || !iface->name || !dbus_validate_interface(iface->name, NULL))
		return false;
	for (const struct pn_method *m = iface->methods; m && m->name; m++) {
		if (!dbus_validate_member(m->name, NULL) || !valid_sig(m->in_sig) ||
				!valid_sig(m->out_sig) || !m->fn)
			return false;
	}
	for (const struct pn_property *p = iface->properties; p && p->name; p++) {
		if (!dbus_validate_member(p->name, NULL) || !p->sig ||
				!dbus_signature_validate_single(p->sig, NULL))
			return false;
	}
	for (const struct pn_signal *s = iface->signals; s && s->name; s++) {
		if (!dbus_validate_member(s->name, NULL) || !valid_sig(s->sig))
			return false;
	}
	return true;
}

int pn_bus_export(struct pn_bus *bus, const char *path, const struct pn_interface *iface,
	void *data)
{
	if (!path || !dbus_validate_path(path, NULL) || !valid_interface(iface))
		return -EINVAL;
	if (find_export(bus, path, iface->name))
		return -EEXIST;
	struct export *e = pn_xcalloc(1, sizeof(*e));
	e->path = pn_xstrdup(path);
	e->iface = iface;
	e->data = data;
	e->next = bus->exports;
	bus->exports = e;
	return 0;
}

void pn_bus_unexport(struct pn_bus *bus, const char *path)
{
	for (struct export *e = bus->exports; e; e = e->next) {
		if (!e->dead && strcmp(e->path, path) == 0) {
			e->dead = true;
			bus->has_dead = true;
		}
	}
	reap(bus);
}

DBusMessage *pn_bus_dispatch_message_for_test(struct pn_bus *bus, DBusMessage *msg)
{
	/* Replies need the call's serial; every received message has one. */
	if (dbus_message_get_serial(msg) == 0)
		return NULL;
	bool handled;
	enter(bus);
	DBusMessage *reply = dispatch_method(bus, msg, &handled);
	leave(bus);
	return reply;
}

int pn_bus_send(struct pn_bus *bus, DBusMessage *msg)
{
	if (!connected(bus))
		return -ENOTCONN;
	return dbus_connection_send(bus->conn, msg, NULL) ? 0 : -ENOMEM;
}

int pn_bus_emit_properties_changed(struct pn_bus *bus, const char *path, const char *iface,
	const char *const *names)
{
	struct export *e = find_export(bus, path, iface);
	if (!e)
		return -ENOENT;
	DBusMessage *signal = dbus_message_new_signal(path, DBUS_INTERFACE_PROPERTIES,
		"PropertiesChanged");
	if (!signal)
		return -ENOMEM;
	DBusMessageIter iter, dict, invalid;
	dbus_message_iter_init_append(signal, &iter);
	int r = -ENOMEM;
	if (!dbus_message_iter_append_basic(&iter, DBUS_TYPE_STRING, &iface) ||
			!dbus_message_iter_open_container(&iter, DBUS_TYPE_ARRAY, "{sv}", &dict))
		goto out;
	/* A property whose value cannot be read now is sent as invalidated. */
	const char *unreadable[64];
	size_t n_unreadable = 0;
	for (size_t i = 0; names && names[i]; i++) {
		const struct pn_property *prop = find_property_in(e->iface, names[i]);
		if (!prop) {
			dbus_message_iter_abandon_container_if_open(&iter, &dict);
			r = -EINVAL;
			goto out;
		}
		DBusMessage *value = read_property(e, prop);
		if (!value) {
			if (n_unreadable < PN_ARRAY_LEN(unreadable))
				unreadable[n_unreadable++] = prop->name;
			continue;
		}
		bool ok = append_entry(&dict, prop->name, prop->sig, value);
		dbus_message_unref(value);
		if (!ok) {
			dbus_message_iter_abandon_container_if_open(&iter, &dict);
			goto out;
		}
	}
	if (!dbus_message_iter_close_container(&iter, &dict) ||
			!dbus_message_iter_open_container(&iter, DBUS_TYPE_ARRAY, "s", &invalid))
		goto out;
	for (size_t i = 0; i < n_unreadable; i++) {
		if (!dbus_message_iter_append_basic(&invalid, DBUS_TYPE_STRING, &unreadable[i])) {
			dbus_message_iter_abandon_container_if_open(&iter, &invalid);
			goto out;
		}
	}
	if (!dbus_message_iter_close_container(&iter, &invalid))
		goto out;
	r = pn_bus_send(bus, signal);
out:
	dbus_message_unref(signal);
	return r;
}

int pn_bus_emit_signal(struct pn_bus *bus, const char *path, const char *iface, const char *name,
	int first_type, ...)
{
	if (!dbus_validate_path(path, NULL) || !dbus_validate_interface(iface, NULL) ||
			!dbus_validate_member(name, NULL))
		return -EINVAL;
	DBusMessage *signal = dbus_message_new_signal(path, iface, name);
	if (!signal)
		return -ENOMEM;
	va_list ap;
	va_start(ap, first_type);
	bool ok = dbus_message_append_args_valist(signal, first_type, ap);
	va_end(ap);
	int r = ok ? pn_bus_send(bus, signal) : -EINVAL;
	dbus_message_unref(signal);
	return r;
}

void pn_bus_only_own_user(struct pn_bus *bus)
{
	bus->own_user_only = true;
}

long pn_bus_sender_uid(struct pn_bus *bus, DBusMessage *msg)
{
	const char *sender = dbus_message_get_sender(msg);
	if (!sender || !connected(bus))
		return -1;
	for (size_t i = 0; i < UID_CACHE_SIZE; i++) {
		if (bus->uids[i].sender && strcmp(bus->uids[i].sender, sender) == 0)
			return bus->uids[i].uid;
	}
	DBusError error;
	dbus_error_init(&error);
	unsigned long uid = dbus_bus_get_unix_user(bus->conn, sender, &error);
	if (dbus_error_is_set(&error)) {
		pn_debug("D-Bus: uid of %s: %s", sender, error.message);
		dbus_error_free(&error);
		return -1;
	}
	/* Only unique names: a well-known name can change hands. */
	if (sender[0] == ':') {
		struct uid_entry *slot = &bus->uids[bus->uid_next];
		bus->uid_next = (bus->uid_next + 1) % UID_CACHE_SIZE;
		free(slot->sender);
		slot->sender = pn_xstrdup(sender);
		slot->uid = (long)uid;
	}
	return (long)uid;
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
	enter(bus);
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
	leave(bus);
}

int pn_bus_call(struct pn_bus *bus, DBusMessage *msg, int timeout_ms, pn_reply_fn fn,
	void *data, struct pn_pending **out)
{
	if (out)
		*out = NULL;
	if (!connected(bus))
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
	*p = (struct pn_pending){.next = bus->pendings, .bus = bus, .call = call, .fn = fn,
		.data = data};
	if (!dbus_pending_call_set_notify(call, pending_done, p, NULL)) {
		pending_free(p);
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
	reap(pending->bus);
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

int pn_bus_get_property(struct pn_bus *bus, const char *dest, const char *path,
	const char *iface, const char *prop, pn_reply_fn fn, void *data,
	struct pn_pending **out)
{
	return pn_bus_call_method(bus, dest, path, DBUS_INTERFACE_PROPERTIES, "Get", fn, data,
		out, DBUS_TYPE_STRING, &iface, DBUS_TYPE_STRING, &prop, DBUS_TYPE_INVALID);
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
	DBusMessage *msg =
		dbus_message_new_method_call(dest, path, DBUS_INTERFACE_PROPERTIES, "Set");
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

bool pn_properties_changed_foreach(DBusMessage *msg, const char **iface, pn_prop_fn fn,
	void *data)
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

static char *build_rule(const char *sender, const char *path, const char *iface,
	const char *member, const char *arg0)
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
	if (reply && !dbus_message_get_args(reply, NULL, DBUS_TYPE_STRING, &owner,
			DBUS_TYPE_INVALID))
		owner = NULL;
	report_owner(w, owner);
}

struct pn_name_watch *pn_bus_watch_name(struct pn_bus *bus, const char *name, pn_owner_fn fn,
	void *data)
{
	if (!connected(bus) || !name || !dbus_validate_bus_name(name, NULL))
		return NULL;
	struct pn_name_watch *w = pn_xcalloc(1, sizeof(*w));
	*w = (struct pn_name_watch){.bus = bus, .name = pn_xstrdup(name), .fn = fn, .data = data};
	w->rule = build_rule(DBUS_SERVICE_DBUS, DBUS_PATH_DBUS, DBUS_INTERFACE_DBUS,
		"NameOwnerChanged", name);
	if (!w->rule) {
		name_watch_free(w);
		return NULL;
	}
	/* The rule goes first, so no change after GetNameOwner's answer is missed. */
	dbus_bus_add_match(bus->conn, w->rule, NULL);
	if (pn_bus_call_method(bus, DBUS_SERVICE_DBUS, DBUS_PATH_DBUS, DBUS_INTERFACE_DBUS,
			"GetNameOwner", name_watch_initial, w, &w->initial, DBUS_TYPE_STRING,
			&name, DBUS_TYPE_INVALID) < 0) {
		dbus_bus_remove_match(bus->conn, w->rule, NULL);
		name_watch_free(w);
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
	name_watch_release(watch);
	watch->dead = true;
	watch->bus->has_dead = true;
	reap(watch->bus);
}

static char *dup_or_null(const char *s)
{
	return s ? pn_xstrdup(s) : NULL;
}

struct pn_match *pn_bus_subscribe(struct pn_bus *bus, const char *sender, const char *path,
	const char *iface, const char *member, pn_signal_fn_msg fn, void *data)
{
	if (!connected(bus) || !fn)
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
	*m = (struct pn_match){.bus = bus, .sender = dup_or_null(sender), .path = dup_or_null(path),
		.iface = dup_or_null(iface), .member = dup_or_null(member), .rule = rule, .fn = fn,
		.data = data};
	if (sender && sender[0] != ':' && strcmp(sender, DBUS_SERVICE_DBUS) != 0) {
		m->sender_owner = pn_bus_watch_name(bus, sender, NULL, NULL);
		if (!m->sender_owner) {
			match_free(m);
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
	match_release(match);
	match->dead = true;
	match->bus->has_dead = true;
	reap(match->bus);
}
