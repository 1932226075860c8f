/*
 * What the backends report: which one is used (ppd before asusd), their
 * profile changes, and ppd's holds, told apart from choices made by hand.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "panther/bus-names.h"
#include "panther/log.h"
#include "panther/util.h"
#include "powerd.h"

const char *const backend_names[] = {
	[BACKEND_NONE] = "none",
	[BACKEND_PPD] = "power-profiles-daemon",
	[BACKEND_ASUSD] = "asusd",
};

/* Logs ppd's PerformanceDegraded (lap-detected, high-operating-temperature) when it changes. */
static void note_degraded(struct powerd *d)
{
	const char *now = ppd_degraded(d->ppd);
	if (strcmp(now, d->degraded) == 0)
		return;
	char *shown = pn_sanitize_text(now, 100);
	if (now[0])
		pn_notice("power-profiles-daemon: performance is degraded (%s)", shown);
	else
		pn_info("power-profiles-daemon: performance is no longer degraded");
	free(shown);
	snprintf(d->degraded, sizeof(d->degraded), "%s", now);
}

/* Logs other programs' holds when they begin, change or end. */
static void note_foreign_holds(struct powerd *d, bool foreign, const struct ppd_hold *list,
	size_t n)
{
	char text[512];
	holds_format_foreign(list, n, text, sizeof(text));
	if (strcmp(text, d->foreign_text) == 0)
		return;
	if (foreign)
		pn_info("power-profiles-daemon holds %s: left alone until it ends", text);
	else
		pn_info("holds by other programs ended");
	snprintf(d->foreign_text, sizeof(d->foreign_text), "%s", text);
}

static const struct backend_slot *slot_of(struct powerd *d, enum backend_kind kind)
{
	return kind == BACKEND_PPD ? &d->ppd_slot : &d->asusd_slot;
}

/* Starts using a backend that appeared (or came back under another name). */
static void use_backend(struct powerd *d, const struct backend_slot *slot)
{
	char offered[64];
	const char *active = pn_profile_name(slot->active);
	policy_format_profiles(slot->offered, offered, sizeof(offered));
	pn_info("using %s (%s): offers %s, active %s", backend_names[slot->kind],
		slot->kind == BACKEND_PPD ? ppd_bus_name(d->ppd) : PN_ASUSD_NAME, offered,
		active ? active : "unknown");
	d->said_no_backend = false;
	d->expect = PN_PROFILE_NONE;
	policy_set_can_hold(&d->policy, slot->kind == BACKEND_PPD);
	if (slot->kind == BACKEND_PPD) {
		/* A new ppd has none of our holds: they are taken again below. */
		holds_reset(d->holds);
		d->shown_hold = PN_PROFILE_NONE;
		const struct ppd_hold *list;
		size_t n = ppd_holds(d->ppd, &list);
		bool ours;
		bool foreign = holds_classify(list, n, &ours);
		d->ppd_held = n > 0;
		policy_backend_reported(&d->policy, slot->active, n > 0);
		note_foreign_holds(d, foreign, list, n);
		policy_set_foreign_hold(&d->policy, foreign);
	}
	powerd_carry_out(d, policy_set_backend(&d->policy, slot->offered, slot->active), NULL,
		CAUSE_QUIET);
}

static void backends_select(struct powerd *d)
{
	enum backend_kind want = BACKEND_NONE;
	if (d->ppd_slot.present)
		want = BACKEND_PPD;
	else if (d->asusd_slot.present)
		want = BACKEND_ASUSD;
	if (want != d->backend) {
		if (d->backend != BACKEND_NONE) {
			pn_notice("%s is gone from the system bus", backend_names[d->backend]);
			policy_backend_gone(&d->policy);
			holds_reset(d->holds);
			d->ppd_held = false;
		}
		d->backend = want;
		d->expect = PN_PROFILE_NONE;
		if (want != BACKEND_NONE)
			use_backend(d, slot_of(d, want));
		else
			powerd_sync_power1(d);
	}
	if (d->backend == BACKEND_NONE && d->ppd_slot.known && d->asusd_slot.known &&
		!d->said_no_backend) {
		d->said_no_backend = true;
		pn_warn("no power profile backend: neither power-profiles-daemon (org.freedesktop.UPower.PowerProfiles, net.hadess.PowerProfiles) nor asusd (xyz.ljones.Asusd) is on the system bus; waiting for one to appear");
	}
	powerd_maybe_ready(d);
}

