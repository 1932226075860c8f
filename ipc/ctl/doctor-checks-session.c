/* doctor: the config, Niri, panther-session, the systemd user units and their environment. */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "doctor.h"
#include "panther/bus-names.h"
#include "panther/util.h"

static const char *const panther_units[] = {
	"panther-session.target",
	"panther-session.service",
	"panther-polkit-agent.service",
	"panther-powerd.service",
	NULL,
};

/* What the user manager must have for units started by the session (DESIGN 5.1). */
static const char *const session_env[] = {"WAYLAND_DISPLAY", "NIRI_SOCKET", "XDG_CURRENT_DESKTOP",
	NULL};

static void probe_config(struct doctor *d)
{
	if (d->config_bad)
		doctor_say(d, DOCTOR_FAIL, NULL, "%s", d->config_error);
	else if (d->config_missing)
		doctor_say(d, DOCTOR_OK, NULL, "%s: no config file, defaults apply",
			d->config_path);
	else
		doctor_say(d, DOCTOR_OK, NULL, "%s: ok", d->config_path);
}

static void probe_niri(struct doctor *d)
{
	const char *path = getenv("NIRI_SOCKET");
	if (!path || !path[0]) {
		doctor_say(d, DOCTOR_FAIL, NULL, "NIRI_SOCKET is not set: not running inside Niri");
		return;
	}
	char reply[4096] = "";
	int r = doctor_unix_request(path, "\"Version\"\n", 10, reply, sizeof(reply));
	if (r < 0) {
		doctor_say(d, DOCTOR_FAIL, NULL, "Niri does not answer at %s: %s", path,
			r == -ETIMEDOUT ? "no answer (it is busy or stuck)" : strerror(-r));
		return;
	}
	struct json_object *o = json_tokener_parse(reply), *ok, *version;
	if (o && json_object_object_get_ex(o, "Ok", &ok) &&
		json_object_object_get_ex(ok, "Version", &version) &&
		json_object_is_type(version, json_type_string))
		doctor_say(d, DOCTOR_OK, NULL, "Niri %s at %s", json_object_get_string(version),
			path);
	else
		doctor_say(d, DOCTOR_FAIL, NULL, "%s does not answer like Niri: %.80s", path,
			reply);
	json_object_put(o);
}

static void probe_session(struct doctor *d)
{
	DBusConnection *bus = doctor_session_bus(d);
	if (!bus) {
		doctor_say(d, DOCTOR_FAIL,
			"run inside the graphical session (DBUS_SESSION_BUS_ADDRESS or $XDG_RUNTIME_DIR/bus)",
			"no session bus");
		return;
	}
	char mode[64];
	DBusError err;
	dbus_error_init(&err);
	if (doctor_get_string(d, bus, PN_SESSION1_NAME, PN_SESSION1_PATH, PN_SESSION1_IFACE, "Mode",
		    mode, sizeof(mode), &err))
		doctor_say(d, DOCTOR_OK, NULL, "panther-session is up, %s mode", mode);
	else
		doctor_say(d, DOCTOR_FAIL, NULL, "panther-session: %s", doctor_bus_error(&err));
	dbus_error_free(&err);
}

