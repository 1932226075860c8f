/* Exported objects: properties, method dispatch, the signals we emit. */

#include "bus.h"
#include "panther/log.h"
#include "panther/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
			int elem = type == DBUS_TYPE_ARRAY
				? dbus_message_iter_get_element_type(from)
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

struct export *bus_next_export(struct export *e, const char *path, const char *iface)
{
	for (; e; e = e->next) {
		if (!e->dead && strcmp(e->path, path) == 0 &&
			(!iface || !*iface || strcmp(e->iface->name, iface) == 0))
			return e;
	}
	return NULL;
}

bool bus_path_exported(struct pn_bus *bus, const char *path)
{
	return bus_next_export(bus->exports, path, NULL) != NULL;
}

static struct export *find_export(struct pn_bus *bus, const char *path, const char *iface)
{
	return bus_next_export(bus->exports, path, iface);
}

/* The child of parent that path lies under ("a" for /x/a/b under /x), or NULL. */
const char *bus_child_of(const char *parent, const char *path, size_t *len)
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
	DBusMessage *reply = dbus_message_new_error(call, name, clean);
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
		pn_err("D-Bus property %s.%s: getter appended '%s', declared '%s'", e->iface->name,
			prop->name, got, prop->sig);
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

DBusMessage *bus_no_memory(DBusMessage *msg)
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
	for (struct export *e = find_export(bus, path, iface); e;
		e = bus_next_export(e->next, path, iface)) {
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
	return reply ? reply : bus_no_memory(msg);
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
		return bus_no_memory(msg);
	DBusMessageIter iter, dict;
	dbus_message_iter_init_append(reply, &iter);
	if (!dbus_message_iter_open_container(&iter, DBUS_TYPE_ARRAY, "{sv}", &dict))
		goto oom;
	for (struct export *e = find_export(bus, path, iface); e;
		e = bus_next_export(e->next, path, iface)) {
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
	return bus_no_memory(msg);
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
		return bus_no_memory(msg);
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
	return reply ? reply : bus_no_memory(msg);
}

/* org.freedesktop.DBus.Properties, which every exported object has. */
static const struct properties_method {
	const char *name;
	const char *in_sig;
	DBusMessage *(*fn)(struct pn_bus *bus, DBusMessage *msg, const char *path);
} properties_methods[] = {
	{"Get", "ss", property_get},
	{"GetAll", "s", property_get_all},
	{"Set", "ssv", property_set},
};

static const struct properties_method *find_properties_method(const char *member)
{
	for (size_t i = 0; i < PN_ARRAY_LEN(properties_methods); i++) {
		if (strcmp(member, properties_methods[i].name) == 0)
			return &properties_methods[i];
	}
	return NULL;
}

static DBusMessage *handle_properties(struct pn_bus *bus, DBusMessage *msg, const char *path,
	const char *member)
{
	const struct properties_method *m = find_properties_method(member);
	if (!m)
		return pn_error_reply(msg, DBUS_ERROR_UNKNOWN_METHOD, "No method %s.%s",
			DBUS_INTERFACE_PROPERTIES, member);
	if (!dbus_message_has_signature(msg, m->in_sig))
		return pn_error_reply(msg, DBUS_ERROR_INVALID_ARGS,
			"Method %s expects arguments '%s', got '%s'", member, m->in_sig,
			dbus_message_get_signature(msg));
	DBusMessage *reply = m->fn(bus, msg, path);
	return reply ? reply : bus_no_memory(msg);
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

/*
 * Answers a method call for an exported path. *handled is false when the
 * path is not ours (libdbus then answers, or another handler does).
 */
DBusMessage *bus_dispatch_method(struct pn_bus *bus, DBusMessage *msg, bool *handled)
{
	const char *path = dbus_message_get_path(msg);
	const char *iface = dbus_message_get_interface(msg);
	const char *member = dbus_message_get_member(msg);
	*handled = false;
	if (!path || !member || dbus_message_get_type(msg) != DBUS_MESSAGE_TYPE_METHOD_CALL)
		return NULL;

	bool is_introspect = strcmp(member, "Introspect") == 0 &&
		(!iface || strcmp(iface, DBUS_INTERFACE_INTROSPECTABLE) == 0);
	if (!bus_path_exported(bus, path)) {
		if (!is_introspect || !bus_has_children(bus, path))
			return NULL;
		*handled = true;
		DBusMessage *refused = bus_refuse_stranger(bus, msg);
		return refused ? refused : bus_introspect(bus, msg, path);
	}
	*handled = true;
	DBusMessage *refused = bus_refuse_stranger(bus, msg);
	if (refused)
		return refused;

	bool iface_found = false;
	for (struct export *e = find_export(bus, path, iface); e;
		e = bus_next_export(e->next, path, iface)) {
		iface_found = true;
		for (const struct pn_method *m = e->iface->methods; m && m->name; m++) {
			if (strcmp(m->name, member) == 0)
				return call_method(bus, msg, e, m);
		}
	}

	if (is_introspect)
		return bus_introspect(bus, msg, path);
	if (!iface || strcmp(iface, DBUS_INTERFACE_PROPERTIES) == 0) {
		if (iface || find_properties_method(member))
			return handle_properties(bus, msg, path, member);
	}
	/* libdbus answers Peer itself on a connection; this is for detached use. */
	if ((!iface || strcmp(iface, DBUS_INTERFACE_PEER) == 0) && strcmp(member, "Ping") == 0)
		return dbus_message_new_method_return(msg);
	if (iface && !iface_found && strcmp(iface, DBUS_INTERFACE_INTROSPECTABLE) != 0 &&
		strcmp(iface, DBUS_INTERFACE_PEER) != 0)
		return pn_error_reply(msg, DBUS_ERROR_UNKNOWN_INTERFACE,
			"Object %s has no interface %s", path, iface);
	return pn_error_reply(msg, DBUS_ERROR_UNKNOWN_METHOD,
		"No method %s%s%s with arguments '%s'", iface ? iface : "", iface ? "." : "",
		member, dbus_message_get_signature(msg));
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
	for (struct export *e = find_export(bus, path, NULL); e;
		e = bus_next_export(e->next, path, NULL)) {
		e->dead = true;
		bus->has_dead = true;
	}
	bus_reap(bus);
}

int pn_bus_send(struct pn_bus *bus, DBusMessage *msg)
{
	if (!bus_connected(bus))
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
