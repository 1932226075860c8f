#include "notification.h"

#include <stdio.h>
#include <string.h>

#include "panther/bus-names.h"
#include "panther/log.h"
#include "plan.h"

static void notify_reply(void *data, DBusMessage *reply, const DBusError *err)
{
	if (!reply)
		pn_warn("cannot show a notification: %s",
			err && err->message ? err->message : "no reply");
}

void notify_crash_loop(struct pn_bus *bus, const char *name)
{
	if (!bus)
		return;
	char summary[256], body[512];
	snprintf(summary, sizeof(summary), "%s keeps crashing", name);
	snprintf(body, sizeof(body),
		"panther-session stopped restarting %s after it ended %d times within %d seconds. Start it again with: pantherctl session restart %s",
		name, PLAN_CRASH_LOOP_EXITS, PLAN_CRASH_LOOP_WINDOW_MS / 1000, name);
	DBusMessage *msg = dbus_message_new_method_call(PN_NOTIFY_NAME, PN_NOTIFY_PATH,
		PN_NOTIFY_IFACE, "Notify");
	if (!msg)
		return;
	const char *app = "panther-session", *icon = "dialog-error";
	const char *s = summary, *b = body;
	dbus_uint32_t replaces = 0;
	dbus_int32_t timeout = -1;
	DBusMessageIter iter, actions, hints, entry, variant;
	const char *urgency_key = "urgency";
	unsigned char critical = 2;
	dbus_message_iter_init_append(msg, &iter);
	bool ok = dbus_message_iter_append_basic(&iter, DBUS_TYPE_STRING, &app) &&
		dbus_message_iter_append_basic(&iter, DBUS_TYPE_UINT32, &replaces) &&
		dbus_message_iter_append_basic(&iter, DBUS_TYPE_STRING, &icon) &&
		dbus_message_iter_append_basic(&iter, DBUS_TYPE_STRING, &s) &&
		dbus_message_iter_append_basic(&iter, DBUS_TYPE_STRING, &b) &&
		dbus_message_iter_open_container(&iter, DBUS_TYPE_ARRAY, "s", &actions) &&
		dbus_message_iter_close_container(&iter, &actions) &&
		dbus_message_iter_open_container(&iter, DBUS_TYPE_ARRAY, "{sv}", &hints) &&
		dbus_message_iter_open_container(&hints, DBUS_TYPE_DICT_ENTRY, NULL, &entry) &&
		dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &urgency_key) &&
		dbus_message_iter_open_container(&entry, DBUS_TYPE_VARIANT, "y", &variant) &&
		dbus_message_iter_append_basic(&variant, DBUS_TYPE_BYTE, &critical) &&
		dbus_message_iter_close_container(&entry, &variant) &&
		dbus_message_iter_close_container(&hints, &entry) &&
		dbus_message_iter_close_container(&iter, &hints) &&
		dbus_message_iter_append_basic(&iter, DBUS_TYPE_INT32, &timeout);
	if (ok && pn_bus_call(bus, msg, 0, notify_reply, NULL, NULL) < 0)
		pn_warn("cannot show a notification");
	dbus_message_unref(msg);
}