/* A switch to profile is waiting for the backend's answer. */
static bool requested(struct powerd *d, enum pn_profile profile)
{
	for (struct switch_request *req = d->requests; req; req = req->next) {
		if (req->profile == profile)
			return true;
	}
	return false;
}

/* The profile changed without us: a choice made by hand elsewhere. */
static void external_change(struct powerd *d, enum pn_profile active)
{
	pn_info("the profile was changed to %s outside panther: taken as a manual choice",
		pn_profile_name(active));
	policy_external(&d->policy, active);
	powerd_sync_hold(d, CAUSE_QUIET);
	powerd_bubble(d, active, "Changed outside panther");
	powerd_sync_power1(d);
}

/* The backend's active profile changed (no holds involved). */
static void active_changed(struct powerd *d, enum pn_profile active)
{
	if (active == PN_PROFILE_NONE) {
		/* asusd's Custom: none of ours; the policy's next change replaces it. */
		policy_backend_reported(&d->policy, active, false);
		powerd_sync_power1(d);
		return;
	}
	if (active == d->policy.active) {
		if (active == d->expect)
			d->expect = PN_PROFILE_NONE;
		return;
	}
	if (active == d->expect || requested(d, active)) {
		if (active == d->expect)
			d->expect = PN_PROFILE_NONE;
		policy_backend_switched(&d->policy, active);
		powerd_sync_power1(d);
		return;
	}
	external_change(d, active);
}

/*
 * ppd's report, holds included. While any hold decides the profile it is
 * not a choice: another program's hold is left alone (ActiveProfile is not
 * set, which would end it) until it ends; ppd then returns to the profile
 * from before the holds. Our hold vanishing while we still have it means
 * someone set ActiveProfile: a choice made by hand.
 */
static void ppd_changed(struct powerd *d, enum pn_profile active)
{
	const struct ppd_hold *list;
	size_t n = ppd_holds(d->ppd, &list);
	bool ours;
	bool foreign = holds_classify(list, n, &ours);
	bool held = n > 0;
	bool was_held = d->ppd_held;
	bool own_switch = active != PN_PROFILE_NONE &&
		(active == d->expect || requested(d, active));
	bool ours_ended = !ours && holds_held(d->holds) != PN_PROFILE_NONE;
	d->ppd_held = held;
	if (held || (was_held && !own_switch && !ours_ended)) {
		if (active == d->expect)
			d->expect = PN_PROFILE_NONE;
		policy_backend_reported(&d->policy, active, held);
		if (!held)
			powerd_carry_out(d, policy_holds_ended(&d->policy), NULL, CAUSE_QUIET);
		powerd_sync_power1(d);
	} else if (ours_ended && !own_switch && active != PN_PROFILE_NONE) {
		external_change(d, active);
	} else {
		active_changed(d, active);
	}
	note_foreign_holds(d, foreign, list, n);
	note_degraded(d);
	powerd_carry_out(d, policy_set_foreign_hold(&d->policy, foreign), NULL, CAUSE_POLICY);
	holds_check(d->holds, ours);
	powerd_sync_power1(d);
}

/* The backend in use reported new values. */
static void backend_changed(struct powerd *d, unsigned offered, enum pn_profile active)
{
	if (offered != d->policy.offered) {
		char list[64];
		policy_format_profiles(offered, list, sizeof(list));
		pn_info("%s now offers %s", backend_names[d->backend], list);
		powerd_carry_out(d, policy_set_backend(&d->policy, offered, active), NULL,
			CAUSE_QUIET);
		return;
	}
	if (d->backend == BACKEND_PPD)
		ppd_changed(d, active);
	else
		active_changed(d, active);
}

static void slot_appeared(void *data, unsigned offered, enum pn_profile active)
{
	struct backend_slot *slot = data;
	slot->known = slot->present = true;
	slot->offered = offered;
	slot->active = active;
	if (slot->d->backend == slot->kind)
		use_backend(slot->d, slot); /* the same backend under another name */
	else
		backends_select(slot->d);
}

static void slot_changed(void *data, unsigned offered, enum pn_profile active)
{
	struct backend_slot *slot = data;
	slot->offered = offered;
	slot->active = active;
	if (slot->d->backend == slot->kind)
		backend_changed(slot->d, offered, active);
}

static void slot_gone(void *data)
{
	struct backend_slot *slot = data;
	slot->known = true;
	slot->present = false;
	slot->offered = 0;
	slot->active = PN_PROFILE_NONE;
	backends_select(slot->d);
}

const struct backend_listener backends_listener = {
	.appeared = slot_appeared,
	.changed = slot_changed,
	.gone = slot_gone,
};
