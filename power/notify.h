#ifndef POWER_NOTIFY_H
#define POWER_NOTIFY_H

/*
 * One notification bubble through org.freedesktop.Notifications: each new
 * message replaces the last one (replaces_id), so repeated switches update
 * one bubble instead of stacking.
 */

#include "panther/config.h"
#include "panther/dbus.h"

struct notify;

struct notify *notify_create(struct pn_bus *session_bus);
void notify_destroy(struct notify *notify);
/* Shows (or updates) the bubble for profile, with body as its second line. */
void notify_profile(struct notify *notify, enum pn_profile profile, const char *body);

#endif
