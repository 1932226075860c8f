#ifndef POWER_NOTIFY_H
#define POWER_NOTIFY_H

/*
 * The profile bubble through org.freedesktop.Notifications. Switches in
 * quick succession update one bubble (replaces_id). A bubble is shown for
 * NOTIFY_EXPIRE_MS (its expire_timeout); once it has been up for
 * NOTIFY_REPLACE_MS the next switch closes it (CloseNotification) and shows
 * a new one. Under DMS (Quickshell's server) a replaced notification that
 * is still tracked is only updated, never popped up again, and a popup that
 * timed out stays tracked: replacing it would update an invisible bubble.
 */

#include "panther/config.h"
#include "panther/dbus.h"

/* How long a bubble stays up, and until when it is updated in place. */
#define NOTIFY_EXPIRE_MS 5000
#define NOTIFY_REPLACE_MS 4000

struct notify;

struct notify *notify_create(struct pn_bus *session_bus);
void notify_destroy(struct notify *notify);
/* Shows (or updates) the bubble for profile, with body as its second line. */
void notify_profile(struct notify *notify, enum pn_profile profile, const char *body);

#endif
