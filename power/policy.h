#ifndef POWER_POLICY_H
#define POWER_POLICY_H

/*
 * Which power profile panther-powerd wants, and when to switch: pure
 * decisions from the inputs (power source, battery level, idle, the focused
 * app, choices made by hand, what the backend offers). No I/O: every input
 * function returns the action to take, and switch.c carries it out.
 *
 * The wanted profile is the first that applies of:
 *   idle hold > low-battery hold > app-rule hold > manual choice > on_ac/on_battery.
 * A hold is temporary: when it ends, whatever is below it applies again. A
 * manual choice made while a hold is active overrules that hold until it
 * ends (so the choice stays afterwards).
 */

#include <stdbool.h>
#include <stddef.h>

#include "panther/config.h"

/* Below the threshold the battery is low; it stops being low this much above. */
#define POLICY_LOW_BATTERY_HYSTERESIS 2.0

enum policy_mode { POLICY_AUTO, POLICY_MANUAL };

enum policy_reason {
	POLICY_REASON_NONE,
	POLICY_REASON_AC,
	POLICY_REASON_BATTERY,
	POLICY_REASON_LOW_BATTERY,
	POLICY_REASON_IDLE,
	POLICY_REASON_APP,
	POLICY_REASON_MANUAL,
};

struct policy_hold {
	bool active;
	bool overruled; /* a manual choice was made while it was active */
};

struct policy {
	const struct pn_power_config *cfg;
	bool source_known;
	bool on_battery;
	bool have_percent;
	double percent;
	unsigned offered; /* POLICY_BIT(profile) of each offered profile; 0: no backend */
	enum pn_profile active;
	enum policy_mode mode;
	enum pn_profile manual;
	struct policy_hold idle, low, app;
	enum pn_profile app_profile;
	enum pn_profile wanted; /* the last decision */
	/*
	 * With a backend that takes holds (ppd), a temporary profile it can
	 * hold (idle, low battery, app rule: power-saver or performance) is
	 * held instead of set: hold is that profile, and wanted is what the
	 * backend returns to when holds end (selected).
	 */
	bool can_hold;
	enum pn_profile hold;
	enum policy_reason hold_reason;
	enum pn_profile selected; /* the backend's profile without holds; NONE: unknown */
	/* Another program holds a profile: ActiveProfile is left alone, except by hand. */
	bool foreign_hold;
};

#define POLICY_BIT(profile) (1u << (unsigned)(profile))

/*
 * What to do after an input: set is the profile to switch to (NONE: leave
 * the profile alone). unavailable is a profile the policy wanted but the
 * backend does not offer (it is not set).
 */
struct policy_action {
	enum pn_profile set;
	enum pn_profile unavailable;
	enum policy_reason reason;
};

/* cfg must stay valid until the next policy_set_config(). */
void policy_init(struct policy *p, const struct pn_power_config *cfg);

struct policy_action policy_set_config(struct policy *p, const struct pn_power_config *cfg);
struct policy_action policy_set_on_battery(struct policy *p, bool on_battery);
/* The battery level; negative when there is no battery. */
struct policy_action policy_set_percent(struct policy *p, double percent);
struct policy_action policy_set_idle(struct policy *p, bool idle);
/* The profile of the app rule matching the focused window, or NONE. */
struct policy_action policy_set_app(struct policy *p, enum pn_profile profile);

/* The backend appeared or its profiles changed. */
struct policy_action policy_set_backend(struct policy *p, unsigned offered, enum pn_profile active);
/* Whether the backend takes holds (set before policy_set_backend). */
void policy_set_can_hold(struct policy *p, bool can_hold);
/*
 * The backend reported its active profile; held says whether any hold
 * (ours or another program's) decides it. Without holds it is also the
 * profile the backend returns to.
 */
void policy_backend_reported(struct policy *p, enum pn_profile active, bool held);
/*
 * Every hold ended and the backend went back to its own profile (reported
 * first with policy_backend_reported): the policy applies again if that is
 * not what it wants. ppd ignores setting the profile it is already holding,
 * so what it returns to may not be the profile last set.
 */
struct policy_action policy_holds_ended(struct policy *p);
/* Another program's hold began or ended. */
struct policy_action policy_set_foreign_hold(struct policy *p, bool held);
void policy_backend_gone(struct policy *p);
/* The backend switched to profile because we asked it to. */
void policy_backend_switched(struct policy *p, enum pn_profile profile);

/* A profile chosen by hand through panther (Set, Cycle). */
struct policy_action policy_choose(struct policy *p, enum pn_profile profile);
/* The profile changed without us: a choice made by hand elsewhere. */
void policy_external(struct policy *p, enum pn_profile profile);
/* Back to the policy. */
struct policy_action policy_auto(struct policy *p);

bool policy_offers(const struct policy *p, enum pn_profile profile);
/* The next offered profile of the cycle after the active one, or NONE. */
enum pn_profile policy_cycle_next(const struct policy *p);
/*
 * The same, for any order (n entries) and offered set: the first offered
 * profile after current, wrapping around; current may be absent from order.
 */
enum pn_profile policy_next_in_order(const enum pn_profile *order, size_t n, unsigned offered,
	enum pn_profile current);

/*
 * The next profile of power.cycle (cfg NULL or no cycle: power-saver,
 * balanced, performance) after current that offered has, or NONE.
 * pantherctl uses it when panther-powerd is not running.
 */
enum pn_profile policy_next_in_cycle(const struct pn_power_config *cfg, unsigned offered,
	enum pn_profile current);

/* "power-saver, balanced": the profiles in offered, or "none". */
void policy_format_profiles(unsigned offered, char *buf, size_t len);

const char *policy_mode_name(enum policy_mode mode);
/* Why the wanted profile is what it is, as a short phrase ("on battery"). */
const char *policy_reason_text(enum policy_reason reason);
/*
 * Why the profile in force is what it is now: a temporary profile (idle, low
 * battery, app rule) first, else the choice by hand or the power source.
 * NONE while the power source or the backend is unknown.
 */
enum policy_reason policy_reason_now(const struct policy *p);

#endif
