#ifndef POWER_BACKEND_H
#define POWER_BACKEND_H

/*
 * What ppd.c and asusd.c report: a program on the system bus that switches
 * profiles. offered has POLICY_BIT(profile) for each profile it offers.
 */

#include "panther/config.h"

struct backend_listener {
	/* On the bus and read: what it offers and its active profile. */
	void (*appeared)(void *data, unsigned offered, enum pn_profile active);
	/* Its active profile or its offered profiles changed. */
	void (*changed)(void *data, unsigned offered, enum pn_profile active);
	/* Not on the bus: at start when absent, or after it left. */
	void (*gone)(void *data);
};

/* error is NULL on success, else one line. */
typedef void (*backend_done_fn)(void *data, const char *error);

#endif
