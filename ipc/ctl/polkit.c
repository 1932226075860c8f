#include <dbus/dbus.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "panther/bus-names.h"

static const char polkit_usage[] = "polkit status [--json] | polkit forget";

struct agent_request {
	dbus_uint32_t id;
	const char *action;
	const char *program;
	const char *user;
	const char *state;
};

struct agent_status {
	const char *version;
	const char *subject;
	const char *state;
	struct json_object *requests; /* array, for both outputs */
	const char *onepassword; /* 1Password's authorization of the agent's session */
	dbus_int64_t onepassword_until; /* seconds since the epoch; 0: none */
};

static const char *get_string(DBusMessageIter *value)
{
	const char *s = "";
	if (dbus_message_iter_get_arg_type(value) == DBUS_TYPE_STRING)
		dbus_message_iter_get_basic(value, &s);
	return s;
}

static void read_requests(DBusMessageIter *value, struct json_object *out)
{
	if (dbus_message_iter_get_arg_type(value) != DBUS_TYPE_ARRAY)
		return;
	DBusMessageIter array, entry;
	dbus_message_iter_recurse(value, &array);
	for (; dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_STRUCT;
		dbus_message_iter_next(&array)) {
		struct agent_request r = {0};
		dbus_message_iter_recurse(&array, &entry);
		if (dbus_message_iter_get_arg_type(&entry) != DBUS_TYPE_UINT32)
			continue;
		dbus_message_iter_get_basic(&entry, &r.id);
		const char **fields[] = {&r.action, &r.program, &r.user, &r.state};
		for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
			dbus_message_iter_next(&entry);
			*fields[i] = get_string(&entry);
		}
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_int64(r.id));
		json_object_object_add(o, "action", json_object_new_string(r.action));
		json_object_object_add(o, "program", json_object_new_string(r.program));
		json_object_object_add(o, "user", json_object_new_string(r.user));
		json_object_object_add(o, "state", json_object_new_string(r.state));
		json_object_array_add(out, o);
	}
}

/* Fills status from a GetAll reply; false when it is not an a{sv}. */
static bool read_status(DBusMessage *reply, struct agent_status *status)
{
	DBusMessageIter iter, dict, entry, value;
	if (!dbus_message_iter_init(reply, &iter) ||
		dbus_message_iter_get_arg_type(&iter) != DBUS_TYPE_ARRAY)
		return false;
	dbus_message_iter_recurse(&iter, &dict);
	for (; dbus_message_iter_get_arg_type(&dict) == DBUS_TYPE_DICT_ENTRY;
		dbus_message_iter_next(&dict)) {
		const char *name;
		dbus_message_iter_recurse(&dict, &entry);
		dbus_message_iter_get_basic(&entry, &name);
		dbus_message_iter_next(&entry);
		dbus_message_iter_recurse(&entry, &value);
		if (strcmp(name, "Version") == 0)
			status->version = get_string(&value);
		else if (strcmp(name, "Subject") == 0)
			status->subject = get_string(&value);
		else if (strcmp(name, "State") == 0)
			status->state = get_string(&value);
		else if (strcmp(name, "Requests") == 0)
			read_requests(&value, status->requests);
		else if (strcmp(name, "OnePassword") == 0)
			status->onepassword = get_string(&value);
		else if (strcmp(name, "OnePasswordUntil") == 0 &&
			dbus_message_iter_get_arg_type(&value) == DBUS_TYPE_INT64)
			dbus_message_iter_get_basic(&value, &status->onepassword_until);
	}
	return true;
}

/* "authorized until 14:05:09", "not authorized", ... */
static void print_onepassword(const struct agent_status *status)
{
	const char *state = status->onepassword;
	if (!*state)
		return;
	char when[64] = "";
	time_t t = (time_t)status->onepassword_until;
	struct tm tm;
	if (t > 0 && localtime_r(&t, &tm))
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
	if (strcmp(state, "authorized") == 0)
		printf("1password: panther authorized until %s (without use; "
		       "`pantherctl polkit forget` ends it)\n",
			when);
	else if (strcmp(state, "not-authorized") == 0)
		printf("1password: panther not authorized (the next request shows 1Password's "
		       "card first)\n");
	else if (strcmp(state, "no-terminal") == 0)
		printf("1password: op runs without a terminal (1Password asks on every request)\n");
	else
		printf("1password: %s\n", state);
}

