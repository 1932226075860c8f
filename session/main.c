#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "environment.h"
#include "niri-watch.h"
#include "notification.h"
#include "panther/config.h"
#include "panther/daemon.h"
#include "panther/dbus.h"
#include "panther/log.h"
#include "panther/loop.h"
#include "panther/util.h"
#include "service.h"
#include "supervisor.h"
#include "systemd.h"

extern char **environ;

enum mode { MODE_STARTING, MODE_DIRECT, MODE_SYSTEMD };

struct session {
	struct pn_loop *loop;
	struct pn_config cfg;
	const char *config_path;
	struct pn_config_watch *config_watch;
	struct pn_bus *bus;
	struct session_object *object;
	struct niri_watch *niri;
	enum mode mode;
	struct supervisor *sup;
	struct systemd_session *sd;
	bool stopping;
};

static const char usage[] =
	"Usage: panther-session [OPTIONS]\n"
	"\n"
	"Started by Niri: brings the session's services up, supervises them, and\n"
	"takes them down when Niri exits.\n"
	"\n"
	"  -c, --config FILE   use FILE instead of ~/.config/panther/config.json\n"
	"  -v, --verbose       log debugging messages too\n"
	"  -h, --help          show this help\n"
	"  -V, --version       print the version\n";

static void quit(struct session *s, int status)
{
	pn_loop_quit(s->loop, status);
}

/* ---- the end ---- */

static void session_stop(struct session *s, const char *why)
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

static void session_up(void *data)
{
	int r = pn_notify_ready("READY=1");
	if (r < 0)
		pn_warn("cannot tell the service manager we are ready: %s", strerror(-r));
}

static void session_ended(void *data)
{
	quit(data, 0);
}

/* ---- the two modes ---- */

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
		quit(s, 0);
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
		quit(s, 0);
		return;
	}
	pn_info("mode auto: systemd's user manager is %son the session bus",
		present ? "" : "not ");
	if (present)
		start_systemd(s);
	else
		start_direct(s);
}

static void niri_ready(void *data, const char *version)
{
	struct session *s = data;
	pn_info("Niri %s answers", version);
	if (s->stopping)
		return;
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
		pn_warn("no session bus (%s): no readiness checks, notifications or "
			"pantherctl session", err);
		return 0;
	}
	pn_bus_set_lost_handler(s->bus, bus_lost, s);
	int r = pn_bus_request_name(s->bus, SESSION_BUS_NAME, err, sizeof(err));
	if (r == -EEXIST) {
		pn_err("another panther-session runs on this session bus (%s is taken)",
			SESSION_BUS_NAME);
		return 1;
	}
	if (r < 0) {
		pn_err("cannot take %s: %s", SESSION_BUS_NAME, err);
		return 1;
	}
	s->object = session_service_export(s->bus, &session_ops, s, &r);
	if (!s->object)
		pn_warn("cannot export %s: %s", SESSION_PATH, strerror(-r));
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

static int parse_options(struct session *s, int argc, char **argv, bool *verbose)
{
	static const struct option options[] = {
		{"config", required_argument, NULL, 'c'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "c:vhV", options, NULL)) != -1) {
		switch (c) {
		case 'c':
			s->config_path = optarg;
			break;
		case 'v':
			*verbose = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		case 'V':
			printf("panther-session %s\n", PANTHER_VERSION);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "panther-session: unexpected argument \"%s\"\n%s", argv[optind], usage);
		return 2;
	}
	return -1;
}

static void session_finish(struct session *s)
{
	niri_watch_destroy(s->niri);
	supervisor_destroy(s->sup);
	systemd_session_destroy(s->sd);
	session_service_destroy(s->object);
	if (s->bus) {
		dbus_connection_flush(pn_bus_connection(s->bus));
		pn_bus_close(s->bus);
	}
	pn_config_watch_remove(s->config_watch);
	pn_config_finish(&s->cfg);
	pn_loop_destroy(s->loop);
}

int main(int argc, char **argv)
{
	struct session s = {0};
	bool verbose = false;
	int status = parse_options(&s, argc, argv, &verbose);
	if (status >= 0)
		return status;
	pn_log_init("panther-session", verbose ? PN_LOG_DEBUG : PN_LOG_INFO);
	ensure_std_fds();
	signal(SIGPIPE, SIG_IGN);

	pn_config_init(&s.cfg);
	status = pn_daemon_load_config(&s.cfg, s.config_path);
	if (status != 0) {
		pn_config_finish(&s.cfg);
		return status;
	}

	s.loop = pn_loop_create();
	if (!s.loop) {
		pn_err("cannot create the event loop");
		pn_config_finish(&s.cfg);
		return 1;
	}
	if (pn_loop_add_signal(s.loop, SIGTERM, handle_stop_signal, &s) < 0 ||
		pn_loop_add_signal(s.loop, SIGINT, handle_stop_signal, &s) < 0) {
		pn_err("cannot watch for SIGTERM");
		session_finish(&s);
		return 1;
	}
	s.config_watch = pn_daemon_watch_config(s.loop, &s.cfg, s.config_path, config_applied, &s);

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
