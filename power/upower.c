#include "upower.h"

#include <stdlib.h>
#include <string.h>

#include "panther/log.h"
#include "panther/util.h"
#include "remote.h"

#define UPOWER_NAME "org.freedesktop.UPower"
#define UPOWER_PATH "/org/freedesktop/UPower"
#define DISPLAY_PATH "/org/freedesktop/UPower/devices/DisplayDevice"
#define DEVICE_IFACE "org.freedesktop.UPower.Device"

struct upower {
	const struct upower_listener *listener;
	void *data;
	struct remote *daemon;
	struct remote *display;
	bool started;
	bool on_battery, have_on_battery;
	double percent; /* -1 while there is no battery */
	double raw_percent;
	bool battery_present;
	bool have_percent, percent_changed;
	bool said_absent;
};

static void on_property(void *data, struct remote *remote, const char *name, DBusMessageIter *value)
{
	struct upower *upower = data;
	if (!value)
		return;
	int type = dbus_message_iter_get_arg_type(value);
	if (remote == upower->daemon && strcmp(name, "OnBattery") == 0 &&
		type == DBUS_TYPE_BOOLEAN) {
		dbus_bool_t b;
		dbus_message_iter_get_basic(value, &b);
		bool on_battery = b;
		if (!upower->have_on_battery || on_battery != upower->on_battery) {
			upower->on_battery = on_battery;
			upower->have_on_battery = true;
			if (upower->started)
				upower->listener->on_battery(upower->data, on_battery);
		}
	} else if (remote == upower->display && strcmp(name, "Percentage") == 0 &&
		type == DBUS_TYPE_DOUBLE) {
		dbus_message_iter_get_basic(value, &upower->raw_percent);
	} else if (remote == upower->display && strcmp(name, "IsPresent") == 0 &&
		type == DBUS_TYPE_BOOLEAN) {
		dbus_bool_t b;
		dbus_message_iter_get_basic(value, &b);
		upower->battery_present = b;
	}
}

/* The level the policy sees: none (-1) without a battery. */
static void update_percent(struct upower *upower)
{
	double percent = upower->battery_present ? upower->raw_percent : -1;
	if (!upower->have_percent || percent != upower->percent) {
		upower->percent = percent;
		upower->have_percent = true;
		upower->percent_changed = true;
	}
}

static void maybe_start(struct upower *upower)
{
	if (upower->started || !remote_known(upower->daemon) || !remote_known(upower->display))
		return;
	upower->started = true;
	if (!remote_present(upower->daemon) && !upower->said_absent) {
		upower->said_absent = true;
		pn_notice(
			"UPower (%s) is not on the system bus: assuming AC power until it appears",
			UPOWER_NAME);
	}
	if (upower->have_percent) {
		upower->percent_changed = false;
		upower->listener->percent(upower->data, upower->percent);
	}
	upower->listener->on_battery(upower->data, upower->on_battery);
}

static void on_updated(void *data, struct remote *remote, bool first)
{
	struct upower *upower = data;
	if (remote == upower->display)
		update_percent(upower);
	if (!upower->started) {
		maybe_start(upower);
		return;
	}
	if (upower->percent_changed) {
		upower->percent_changed = false;
		upower->listener->percent(upower->data, upower->percent);
	}
}

static void on_gone(void *data, struct remote *remote)
{
	struct upower *upower = data;
	if (upower->started && remote == upower->daemon)
		pn_notice("UPower left the system bus: keeping the last power source");
	maybe_start(upower);
}

static const struct remote_listener remote_listener = {
	.property = on_property,
	.updated = on_updated,
	.gone = on_gone,
};

struct upower *upower_create(struct pn_bus *system_bus, const struct upower_listener *listener,
	void *data)
{
	struct upower *upower = pn_xcalloc(1, sizeof(*upower));
	upower->listener = listener;
	upower->data = data;
	upower->daemon = remote_create(system_bus, UPOWER_NAME, UPOWER_PATH, UPOWER_NAME,
		&remote_listener, upower);
	upower->display = remote_create(system_bus, UPOWER_NAME, DISPLAY_PATH, DEVICE_IFACE,
		&remote_listener, upower);
	return upower;
}

void upower_destroy(struct upower *upower)
{
	if (!upower)
		return;
	remote_destroy(upower->daemon);
	remote_destroy(upower->display);
	free(upower);
}

bool upower_on_battery(const struct upower *upower)
{
	return upower->on_battery;
}
