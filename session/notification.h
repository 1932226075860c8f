#ifndef PANTHER_SESSION_NOTIFICATION_H
#define PANTHER_SESSION_NOTIFICATION_H

#include "panther/dbus.h"

/* Tells the user (org.freedesktop.Notifications) that name is no longer restarted. */
void notify_crash_loop(struct pn_bus *bus, const char *name);

#endif
