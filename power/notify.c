#include "notify.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "panther/bus-names.h"
#include "panther/log.h"
#include "panther/util.h"

struct notify {
	struct pn_bus *bus;
	struct pn_match *closed;
	uint32_t id; /* the bubble to replace; 0: none yet */
	int64_t shown_ms; /* when the bubble id first appeared (CLOCK_MONOTONIC) */
	bool fresh; /* the call in flight shows a new bubble */
	struct pn_pending *pending;
	/* What to show once the call in flight has its reply (and its id). */
	bool queued;
	enum pn_profile queued_profile;
	char *queued_body;
	bool said_failure;
};

static const char *const titles[PN_PROFILE_COUNT] = {
	[PN_PROFILE_POWER_SAVER] = "Power saver",
	[PN_PROFILE_BALANCED] = "Balanced",
	[PN_PROFILE_PERFORMANCE] = "Performance",
};

static const char *const icons[PN_PROFILE_COUNT] = {
	[PN_PROFILE_POWER_SAVER] = "power-profile-power-saver-symbolic",
	[PN_PROFILE_BALANCED] = "power-profile-balanced-symbolic",
	[PN_PROFILE_PERFORMANCE] = "power-profile-performance-symbolic",
};

static void send_notification(struct notify *notify, enum pn_profile profile, const char *body);

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The server closed our bubble (the user dismissed it, or it expired): forget its id. */
static void on_closed(void *data, DBusMessage *msg)
{
	struct notify *notify = data;
	uint32_t id, reason;
	if (dbus_message_get_args(msg, NULL, DBUS_TYPE_UINT32, &id, DBUS_TYPE_UINT32, &reason,
		    DBUS_TYPE_INVALID) &&
		id == notify->id && !notify->pending)
		notify->id = 0;
}

/*
 * Whether the next message replaces the bubble: only while it is surely
 * still on screen. An older one is closed, so the server forgets it and
 * the new message pops up.
 */
static uint32_t bubble_to_replace(struct notify *notify)
{
	if (notify->id && now_ms() - notify->shown_ms < NOTIFY_REPLACE_MS)
		return notify->id;
	if (notify->id) {
		uint32_t old = notify->id;
		pn_bus_call_method(notify->bus, PN_NOTIFY_NAME, PN_NOTIFY_PATH, PN_NOTIFY_NAME,
			"CloseNotification", NULL, NULL, NULL, DBUS_TYPE_UINT32, &old,
			DBUS_TYPE_INVALID);
		notify->id = 0;
	}
	return 0;
}

static void on_reply(void *data, DBusMessage *reply, const DBusError *err)
{
	struct notify *notify = data;
	notify->pending = NULL;
	uint32_t id;
	if (reply && dbus_message_get_args(reply, NULL, DBUS_TYPE_UINT32, &id, DBUS_TYPE_INVALID)) {
		if (notify->fresh || id != notify->id)
			notify->shown_ms = now_ms();
		notify->id = id;
		notify->said_failure = false;
	} else if (!notify->said_failure) {
		notify->said_failure = true;
		pn_notice("no notification shown: %s",
			err && err->message ? err->message : "Notify answered without an id");
	}
	if (notify->queued) {
		notify->queued = false;
		char *body = notify->queued_body;
		notify->queued_body = NULL;
		send_notification(notify, notify->queued_profile, body);
		free(body);
	}
}

static bool append_hints(DBusMessageIter *args)
{
	DBusMessageIter dict, entry, variant;
	const char *key;
	if (!dbus_message_iter_open_container(args, DBUS_TYPE_ARRAY, "{sv}", &dict))
		return false;
	/* Low urgency, and not kept in the history: it says what is already true. */
	key = "urgency";
	uint8_t urgency = 0;
	dbus_message_iter_open_container(&dict, DBUS_TYPE_DICT_ENTRY, NULL, &entry);
	dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &key);
	dbus_message_iter_open_container(&entry, DBUS_TYPE_VARIANT, "y", &variant);
	dbus_message_iter_append_basic(&variant, DBUS_TYPE_BYTE, &urgency);
	dbus_message_iter_close_container(&entry, &variant);
	dbus_message_iter_close_container(&dict, &entry);
	key = "transient";
	dbus_bool_t transient = TRUE;
	dbus_message_iter_open_container(&dict, DBUS_TYPE_DICT_ENTRY, NULL, &entry);
	dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &key);
	dbus_message_iter_open_container(&entry, DBUS_TYPE_VARIANT, "b", &variant);
	dbus_message_iter_append_basic(&variant, DBUS_TYPE_BOOLEAN, &transient);
	dbus_message_iter_close_container(&entry, &variant);
	dbus_message_iter_close_container(&dict, &entry);
	return dbus_message_iter_close_container(args, &dict);
}

static void send_notification(struct notify *notify, enum pn_profile profile, const char *body)
{
	if (notify->pending) {
		notify->queued = true;
		notify->queued_profile = profile;
		free(notify->queued_body);
		notify->queued_body = pn_xstrdup(body ? body : "");
		return;
	}
	DBusMessage *msg = dbus_message_new_method_call(PN_NOTIFY_NAME, PN_NOTIFY_PATH,
		PN_NOTIFY_NAME, "Notify");
	if (!msg)
		return;
	char summary[64];
	snprintf(summary, sizeof(summary), "Power profile: %s", titles[profile]);
	const char *app = "panther-powerd";
	const char *icon = icons[profile];
	const char *summary_p = summary;
	const char *body_p = body ? body : "";
	int32_t timeout = NOTIFY_EXPIRE_MS;
	uint32_t replaces = bubble_to_replace(notify);
	notify->fresh = replaces == 0;
	DBusMessageIter args, actions;
	dbus_message_iter_init_append(msg, &args);
	bool ok = dbus_message_iter_append_basic(&args, DBUS_TYPE_STRING, &app) &&
		dbus_message_iter_append_basic(&args, DBUS_TYPE_UINT32, &replaces) &&
		dbus_message_iter_append_basic(&args, DBUS_TYPE_STRING, &icon) &&
		dbus_message_iter_append_basic(&args, DBUS_TYPE_STRING, &summary_p) &&
		dbus_message_iter_append_basic(&args, DBUS_TYPE_STRING, &body_p) &&
		dbus_message_iter_open_container(&args, DBUS_TYPE_ARRAY, "s", &actions) &&
		dbus_message_iter_close_container(&args, &actions) && append_hints(&args) &&
		dbus_message_iter_append_basic(&args, DBUS_TYPE_INT32, &timeout);
	if (ok)
		pn_bus_call(notify->bus, msg, 0, on_reply, notify, &notify->pending);
	dbus_message_unref(msg);
}

void notify_profile(struct notify *notify, enum pn_profile profile, const char *body)
{
	if (profile <= PN_PROFILE_NONE || profile >= PN_PROFILE_COUNT)
		return;
	send_notification(notify, profile, body);
}

struct notify *notify_create(struct pn_bus *session_bus)
{
	struct notify *notify = pn_xcalloc(1, sizeof(*notify));
	notify->bus = session_bus;
	notify->closed = pn_bus_subscribe(session_bus, PN_NOTIFY_NAME, PN_NOTIFY_PATH,
		PN_NOTIFY_NAME, "NotificationClosed", on_closed, notify);
	return notify;
}

void notify_destroy(struct notify *notify)
{
	if (!notify)
		return;
	if (notify->pending)
		pn_pending_cancel(notify->pending);
	if (notify->closed)
		pn_match_remove(notify->closed);
	free(notify->queued_body);
	free(notify);
}
