#include "policy.h"

#include <stdio.h>

static const enum pn_profile all_profiles[] = {
	PN_PROFILE_POWER_SAVER,
	PN_PROFILE_BALANCED,
	PN_PROFILE_PERFORMANCE,
};

void policy_init(struct policy *p, const struct pn_power_config *cfg)
{
	*p = (struct policy){
		.cfg = cfg,
		.active = PN_PROFILE_NONE,
		.mode = POLICY_AUTO,
		.manual = PN_PROFILE_NONE,
		.app_profile = PN_PROFILE_NONE,
		.wanted = PN_PROFILE_NONE,
		.hold = PN_PROFILE_NONE,
		.selected = PN_PROFILE_NONE,
	};
}

bool policy_offers(const struct policy *p, enum pn_profile profile)
{
	return profile > PN_PROFILE_NONE && profile < PN_PROFILE_COUNT &&
		(p->offered & POLICY_BIT(profile));
}

static bool hold_applies(const struct policy_hold *hold)
{
	return hold->active && !hold->overruled;
}

/* The temporary profile in force (idle, low battery, app rule), or NONE. */
static enum pn_profile compute_temporary(const struct policy *p, enum policy_reason *why)
{
	const struct pn_power_config *cfg = p->cfg;
	if (hold_applies(&p->idle) && cfg->idle_after_s > 0) {
		*why = POLICY_REASON_IDLE;
		return cfg->idle_profile;
	}
	if (hold_applies(&p->low)) {
		*why = POLICY_REASON_LOW_BATTERY;
		return cfg->low_battery_profile;
	}
	if (hold_applies(&p->app) && p->app_profile != PN_PROFILE_NONE) {
		*why = POLICY_REASON_APP;
		return p->app_profile;
	}
	*why = POLICY_REASON_NONE;
	return PN_PROFILE_NONE;
}

static bool holdable(const struct policy *p, enum pn_profile profile)
{
	return p->can_hold && policy_offers(p, profile) &&
		(profile == PN_PROFILE_POWER_SAVER || profile == PN_PROFILE_PERFORMANCE);
}

/*
 * The profile to set; *hold gets the temporary profile to hold instead
 * (NONE when there is none or the backend cannot hold it).
 */
static enum pn_profile compute_wanted(const struct policy *p, enum policy_reason *why,
	enum pn_profile *hold, enum policy_reason *hold_why)
{
	const struct pn_power_config *cfg = p->cfg;
	*hold = PN_PROFILE_NONE;
	*hold_why = POLICY_REASON_NONE;
	enum pn_profile temporary = compute_temporary(p, why);
	if (temporary != PN_PROFILE_NONE) {
		if (!holdable(p, temporary))
			return temporary;
		*hold = temporary;
		*hold_why = *why;
	}
	if (p->mode == POLICY_MANUAL) {
		*why = POLICY_REASON_MANUAL;
		return p->manual;
	}
	*why = p->on_battery ? POLICY_REASON_BATTERY : POLICY_REASON_AC;
	return p->on_battery ? cfg->on_battery : cfg->on_ac;
}

static const struct policy_action no_action = {
	.set = PN_PROFILE_NONE,
	.unavailable = PN_PROFILE_NONE,
	.reason = POLICY_REASON_NONE,
};

/*
 * Acts when the wanted profile changed, or on force (an event after which
 * the policy must hold again: power source change, auto, backend appeared).
 * Otherwise a profile picked under manual "never" stays until the next one.
 */
static struct policy_action decide(struct policy *p, bool force)
{
	if (!p->source_known || !p->offered)
		return no_action;
	enum policy_reason why;
	enum pn_profile wanted = compute_wanted(p, &why, &p->hold, &p->hold_reason);
	bool changed = wanted != p->wanted;
	p->wanted = wanted;
	/* Under holds the profile to compare with is the one ppd returns to. */
	enum pn_profile current = p->can_hold ? p->selected : p->active;
	if (!(changed || force) || wanted == current)
		return no_action;
	/* Setting ActiveProfile would end another program's hold: wait for its end. */
	if (p->foreign_hold)
		return no_action;
	struct policy_action action = no_action;
	action.reason = why;
	if (policy_offers(p, wanted))
		action.set = wanted;
	else
		action.unavailable = wanted;
	return action;
}

