/*
 * Feeds a marshalled D-Bus message to the export dispatcher of a bus with no
 * connection: signature checks, Properties Get/GetAll/Set with any variant,
 * introspection. Every reply must itself be a valid message. The decoding
 * helpers daemons use on signals and replies get the same message.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "panther/dbus.h"

#define FUZZ_PATH "/org/pantheros/Fuzz1"

struct fuzz_state {
	char name[64];
	uint32_t count;
	int32_t pair[2];
};

/* Reads every value so the setter sees all of what it was given. */
static void walk(DBusMessageIter *iter, int depth)
{
	if (depth > 64)
		__builtin_trap(); /* libdbus validation bounds nesting well below this */
	int type;
	for (; (type = dbus_message_iter_get_arg_type(iter)) != DBUS_TYPE_INVALID;
		dbus_message_iter_next(iter)) {
		if (dbus_type_is_basic(type)) {
			DBusBasicValue value;
			dbus_message_iter_get_basic(iter, &value);
			if (type == DBUS_TYPE_UNIX_FD && value.fd >= 0)
				close(value.fd);
			continue;
		}
		DBusMessageIter sub;
		dbus_message_iter_recurse(iter, &sub);
		walk(&sub, depth + 1);
	}
}

static DBusMessage *method_ok(void *data, struct pn_bus *bus, DBusMessage *msg)
{
	DBusMessageIter iter;
	if (dbus_message_iter_init(msg, &iter))
		walk(&iter, 0);
	return dbus_message_new_method_return(msg);
}

static DBusMessage *method_later(void *data, struct pn_bus *bus, DBusMessage *msg)
{
	return NULL;
}

static bool get_name(void *data, DBusMessageIter *iter)
{
	struct fuzz_state *s = data;
	const char *name = s->name;
	return dbus_message_iter_append_basic(iter, DBUS_TYPE_STRING, &name);
}

static DBusMessage *set_name(void *data, DBusMessage *msg, DBusMessageIter *iter)
{
	struct fuzz_state *s = data;
	const char *name;
	if (dbus_message_iter_get_arg_type(iter) != DBUS_TYPE_STRING)
		__builtin_trap(); /* the dispatcher checked the type */
	dbus_message_iter_get_basic(iter, &name);
	strncpy(s->name, name, sizeof(s->name) - 1);
	return NULL;
}

static bool get_count(void *data, DBusMessageIter *iter)
{
	struct fuzz_state *s = data;
	return dbus_message_iter_append_basic(iter, DBUS_TYPE_UINT32, &s->count);
}

static bool get_pair(void *data, DBusMessageIter *iter)
{
	struct fuzz_state *s = data;
	DBusMessageIter st;
	return dbus_message_iter_open_container(iter, DBUS_TYPE_STRUCT, NULL, &st) &&
		dbus_message_iter_append_basic(&st, DBUS_TYPE_INT32, &s->pair[0]) &&
		dbus_message_iter_append_basic(&st, DBUS_TYPE_INT32, &s->pair[1]) &&
		dbus_message_iter_close_container(iter, &st);
}

static DBusMessage *set_pair(void *data, DBusMessage *msg, DBusMessageIter *iter)
{
	struct fuzz_state *s = data;
	DBusMessageIter st;
	if (dbus_message_iter_get_arg_type(iter) != DBUS_TYPE_STRUCT)
		__builtin_trap();
	dbus_message_iter_recurse(iter, &st);
	dbus_message_iter_get_basic(&st, &s->pair[0]);
	dbus_message_iter_next(&st);
	dbus_message_iter_get_basic(&st, &s->pair[1]);
	return NULL;
}

static DBusMessage *set_any(void *data, DBusMessage *msg, DBusMessageIter *iter)
{
	walk(iter, 0);
	return dbus_message_new_error(msg, DBUS_ERROR_NOT_SUPPORTED, "refused");
}

static bool get_empty_dict(void *data, DBusMessageIter *iter)
{
	DBusMessageIter dict;
	return dbus_message_iter_open_container(iter, DBUS_TYPE_ARRAY, "{sv}", &dict) &&
		dbus_message_iter_close_container(iter, &dict);
}

static const struct pn_method fuzz_methods[] = {
	{"None", "", NULL, "", NULL, method_ok},
	{"Pair", "ii", "a,b", "", NULL, method_ok},
	{"Dict", "a{sv}", "options", "", NULL, method_ok},
	{"Nested", "a(sa{sv})v", "items,extra", "", NULL, method_ok},
	{"Later", "s", "text", "s", "text", method_later},
	{NULL},
};

static const struct pn_property fuzz_properties[] = {
	{"Name", "s", get_name, set_name},
	{"Count", "u", get_count, NULL},
	{"Pair", "(ii)", get_pair, set_pair},
	{"Options", "a{sv}", get_empty_dict, set_any},
	{"Anything", "v", NULL, set_any},
	{NULL},
};

static const struct pn_signal fuzz_signals[] = {
	{"Changed", "sa{sv}", "what,details"},
	{NULL},
};

static const struct pn_interface fuzz_iface = {
	"org.pantheros.Fuzz1",
	fuzz_methods,
	fuzz_properties,
	fuzz_signals,
};

static void ignore_property(void *data, const char *name, DBusMessageIter *value)
{
	if (value)
		walk(value, 0);
}

/* A reply we built must survive a round trip through the wire format. */
static void check_reply(DBusMessage *reply)
{
	char *bytes = NULL;
	int len = 0;
	dbus_message_set_serial(reply, 1);
	if (!dbus_message_marshal(reply, &bytes, &len))
		return; /* out of memory */
	DBusError error;
	dbus_error_init(&error);
	DBusMessage *again = dbus_message_demarshal(bytes, len, &error);
	free(bytes);
	if (!again)
		__builtin_trap();
	dbus_message_unref(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pn_bus *bus;
	static struct fuzz_state state;
	if (!bus) {
		bus = pn_bus_create_detached();
		if (pn_bus_export(bus, FUZZ_PATH, &fuzz_iface, &state) != 0 ||
			pn_bus_export(bus, FUZZ_PATH "/Child", &fuzz_iface, &state) != 0)
			__builtin_trap();
	}
	if (size > (1 << 20))
		return 0;

	DBusError error;
	dbus_error_init(&error);
	DBusMessage *msg = dbus_message_demarshal((const char *)data, (int)size, &error);
	if (!msg) {
		dbus_error_free(&error);
		return 0;
	}

	DBusMessage *reply = pn_bus_dispatch_message_for_test(bus, msg);
	if (reply) {
		check_reply(reply);
		dbus_message_unref(reply);
	}

	pn_properties_changed_foreach(msg, NULL, ignore_property, NULL);
	pn_reply_foreach_property(msg, ignore_property, NULL);
	DBusMessageIter value;
	if (pn_reply_variant(msg, &value))
		walk(&value, 0);

	dbus_message_unref(msg);
	return 0;
}
