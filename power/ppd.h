#ifndef POWER_PPD_H
#define POWER_PPD_H

/*
 * power-profiles-daemon on the system bus: org.freedesktop.UPower.PowerProfiles
 * when it owns that name (0.20 and later), else net.hadess.PowerProfiles.
 * Follows the owner: a restarted daemon is read again.
 */

#include "backend.h"
#include "panther/dbus.h"

struct ppd;

struct ppd *ppd_create(struct pn_bus *system_bus, const struct backend_listener *listener,
	void *data);
void ppd_destroy(struct ppd *ppd);
/* The bus name in use, or NULL when absent. */
const char *ppd_bus_name(const struct ppd *ppd);
/* Sets ActiveProfile; fn (may be NULL) gets the outcome. 0 or a negative errno. */
int ppd_set_profile(struct ppd *ppd, enum pn_profile profile, backend_done_fn fn, void *data);

#endif