static bool battery_is_low(const struct policy *p)
{
	int threshold = p->cfg->low_battery_percent;
	if (!p->on_battery || !p->have_percent || threshold <= 0)
		return false;
	if (p->low.active)
		return p->percent < threshold + POLICY_LOW_BATTERY_HYSTERESIS;
	return p->percent < threshold;
}

static bool hold_set(struct policy_hold *hold, bool active)
{
	if (hold->active == active)
		return false;
	hold->active = active;
	hold->overruled = false;
	return true;
}

static void update_low(struct policy *p)
{
	hold_set(&p->low, battery_is_low(p));
}

static void clear_overrules(struct policy *p)
{
	p->idle.overruled = p->low.overruled = p->app.overruled = false;
}

struct policy_action policy_set_config(struct policy *p, const struct pn_power_config *cfg)
{
	p->cfg = cfg;
	if (cfg->manual == PN_MANUAL_NEVER && p->mode == POLICY_MANUAL) {
		p->mode = POLICY_AUTO;
		clear_overrules(p);
	}
	update_low(p);
	return decide(p, true);
}

struct policy_action policy_set_on_battery(struct policy *p, bool on_battery)
{
	bool first = !p->source_known;
	bool changed = p->on_battery != on_battery;
	p->source_known = true;
	p->on_battery = on_battery;
	if (!first && !changed)
		return no_action;
	if (changed && p->mode == POLICY_MANUAL && p->cfg->manual == PN_MANUAL_UNTIL_POWER_CHANGE) {
		p->mode = POLICY_AUTO;
		clear_overrules(p);
	}
	update_low(p);
	return decide(p, true);
}

struct policy_action policy_set_percent(struct policy *p, double percent)
{
	p->have_percent = percent >= 0;
	p->percent = percent;
	update_low(p);
	return decide(p, false);
}

struct policy_action policy_set_idle(struct policy *p, bool idle)
{
	hold_set(&p->idle, idle);
	return decide(p, false);
}

struct policy_action policy_set_app(struct policy *p, enum pn_profile profile)
{
	if (profile != p->app_profile) {
		p->app_profile = profile;
		p->app.active = profile != PN_PROFILE_NONE;
		p->app.overruled = false;
	}
	return decide(p, false);
}

struct policy_action policy_set_backend(struct policy *p, unsigned offered, enum pn_profile active)
{
	p->offered = offered & (POLICY_BIT(PN_PROFILE_COUNT) - 1);
	p->active = active;
	/* With holds, backends.c reports the profile to return to (policy_backend_reported). */
	if (!p->can_hold)
		p->selected = active;
	return decide(p, true);
}

void policy_backend_gone(struct policy *p)
{
	p->offered = 0;
	p->active = PN_PROFILE_NONE;
	p->selected = PN_PROFILE_NONE;
	p->hold = PN_PROFILE_NONE;
	p->foreign_hold = false;
}

void policy_set_can_hold(struct policy *p, bool can_hold)
{
	p->can_hold = can_hold;
}

void policy_backend_reported(struct policy *p, enum pn_profile active, bool held)
{
	p->active = active;
	if (!held)
		p->selected = active;
}

struct policy_action policy_holds_ended(struct policy *p)
{
	return decide(p, true);
}

struct policy_action policy_set_foreign_hold(struct policy *p, bool held)
{
	if (held == p->foreign_hold)
		return no_action;
	p->foreign_hold = held;
	return decide(p, !held);
}

void policy_backend_switched(struct policy *p, enum pn_profile profile)
{
	/* Setting ActiveProfile ends every hold: it is also the profile to return to. */
	p->active = profile;
	p->selected = profile;
}

