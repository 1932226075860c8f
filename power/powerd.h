#ifndef POWER_POWERD_H
#define POWER_POWERD_H

/*
 * panther-powerd's state, shared by main.c (the process, the inputs),
 * switch.c (carrying out the policy's decisions), control.c
 * (org.pantheros.Power1's calls and properties), describe.c (the bubble's
 * words) and backends.c (what power-profiles-daemon and asusd report, holds
 * included).
 */

#include <stdbool.h>
#include <stddef.h>

#include "apps.h"
#include "asusd.h"
#include "dms.h"
#include "holds.h"
#include "idle.h"
#include "notify.h"
#include "panther/daemon.h"
#include "panther/dbus.h"
#include "policy.h"
#include "ppd.h"
#include "power1.h"
#include "upower.h"

enum backend_kind { BACKEND_NONE, BACKEND_PPD, BACKEND_ASUSD };

/* "none", "power-profiles-daemon", "asusd" */
extern const char *const backend_names[];

/* Why a profile is being set: decides the bubble and the reply. */
enum cause {
	CAUSE_POLICY, /* power source, battery level: shown */
	CAUSE_QUIET, /* idle, app rules, backend (re)appearing: not shown */
	CAUSE_SET,
	CAUSE_CYCLE,
	CAUSE_AUTO,
};

struct powerd;

/* What one backend last reported. */
struct backend_slot {
	struct powerd *d;
	enum backend_kind kind;
	bool known;
	bool present;
	unsigned offered;
	enum pn_profile active;
};

/* A switch asked of the backend, waiting for its answer. */
struct switch_request {
	struct powerd *d;
	enum pn_profile profile;
	enum policy_reason reason;
	enum cause cause;
	DBusMessage *call; /* the Power1 call to answer, or NULL */
	struct switch_request *next;
};

struct powerd {
	struct pn_daemon daemon;
	struct pn_loop *loop; /* daemon.loop */
	struct pn_config cfg;
	struct pn_bus *session;
	struct pn_bus *system;
	struct policy policy;

	struct ppd *ppd;
	struct asusd *asusd;
	struct backend_slot ppd_slot;
	struct backend_slot asusd_slot;
	enum backend_kind backend;
	bool said_no_backend;
	/* The profile last asked of the backend, until it reports it. */
	enum pn_profile expect;
	struct switch_request *requests;
	struct holds *holds;
	bool ppd_held; /* ppd's last report had holds */
	char foreign_text[512]; /* other programs' holds, as last logged */
	char degraded[128]; /* ppd's PerformanceDegraded, as last logged */
	enum pn_profile shown_hold; /* the temporary profile last handed to holds */

	struct upower *upower;
	bool power_known;
	bool on_battery;
	double percent;

	struct idle *idle;
	struct apps *apps;
	char *app_id;
	struct notify *notify;
	struct dms *dms;
	bool osd_said; /* the log said that DMS's power OSD stands in for the bubble */
	struct power1 *power1;
	bool name_owned;
};

/* ---- main.c ---- */

/* Takes org.pantheros.Power1 once the backends and the power source are known. */
void powerd_maybe_ready(struct powerd *d);

/* ---- switch.c ---- */

/*
 * Does what the policy decided. call (when not NULL) is answered once the
 * backend has switched, or at once when there is nothing to switch.
 */
void powerd_carry_out(struct powerd *d, struct policy_action action, DBusMessage *call,
	enum cause cause);
/* Hands the policy's temporary profile to holds.c (ppd only). */
void powerd_sync_hold(struct powerd *d, enum cause cause);
/* Frees the switches still waiting, their calls unanswered (at stop). */
void powerd_drop_requests(struct powerd *d);

/* ---- control.c ---- */

/* org.pantheros.Power1's calls, for power1_create(), with the struct powerd as data. */
extern const struct power1_calls power1_calls;
/* Hands the state to org.pantheros.Power1's properties. */
void powerd_sync_power1(struct powerd *d);

/* ---- describe.c ---- */

/* The bubble's second line (and our hold's reason) for reason. */
void powerd_describe(struct powerd *d, enum policy_reason reason, char *buf, size_t len);
/* Shows the bubble for profile, unless cause is quiet or bubbles are off. */
void powerd_show(struct powerd *d, enum pn_profile profile, enum policy_reason reason,
	enum cause cause);
/* Shows the bubble with body, unless bubbles are off or DMS shows its own OSD. */
void powerd_bubble(struct powerd *d, enum pn_profile profile, const char *body);
/*
 * Whether DMS's power OSD takes the bubble's place (power.notify on and
 * DMS's OSD on), with the warning in buf; logged once when it starts.
 */
bool powerd_osd_warning(struct powerd *d, char *buf, size_t len);

/* ---- backends.c ---- */

/* For ppd_create() and asusd_create(), with the struct backend_slot as data. */
extern const struct backend_listener backends_listener;

#endif
