#include "systemd.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "environment.h"
#include "panther/bus-names.h"
#include "panther/log.h"
#include "panther/util.h"

struct systemd_session {
	struct pn_bus *bus;
	struct systemd_listener listener;
	void *data;
	char *target;
	char **assignments; /* what we export: "NAME=VALUE" */
	char **names; /* their names, to unset */
	struct pn_match *job_match;
	char *job; /* the target's start job */
	char **early_jobs; /* jobs that ended before StartUnit answered */
	bool busy; /* a step's call is in flight */
	struct pn_pending *pending; /* that call, when it goes to systemd */
	bool env_sent;
	bool start_sent;
	bool start_done;
	bool up_reported;
	bool stop_requested;
	bool stopping;
};

/* ---- probing ---- */

struct probe {
	void (*fn)(void *data, bool present);
	void *data;
};

static void probe_reply(void *data, DBusMessage *reply, const DBusError *err)
{
	struct probe *probe = data;
	dbus_bool_t has_owner = FALSE;
	if (!reply ||
		!dbus_message_get_args(reply, NULL, DBUS_TYPE_BOOLEAN, &has_owner,
			DBUS_TYPE_INVALID))
		has_owner = FALSE;
	probe->fn(probe->data, has_owner);
	free(probe);
}

int systemd_probe(struct pn_bus *bus, void (*fn)(void *data, bool present), void *data)
{
	struct probe *probe = pn_xcalloc(1, sizeof(*probe));
	probe->fn = fn;
	probe->data = data;
	const char *name = PN_SYSTEMD_NAME;
	int r = pn_bus_call_method(bus, DBUS_SERVICE_DBUS, DBUS_PATH_DBUS, DBUS_INTERFACE_DBUS,
		"NameHasOwner", probe_reply, probe, NULL, DBUS_TYPE_STRING, &name,
		DBUS_TYPE_INVALID);
	if (r < 0)
		free(probe);
	return r;
}

/* ---- the steps, one call each, in order ---- */

static void begin_stop(struct systemd_session *sd);
static void step_activation(struct systemd_session *sd);
static void step_subscribe(struct systemd_session *sd);
static void step_start(struct systemd_session *sd);

static const char *error_text(const DBusError *err)
{
	return err && err->message ? err->message : "no reply";
}

static void report_up(struct systemd_session *sd)
{
	if (sd->up_reported)
		return;
	sd->up_reported = true;
	if (sd->listener.up)
		sd->listener.up(sd->data);
}

/* A step's reply came: false when a stop request takes over instead. */
static bool step_done(struct systemd_session *sd)
{
	sd->busy = false;
	if (!sd->stop_requested)
		return true;
	begin_stop(sd);
	return false;
}

static int call_manager(struct systemd_session *sd, const char *method, pn_reply_fn fn,
	int first_type, ...)
{
	DBusMessage *msg = dbus_message_new_method_call(PN_SYSTEMD_NAME, PN_SYSTEMD_PATH,
		PN_SYSTEMD_MANAGER_IFACE, method);
	if (!msg)
		return -ENOMEM;
	va_list ap;
	va_start(ap, first_type);
	bool ok = dbus_message_append_args_valist(msg, first_type, ap);
	va_end(ap);
	int r = ok ? pn_bus_call(sd->bus, msg, 0, fn, sd, &sd->pending) : -ENOMEM;
	dbus_message_unref(msg);
	if (r == 0)
		sd->busy = true;
	return r;
}

static void set_env_reply(void *data, DBusMessage *reply, const DBusError *err)
{
	struct systemd_session *sd = data;
	sd->pending = NULL;
	if (!reply)
		pn_err("cannot export the environment to systemd: %s", error_text(err));
	if (step_done(sd))
		step_activation(sd);
}

static void step_set_env(struct systemd_session *sd)
{
	int n = (int)pn_strv_len(sd->assignments);
	if (n == 0) {
		pn_warn("none of session.import_env is set: nothing to export");
		step_subscribe(sd);
		return;
	}
	int r = call_manager(sd, "SetEnvironment", set_env_reply, DBUS_TYPE_ARRAY, DBUS_TYPE_STRING,
		&sd->assignments, n, DBUS_TYPE_INVALID);
	if (r < 0) {
		pn_err("cannot export the environment to systemd: %s", strerror(-r));
		step_activation(sd);
		return;
	}
	sd->env_sent = true;
}

