/*
 * The profile bubble's words: its second line says why the profile is on
 * (the same text is the reason of our power-profiles-daemon hold), and
 * which causes show a bubble at all. notify.c sends it.
 */
#include <stdio.h>
#include <stdlib.h>

#include "panther/log.h"
#include "panther/util.h"
#include "powerd.h"

static const char *manual_text(const struct pn_power_config *cfg)
{
	switch (cfg->manual) {
	case PN_MANUAL_UNTIL_POWER_CHANGE:
		return "Chosen by hand, until the charger is plugged in or out";
	case PN_MANUAL_UNTIL_AUTO:
		return "Chosen by hand, until pantherctl power auto";
	case PN_MANUAL_NEVER:
		break;
	}
	return "Chosen by hand, until the policy changes it";
}

void powerd_describe(struct powerd *d, enum policy_reason reason, char *buf, size_t len)
{
	switch (reason) {
	case POLICY_REASON_AC:
		snprintf(buf, len, "On AC power");
		return;
	case POLICY_REASON_BATTERY:
		snprintf(buf, len, "On battery");
		return;
	case POLICY_REASON_LOW_BATTERY:
		snprintf(buf, len, "Battery low (%.0f%%)", d->percent);
		return;
	case POLICY_REASON_IDLE:
		snprintf(buf, len, "Idle");
		return;
	case POLICY_REASON_APP: {
		char *app = pn_sanitize_text(d->app_id, 64);
		snprintf(buf, len, "%s is focused", app ? app : "an app");
		free(app);
		return;
	}
	case POLICY_REASON_MANUAL:
		snprintf(buf, len, "%s", manual_text(&d->cfg.power));
		return;
	case POLICY_REASON_NONE:
		break;
	}
	snprintf(buf, len, "Automatic");
}

void powerd_show(struct powerd *d, enum pn_profile profile, enum policy_reason reason,
	enum cause cause)
{
	if (!d->notify || cause == CAUSE_QUIET)
		return;
	char body[160];
	powerd_describe(d, reason, body, sizeof(body));
	powerd_bubble(d, profile, body);
}

bool powerd_osd_warning(struct powerd *d, char *buf, size_t len)
{
	bool instead = d->notify && dms_osd(d->dms);
	buf[0] = '\0';
	if (instead)
		snprintf(buf, len,
			"DankMaterialShell shows its own power profile OSD (osdPowerProfileEnabled in "
			"%s): panther-powerd sends no bubble, so the two do not both show; to have "
			"panther's, which says why the profile changed and keeps holds quiet, %s",
			dms_path(d->dms), dms_osd_fix);
	if (instead && !d->osd_said)
		pn_warn("%s", buf);
	d->osd_said = instead;
	return instead;
}

void powerd_bubble(struct powerd *d, enum pn_profile profile, const char *body)
{
	if (d->notify && !dms_osd(d->dms))
		notify_profile(d->notify, profile, body);
}
