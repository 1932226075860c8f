/* doctor: DankMaterialShell's theme files and the notification server. */
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "doctor.h"
#include "panther/bus-names.h"
#include "panther/util.h"

/* Whether a program is on PATH. */
static bool on_path(const char *name)
{
	char *path = pn_find_program(name);
	bool found = path != NULL;
	free(path);
	return found;
}

static void probe_colors(struct doctor *d)
{
	char path[PATH_MAX], *text;
	size_t len;
	struct stat st;
	if (!pn_xdg_path(path, sizeof(path), "XDG_CACHE_HOME", ".cache",
		    "DankMaterialShell/dms-colors.json") ||
		stat(path, &st) < 0) {
		doctor_say(d, DOCTOR_WARN, NULL,
			"no DMS colors file (%s; matugen is %s): the card uses its built-in palette",
			path, on_path("matugen") ? "on PATH" : "not on PATH");
		return;
	}
	int r = pn_read_file(path, DOCTOR_FILE_MAX, &text, &len);
	if (r < 0) {
		doctor_say(d, DOCTOR_WARN, "let DMS write it again (change the wallpaper or theme)",
			"%s cannot be read: %s", path,
			r == -EINVAL ? "not a regular file" : strerror(-r));
		return;
	}
	struct json_object *o = json_tokener_parse(text), *colors, *dark, *light;
	free(text);
	bool ok = o && json_object_object_get_ex(o, "colors", &colors) &&
		json_object_object_get_ex(colors, "dark", &dark) &&
		json_object_object_get_ex(colors, "light", &light) &&
		json_object_is_type(dark, json_type_object) &&
		json_object_is_type(light, json_type_object);
	json_object_put(o);
	long days = (long)(time(NULL) - st.st_mtime) / 86400;
	if (!ok)
		doctor_say(d, DOCTOR_WARN, "let DMS regenerate it (change the wallpaper or theme)",
			"%s has no colors.dark and colors.light", path);
	else
		doctor_say(d, DOCTOR_OK, NULL, "%s, written %s%ld days ago", path,
			days < 0 ? "-" : "", days < 0 ? -days : days);
}

static void probe_light(struct doctor *d)
{
	char path[PATH_MAX], *text;
	size_t len;
	if (!pn_xdg_path(path, sizeof(path), "XDG_STATE_HOME", ".local/state",
		    "DankMaterialShell/session.json") ||
		pn_read_file(path, DOCTOR_FILE_MAX, &text, &len) < 0) {
		doctor_say(d, DOCTOR_OK, NULL, "dark (no DMS session.json)");
		return;
	}
	struct json_object *o = json_tokener_parse(text), *v;
	free(text);
	bool light = o && json_object_object_get_ex(o, "isLightMode", &v) &&
		json_object_get_boolean(v);
	json_object_put(o);
	doctor_say(d, DOCTOR_OK, NULL, "%s (isLightMode in %s)", light ? "light" : "dark", path);
}

static void probe_notifications(struct doctor *d)
{
	DBusConnection *bus = doctor_session_bus(d);
	if (!bus)
		return;
	DBusError err;
	dbus_error_init(&err);
	DBusMessage *reply = doctor_call(d, bus,
		dbus_message_new_method_call(PN_NOTIFY_NAME, PN_NOTIFY_PATH, PN_NOTIFY_NAME,
			"GetServerInformation"),
		&err);
	const char *name, *vendor, *version, *spec;
	if (!reply ||
		!dbus_message_get_args(reply, NULL, DBUS_TYPE_STRING, &name, DBUS_TYPE_STRING,
			&vendor, DBUS_TYPE_STRING, &version, DBUS_TYPE_STRING, &spec,
			DBUS_TYPE_INVALID)) {
		doctor_say(d, DOCTOR_WARN, NULL, "notification server: %s",
			reply ? "unexpected reply" : doctor_bus_error(&err));
		dbus_error_free(&err);
		if (reply)
			dbus_message_unref(reply);
		return;
	}
	char caps[256] = "";
	DBusMessage *caps_reply = doctor_call(d, bus,
		dbus_message_new_method_call(PN_NOTIFY_NAME, PN_NOTIFY_PATH, PN_NOTIFY_NAME,
			"GetCapabilities"),
		&err);
	DBusMessageIter iter, array;
	if (caps_reply && dbus_message_iter_init(caps_reply, &iter) &&
		dbus_message_iter_get_arg_type(&iter) == DBUS_TYPE_ARRAY) {
		size_t o = 0;
		dbus_message_iter_recurse(&iter, &array);
		for (; dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_STRING &&
			o + 40 < sizeof(caps);
			dbus_message_iter_next(&array)) {
			const char *cap;
			dbus_message_iter_get_basic(&array, &cap);
			o += (size_t)snprintf(caps + o, sizeof(caps) - o, "%s%.32s", o ? " " : "",
				cap);
		}
	}
	dbus_error_free(&err);
	doctor_say(d, DOCTOR_OK, NULL, "%s %s (%s), capabilities: %s", name, version, vendor,
		caps[0] ? caps : "none");
	if (caps_reply)
		dbus_message_unref(caps_reply);
	dbus_message_unref(reply);
}

const struct doctor_check doctor_dms_checks[] = {
	{"dms.colors", probe_colors,
		"install matugen so DMS generates its colors (DMS's Nix module: enable its dynamic theming)"},
	{"dms.light-dark", probe_light, NULL},
	{"dms.notifications", probe_notifications,
		"start DMS (systemctl --user start dms), the notification server of this session"},
	{NULL},
};