static void activation_done(void *data)
{
	struct systemd_session *sd = data;
	if (step_done(sd))
		step_subscribe(sd);
}

static void step_activation(struct systemd_session *sd)
{
	if (!sd->assignments[0] ||
		environment_export_activation(sd->bus, sd->assignments, activation_done, sd) < 0) {
		step_subscribe(sd);
		return;
	}
	sd->busy = true;
}

static bool job_failed(const char *result)
{
	return strcmp(result, "done") != 0 && strcmp(result, "skipped") != 0;
}

static void start_job_ended(struct systemd_session *sd, const char *result)
{
	sd->start_done = true;
	if (job_failed(result))
		pn_err("%s: failed to start (job result \"%s\")", sd->target, result);
	else
		pn_info("%s: started", sd->target);
}

static void job_removed(void *data, DBusMessage *msg)
{
	struct systemd_session *sd = data;
	dbus_uint32_t id;
	const char *job, *unit, *result;
	if (sd->stopping || sd->start_done ||
		!dbus_message_get_args(msg, NULL, DBUS_TYPE_UINT32, &id, DBUS_TYPE_OBJECT_PATH,
			&job, DBUS_TYPE_STRING, &unit, DBUS_TYPE_STRING, &result,
			DBUS_TYPE_INVALID))
		return;
	if (sd->job && strcmp(job, sd->job) == 0) {
		start_job_ended(sd, result);
		return;
	}
	/* Jobs of the target's units end first: name the ones that failed. */
	if (job_failed(result) && strcmp(unit, sd->target) != 0)
		pn_err("%s: failed to start (job result \"%s\")", unit, result);
	if (!sd->job) {
		char *entry = pn_xcalloc(strlen(job) + strlen(result) + 2, 1);
		strcpy(entry, job);
		strcat(entry, " ");
		strcat(entry, result);
		pn_strv_push(&sd->early_jobs, entry);
		free(entry);
	}
}

static void subscribe_reply(void *data, DBusMessage *reply, const DBusError *err)
{
	struct systemd_session *sd = data;
	sd->pending = NULL;
	if (!reply)
		pn_warn("cannot subscribe to systemd's job signals: %s", error_text(err));
	if (step_done(sd))
		step_start(sd);
}

static void step_subscribe(struct systemd_session *sd)
{
	sd->job_match = pn_bus_subscribe(sd->bus, PN_SYSTEMD_NAME, PN_SYSTEMD_PATH,
		PN_SYSTEMD_MANAGER_IFACE, "JobRemoved", job_removed, sd);
	if (!sd->job_match)
		pn_warn("cannot watch systemd's JobRemoved signals");
	int r = call_manager(sd, "Subscribe", subscribe_reply, DBUS_TYPE_INVALID);
	if (r < 0) {
		pn_warn("cannot subscribe to systemd's job signals: %s", strerror(-r));
		step_start(sd);
	}
}

static void start_reply(void *data, DBusMessage *reply, const DBusError *err)
{
	struct systemd_session *sd = data;
	sd->pending = NULL;
	const char *job = NULL;
	if (!reply ||
		!dbus_message_get_args(reply, NULL, DBUS_TYPE_OBJECT_PATH, &job,
			DBUS_TYPE_INVALID)) {
		pn_err("cannot start %s: %s", sd->target, error_text(err));
		sd->start_done = true;
	} else {
		sd->job = pn_xstrdup(job);
		pn_debug("%s: start job %s", sd->target, job);
		size_t len = strlen(job);
		for (size_t i = 0; sd->early_jobs && sd->early_jobs[i]; i++) {
			const char *e = sd->early_jobs[i];
			if (strncmp(e, job, len) == 0 && e[len] == ' ')
				start_job_ended(sd, e + len + 1);
		}
	}
	pn_strv_free(sd->early_jobs);
	sd->early_jobs = NULL;
	/*
	 * Ready once the start is queued, not once it is done: units ordered
	 * after panther-session.service must not wait for us while we wait for them.
	 */
	report_up(sd);
	step_done(sd);
}

