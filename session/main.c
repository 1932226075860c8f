/*
 * panther-session: started by Niri, it brings the session's services up
 * (start.c), answers pantherctl over D-Bus (session1.c) and takes everything
 * down when Niri exits (niri-watch.c) or it is told to stop.
 */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "niri-watch.h"
#include "panther/bus-names.h"
#include "panther/daemon.h"
#include "panther/log.h"
#include "panther/util.h"
#include "session.h"

static void quit(struct session *s, int status)
{
	pn_loop_quit(s->loop, status);
}

/* ---- the end ---- */

void session_stop(struct session *s, const char *why)
{
	if (s->stopping)
		return;
	s->stopping = true;
	pn_info("stopping the session: %s", why);
	pn_notify_ready("STOPPING=1");
	if (s->sup)
		supervisor_stop_all(s->sup);
	else if (s->sd)
		systemd_session_stop(s->sd);
	else
		quit(s, 0);
}

static void handle_stop_signal(void *data, int signo)
{
	session_stop(data, signo == SIGINT ? "SIGINT" : "SIGTERM");
}

static void niri_ready(void *data, const char *version)
{
	struct session *s = data;
	pn_info("Niri %s answers", version);
	if (!s->stopping)
		session_start(s);
}

static void niri_timeout(void *data, const char *why)
{
	struct session *s = data;
	const char *socket = getenv("NIRI_SOCKET");
	pn_err("Niri did not answer on %s within %d s (%s)", socket ? socket : "$NIRI_SOCKET",
		s->cfg.session.niri_timeout_s, why);
	quit(s, 1);
}

static void niri_gone(void *data, const char *why)
{
	char text[300];
	snprintf(text, sizeof(text), "Niri is gone (%s)", why);
	session_stop(data, text);
}

static const struct niri_watch_listener niri_listener = {
	.ready = niri_ready,
	.timeout = niri_timeout,
	.gone = niri_gone,
};

/* ---- config reload ---- */

static void config_applied(void *data, const struct pn_config *cfg, const struct pn_config *old)
{
	struct session *s = data;
	const struct pn_session_config *now = &cfg->session, *was = &old->session;
	if (s->sup)
		supervisor_apply(s->sup, now);
	if (now->mode != was->mode || strcmp(now->target, was->target) != 0)
		pn_notice("session.mode and session.target apply at the next start");
	bool env_changed = pn_strv_len(now->import_env) != pn_strv_len(was->import_env);
	for (size_t i = 0; !env_changed && now->import_env[i]; i++)
		env_changed = strcmp(now->import_env[i], was->import_env[i]) != 0;
	if (env_changed)
		pn_notice("session.import_env applies at the next start");
}

/* ---- D-Bus ---- */

static const char *ops_mode(void *data)
{
	struct session *s = data;
	switch (s->mode) {
	case MODE_DIRECT:
		return "direct";
	case MODE_SYSTEMD:
		return "systemd";
	case MODE_STARTING:
		break;
	}
	return "starting";
}

static struct supervisor *ops_supervisor(void *data)
{
	struct session *s = data;
	return s->sup;
}

static bool ops_stopping(void *data)
{
	struct session *s = data;
	return s->stopping;
}

static void ops_stop(void *data)
{
	session_stop(data, "asked over D-Bus");
}

static const struct session_ops session_ops = {
	.mode = ops_mode,
	.supervisor = ops_supervisor,
	.stopping = ops_stopping,
	.stop = ops_stop,
};

/*
 * In systemd mode the user manager restarts us on the new bus; in direct mode
 * nothing would, and the services we supervise still need us.
 */
static void bus_lost(void *data, struct pn_bus *bus)
{
	struct session *s = data;
	if (s->mode == MODE_SYSTEMD ||
		(s->mode == MODE_STARTING && s->cfg.session.mode != PN_SESSION_DIRECT)) {
		pn_err("lost the session bus: stopping (the user manager starts panther-session again)");
		quit(s, 1);
		return;
	}
	pn_err("lost the session bus: the services keep running, `pantherctl session` cannot reach them");
}

/* Returns 0, or the exit status to leave with. */
static int open_bus(struct session *s)
{
	char err[256] = "";
	s->bus = pn_bus_open(s->loop, PN_BUS_SESSION, err, sizeof(err));
	if (!s->bus) {
		if (s->cfg.session.mode == PN_SESSION_SYSTEMD) {
			pn_err("systemd mode needs the session bus: %s", err);
			return 1;
		}
		pn_warn("no session bus (%s): no readiness checks, notifications or pantherctl session",
			err);
		return 0;
	}
	pn_bus_set_lost_handler(s->bus, bus_lost, s);
	int r = pn_bus_request_name(s->bus, PN_SESSION1_NAME, err, sizeof(err));
	if (r == -EEXIST) {
		pn_err("another panther-session runs on this session bus (%s is taken)",
			PN_SESSION1_NAME);
		return 1;
	}
	if (r < 0) {
		pn_err("cannot take %s: %s", PN_SESSION1_NAME, err);
		return 1;
	}
	s->object = session1_export(s->bus, &session_ops, s, &r);
	if (!s->object)
		pn_warn("cannot export %s: %s", PN_SESSION1_PATH, strerror(-r));
	return 0;
}

/* ---- main ---- */

/* Children get 0, 1 and 2 from us: they must be open (to /dev/null at least). */
static void ensure_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
			int null = open("/dev/null", O_RDWR);
			if (null >= 0 && null != fd) {
				dup2(null, fd);
				close(null);
			}
		}
	}
}

static void session_finish(struct session *s)
{
	niri_watch_destroy(s->niri);
	supervisor_destroy(s->sup);
	systemd_session_destroy(s->sd);
	session1_destroy(s->object);
	if (s->bus) {
		dbus_connection_flush(pn_bus_connection(s->bus));
		pn_bus_close(s->bus);
	}
	pn_daemon_finish(&s->daemon);
}

static const char summary[] =
	"Started by Niri: brings the session's services up, supervises them, and\ntakes them down when Niri exits.\n";

static const struct pn_daemon_info daemon_info = {
	.name = "panther-session",
	.summary = summary,
	.stop = handle_stop_signal,
	.config_applied = config_applied,
};

int main(int argc, char **argv)
{
	struct session s = {0};
	ensure_std_fds();
	int status = pn_daemon_init(&s.daemon, &daemon_info, &s, &s.cfg, argc, argv);
	if (status >= 0)
		return status;
	s.loop = s.daemon.loop;

	status = open_bus(&s);
	if (status != 0) {
		session_finish(&s);
		return status;
	}

	char err[256] = "";
	s.niri = niri_watch_start(s.loop, NULL, s.cfg.session.niri_timeout_s, &niri_listener, &s,
		err, sizeof(err));
	if (!s.niri) {
		pn_err("cannot reach Niri: %s", err);
		session_finish(&s);
		return 1;
	}

	status = pn_loop_run(s.loop);
	session_finish(&s);
	return status;
}
