/*
 * What org.pantheros.Power1 does for panther-powerd: its calls (Set, Cycle,
 * Auto) become the policy's choices, carried out by switch.c, and its
 * properties show the state. power1.c checks the calls and speaks D-Bus.
 */
#include "panther/bus-names.h"
#include "panther/log.h"
#include "panther/util.h"
#include "powerd.h"

void powerd_sync_power1(struct powerd *d)
{
	char osd[1024];
	const char *warnings[2];
	size_t n_warnings = 0;
	if (dms_warning(d->dms)[0])
		warnings[n_warnings++] = dms_warning(d->dms);
	if (powerd_osd_warning(d, osd, sizeof(osd)))
		warnings[n_warnings++] = osd;
	struct power1_state state = {
		.active = d->policy.active,
		.custom = d->backend == BACKEND_ASUSD && asusd_custom(d->asusd),
		.manual = d->policy.mode == POLICY_MANUAL,
		.on_battery = d->on_battery,
		.offered = d->backend == BACKEND_NONE ? 0 : d->policy.offered,
		.backend = backend_names[d->backend],
		.reason = policy_reason_text(policy_reason_now(&d->policy)),
		.warnings = warnings,
		.n_warnings = n_warnings,
	};
	if (d->backend == BACKEND_PPD) {
		state.n_holds = ppd_holds(d->ppd, &state.holds);
		state.degraded = ppd_degraded(d->ppd);
	}
	power1_update(d->power1, &state);
}

/* ---- the calls ---- */

static DBusMessage *handle_set(void *data, DBusMessage *msg, enum pn_profile profile)
{
	struct powerd *d = data;
	pn_info("%s chosen by hand", pn_profile_name(profile));
	powerd_carry_out(d, policy_choose(&d->policy, profile), msg, CAUSE_SET);
	return NULL;
}

static DBusMessage *handle_cycle(void *data, DBusMessage *msg)
{
	struct powerd *d = data;
	static const enum pn_profile all[] = {PN_PROFILE_POWER_SAVER, PN_PROFILE_BALANCED,
		PN_PROFILE_PERFORMANCE};
	const struct pn_power_config *cfg = &d->cfg.power;
	/* From the profile last asked for, so that quick presses each move one step. */
	enum pn_profile current = d->expect != PN_PROFILE_NONE ? d->expect : d->policy.active;
	enum pn_profile next = cfg->cycle_len
		? policy_next_in_order(cfg->cycle, cfg->cycle_len, d->policy.offered, current)
		: policy_next_in_order(all, PN_ARRAY_LEN(all), d->policy.offered, current);
	if (next == PN_PROFILE_NONE) {
		char offered[64];
		policy_format_profiles(d->policy.offered, offered, sizeof(offered));
		return pn_error_reply(msg, PN_POWER1_ERROR_FAILED,
			"no profile of power.cycle is offered (available: %s)", offered);
	}
	pn_info("cycling to %s", pn_profile_name(next));
	powerd_carry_out(d, policy_choose(&d->policy, next), msg, CAUSE_CYCLE);
	return NULL;
}

static DBusMessage *handle_auto(void *data, DBusMessage *msg)
{
	struct powerd *d = data;
	pn_info("back to automatic");
	powerd_carry_out(d, policy_auto(&d->policy), msg, CAUSE_AUTO);
	return NULL;
}

const struct power1_calls power1_calls = {
	.set = handle_set,
	.cycle = handle_cycle,
	.auto_mode = handle_auto,
};
