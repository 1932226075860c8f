#include "panther/daemon.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "panther/log.h"
#include "panther/loop.h"
#include "panther/util.h"

struct pn_config_watch {
	struct pn_loop *loop;
	struct pn_config *cfg;
	char *path; /* NULL: the default path, looked up again on each reload */
	pn_config_applied_fn fn;
	void *data;
	pn_config_check_fn check;
};

/* Loads and logs the outcome; after_error is appended to an error line. */
static int load(struct pn_config *cfg, const char *path, pn_config_check_fn check,
	const char *after_error, bool reloading)
{
	char err[1024], default_path[PATH_MAX];
	bool missing;
	if (!path && pn_config_default_path(default_path, sizeof(default_path)) == 0)
		path = default_path;
	if (pn_config_load(cfg, path, &missing, err, sizeof(err)) < 0) {
		pn_err("%s%s", err, after_error);
		return PN_EX_CONFIG;
	}
	if (check && check(cfg, path ? path : "config.json", err, sizeof(err)) < 0) {
		pn_err("%s%s", err, after_error);
		pn_config_finish(cfg);
		return PN_EX_CONFIG;
	}
	if (missing)
		pn_info("%s: no config file, defaults apply", path);
	else if (reloading)
		pn_info("%s: configuration reloaded", path);
	return 0;
}

int pn_daemon_load_config(struct pn_config *cfg, const char *path, pn_config_check_fn check)
{
	return load(cfg, path, check, "", false);
}

static void reload(void *data, int signo)
{
	struct pn_config_watch *watch = data;
	struct pn_config fresh;
	(void)signo;
	if (load(&fresh, watch->path, watch->check, " (keeping the configuration in use)", true) !=
		0)
		return;
	struct pn_config old = *watch->cfg;
	*watch->cfg = fresh;
	if (watch->fn)
		watch->fn(watch->data, watch->cfg, &old);
	pn_config_finish(&old);
}

struct pn_config_watch *pn_config_watch_add(struct pn_loop *loop, struct pn_config *cfg,
	const char *path, pn_config_check_fn check, pn_config_applied_fn fn, void *data)
{
	struct pn_config_watch *watch = pn_xcalloc(1, sizeof(*watch));
	*watch = (struct pn_config_watch){
		.loop = loop,
		.cfg = cfg,
		.path = path ? pn_xstrdup(path) : NULL,
		.check = check,
		.fn = fn,
		.data = data,
	};
	int r = pn_loop_add_signal(loop, SIGHUP, reload, watch);
	if (r < 0) {
		pn_err("cannot watch for SIGHUP: %s", strerror(-r));
		free(watch->path);
		free(watch);
		return NULL;
	}
	return watch;
}

static void ignore_signal(void *data, int signo)
{
	(void)data, (void)signo;
}

void pn_config_watch_remove(struct pn_config_watch *watch)
{
	if (!watch)
		return;
	/* The loop keeps one handler per signal: replace ours so SIGHUP stays harmless. */
	pn_loop_add_signal(watch->loop, SIGHUP, ignore_signal, NULL);
	free(watch->path);
	free(watch);
}

int pn_notify_ready(const char *state)
{
	const char *socket_path = getenv("NOTIFY_SOCKET");
	if (!socket_path || !socket_path[0])
		return 0;
	if (!state)
		state = "READY=1";

	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	size_t len = strlen(socket_path);
	if (socket_path[0] != '/' && socket_path[0] != '@')
		return -EINVAL;
	if (len > sizeof(addr.sun_path) || (socket_path[0] == '/' && len == sizeof(addr.sun_path)))
		return -ENAMETOOLONG;
	memcpy(addr.sun_path, socket_path, len);
	/* "@name": an abstract socket, whose address starts with a NUL byte. */
	if (socket_path[0] == '@')
		addr.sun_path[0] = '\0';
	socklen_t addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len +
		(socket_path[0] == '/'));

	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ssize_t n = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&addr,
		addr_len);
	int r = n < 0 ? -errno : 0;
	close(fd);
	return r;
}

/* ---- the skeleton every daemon shares ---- */

static const struct pn_daemon_option common_options[] = {
	{"config", 'c', "FILE", "use FILE instead of ~/.config/panther/config.json", NULL},
	{"verbose", 'v', NULL, "log debug messages too", NULL},
	{"help", 'h', NULL, "show this help", NULL},
	{"version", 'V', NULL, "print the version", NULL},
	{0},
};

/* The daemon's own options take getopt values from here up, one per entry. */
#define OWN_OPTION_VAL 256
#define MAX_OPTIONS 16

static size_t option_count(const struct pn_daemon_option *options)
{
	size_t n = 0;
	while (options && options[n].name)
		n++;
	return n;
}

static int option_column(const struct pn_daemon_option *option, char *buf, size_t len)
{
	return snprintf(buf, len, "  %c%c%c --%s%s%s", option->short_name ? '-' : ' ',
		option->short_name ? option->short_name : ' ', option->short_name ? ',' : ' ',
		option->name, option->value ? " " : "", option->value ? option->value : "");
}

