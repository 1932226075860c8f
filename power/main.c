#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "panther/log.h"
#include "panther/util.h"
#include "powerd.h"

const char *const backend_names[] = {
	[BACKEND_NONE] = "none",
	[BACKEND_PPD] = "power-profiles-daemon",
	[BACKEND_ASUSD] = "asusd",
};

void powerd_sync_service(struct powerd *d)
{
	const char *warning = dms_warning(d->dms);
	struct service_state state = {
		.active = d->policy.active,
		.custom = d->backend == BACKEND_ASUSD && asusd_custom(d->asusd),
		.manual = d->policy.mode == POLICY_MANUAL,
		.on_battery = d->on_battery,
		.offered = d->backend == BACKEND_NONE ? 0 : d->policy.offered,
		.backend = backend_names[d->backend],
		.warnings = &warning,
		.n_warnings = warning[0] ? 1 : 0,
	};
	if (d->backend == BACKEND_PPD) {
		state.n_holds = ppd_holds(d->ppd, &state.holds);
		state.degraded = ppd_degraded(d->ppd);
	}
	service_update(d->service, &state);
}

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

/* The second line of the bubble. */
static void describe(struct powerd *d, enum policy_reason reason, char *buf, size_t len)
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

static void show(struct powerd *d, enum pn_profile profile, enum policy_reason reason,
	enum cause cause)
{
	if (!d->notify || cause == CAUSE_QUIET)
		return;
	char body[160];
	describe(d, reason, body, sizeof(body));
	notify_profile(d->notify, profile, body);
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
	describe(d, d->policy.hold_reason, reason, sizeof(reason));
	holds_want(d->holds, hold, hold == PN_PROFILE_NONE ? NULL : reason);
	if (hold != d->shown_hold && hold != PN_PROFILE_NONE &&
		d->policy.hold_reason == POLICY_REASON_LOW_BATTERY)
		show(d, hold, POLICY_REASON_LOW_BATTERY, cause);
	d->shown_hold = hold;
}

static void answer(struct powerd *d, DBusMessage *call, enum cause cause, enum pn_profile profile,
	const char *error)
{
	if (!call)
		return;
	DBusMessage *reply;
	if (error) {
		reply = pn_error_reply(call, POWER1_ERROR_FAILED, "%s", error);
	} else {
		reply = dbus_message_new_method_return(call);
		const char *name = pn_profile_name(profile);
		if (reply && cause == CAUSE_CYCLE)
			dbus_message_append_args(reply, DBUS_TYPE_STRING, &name, DBUS_TYPE_INVALID);
	}
	service_reply(d->service, reply);
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
		show(d, req->profile, req->reason, req->cause);
		answer(d, req->call, req->cause, req->profile, NULL);
	}
	powerd_sync_service(d);
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
			show(d, d->policy.active, action.reason, cause);
		}
		answer(d, call, cause, d->policy.active, NULL);
		powerd_sync_service(d);
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
	powerd_sync_service(d);
}

/* ---- taking the name once the first picture is complete ---- */

