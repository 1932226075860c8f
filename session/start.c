/*
 * Bringing the services up once Niri answers: in direct mode panther-session
 * supervises them itself, in systemd mode the user manager does; session.mode
 * picks one, "auto" by whether systemd's user manager is on the bus.
 */

#include "environment.h"
#include "notification.h"
#include "panther/daemon.h"
#include "panther/log.h"
#include "panther/util.h"
#include "session.h"

#include <string.h>

extern char **environ;

static void session_up(void *data)
{
	int r = pn_notify_ready("READY=1");
	if (r < 0)
		pn_warn("cannot tell the service manager we are ready: %s", strerror(-r));
}

static void session_ended(void *data)
{
	struct session *s = data;
	pn_loop_quit(s->loop, 0);
}

static void crash_loop(void *data, const char *name)
{
	struct session *s = data;
	notify_crash_loop(s->bus, name);
}

static const struct supervisor_listener supervisor_listener = {
	.up = session_up,
	.crash_loop = crash_loop,
	.stopped = session_ended,
};

static void start_services(void *data)
{
	struct session *s = data;
	if (s->stopping) {
		pn_loop_quit(s->loop, 0);
		return;
	}
	int r = supervisor_start(s->sup, &s->cfg.session);
	if (r < 0) {
		pn_err("cannot order session.services: %s", strerror(-r));
		session_stop(s, "no services to start");
	}
}

static void start_direct(struct session *s)
{
	s->mode = MODE_DIRECT;
	s->sup = supervisor_create(s->loop, s->bus, &supervisor_listener, s);
	char **assignments = environment_assignments(s->cfg.session.import_env, environ);
	/* D-Bus activation gets the same environment before anything can ask for it. */
	if (!s->bus || !assignments[0] ||
		environment_export_activation(s->bus, assignments, start_services, s) < 0)
		start_services(s);
	pn_strv_free(assignments);
}

static const struct systemd_listener systemd_listener = {
	.up = session_up,
	.stopped = session_ended,
};

static void start_systemd(struct session *s)
{
	s->mode = MODE_SYSTEMD;
	s->sd = systemd_session_start(s->bus, &s->cfg.session, environ, &systemd_listener, s);
}

static void systemd_probed(void *data, bool present)
{
	struct session *s = data;
	if (s->stopping) {
		pn_loop_quit(s->loop, 0);
		return;
	}
	pn_info("mode auto: systemd's user manager is %son the session bus", present ? "" : "not ");
	if (present)
		start_systemd(s);
	else
		start_direct(s);
}

void session_start(struct session *s)
{
	switch (s->cfg.session.mode) {
	case PN_SESSION_DIRECT:
		start_direct(s);
		break;
	case PN_SESSION_SYSTEMD:
		start_systemd(s);
		break;
	case PN_SESSION_AUTO:
		if (!s->bus || systemd_probe(s->bus, systemd_probed, s) < 0)
			start_direct(s);
		break;
	}
}
