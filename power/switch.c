/*
 * Switching profiles: what the policy decided is carried out through the
 * backend (a set profile) and holds.c (a temporary one); a Power1 call that
 * asked for it is answered once the backend has switched.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "panther/bus-names.h"
#include "panther/log.h"
#include "panther/util.h"
#include "powerd.h"

static void answer(struct powerd *d, DBusMessage *call, enum cause cause, enum pn_profile profile,
	const char *error)
{
	if (!call)
		return;
	DBusMessage *reply;
	if (error) {
		reply = pn_error_reply(call, PN_POWER1_ERROR_FAILED, "%s", error);
	} else {
		reply = dbus_message_new_method_return(call);
		const char *name = pn_profile_name(profile);
		if (reply && cause == CAUSE_CYCLE)
			dbus_message_append_args(reply, DBUS_TYPE_STRING, &name, DBUS_TYPE_INVALID);
	}
	power1_reply(d->power1, reply);
}

static void unlink_request(struct powerd *d, struct switch_request *req)
{
	for (struct switch_request **p = &d->requests; *p; p = &(*p)->next) {
		if (*p == req) {
			*p = req->next;
			return;
		}
	}
}

static void free_request(struct switch_request *req)
{
	if (req->call)
		dbus_message_unref(req->call);
	free(req);
}

void powerd_drop_requests(struct powerd *d)
{
	while (d->requests) {
		struct switch_request *req = d->requests;
		d->requests = req->next;
		free_request(req);
	}
}

static void on_switched(void *data, const char *error)
{
	struct switch_request *req = data;
	struct powerd *d = req->d;
	unlink_request(d, req);
	const char *name = pn_profile_name(req->profile);
	if (error) {
		pn_warn("cannot switch to %s: %s", name, error);
		if (d->expect == req->profile)
			d->expect = PN_PROFILE_NONE;
		char why[512];
		snprintf(why, sizeof(why), "cannot switch to %s: %s", name, error);
		answer(d, req->call, req->cause, req->profile, why);
	} else {
		pn_info("switched to %s (%s)", name, policy_reason_text(req->reason));
		policy_backend_switched(&d->policy, req->profile);
		powerd_show(d, req->profile, req->reason, req->cause);
		answer(d, req->call, req->cause, req->profile, NULL);
	}
	powerd_sync_power1(d);
	free_request(req);
}

static int backend_set(struct powerd *d, struct switch_request *req)
{
	switch (d->backend) {
	case BACKEND_PPD:
		return ppd_set_profile(d->ppd, req->profile, on_switched, req);
	case BACKEND_ASUSD:
		return asusd_set_profile(d->asusd, req->profile, on_switched, req);
	case BACKEND_NONE:
		break;
	}
	return -ENODEV;
}

/*
 * Hands the policy's temporary profile to holds.c (ppd only): it takes,
 * replaces or releases our hold. Low battery gets its bubble here, as a
 * set profile would.
 */
void powerd_sync_hold(struct powerd *d, enum cause cause)
{
	if (d->backend != BACKEND_PPD)
		return;
	enum pn_profile hold = d->policy.hold;
	char reason[160];
	powerd_describe(d, d->policy.hold_reason, reason, sizeof(reason));
	holds_want(d->holds, hold, hold == PN_PROFILE_NONE ? NULL : reason);
	if (hold != d->shown_hold && hold != PN_PROFILE_NONE &&
		d->policy.hold_reason == POLICY_REASON_LOW_BATTERY)
		powerd_show(d, hold, POLICY_REASON_LOW_BATTERY, cause);
	d->shown_hold = hold;
}

void powerd_carry_out(struct powerd *d, struct policy_action action, DBusMessage *call,
	enum cause cause)
{
	powerd_sync_hold(d, cause);
	if (action.unavailable != PN_PROFILE_NONE) {
		char offered[64];
		policy_format_profiles(d->policy.offered, offered, sizeof(offered));
		pn_notice("%s is not offered by %s (it offers %s): not switching (%s)",
			pn_profile_name(action.unavailable), backend_names[d->backend], offered,
			policy_reason_text(action.reason));
	}
	if (action.set == PN_PROFILE_NONE || action.set == d->policy.active) {
		if (action.set != PN_PROFILE_NONE || cause == CAUSE_AUTO) {
			/* Asked for what is already there: the bubble still confirms it. */
			powerd_show(d, d->policy.active, action.reason, cause);
		}
		answer(d, call, cause, d->policy.active, NULL);
		powerd_sync_power1(d);
		return;
	}
	if (!call && action.set == d->expect) {
		/* Already asked for: the answer is on its way. */
		return;
	}
	struct switch_request *req = pn_xcalloc(1, sizeof(*req));
	*req = (struct switch_request){
		.d = d,
		.profile = action.set,
		.reason = action.reason,
		.cause = cause,
		.call = call ? dbus_message_ref(call) : NULL,
		.next = d->requests,
	};
	d->requests = req;
	d->expect = action.set;
	pn_debug("switching to %s (%s)", pn_profile_name(action.set),
		policy_reason_text(action.reason));
	int r = backend_set(d, req);
	if (r < 0) {
		unlink_request(d, req);
		d->expect = PN_PROFILE_NONE;
		char why[256];
		snprintf(why, sizeof(why), "cannot ask %s to switch to %s: %s",
			backend_names[d->backend], pn_profile_name(action.set), strerror(-r));
		pn_warn("%s", why);
		answer(d, call, cause, action.set, why);
		free_request(req);
	}
	powerd_sync_power1(d);
}
