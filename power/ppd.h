#ifndef POWER_PPD_H
#define POWER_PPD_H

/*
 * power-profiles-daemon on the system bus: org.freedesktop.UPower.PowerProfiles
 * when it owns that name (0.20 and later), else net.hadess.PowerProfiles.
 * Follows the owner: a restarted daemon is read again.
 */

#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "panther/dbus.h"

/*
 * Its bus names and object paths, in order of preference; the interface is
 * named as the bus name. Shared with pantherctl.
 */
struct ppd_name {
	const char *name;
	const char *path;
};
#define PPD_N_NAMES 2
extern const struct ppd_name ppd_names[PPD_N_NAMES];

struct ppd;

struct ppd *ppd_create(struct pn_bus *system_bus, const struct backend_listener *listener,
	void *data);
void ppd_destroy(struct ppd *ppd);
/* The bus name in use, or NULL when absent. */
const char *ppd_bus_name(const struct ppd *ppd);
/* One entry of ActiveProfileHolds. */
struct ppd_hold {
	enum pn_profile profile;
	char *app_id;
	char *reason;
};

/* The holds of the daemon in use (*holds valid until its next report). */
size_t ppd_holds(const struct ppd *ppd, const struct ppd_hold **holds);
/* PerformanceDegraded ("" when not degraded or unknown). */
const char *ppd_degraded(const struct ppd *ppd);

/* Outcome of HoldProfile (cookie) or ReleaseProfile (cookie 0); error NULL on success. */
typedef void (*ppd_hold_fn)(void *data, uint32_t cookie, const char *error);
/*
 * HoldProfile(profile, reason, app_id): performance or power-saver only.
 * The hold lasts until released or until our connection or ppd goes away.
 */
int ppd_hold(struct ppd *ppd, enum pn_profile profile, const char *reason, const char *app_id,
	ppd_hold_fn fn, void *data);
int ppd_release(struct ppd *ppd, uint32_t cookie, ppd_hold_fn fn, void *data);

/* Sets ActiveProfile; fn (may be NULL) gets the outcome. 0 or a negative errno. */
int ppd_set_profile(struct ppd *ppd, enum pn_profile profile, backend_done_fn fn, void *data);

#endif