void pn_daemon_usage(const struct pn_daemon_info *info, FILE *out)
{
	const struct pn_daemon_option *lists[] = {info->options, common_options};
	char left[128];
	int width = 0;
	for (size_t l = 0; l < PN_ARRAY_LEN(lists); l++) {
		for (size_t i = 0; i < option_count(lists[l]); i++) {
			int n = option_column(&lists[l][i], left, sizeof(left));
			if (n > width)
				width = n;
		}
	}
	fprintf(out, "Usage: %s [OPTIONS]\n\n%s\n", info->name, info->summary);
	for (size_t l = 0; l < PN_ARRAY_LEN(lists); l++) {
		for (size_t i = 0; i < option_count(lists[l]); i++) {
			option_column(&lists[l][i], left, sizeof(left));
			fprintf(out, "%-*s  %s\n", width, left, lists[l][i].help);
		}
	}
}

/* -1 to go on, or the status to exit with. */
static int parse_options(struct pn_daemon *daemon, int argc, char **argv)
{
	const struct pn_daemon_info *info = daemon->info;
	size_t own = option_count(info->options), common = option_count(common_options);
	struct option long_options[MAX_OPTIONS + 1] = {{0}};
	char short_options[3 * MAX_OPTIONS + 2] = ":";
	if (own + common > MAX_OPTIONS) {
		fprintf(stderr, "%s: more than %d options\n", info->name, MAX_OPTIONS);
		return 1;
	}
	for (size_t i = 0; i < own + common; i++) {
		const struct pn_daemon_option *o = i < own ? &info->options[i]
							   : &common_options[i - own];
		int val = o->short_name ? o->short_name : OWN_OPTION_VAL + (int)i;
		int has_arg = o->value ? required_argument : no_argument;
		long_options[i] = (struct option){o->name, has_arg, NULL, val};
		if (o->short_name) {
			size_t len = strlen(short_options);
			short_options[len++] = o->short_name;
			if (o->value)
				short_options[len++] = ':';
			short_options[len] = '\0';
		}
	}

	int c, index;
	opterr = 0;
	while ((c = getopt_long(argc, argv, short_options, long_options, &index)) != -1) {
		switch (c) {
		case 'c':
			daemon->config_path = optarg;
			continue;
		case 'v':
			daemon->verbose = true;
			continue;
		case 'h':
			pn_daemon_usage(info, stdout);
			return 0;
		case 'V':
			printf("%s %s\n", info->name, PANTHER_VERSION);
			return 0;
		case ':':
			fprintf(stderr, "%s: %s needs a value\n", info->name, argv[optind - 1]);
			return 2;
		case '?':
			/* A short one may sit in a group ("-vx"): name it alone. */
			if (strncmp(argv[optind - 1], "--", 2) == 0 || !optopt)
				fprintf(stderr, "%s: unknown option \"%s\"", info->name,
					argv[optind - 1]);
			else
				fprintf(stderr, "%s: unknown option \"-%c\"", info->name, optopt);
			fputs(" (see --help)\n", stderr);
			return 2;
		}
		/* One of the daemon's own options, by its short or its long name. */
		for (size_t i = 0; i < own; i++) {
			const struct pn_daemon_option *o = &info->options[i];
			if (c == (o->short_name ? o->short_name : OWN_OPTION_VAL + (int)i)) {
				int r = o->parse(daemon->data, o->value ? optarg : NULL);
				if (r != 0)
					return r;
			}
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument \"%s\" (see --help)\n", info->name,
			argv[optind]);
		return 2;
	}
	return -1;
}

static void stop_signal(void *data, int signo)
{
	struct pn_daemon *daemon = data;
	if (daemon->info->stop) {
		daemon->info->stop(daemon->data, signo);
		return;
	}
	pn_info("stopping on %s", strsignal(signo));
	pn_loop_quit(daemon->loop, 0);
}

int pn_daemon_init(struct pn_daemon *daemon, const struct pn_daemon_info *info, void *data,
	struct pn_config *cfg, int argc, char **argv)
{
	*daemon = (struct pn_daemon){.info = info, .data = data, .cfg = cfg};
	int status = parse_options(daemon, argc, argv);
	if (status >= 0)
		return status;
	pn_log_init(info->name, daemon->verbose ? PN_LOG_DEBUG : PN_LOG_INFO);
	/* A reader that went away is an error to handle where we write, not a death. */
	signal(SIGPIPE, SIG_IGN);

	pn_config_init(cfg);
	status = pn_daemon_load_config(cfg, daemon->config_path, info->config_check);
	if (status != 0) {
		pn_config_finish(cfg);
		return status;
	}
	daemon->loop = pn_loop_create();
	if (!daemon->loop) {
		pn_err("cannot create the event loop");
		pn_config_finish(cfg);
		return 1;
	}
	if (pn_loop_add_signal(daemon->loop, SIGTERM, stop_signal, daemon) < 0 ||
		pn_loop_add_signal(daemon->loop, SIGINT, stop_signal, daemon) < 0) {
		pn_err("cannot watch for SIGTERM");
		pn_daemon_finish(daemon);
		return 1;
	}
	daemon->config_watch = pn_config_watch_add(daemon->loop, cfg, daemon->config_path,
		info->config_check, info->config_applied, data);
	return -1;
}

void pn_daemon_finish(struct pn_daemon *daemon)
{
	pn_config_watch_remove(daemon->config_watch);
	daemon->config_watch = NULL;
	pn_loop_destroy(daemon->loop);
	daemon->loop = NULL;
	pn_config_finish(daemon->cfg);
}
