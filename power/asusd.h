#ifndef POWER_ASUSD_H
#define POWER_ASUSD_H

/*
 * asusd (6.1 and later) on the system bus: xyz.ljones.Platform's
 * PlatformProfile, the backend when power-profiles-daemon is absent.
 */

#include <stdbool.h>

#include "backend.h"
#include "panther/dbus.h"

struct asusd;

struct asusd *asusd_create(struct pn_bus *system_bus, const struct backend_listener *listener,
	void *data);
void asusd_destroy(struct asusd *asusd);
bool asusd_present(const struct asusd *asusd);
/* PlatformProfile is Custom (4): reported as no profile, shown as "custom". */
bool asusd_custom(const struct asusd *asusd);
int asusd_set_profile(struct asusd *asusd, enum pn_profile profile, backend_done_fn fn, void *data);

#endif
