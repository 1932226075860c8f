#include "holds.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "panther/log.h"
#include "panther/util.h"

struct holds {
	struct ppd *ppd;
	enum pn_profile want;
	char *reason;
	/* The hold we have (cookie valid when held is not NONE). */
	enum pn_profile held;
	uint32_t cookie;
	/* A HoldProfile in flight, for this profile. */
	enum pn_profile taking;
	/* The last HoldProfile failed for this profile: not retried until want changes. */
	enum pn_profile failed;
	/* ppd went away while a HoldProfile was in flight: its failure is not final. */
	bool reset_while_taking;
};

static void sync_holds(struct holds *holds);

static void on_released(void *data, uint32_t cookie, const char *error)
{
	/* ppd may have ended the hold itself already (ActiveProfile set, restart). */
	if (error)
		pn_debug("ReleaseProfile: %s", error);
}

static void release_held(struct holds *holds)
{
	if (holds->held == PN_PROFILE_NONE)
		return;
	pn_debug("releasing our hold on %s", pn_profile_name(holds->held));
	ppd_release(holds->ppd, holds->cookie, on_released, NULL);
	holds->held = PN_PROFILE_NONE;
	holds->cookie = 0;
}

static void on_held(void *data, uint32_t cookie, const char *error)
{
	struct holds *holds = data;
	enum pn_profile profile = holds->taking;
	holds->taking = PN_PROFILE_NONE;
	bool reset = holds->reset_while_taking;
	holds->reset_while_taking = false;
	if (error && reset) {
		pn_debug("HoldProfile to the previous power-profiles-daemon: %s", error);
	} else if (error) {
		pn_warn("power-profiles-daemon refused to hold %s: %s", pn_profile_name(profile),
			error);
		holds->failed = profile;
	} else {
		release_held(holds);
		holds->held = profile;
		holds->cookie = cookie;
		pn_info("holding %s (%s)", pn_profile_name(profile), holds->reason);
	}
	sync_holds(holds);
}

static void sync_holds(struct holds *holds)
{
	if (holds->taking != PN_PROFILE_NONE || holds->want == holds->held)
		return;
	if (holds->want == PN_PROFILE_NONE) {
		if (holds->held != PN_PROFILE_NONE)
			pn_info("releasing the hold on %s", pn_profile_name(holds->held));
		release_held(holds);
		return;
	}
	if (holds->want == holds->failed)
		return;
	holds->taking = holds->want;
	int r = ppd_hold(holds->ppd, holds->want, holds->reason, HOLDS_APP_ID, on_held, holds);
	if (r < 0) {
		holds->taking = PN_PROFILE_NONE;
		holds->failed = holds->want;
		pn_warn("cannot ask power-profiles-daemon to hold %s: %s",
			pn_profile_name(holds->want), strerror(-r));
	}
}

void holds_want(struct holds *holds, enum pn_profile profile, const char *reason)
{
	if (profile != holds->want)
		holds->failed = PN_PROFILE_NONE;
	holds->want = profile;
	if (reason && (!holds->reason || strcmp(reason, holds->reason) != 0)) {
		free(holds->reason);
		holds->reason = pn_xstrdup(reason);
	}
	sync_holds(holds);
}

void holds_reset(struct holds *holds)
{
	holds->held = PN_PROFILE_NONE;
	holds->cookie = 0;
	holds->failed = PN_PROFILE_NONE;
	holds->reset_while_taking = holds->taking != PN_PROFILE_NONE;
}

void holds_check(struct holds *holds, bool listed)
{
	if (listed || holds->held == PN_PROFILE_NONE || holds->taking != PN_PROFILE_NONE)
		return;
	pn_debug("our hold on %s was ended by power-profiles-daemon", pn_profile_name(holds->held));
	holds->held = PN_PROFILE_NONE;
	holds->cookie = 0;
	sync_holds(holds);
}

struct holds *holds_create(struct ppd *ppd)
{
	struct holds *holds = pn_xcalloc(1, sizeof(*holds));
	holds->ppd = ppd;
	holds->want = holds->held = holds->taking = holds->failed = PN_PROFILE_NONE;
	return holds;
}

void holds_destroy(struct holds *holds)
{
	if (!holds)
		return;
	free(holds->reason);
	free(holds);
}

enum pn_profile holds_held(const struct holds *holds)
{
	return holds->held;
}

bool holds_classify(const struct ppd_hold *list, size_t n, bool *ours)
{
	bool foreign = false;
	*ours = false;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(list[i].app_id, HOLDS_APP_ID) == 0)
			*ours = true;
		else
			foreign = true;
	}
	return foreign;
}

void holds_format_foreign(const struct ppd_hold *list, size_t n, char *buf, size_t len)
{
	size_t used = 0;
	if (!len)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < n && used < len; i++) {
		if (strcmp(list[i].app_id, HOLDS_APP_ID) == 0)
			continue;
		char *app = pn_sanitize_text(list[i].app_id[0] ? list[i].app_id : "a program", 64);
		char *reason = pn_sanitize_text(list[i].reason, 64);
		const char *profile = pn_profile_name(list[i].profile);
		int r = snprintf(buf + used, len - used, "%s%s by %s%s%s%s", used ? "; " : "",
			list[i].profile == PN_PROFILE_NONE ? "a profile" : profile, app,
			reason && reason[0] ? " (" : "", reason ? reason : "",
			reason && reason[0] ? ")" : "");
		free(app);
		free(reason);
		if (r < 0)
			return;
		used += (size_t)r;
	}
}
