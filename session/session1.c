#include "session1.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "panther/bus-names.h"
#include "panther/log.h"
#include "panther/util.h"

struct session_object {
	struct pn_bus *bus;
	struct session_ops ops;
	void *data;
};

static DBusMessage *list_services(void *data, struct pn_bus *bus, DBusMessage *msg)
{
	struct session_object *o = data;
	struct supervisor *sup = o->ops.supervisor(o->data);
	DBusMessage *reply = dbus_message_new_method_return(msg);
	DBusMessageIter iter, array, entry;
	if (!reply)
		return NULL;
	dbus_message_iter_init_append(reply, &iter);
	bool ok = dbus_message_iter_open_container(&iter, DBUS_TYPE_ARRAY, "(ssuu)", &array);
	struct service_info info;
	for (size_t i = 0; ok && sup && supervisor_info(sup, i, &info); i++) {
		const char *state = service_state_name(info.state);
		dbus_uint32_t pid = (dbus_uint32_t)info.pid, restarts = info.restarts;
		ok = dbus_message_iter_open_container(&array, DBUS_TYPE_STRUCT, NULL, &entry) &&
			dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &info.name) &&
			dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &state) &&
			dbus_message_iter_append_basic(&entry, DBUS_TYPE_UINT32, &pid) &&
			dbus_message_iter_append_basic(&entry, DBUS_TYPE_UINT32, &restarts) &&
			dbus_message_iter_close_container(&array, &entry);
	}
	if (!ok || !dbus_message_iter_close_container(&iter, &array)) {
		dbus_message_unref(reply);
		return pn_error_reply(msg, DBUS_ERROR_NO_MEMORY, "out of memory");
	}
	return reply;
}

static DBusMessage *restart(void *data, struct pn_bus *bus, DBusMessage *msg)
{
	struct session_object *o = data;
	const char *name = NULL;
	if (!dbus_message_get_args(msg, NULL, DBUS_TYPE_STRING, &name, DBUS_TYPE_INVALID))
		return pn_error_reply(msg, DBUS_ERROR_INVALID_ARGS, "expected a service name");
	if (o->ops.stopping(o->data))
		return pn_error_reply(msg, PN_SESSION1_ERROR_STOPPING, "the session is stopping");
	struct supervisor *sup = o->ops.supervisor(o->data);
	if (!sup) {
		if (strcmp(o->ops.mode(o->data), "systemd") == 0)
			return pn_error_reply(msg, PN_SESSION1_ERROR_NOT_SUPPORTED,
				"systemd mode: restart the unit with systemctl --user restart");
		return pn_error_reply(msg, PN_SESSION1_ERROR_NOT_SUPPORTED,
			"the session has not started yet");
	}
	int r = supervisor_restart(sup, name);
	if (r == -ENOENT)
		return pn_error_reply(msg, PN_SESSION1_ERROR_UNKNOWN_SERVICE,
			"no service named \"%s\"", name);
	if (r < 0)
		return pn_error_reply(msg, PN_SESSION1_ERROR_STOPPING, "the session is stopping");
	return dbus_message_new_method_return(msg);
}

static DBusMessage *stop(void *data, struct pn_bus *bus, DBusMessage *msg)
{
	struct session_object *o = data;
	pn_info("stop requested over D-Bus");
	DBusMessage *reply = dbus_message_new_method_return(msg);
	o->ops.stop(o->data);
	return reply;
}

static bool get_mode(void *data, DBusMessageIter *iter)
{
	struct session_object *o = data;
	const char *mode = o->ops.mode(o->data);
	return dbus_message_iter_append_basic(iter, DBUS_TYPE_STRING, &mode);
}

static const struct pn_method methods[] = {
	{"ListServices", "", "", "a(ssuu)", "services", list_services},
	{"Restart", "s", "name", "", "", restart},
	{"Stop", "", "", "", "", stop},
	{NULL},
};

static const struct pn_property properties[] = {
	{"Mode", "s", get_mode, NULL},
	{NULL},
};

static const struct pn_interface session_interface = {
	.name = PN_SESSION1_IFACE,
	.methods = methods,
	.properties = properties,
};

struct session_object *session1_export(struct pn_bus *bus, const struct session_ops *ops,
	void *data, int *error)
{
	struct session_object *o = pn_xcalloc(1, sizeof(*o));
	*o = (struct session_object){.bus = bus, .ops = *ops, .data = data};
	int r = pn_bus_export(bus, PN_SESSION1_PATH, &session_interface, o);
	if (r < 0) {
		free(o);
		*error = r;
		return NULL;
	}
	return o;
}

void session1_destroy(struct session_object *o)
{
	if (!o)
		return;
	pn_bus_unexport(o->bus, PN_SESSION1_PATH);
	free(o);
}
