#include <dbus/dbus.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "panther/bus-names.h"

static const char session_usage[] = "session status [--json] | restart NAME | stop";

/* One blocking call to panther-session; NULL after printing why it failed. */
static DBusMessage *call(DBusConnection *conn, DBusMessage *msg, const char *what)
{
	DBusError err;
	dbus_error_init(&err);
	dbus_message_set_auto_start(msg, FALSE);
	DBusMessage *reply = dbus_connection_send_with_reply_and_block(conn, msg, 10000, &err);
	dbus_message_unref(msg);
	if (reply)
		return reply;
	if (dbus_error_has_name(&err, DBUS_ERROR_SERVICE_UNKNOWN) ||
		dbus_error_has_name(&err, DBUS_ERROR_NAME_HAS_NO_OWNER))
		ctl_error("panther-session is not running (no %s on the session bus)",
			PN_SESSION1_NAME);
	else
		ctl_error("session %s: %s", what, ctl_bus_error(&err));
	dbus_error_free(&err);
	return NULL;
}

static DBusMessage *new_call(const char *iface, const char *method)
{
	return dbus_message_new_method_call(PN_SESSION1_NAME, PN_SESSION1_PATH, iface, method);
}

/* The Mode property, or "unknown". The returned string lives in reply. */
static const char *read_mode(DBusConnection *conn, DBusMessage **reply)
{
	const char *iface = PN_SESSION1_IFACE, *prop = "Mode";
	DBusMessage *msg = new_call(DBUS_INTERFACE_PROPERTIES, "Get");
	*reply = NULL;
	if (!msg ||
		!dbus_message_append_args(msg, DBUS_TYPE_STRING, &iface, DBUS_TYPE_STRING, &prop,
			DBUS_TYPE_INVALID))
		return "unknown";
	DBusError err;
	dbus_error_init(&err);
	dbus_message_set_auto_start(msg, FALSE);
	*reply = dbus_connection_send_with_reply_and_block(conn, msg, 10000, &err);
	dbus_message_unref(msg);
	dbus_error_free(&err);
	DBusMessageIter iter, variant;
	if (!*reply || !dbus_message_iter_init(*reply, &iter) ||
		dbus_message_iter_get_arg_type(&iter) != DBUS_TYPE_VARIANT)
		return "unknown";
	dbus_message_iter_recurse(&iter, &variant);
	if (dbus_message_iter_get_arg_type(&variant) != DBUS_TYPE_STRING)
		return "unknown";
	const char *mode;
	dbus_message_iter_get_basic(&variant, &mode);
	return mode;
}