static void record_manual(struct policy *p, enum pn_profile profile)
{
	if (p->cfg->manual == PN_MANUAL_NEVER)
		return;
	p->mode = POLICY_MANUAL;
	p->manual = profile;
	p->idle.overruled = p->idle.active;
	p->low.overruled = p->low.active;
	p->app.overruled = p->app.active;
	enum policy_reason why;
	p->wanted = compute_wanted(p, &why, &p->hold, &p->hold_reason);
}

struct policy_action policy_choose(struct policy *p, enum pn_profile profile)
{
	struct policy_action action = no_action;
	if (profile <= PN_PROFILE_NONE || profile >= PN_PROFILE_COUNT)
		return action;
	action.reason = POLICY_REASON_MANUAL;
	if (!policy_offers(p, profile)) {
		action.unavailable = profile;
		return action;
	}
	record_manual(p, profile);
	action.set = profile;
	return action;
}

void policy_external(struct policy *p, enum pn_profile profile)
{
	p->active = profile;
	p->selected = profile;
	if (profile > PN_PROFILE_NONE && profile < PN_PROFILE_COUNT)
		record_manual(p, profile);
}

struct policy_action policy_auto(struct policy *p)
{
	p->mode = POLICY_AUTO;
	p->manual = PN_PROFILE_NONE;
	clear_overrules(p);
	return decide(p, true);
}

enum pn_profile policy_next_in_order(const enum pn_profile *order, size_t n, unsigned offered,
	enum pn_profile current)
{
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		if (order[i] == current) {
			start = i + 1;
			break;
		}
	}
	for (size_t k = 0; k < n; k++) {
		enum pn_profile candidate = order[(start + k) % n];
		if (candidate > PN_PROFILE_NONE && candidate < PN_PROFILE_COUNT &&
			(offered & POLICY_BIT(candidate)))
			return candidate;
	}
	return PN_PROFILE_NONE;
}

enum pn_profile policy_next_in_cycle(const struct pn_power_config *cfg, unsigned offered,
	enum pn_profile current)
{
	if (cfg && cfg->cycle_len > 0)
		return policy_next_in_order(cfg->cycle, cfg->cycle_len, offered, current);
	return policy_next_in_order(all_profiles, PN_PROFILE_COUNT, offered, current);
}

enum pn_profile policy_cycle_next(const struct policy *p)
{
	return policy_next_in_cycle(p->cfg, p->offered, p->active);
}

void policy_format_profiles(unsigned offered, char *buf, size_t len)
{
	size_t used = 0;
	if (len == 0)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < PN_PROFILE_COUNT; i++) {
		if (!(offered & POLICY_BIT(all_profiles[i])))
			continue;
		int n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
			pn_profile_name(all_profiles[i]));
		if (n < 0 || (size_t)n >= len - used)
			return;
		used += (size_t)n;
	}
	if (!used)
		snprintf(buf, len, "none");
}

const char *policy_mode_name(enum policy_mode mode)
{
	return mode == POLICY_MANUAL ? "manual" : "auto";
}

const char *policy_reason_text(enum policy_reason reason)
{
	switch (reason) {
	case POLICY_REASON_AC:
		return "on AC power";
	case POLICY_REASON_BATTERY:
		return "on battery";
	case POLICY_REASON_LOW_BATTERY:
		return "battery low";
	case POLICY_REASON_IDLE:
		return "idle";
	case POLICY_REASON_APP:
		return "app rule";
	case POLICY_REASON_MANUAL:
		return "chosen by hand";
	case POLICY_REASON_NONE:
		break;
	}
	return "";
}

enum policy_reason policy_reason_now(const struct policy *p)
{
	if (!p->source_known || !p->offered)
		return POLICY_REASON_NONE;
	enum policy_reason why, hold_why;
	enum pn_profile hold;
	compute_wanted(p, &why, &hold, &hold_why);
	return hold != PN_PROFILE_NONE ? hold_why : why;
}
