/*
 * panther-powerd: switches power profiles by policy (policy.c) and on
 * request (org.pantheros.Power1: power1.c, control.c). main.c wires the
 * inputs (upower.c, idle.c, apps.c) and the backends (backends.c, ppd.c,
 * asusd.c) to the policy; switch.c carries out what it decides.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "panther/bus-names.h"
#include "panther/log.h"
#include "panther/util.h"
#include "powerd.h"

/* ---- taking the name once the first picture is complete ---- */

void powerd_maybe_ready(struct powerd *d)
{
	if (d->name_owned || !d->ppd_slot.known || !d->asusd_slot.known || !d->power_known)
		return;
	char err[256];
	int r = pn_bus_request_name(d->session, PN_POWER1_NAME, err, sizeof(err));
	if (r == -EEXIST) {
		pn_err("%s is taken on the session bus: another panther-powerd runs",
			PN_POWER1_NAME);
		pn_loop_quit(d->loop, 1);
		return;
	}
	if (r < 0) {
		pn_err("cannot own %s on the session bus: %s", PN_POWER1_NAME, err);
		pn_loop_quit(d->loop, 1);
		return;
	}
	d->name_owned = true;
	pn_notify_ready(NULL);
}

/* ---- inputs ---- */

static void power_on_battery(void *data, bool on_battery)
{
	struct powerd *d = data;
	bool first = !d->power_known;
	if (!first && on_battery == d->on_battery)
		return;
	d->on_battery = on_battery;
	d->power_known = true;
	pn_info("%s%s", first ? "power source: " : "", on_battery ? "on battery" : "on AC power");
	powerd_carry_out(d, policy_set_on_battery(&d->policy, on_battery), NULL,
		first ? CAUSE_QUIET : CAUSE_POLICY);
	powerd_maybe_ready(d);
}

static void power_percent(void *data, double percent)
{
	struct powerd *d = data;
	d->percent = percent;
	powerd_carry_out(d, policy_set_percent(&d->policy, percent), NULL, CAUSE_POLICY);
}

static const struct upower_listener upower_listener = {
	.on_battery = power_on_battery,
	.percent = power_percent,
};

static void idle_changed(void *data, bool idle)
{
	struct powerd *d = data;
	powerd_carry_out(d, policy_set_idle(&d->policy, idle), NULL, CAUSE_QUIET);
}

static const struct idle_listener idle_listener = {
	.changed = idle_changed,
};

static void app_changed(void *data, enum pn_profile profile, const char *app_id)
{
	struct powerd *d = data;
	free(d->app_id);
	d->app_id = app_id ? pn_xstrdup(app_id) : NULL;
	if (profile != PN_PROFILE_NONE)
		pn_debug("app rule: %s holds %s", app_id, pn_profile_name(profile));
	powerd_carry_out(d, policy_set_app(&d->policy, profile), NULL, CAUSE_QUIET);
}

static const struct apps_listener apps_listener = {
	.changed = app_changed,
};

/* ---- the process ---- */

static void config_applied(void *data, const struct pn_config *cfg, const struct pn_config *old)
{
	struct powerd *d = data;
	if (cfg->power.notify && !d->notify)
		d->notify = notify_create(d->session);
	else if (!cfg->power.notify && d->notify) {
		notify_destroy(d->notify);
		d->notify = NULL;
	}
	dms_reload(d->dms);
	powerd_sync_power1(d); /* DMS's OSD may stand in for the bubble now, or no longer */
	apps_set_config(d->apps, &d->cfg.power);
	idle_set_timeout(d->idle, cfg->power.idle_after_s);
	powerd_carry_out(d, policy_set_config(&d->policy, &d->cfg.power), NULL, CAUSE_POLICY);
}

/* Options, logging, the config and its reload on SIGHUP, the stop: ipc/daemon.c. */
static const struct pn_daemon_info daemon_info = {
	.name = "panther-powerd",
	.summary = "Switches power profiles by policy (power source, battery level, idle, the\n"
		   "focused app) and on request (org.pantheros.Power1, pantherctl power).\n",
	.config_applied = config_applied,
};

static void on_bus_lost(void *data, struct pn_bus *bus)
{
	struct powerd *d = data;
	pn_err("lost the %s bus: stopping", bus == d->session ? "session" : "system");
	pn_loop_quit(d->loop, 1);
}

static int start(struct powerd *d)
{
	char err[256];
	d->session = pn_bus_open(d->loop, PN_BUS_SESSION, err, sizeof(err));
	if (!d->session) {
		pn_err("cannot connect to the session bus: %s", err);
		return 1;
	}
	d->system = pn_bus_open(d->loop, PN_BUS_SYSTEM, err, sizeof(err));
	if (!d->system) {
		pn_err("cannot connect to the system bus: %s", err);
		return 1;
	}
	pn_bus_set_lost_handler(d->session, on_bus_lost, d);
	pn_bus_set_lost_handler(d->system, on_bus_lost, d);

	d->dms = dms_create(NULL);
	dms_reload(d->dms);
	d->power1 = power1_create(d->session, &power1_calls, d);
	int r = power1_export(d->power1);
	if (r < 0) {
		pn_err("cannot export %s: %s", PN_POWER1_PATH, strerror(-r));
		return 1;
	}
	if (d->cfg.power.notify)
		d->notify = notify_create(d->session);
	d->upower = upower_create(d->system, &upower_listener, d);
	d->ppd_slot = (struct backend_slot){.d = d, .kind = BACKEND_PPD, .active = PN_PROFILE_NONE};
	d->asusd_slot =
		(struct backend_slot){.d = d, .kind = BACKEND_ASUSD, .active = PN_PROFILE_NONE};
	d->ppd = ppd_create(d->system, &backends_listener, &d->ppd_slot);
	d->asusd = asusd_create(d->system, &backends_listener, &d->asusd_slot);
	d->holds = holds_create(d->ppd);
	d->apps = apps_create(d->loop, &d->cfg.power, &apps_listener, d);
	d->idle = idle_create(d->loop, d->cfg.power.idle_after_s, &idle_listener, d);
	return 0;
}

static void stop(struct powerd *d)
{
	idle_destroy(d->idle);
	apps_destroy(d->apps);
	holds_destroy(d->holds);
	ppd_destroy(d->ppd);
	asusd_destroy(d->asusd);
	upower_destroy(d->upower);
	/* Switches still waiting: their backend calls were cancelled above. */
	powerd_drop_requests(d);
	notify_destroy(d->notify);
	power1_destroy(d->power1);
	dms_destroy(d->dms);
	if (d->system)
		pn_bus_close(d->system);
	if (d->session)
		pn_bus_close(d->session);
	free(d->app_id);
	pn_daemon_finish(&d->daemon);
}

int main(int argc, char **argv)
{
	struct powerd d = {
		.backend = BACKEND_NONE,
		.expect = PN_PROFILE_NONE,
		.shown_hold = PN_PROFILE_NONE,
	};
	int status = pn_daemon_init(&d.daemon, &daemon_info, &d, &d.cfg, argc, argv);
	if (status >= 0)
		return status;
	d.loop = d.daemon.loop;
	policy_init(&d.policy, &d.cfg.power);

	status = start(&d);
	if (status == 0)
		status = pn_loop_run(d.loop);
	stop(&d);
	return status;
}
