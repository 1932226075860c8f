#include "panther/daemon.h"

#include <errno.h>
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

int pn_daemon_load_config(struct pn_config *cfg, const char *path)
{
	return load(cfg, path, NULL, "", false);
}

int pn_daemon_load_config_checked(struct pn_config *cfg, const char *path,
	pn_config_check_fn check)
{
	return load(cfg, path, check, "", false);
}

static void reload(void *data, int signo)
{
	struct pn_config_watch *watch = data;
	struct pn_config fresh;
	(void)signo;
	if (load(&fresh, watch->path, watch->check, " (keeping the configuration in use)",
			true) != 0)
		return;
	struct pn_config old = *watch->cfg;
	*watch->cfg = fresh;
	if (watch->fn)
		watch->fn(watch->data, watch->cfg, &old);
	pn_config_finish(&old);
}

struct pn_config_watch *pn_daemon_watch_config(struct pn_loop *loop, struct pn_config *cfg,
	const char *path, pn_config_applied_fn fn, void *data)
{
	struct pn_config_watch *watch = pn_xcalloc(1, sizeof(*watch));
	*watch = (struct pn_config_watch){
		.loop = loop,
		.cfg = cfg,
		.path = path ? pn_xstrdup(path) : NULL,
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

void pn_config_watch_set_check(struct pn_config_watch *watch, pn_config_check_fn check)
{
	if (watch)
		watch->check = check;
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
	ssize_t n = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
		(struct sockaddr *)&addr, addr_len);
	int r = n < 0 ? -errno : 0;
	close(fd);
	return r;
}