void powerd_maybe_ready(struct powerd *d)
{
	if (d->name_owned || !d->ppd_slot.known || !d->asusd_slot.known || !d->power_known)
		return;
	char err[256];
	int r = pn_bus_request_name(d->session, POWER1_NAME, err, sizeof(err));
	if (r == -EEXIST) {
		pn_err("%s is taken on the session bus: another panther-powerd runs", POWER1_NAME);
		pn_loop_quit(d->loop, 1);
		return;
	}
	if (r < 0) {
		pn_err("cannot own %s on the session bus: %s", POWER1_NAME, err);
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

/* ---- org.pantheros.Power1 ---- */

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
	static const enum pn_profile all[] = {
		PN_PROFILE_POWER_SAVER, PN_PROFILE_BALANCED, PN_PROFILE_PERFORMANCE};
	const struct pn_power_config *cfg = &d->cfg.power;
	/* From the profile last asked for, so that quick presses each move one step. */
	enum pn_profile current = d->expect != PN_PROFILE_NONE ? d->expect : d->policy.active;
	enum pn_profile next = cfg->cycle_len
		? policy_next_in_order(cfg->cycle, cfg->cycle_len, d->policy.offered, current)
		: policy_next_in_order(all, PN_ARRAY_LEN(all), d->policy.offered, current);
	if (next == PN_PROFILE_NONE) {
		char offered[64];
		policy_format_profiles(d->policy.offered, offered, sizeof(offered));
		return pn_error_reply(msg, POWER1_ERROR_FAILED,
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

static const struct service_handler service_handler = {
	.set = handle_set,
	.cycle = handle_cycle,
	.auto_mode = handle_auto,
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
	apps_set_config(d->apps, &d->cfg.power);
	idle_set_timeout(d->idle, cfg->power.idle_after_s);
	powerd_carry_out(d, policy_set_config(&d->policy, &d->cfg.power), NULL, CAUSE_POLICY);
}

static void on_signal(void *data, int signo)
{
	struct powerd *d = data;
	pn_info("stopping on %s", strsignal(signo));
	pn_loop_quit(d->loop, 0);
}

static void on_bus_lost(void *data, struct pn_bus *bus)
{
	struct powerd *d = data;
	pn_err("lost the %s bus: stopping", bus == d->session ? "session" : "system");
	pn_loop_quit(d->loop, 1);
}

static const char usage[] =
	"Usage: panther-powerd [--config FILE] [--verbose]\n"
	"\n"
	"Switches power profiles by policy (power source, battery level, idle, the\n"
	"focused app) and on request (org.pantheros.Power1, pantherctl power).\n"
	"\n"
	"  -c, --config FILE  use FILE instead of ~/.config/panther/config.json\n"
	"  -v, --verbose      log debug messages too\n"
	"  -h, --help         show this help\n"
	"  -V, --version      print the version\n";

static int parse_args(int argc, char **argv, const char **config_path, bool *verbose)
{
	static const struct option options[] = {
		{"config", required_argument, NULL, 'c'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{0},
	};
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:vhV", options, NULL)) != -1) {
		switch (c) {
		case 'c':
			*config_path = optarg;
			break;
		case 'v':
			*verbose = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		case 'V':
			printf("panther-powerd %s\n", PANTHER_VERSION);
			return 0;
		case ':':
			fprintf(stderr, "panther-powerd: %s needs a value\n", argv[optind - 1]);
			return 2;
		default:
			fprintf(stderr, "panther-powerd: unknown option \"%s\" (see --help)\n",
				argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "panther-powerd: unexpected argument \"%s\" (see --help)\n",
			argv[optind]);
		return 2;
	}
	return -1;
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
	d->service = service_create(d->session, &service_handler, d);
	int r = service_export(d->service);
	if (r < 0) {
		pn_err("cannot export %s: %s", POWER1_PATH, strerror(-r));
		return 1;
	}
	if (d->cfg.power.notify)
		d->notify = notify_create(d->session);
	d->upower = upower_create(d->system, &upower_listener, d);
	d->ppd_slot = (struct backend_slot){.d = d, .kind = BACKEND_PPD, .active = PN_PROFILE_NONE};
	d->asusd_slot = (struct backend_slot){.d = d, .kind = BACKEND_ASUSD, .active = PN_PROFILE_NONE};
	d->ppd = ppd_create(d->system, &backends_listener, &d->ppd_slot);
	d->asusd = asusd_create(d->system, &backends_listener, &d->asusd_slot);
	d->holds = holds_create(d->ppd);
	d->apps = apps_create(d->loop, &d->cfg.power, &apps_listener, d);
	d->idle = idle_create(d->loop, d->cfg.power.idle_after_s, &idle_listener, d);
	d->config_watch = pn_daemon_watch_config(d->loop, &d->cfg, d->config_path,
		config_applied, d);
	pn_loop_add_signal(d->loop, SIGTERM, on_signal, d);
	pn_loop_add_signal(d->loop, SIGINT, on_signal, d);
	return 0;
}

static void stop(struct powerd *d)
{
	pn_config_watch_remove(d->config_watch);
	idle_destroy(d->idle);
	apps_destroy(d->apps);
	holds_destroy(d->holds);
	ppd_destroy(d->ppd);
	asusd_destroy(d->asusd);
	upower_destroy(d->upower);
	/* Switches still waiting: their backend calls were cancelled above. */
	while (d->requests) {
		struct switch_request *req = d->requests;
		d->requests = req->next;
		free_request(req);
	}
	notify_destroy(d->notify);
	service_destroy(d->service);
	dms_destroy(d->dms);
	if (d->system)
		pn_bus_close(d->system);
	if (d->session)
		pn_bus_close(d->session);
	free(d->app_id);
}

int main(int argc, char **argv)
{
	struct powerd d = {
		.backend = BACKEND_NONE,
		.expect = PN_PROFILE_NONE,
		.shown_hold = PN_PROFILE_NONE,
	};
	bool verbose = false;
	int status = parse_args(argc, argv, &d.config_path, &verbose);
	if (status >= 0)
		return status;
	pn_log_init("panther-powerd", verbose ? PN_LOG_DEBUG : PN_LOG_INFO);

	pn_config_init(&d.cfg);
	status = pn_daemon_load_config(&d.cfg, d.config_path);
	if (status != 0) {
		pn_config_finish(&d.cfg);
		return status;
	}
	policy_init(&d.policy, &d.cfg.power);

	d.loop = pn_loop_create();
	if (!d.loop) {
		pn_err("cannot create the event loop");
		pn_config_finish(&d.cfg);
		return 1;
	}
	status = start(&d);
	if (status == 0)
		status = pn_loop_run(d.loop);
	stop(&d);
	pn_loop_destroy(d.loop);
	pn_config_finish(&d.cfg);
	return status;
}