static int status(struct ctl *ctl, DBusConnection *conn)
{
	DBusMessage *msg = new_call(PN_SESSION1_IFACE, "ListServices");
	DBusMessage *reply = msg ? call(conn, msg, "status") : NULL;
	if (!reply)
		return CTL_FAILED;
	DBusMessage *mode_reply;
	const char *mode = read_mode(conn, &mode_reply);

	DBusMessageIter iter, array;
	char *sig = dbus_message_iter_init(reply, &iter) ? dbus_message_iter_get_signature(&iter)
							 : NULL;
	bool sig_ok = sig && strcmp(sig, "a(ssuu)") == 0;
	dbus_free(sig);
	if (!sig_ok) {
		ctl_error("session status: unexpected reply from panther-session");
		dbus_message_unref(reply);
		if (mode_reply)
			dbus_message_unref(mode_reply);
		return CTL_FAILED;
	}
	struct json_object *services = json_object_new_array();
	dbus_message_iter_recurse(&iter, &array);
	while (dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_STRUCT) {
		DBusMessageIter entry;
		const char *name, *state;
		dbus_uint32_t pid, restarts;
		dbus_message_iter_recurse(&array, &entry);
		dbus_message_iter_get_basic(&entry, &name);
		dbus_message_iter_next(&entry);
		dbus_message_iter_get_basic(&entry, &state);
		dbus_message_iter_next(&entry);
		dbus_message_iter_get_basic(&entry, &pid);
		dbus_message_iter_next(&entry);
		dbus_message_iter_get_basic(&entry, &restarts);
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(name));
		json_object_object_add(o, "state", json_object_new_string(state));
		json_object_object_add(o, "pid", pid ? json_object_new_int64(pid) : NULL);
		json_object_object_add(o, "restarts", json_object_new_int64(restarts));
		json_object_array_add(services, o);
		dbus_message_iter_next(&array);
	}

	if (ctl->json) {
		struct json_object *root = json_object_new_object();
		json_object_object_add(root, "mode", json_object_new_string(mode));
		json_object_object_add(root, "services", json_object_get(services));
		puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
		json_object_put(root);
	} else {
		printf("mode: %s\n", mode);
		size_t n = json_object_array_length(services);
		if (n > 0)
			printf("%-20s %-10s %8s %8s\n", "SERVICE", "STATE", "PID", "RESTARTS");
		for (size_t i = 0; i < n; i++) {
			struct json_object *o = json_object_array_get_idx(services, i), *v;
			char pid[16] = "-";
			if (json_object_object_get_ex(o, "pid", &v) && v)
				snprintf(pid, sizeof(pid), "%lld",
					(long long)json_object_get_int64(v));
			json_object_object_get_ex(o, "restarts", &v);
			long long restarts = json_object_get_int64(v);
			json_object_object_get_ex(o, "name", &v);
			const char *name = json_object_get_string(v);
			json_object_object_get_ex(o, "state", &v);
			printf("%-20s %-10s %8s %8lld\n", name, json_object_get_string(v), pid,
				restarts);
		}
		if (n == 0 && strcmp(mode, "systemd") == 0)
			printf("services are systemd units: systemctl --user list-dependencies panther-session.target\n");
	}
	json_object_put(services);
	dbus_message_unref(reply);
	if (mode_reply)
		dbus_message_unref(mode_reply);
	return CTL_OK;
}

static int restart(DBusConnection *conn, const char *name)
{
	DBusMessage *msg = new_call(PN_SESSION1_IFACE, "Restart");
	if (!msg || !dbus_message_append_args(msg, DBUS_TYPE_STRING, &name, DBUS_TYPE_INVALID))
		return CTL_FAILED;
	DBusMessage *reply = call(conn, msg, "restart");
	if (!reply)
		return CTL_FAILED;
	dbus_message_unref(reply);
	return CTL_OK;
}

static int stop(DBusConnection *conn)
{
	DBusMessage *msg = new_call(PN_SESSION1_IFACE, "Stop");
	DBusMessage *reply = msg ? call(conn, msg, "stop") : NULL;
	if (!reply)
		return CTL_FAILED;
	dbus_message_unref(reply);
	return CTL_OK;
}

int ctl_session(struct ctl *ctl, int argc, char **argv)
{
	if (argc < 2) {
		ctl_error("usage: pantherctl %s", session_usage);
		return CTL_USAGE;
	}
	const char *cmd = argv[1];
	int want_args = strcmp(cmd, "restart") == 0 ? 3 : 2;
	if (strcmp(cmd, "status") != 0 && strcmp(cmd, "restart") != 0 && strcmp(cmd, "stop") != 0) {
		ctl_error("session: unknown command \"%s\" (usage: pantherctl %s)", cmd,
			session_usage);
		return CTL_USAGE;
	}
	if (argc != want_args) {
		ctl_error("usage: pantherctl %s", session_usage);
		return CTL_USAGE;
	}

	DBusConnection *conn = ctl_session_bus("session");
	if (!conn)
		return CTL_FAILED;
	int r;
	if (strcmp(cmd, "status") == 0)
		r = status(ctl, conn);
	else if (strcmp(cmd, "restart") == 0)
		r = restart(conn, argv[2]);
	else
		r = stop(conn);
	ctl_session_bus_close(conn);
	/* Frees libdbus's own global allocations, for leak checkers. */
	dbus_shutdown();
	return r;
}
