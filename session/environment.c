#include "environment.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "panther/log.h"
#include "panther/util.h"

static const char *lookup(char *const *env, const char *name)
{
	size_t len = strlen(name);
	for (size_t i = 0; env && env[i]; i++) {
		if (strncmp(env[i], name, len) == 0 && env[i][len] == '=')
			return env[i] + len + 1;
	}
	return NULL;
}

char **environment_assignments(char *const *import_env, char *const *env)
{
	char **out = pn_xcalloc(1, sizeof(*out));
	for (size_t i = 0; import_env && import_env[i]; i++) {
		const char *value = lookup(env, import_env[i]);
		if (!value)
			continue;
		size_t len = strlen(import_env[i]) + strlen(value) + 2;
		char *entry = pn_xcalloc(len, 1);
		strcpy(entry, import_env[i]);
		strcat(entry, "=");
		strcat(entry, value);
		if (!pn_strv_contains(out, entry))
			pn_strv_push(&out, entry);
		free(entry);
	}
	return out;
}

char **environment_names(char *const *assignments)
{
	char **out = pn_xcalloc(1, sizeof(*out));
	for (size_t i = 0; assignments && assignments[i]; i++) {
		char *name = pn_xstrdup(assignments[i]);
		name[strcspn(name, "=")] = '\0';
		pn_strv_push(&out, name);
		free(name);
	}
	return out;
}

bool environment_stats_are_broker(DBusMessage *reply)
{
	DBusMessageIter iter, dict;
	if (!reply || dbus_message_get_type(reply) != DBUS_MESSAGE_TYPE_METHOD_RETURN ||
		!dbus_message_iter_init(reply, &iter) ||
		dbus_message_iter_get_arg_type(&iter) != DBUS_TYPE_ARRAY ||
		dbus_message_iter_get_element_type(&iter) != DBUS_TYPE_DICT_ENTRY)
		return false;
	dbus_message_iter_recurse(&iter, &dict);
	while (dbus_message_iter_get_arg_type(&dict) == DBUS_TYPE_DICT_ENTRY) {
		DBusMessageIter entry;
		dbus_message_iter_recurse(&dict, &entry);
		if (dbus_message_iter_get_arg_type(&entry) == DBUS_TYPE_STRING) {
			const char *key;
			dbus_message_iter_get_basic(&entry, &key);
			if (strncmp(key, "org.bus1.", 9) == 0)
				return true;
		}
		dbus_message_iter_next(&dict);
	}
	return false;
}

struct export
{
	struct pn_bus *bus;
	char **assignments;
	environment_done_fn done;
	void *data;
};

static void export_finish(struct export *e)
{
	e->done(e->data);
	pn_strv_free(e->assignments);
	free(e);
}

static void update_reply(void *data, DBusMessage *reply, const DBusError *err)
{
	struct export *e = data;
	if (!reply)
		pn_warn("cannot update the D-Bus activation environment: %s",
			err && err->message ? err->message : "no reply");
	else
		pn_debug("D-Bus activation environment updated");
	export_finish(e);
}

static bool append_assignments(DBusMessage *msg, char *const *assignments)
{
	DBusMessageIter iter, array, entry;
	dbus_message_iter_init_append(msg, &iter);
	if (!dbus_message_iter_open_container(&iter, DBUS_TYPE_ARRAY, "{ss}", &array))
		return false;
	for (size_t i = 0; assignments[i]; i++) {
		char *name = pn_xstrdup(assignments[i]);
		size_t eq = strcspn(name, "=");
		name[eq] = '\0';
		const char *key = name, *value = assignments[i] + eq + 1;
		bool ok = dbus_message_iter_open_container(&array, DBUS_TYPE_DICT_ENTRY, NULL,
				  &entry) &&
			dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &key) &&
			dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &value) &&
			dbus_message_iter_close_container(&array, &entry);
		free(name);
		if (!ok)
			return false;
	}
	return dbus_message_iter_close_container(&iter, &array);
}

static void stats_reply(void *data, DBusMessage *reply, const DBusError *err)
{
	struct export *e = data;
	if (environment_stats_are_broker(reply)) {
		pn_debug("the session bus is dbus-broker: it takes the environment from systemd");
		export_finish(e);
		return;
	}
	DBusMessage *msg = dbus_message_new_method_call(DBUS_SERVICE_DBUS, DBUS_PATH_DBUS,
		DBUS_INTERFACE_DBUS, "UpdateActivationEnvironment");
	int r = msg && append_assignments(msg, e->assignments) ? 0 : -ENOMEM;
	if (r == 0)
		r = pn_bus_call(e->bus, msg, 0, update_reply, e, NULL);
	if (msg)
		dbus_message_unref(msg);
	if (r < 0) {
		pn_warn("cannot update the D-Bus activation environment: %s", strerror(-r));
		export_finish(e);
	}
}

int environment_export_activation(struct pn_bus *bus, char *const *assignments,
	environment_done_fn done, void *data)
{
	struct export *e = pn_xcalloc(1, sizeof(*e));
	e->bus = bus;
	e->assignments = pn_strv_dup(assignments);
	e->done = done;
	e->data = data;
	int r = pn_bus_call_method(bus, DBUS_SERVICE_DBUS, DBUS_PATH_DBUS,
		"org.freedesktop.DBus.Debug.Stats", "GetStats", stats_reply, e, NULL,
		DBUS_TYPE_INVALID);
	if (r < 0) {
		pn_strv_free(e->assignments);
		free(e);
	}
	return r;
}
