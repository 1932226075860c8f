#ifndef POWER_APPS_H
#define POWER_APPS_H

/*
 * power.app_rules: follows Niri's focused window (event stream) and says
 * which rule's profile applies, the first rule whose pattern matches the
 * window's app_id. Connects only while there are rules.
 */

#include "panther/config.h"
#include "panther/loop.h"

struct apps;

struct apps_listener {
	/* profile is NONE when no rule matches; app_id is the focused window's (or NULL). */
	void (*changed)(void *data, enum pn_profile profile, const char *app_id);
};

struct apps *apps_create(struct pn_loop *loop, const struct pn_power_config *cfg,
	const struct apps_listener *listener, void *data);
void apps_destroy(struct apps *apps);
/* New rules: connects or disconnects as needed and matches again. */
void apps_set_config(struct apps *apps, const struct pn_power_config *cfg);
/* The profile of the rule matching the focused window, or NONE. */
enum pn_profile apps_match(const struct pn_power_config *cfg, const char *app_id);

#endif