int doctor_unit_state(struct doctor *d, DBusConnection *bus, const char *unit, char *state,
	size_t len, unsigned *restarts)
{
	/* GetUnit, not the unit's path: asking systemd for that path loads the unit. */
	DBusError err;
	dbus_error_init(&err);
	DBusMessage *reply = doctor_call_string(d, bus, PN_SYSTEMD_NAME, PN_SYSTEMD_PATH,
		PN_SYSTEMD_MANAGER_IFACE, "GetUnit", unit, &err);
	const char *found;
	char path[512];
	*restarts = 0;
	if (!reply ||
		!dbus_message_get_args(reply, NULL, DBUS_TYPE_OBJECT_PATH, &found,
			DBUS_TYPE_INVALID)) {
		int r = dbus_error_has_name(&err, "org.freedesktop.systemd1.NoSuchUnit") ? 0 : -1;
		dbus_error_free(&err);
		if (reply)
			dbus_message_unref(reply);
		return r;
	}
	snprintf(path, sizeof(path), "%s", found);
	dbus_message_unref(reply);
	if (!doctor_get_string(d, bus, PN_SYSTEMD_NAME, path, "org.freedesktop.systemd1.Unit",
		    "ActiveState", state, len, &err)) {
		dbus_error_free(&err);
		return -1;
	}
	const char *dot = strrchr(unit, '.');
	if (dot && strcmp(dot, ".service") == 0) {
		DBusMessageIter value;
		reply = doctor_get_property(d, bus, PN_SYSTEMD_NAME, path,
			"org.freedesktop.systemd1.Service", "NRestarts", &value, &err);
		if (reply && dbus_message_iter_get_arg_type(&value) == DBUS_TYPE_UINT32)
			dbus_message_iter_get_basic(&value, restarts);
		if (reply)
			dbus_message_unref(reply);
		dbus_error_free(&err);
	}
	return 1;
}

static void failed_units(struct doctor *d, DBusConnection *bus)
{
	DBusMessage *msg = dbus_message_new_method_call(PN_SYSTEMD_NAME, PN_SYSTEMD_PATH,
		PN_SYSTEMD_MANAGER_IFACE, "ListUnitsFiltered");
	DBusMessageIter iter, array;
	if (msg) {
		const char *failed = "failed";
		const char **states = &failed;
		dbus_message_append_args(msg, DBUS_TYPE_ARRAY, DBUS_TYPE_STRING, &states, 1,
			DBUS_TYPE_INVALID);
	}
	DBusError err;
	dbus_error_init(&err);
	DBusMessage *reply = doctor_call(d, bus, msg, &err);
	dbus_error_free(&err);
	if (!reply)
		return;
	char names[512] = "";
	size_t o = 0;
	if (dbus_message_iter_init(reply, &iter) &&
		dbus_message_iter_get_arg_type(&iter) == DBUS_TYPE_ARRAY &&
		dbus_message_iter_get_element_type(&iter) == DBUS_TYPE_STRUCT) {
		dbus_message_iter_recurse(&iter, &array);
		for (; dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_STRUCT;
			dbus_message_iter_next(&array)) {
			DBusMessageIter entry;
			const char *name;
			dbus_message_iter_recurse(&array, &entry);
			if (dbus_message_iter_get_arg_type(&entry) != DBUS_TYPE_STRING)
				continue;
			dbus_message_iter_get_basic(&entry, &name);
			if (pn_strv_contains((char *const *)panther_units, name) ||
				o + 64 > sizeof(names))
				continue;
			o += (size_t)snprintf(names + o, sizeof(names) - o, "%s%s", o ? ", " : "",
				name);
		}
	}
	dbus_message_unref(reply);
	if (o) {
		doctor_say(d, DOCTOR_WARN,
			"read why: systemctl --user status UNIT; once fixed: systemctl --user reset-failed",
			"failed user units: %s", names);
	}
}