static void print_text(const struct agent_status *status)
{
	printf("agent: %s for %s\n", status->state, status->subject);
	print_onepassword(status);
	size_t n = json_object_array_length(status->requests);
	if (n == 0) {
		printf("requests: none\n");
		return;
	}
	printf("requests:\n");
	for (size_t i = 0; i < n; i++) {
		struct json_object *r = json_object_array_get_idx(status->requests, i), *v;
		const char *f[4];
		const char *keys[] = {"action", "user", "state", "program"};
		for (size_t k = 0; k < 4; k++)
			f[k] = json_object_object_get_ex(r, keys[k], &v) ? json_object_get_string(v)
									 : "";
		json_object_object_get_ex(r, "id", &v);
		printf("  %-4d %s  %s  %s  %s\n", json_object_get_int(v), f[0], f[1], f[2],
			*f[3] ? f[3] : "(unknown program)");
	}
}

static void print_json(const struct agent_status *status)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "version", json_object_new_string(status->version));
	json_object_object_add(o, "subject", json_object_new_string(status->subject));
	json_object_object_add(o, "state", json_object_new_string(status->state));
	json_object_object_add(o, "requests", json_object_get(status->requests));
	json_object_object_add(o, "onepassword", json_object_new_string(status->onepassword));
	json_object_object_add(o, "onepassword_until",
		status->onepassword_until > 0 ? json_object_new_int64(status->onepassword_until)
					      : NULL);
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
}

static int status_command(struct ctl *ctl)
{
	DBusConnection *conn = ctl_session_bus("polkit");
	if (!conn)
		return CTL_FAILED;
	DBusError err;
	dbus_error_init(&err);
	const char *iface = PN_AGENT1_IFACE;
	DBusMessage *msg = dbus_message_new_method_call(PN_AGENT1_NAME, PN_AGENT1_PATH,
		DBUS_INTERFACE_PROPERTIES, "GetAll");
	int result = CTL_FAILED;
	if (!msg || !dbus_message_append_args(msg, DBUS_TYPE_STRING, &iface, DBUS_TYPE_INVALID)) {
		ctl_error("polkit: out of memory");
		goto out;
	}
	dbus_message_set_auto_start(msg, FALSE);
	DBusMessage *reply = dbus_connection_send_with_reply_and_block(conn, msg, 10000, &err);
	dbus_message_unref(msg);
	if (!reply) {
		if (dbus_error_has_name(&err, DBUS_ERROR_SERVICE_UNKNOWN) ||
			dbus_error_has_name(&err, DBUS_ERROR_NAME_HAS_NO_OWNER))
			ctl_error("panther-polkit-agent is not running (no %s on the session bus)",
				PN_AGENT1_NAME);
		else
			ctl_error("polkit status: %s", ctl_bus_error(&err));
		dbus_error_free(&err);
		goto out;
	}
	struct agent_status status = {"", "", "", json_object_new_array(), "", 0};
	if (read_status(reply, &status)) {
		if (ctl->json)
			print_json(&status);
		else
			print_text(&status);
		result = CTL_OK;
	} else {
		ctl_error("polkit status: the agent sent an unexpected reply");
	}
	json_object_put(status.requests);
	dbus_message_unref(reply);
out:
	ctl_session_bus_close(conn);
	return result;
}

/* `op signout` in the agent's terminal session. */
static int forget_command(struct ctl *ctl)
{
	DBusConnection *conn = ctl_session_bus("polkit");
	if (!conn)
		return CTL_FAILED;
	DBusError err;
	dbus_error_init(&err);
	DBusMessage *msg = dbus_message_new_method_call(PN_AGENT1_NAME, PN_AGENT1_PATH,
		PN_AGENT1_IFACE, "ForgetOnePassword");
	int result = CTL_FAILED;
	if (!msg) {
		ctl_error("polkit: out of memory");
		goto out;
	}
	dbus_message_set_auto_start(msg, FALSE);
	/* op may take its timeout_s; the agent answers when it is done. */
	DBusMessage *reply = dbus_connection_send_with_reply_and_block(conn, msg, 120000, &err);
	dbus_message_unref(msg);
	if (!reply) {
		ctl_error("polkit forget: %s", ctl_bus_error(&err));
		dbus_error_free(&err);
		goto out;
	}
	dbus_message_unref(reply);
	printf("1Password's authorization of panther ended (op signout)\n");
	result = CTL_OK;
out:
	ctl_session_bus_close(conn);
	return result;
}

int ctl_polkit(struct ctl *ctl, int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "status") == 0)
		return status_command(ctl);
	if (argc == 2 && strcmp(argv[1], "forget") == 0)
		return forget_command(ctl);
	if (argc < 2)
		ctl_error("polkit: missing command (usage: pantherctl %s)", polkit_usage);
	else
		ctl_error("polkit: unknown command \"%s\" (usage: pantherctl %s)", argv[1],
			polkit_usage);
	return CTL_USAGE;
}