static void step_start(struct systemd_session *sd)
{
	pn_info("systemd mode: starting %s", sd->target);
	const char *mode = "replace";
	int r = call_manager(sd, "StartUnit", start_reply, DBUS_TYPE_STRING, &sd->target,
		DBUS_TYPE_STRING, &mode, DBUS_TYPE_INVALID);
	if (r < 0) {
		pn_err("cannot start %s: %s", sd->target, strerror(-r));
		report_up(sd);
		return;
	}
	sd->start_sent = true;
}

/* ---- stopping ---- */

static void finish_stop(struct systemd_session *sd)
{
	sd->busy = false;
	pn_info("systemd mode: session ended");
	if (sd->listener.stopped)
		sd->listener.stopped(sd->data);
}

static void unset_env_reply(void *data, DBusMessage *reply, const DBusError *err)
{
	struct systemd_session *sd = data;
	sd->pending = NULL;
	if (!reply)
		pn_err("cannot unset the environment in systemd: %s", error_text(err));
	finish_stop(sd);
}

static void step_unset_env(struct systemd_session *sd)
{
	int n = (int)pn_strv_len(sd->names);
	if (!sd->env_sent || n == 0) {
		finish_stop(sd);
		return;
	}
	int r = call_manager(sd, "UnsetEnvironment", unset_env_reply, DBUS_TYPE_ARRAY,
		DBUS_TYPE_STRING, &sd->names, n, DBUS_TYPE_INVALID);
	if (r < 0) {
		pn_err("cannot unset the environment in systemd: %s", strerror(-r));
		finish_stop(sd);
	}
}

static void stop_reply(void *data, DBusMessage *reply, const DBusError *err)
{
	struct systemd_session *sd = data;
	sd->pending = NULL;
	sd->busy = false;
	if (!reply)
		pn_err("cannot stop %s: %s", sd->target, error_text(err));
	step_unset_env(sd);
}

static void begin_stop(struct systemd_session *sd)
{
	sd->stopping = true;
	if (sd->job_match) {
		pn_match_remove(sd->job_match);
		sd->job_match = NULL;
	}
	if (!sd->start_sent) {
		step_unset_env(sd);
		return;
	}
	pn_info("systemd mode: stopping %s", sd->target);
	const char *mode = "replace";
	int r = call_manager(sd, "StopUnit", stop_reply, DBUS_TYPE_STRING, &sd->target,
		DBUS_TYPE_STRING, &mode, DBUS_TYPE_INVALID);
	if (r < 0) {
		pn_err("cannot stop %s: %s", sd->target, strerror(-r));
		step_unset_env(sd);
	}
}

void systemd_session_stop(struct systemd_session *sd)
{
	if (sd->stop_requested)
		return;
	sd->stop_requested = true;
	if (!sd->busy)
		begin_stop(sd);
}

struct systemd_session *systemd_session_start(struct pn_bus *bus,
	const struct pn_session_config *cfg, char *const *env,
	const struct systemd_listener *listener, void *data)
{
	struct systemd_session *sd = pn_xcalloc(1, sizeof(*sd));
	sd->bus = bus;
	if (listener)
		sd->listener = *listener;
	sd->data = data;
	sd->target = pn_xstrdup(cfg->target);
	sd->assignments = environment_assignments(cfg->import_env, env);
	sd->names = environment_names(sd->assignments);
	step_set_env(sd);
	return sd;
}

void systemd_session_destroy(struct systemd_session *sd)
{
	if (!sd)
		return;
	if (sd->job_match)
		pn_match_remove(sd->job_match);
	if (sd->pending)
		pn_pending_cancel(sd->pending);
	free(sd->target);
	free(sd->job);
	pn_strv_free(sd->assignments);
	pn_strv_free(sd->names);
	pn_strv_free(sd->early_jobs);
	free(sd);
}
