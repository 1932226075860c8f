#ifndef POWER_UPOWER_H
#define POWER_UPOWER_H

/*
 * UPower on the system bus: OnBattery, and the battery level (Percentage of
 * the DisplayDevice). The first report waits until both were looked at, so
 * the policy starts with the whole picture. Without UPower, AC is assumed;
 * when UPower leaves, the last values stay.
 */

#include <stdbool.h>

#include "panther/dbus.h"

struct upower;

struct upower_listener {
	void (*on_battery)(void *data, bool on_battery);
	/* The battery level, or -1 when there is no battery. */
	void (*percent)(void *data, double percent);
};

struct upower *upower_create(struct pn_bus *system_bus, const struct upower_listener *listener,
	void *data);
void upower_destroy(struct upower *upower);
bool upower_on_battery(const struct upower *upower);

#endif