static void probe_units(struct doctor *d)
{
	DBusConnection *bus = doctor_session_bus(d);
	bool want = d->config.session.mode == PN_SESSION_SYSTEMD;
	d->systemd_present = bus && doctor_has_owner(d, bus, PN_SYSTEMD_NAME);
	if (!d->systemd_present) {
		doctor_say(d, want ? DOCTOR_FAIL : DOCTOR_OK,
			"set session.mode to \"direct\", or start the session under systemd (niri.service)",
			"no systemd user manager on the session bus%s",
			want ? ", but session.mode is \"systemd\""
			     : " (services are run directly)");
		return;
	}
	for (size_t i = 0; panther_units[i]; i++) {
		const char *unit = panther_units[i];
		char state[32], fix[160];
		unsigned restarts;
		snprintf(fix, sizeof(fix),
			"read why: journalctl --user -u %s; then: systemctl --user restart %s",
			unit, unit);
		int r = doctor_unit_state(d, bus, unit, state, sizeof(state), &restarts);
		if (r == 0 && want)
			doctor_say(d, DOCTOR_WARN,
				"install panther's units (the NixOS or Home Manager module does)",
				"%s: not loaded", unit);
		if (r == 0)
			continue;
		if (r < 0)
			doctor_say(d, DOCTOR_WARN,
				"systemctl --user status (the user manager is busy or stuck)",
				"%s: state unknown (no answer)", unit);
		else if (strcmp(state, "failed") == 0)
			doctor_say(d, DOCTOR_FAIL, fix, "%s: failed", unit);
		else if (restarts > 0)
			doctor_say(d, DOCTOR_WARN, fix, "%s: %s, restarted %u times", unit, state,
				restarts);
		else
			doctor_say(d, DOCTOR_OK, NULL, "%s: %s", unit, state);
	}
	failed_units(d, bus);
}

static void probe_environment(struct doctor *d)
{
	DBusConnection *bus = doctor_session_bus(d);
	if (!d->systemd_present)
		return;
	DBusMessageIter value, array;
	DBusError err;
	dbus_error_init(&err);
	DBusMessage *reply = doctor_get_property(d, bus, PN_SYSTEMD_NAME, PN_SYSTEMD_PATH,
		PN_SYSTEMD_MANAGER_IFACE, "Environment", &value, &err);
	if (!reply || dbus_message_iter_get_arg_type(&value) != DBUS_TYPE_ARRAY) {
		doctor_say(d, DOCTOR_WARN, NULL, "the user manager's environment: %s",
			reply ? "unexpected reply" : doctor_bus_error(&err));
		dbus_error_free(&err);
		if (reply)
			dbus_message_unref(reply);
		return;
	}
	char missing[128] = "", stale[256] = "";
	for (size_t i = 0; session_env[i]; i++) {
		const char *name = session_env[i], *found = NULL;
		size_t n = strlen(name);
		dbus_message_iter_recurse(&value, &array);
		for (; dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_STRING;
			dbus_message_iter_next(&array)) {
			const char *s;
			dbus_message_iter_get_basic(&array, &s);
			if (strncmp(s, name, n) == 0 && s[n] == '=')
				found = s + n + 1;
		}
		const char *ours = getenv(name);
		if (!found)
			snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing),
				"%s%s", missing[0] ? ", " : "", name);
		else if (ours && strcmp(ours, found) != 0)
			snprintf(stale + strlen(stale), sizeof(stale) - strlen(stale), "%s%s=%s",
				stale[0] ? ", " : "", name, found);
	}
	dbus_message_unref(reply);
	if (missing[0])
		doctor_say(d, DOCTOR_FAIL, NULL, "missing in the user manager: %s", missing);
	else if (stale[0])
		doctor_say(d, DOCTOR_WARN, NULL,
			"the user manager has other values than this shell: %s", stale);
	else
		doctor_say(d, DOCTOR_OK, NULL,
			"the user manager has WAYLAND_DISPLAY, NIRI_SOCKET and XDG_CURRENT_DESKTOP");
}

const struct doctor_check doctor_session_checks[] = {
	{"config", probe_config, "correct the line named, then: pantherctl check-config"},
	{"session.niri", probe_niri,
		"start the session from Niri (niri --session, or niri.service), which sets NIRI_SOCKET"},
	{"session.panther-session", probe_session,
		"systemctl --user start panther-session.service (or add panther-session to Niri's spawn-at-startup)"},
	{"session.units", probe_units, NULL},
	{"session.environment", probe_environment,
		"start Niri as niri.service (niri --session exports them), or let panther-session import them (session.mode \"systemd\")"},
	{NULL},
};
