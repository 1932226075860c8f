#include "supervisor.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "panther/log.h"
#include "panther/util.h"
#include "output.h"
#include "plan.h"

extern char **environ;

#define KILL_CHECK_MS 100

enum after_stop { AFTER_STOP_NOTHING, AFTER_STOP_START, AFTER_STOP_FREE };

struct service {
	struct supervisor *sup;
	struct pn_service_config cfg;
	enum service_state state;
	pid_t pid; /* the main process; 0 when it has been reaped */
	pid_t pgid; /* its process group while members may live; else 0 */
	int wstatus;
	uint64_t started_ms;
	bool ever_started;
	unsigned restarts;
	unsigned failures; /* quick failures in a row: the backoff step */
	struct plan_exits exits;
	bool settled; /* services after it may start */
	bool stop_requested; /* the end is ours, not the service's */
	bool killed; /* SIGKILL sent */
	bool removed; /* gone from the config; freed once stopped */
	enum after_stop after_stop;
	struct pn_timer *restart_timer;
	struct pn_timer *kill_timer;
	struct pn_timer *ready_timer;
	struct pn_name_watch *ready_watch;
	struct output *output; /* the current run's */
	char *last_owner; /* the ready name's owner during the previous run */
};

struct supervisor {
	struct pn_loop *loop;
	struct pn_bus *bus;
	struct supervisor_listener listener;
	void *data;
	struct service **services; /* start order; removed ones at the end */
	size_t n_services;
	struct output *outputs;
	bool started;
	bool up_reported;
	bool stopping_all;
	bool stopped_reported;
	uint64_t stop_deadline_ms;
};

static void advance(struct supervisor *sup);

const char *service_state_name(enum service_state state)
{
	switch (state) {
	case SERVICE_WAITING:
		return "waiting";
	case SERVICE_STARTING:
		return "starting";
	case SERVICE_RUNNING:
		return "running";
	case SERVICE_STOPPING:
		return "stopping";
	case SERVICE_RESTARTING:
		return "restarting";
	case SERVICE_EXITED:
		return "exited";
	case SERVICE_FAILED:
		return "failed";
	case SERVICE_STOPPED:
		return "stopped";
	}
	return "unknown";
}

/* ---- starting ---- */

static bool env_overridden(char *const *env, const char *entry)
{
	size_t key_len = strcspn(entry, "=");
	for (size_t i = 0; env && env[i]; i++) {
		if (strncmp(env[i], entry, key_len) == 0 && env[i][key_len] == '=')
			return true;
	}
	return false;
}

/*
 * Our environment plus the service's env. NOTIFY_SOCKET and JOURNAL_STREAM
 * describe our own unit and stream, not the service's.
 */
static char **service_environment(char *const *env)
{
	static const char *const dropped[] = {"NOTIFY_SOCKET=", "JOURNAL_STREAM="};
	size_t n = pn_strv_len(environ) + pn_strv_len(env);
	char **envp = pn_xcalloc(n + 1, sizeof(*envp));
	size_t k = 0;
	for (size_t i = 0; environ[i]; i++) {
		bool drop = env_overridden(env, environ[i]);
		for (size_t d = 0; d < PN_ARRAY_LEN(dropped) && !drop; d++)
			drop = strncmp(environ[i], dropped[d], strlen(dropped[d])) == 0;
		if (!drop)
			envp[k++] = environ[i];
	}
	for (size_t i = 0; env && env[i]; i++)
		envp[k++] = env[i];
	return envp;
}

static void service_exited(void *data, pid_t pid, int wstatus);
static void service_ready_owner(void *data, const char *name, const char *owner);

static pid_t fork_service(const struct pn_service_config *cfg, int out_fd)
{
	char **envp = service_environment(cfg->env);
	pid_t pid = fork();
	if (pid == 0) {
		pn_child_reset_signals();
		setsid();
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (null >= 0)
			dup2(null, STDIN_FILENO);
		dup2(out_fd, STDOUT_FILENO);
		dup2(out_fd, STDERR_FILENO);
		close_range(3, ~0U, 0);
		execvpe(cfg->argv[0], cfg->argv, envp);
		dprintf(STDERR_FILENO, "cannot run \"%s\": %s\n", cfg->argv[0], strerror(errno));
		_exit(127);
	}
	int saved_errno = errno;
	free(envp);
	errno = saved_errno;
	return pid;
}

static void service_end(struct service *svc);

static void service_spawn(struct service *svc)
{
	struct supervisor *sup = svc->sup;
	if (svc->ever_started)
		svc->restarts++;
	svc->ever_started = true;
	svc->settled = false;
	svc->stop_requested = false;
	svc->killed = false;
	svc->started_ms = pn_now_ms();

	int out_fd = -1;
	int r = output_open(sup->loop, &sup->outputs, svc->cfg.name, &svc->output, &out_fd);
	pid_t pid = r < 0 ? -1 : fork_service(&svc->cfg, out_fd);
	if (pid < 0) {
		if (r == 0)
			r = -errno;
		pn_err("%s: cannot start: %s", svc->cfg.name, strerror(-r));
		if (out_fd >= 0)
			close(out_fd);
		svc->wstatus = W_EXITCODE(127, 0);
		service_end(svc);
		return;
	}
	close(out_fd);
	svc->pid = pid;
	svc->pgid = pid;
	r = pn_loop_watch_child(sup->loop, pid, service_exited, svc);
	if (r < 0) {
		/* Without a watch the service could not be supervised: do not leave it behind. */
		pn_err("%s: cannot watch process %d: %s", svc->cfg.name, (int)pid, strerror(-r));
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		waitpid(pid, &svc->wstatus, 0);
		svc->pid = 0;
		svc->pgid = 0;
		service_end(svc);
		return;
	}
	pn_info("%s: started (pid %d)", svc->cfg.name, (int)pid);

	if (!svc->cfg.ready_dbus_name) {
		svc->state = SERVICE_RUNNING;
		svc->settled = true;
		return;
	}
	svc->state = SERVICE_STARTING;
	if (!sup->bus) {
		pn_warn("%s: no session bus to see %s appear: not waiting for it", svc->cfg.name,
			svc->cfg.ready_dbus_name);
		svc->settled = true;
		return;
	}
	svc->ready_watch = pn_bus_watch_name(sup->bus, svc->cfg.ready_dbus_name,
		service_ready_owner, svc);
	pn_timer_arm(svc->ready_timer, SUPERVISOR_READY_TIMEOUT_MS);
}

static void service_ready_owner(void *data, const char *name, const char *owner)
{
	struct service *svc = data;
	if (!owner || svc->state != SERVICE_STARTING)
		return;
	/* The previous run's connection may not be gone from the bus yet. */
	if (svc->last_owner && strcmp(owner, svc->last_owner) == 0)
		return;
	free(svc->last_owner);
	svc->last_owner = pn_xstrdup(owner);
	pn_timer_disarm(svc->ready_timer);
	pn_info("%s: ready (%s is on the bus)", svc->cfg.name, name);
	svc->state = SERVICE_RUNNING;
	svc->settled = true;
	advance(svc->sup);
}

static void service_ready_timeout(void *data)
{
	struct service *svc = data;
	pn_warn("%s: %s has no owner after %d s: starting the services after it anyway",
		svc->cfg.name, svc->cfg.ready_dbus_name, SUPERVISOR_READY_TIMEOUT_MS / 1000);
	svc->settled = true;
	advance(svc->sup);
}

static void service_restart_timer(void *data)
{
	struct service *svc = data;
	service_spawn(svc);
	advance(svc->sup);
}

/* ---- stopping ---- */

static bool group_alive(pid_t pgid)
{
	return kill(-pgid, 0) == 0 || errno != ESRCH;
}

/*
 * The group and, by pid, the main process: until the child has called
 * setsid() its group does not exist yet.
 */
static void signal_service(const struct service *svc, int signo)
{
	if (svc->pgid)
		kill(-svc->pgid, signo);
	if (svc->pid)
		kill(svc->pid, signo);
}

static void service_free(struct service *svc);

/*
 * Called once the main process and its whole process group are gone (a
 * child that outlives the main process could still hold the service's
 * resources). Decides what follows: the stop that was asked for (and then a
 * start or free), nothing while everything stops, or the restart policy.
 */
static void service_end(struct service *svc)
{
	struct supervisor *sup = svc->sup;
	const char *name = svc->cfg.name;
	pn_timer_disarm(svc->kill_timer);
	pn_timer_disarm(svc->ready_timer);
	if (svc->ready_watch) {
		pn_name_watch_remove(svc->ready_watch);
		svc->ready_watch = NULL;
	}
	svc->settled = false;

	if (svc->stop_requested) {
		svc->stop_requested = false;
		svc->state = SERVICE_STOPPED;
		enum after_stop next = svc->after_stop;
		svc->after_stop = AFTER_STOP_NOTHING;
		if (next == AFTER_STOP_FREE) {
			service_free(svc);
		} else if (next == AFTER_STOP_START && !sup->stopping_all) {
			service_spawn(svc);
		}
		return;
	}
	if (sup->stopping_all) {
		svc->state = SERVICE_STOPPED;
		return;
	}

	int st = svc->wstatus;
	bool failed = !WIFEXITED(st) || WEXITSTATUS(st) != 0;
	if (!plan_should_restart(svc->cfg.restart, st)) {
		svc->state = failed ? SERVICE_FAILED : SERVICE_EXITED;
		return;
	}
	uint64_t now = pn_now_ms();
	if (now - svc->started_ms >= PLAN_STABLE_MS)
		svc->failures = 0;
	if (plan_exits_add(&svc->exits, now)) {
		svc->state = SERVICE_FAILED;
		pn_err("%s: ended %d times within %d s: not restarting it (pantherctl session restart %s starts it again)",
			name, PLAN_CRASH_LOOP_EXITS, PLAN_CRASH_LOOP_WINDOW_MS / 1000, name);
		if (sup->listener.crash_loop)
			sup->listener.crash_loop(sup->data, name);
		return;
	}
	uint64_t delay = plan_backoff_ms(svc->failures++);
	pn_info("%s: restarting in %.1f s", name, (double)delay / 1000.0);
	svc->state = SERVICE_RESTARTING;
	pn_timer_arm(svc->restart_timer, delay);
}

/* Reaps what is left of the group; ends the service once nothing is. */
static void service_check_gone(struct service *svc)
{
	if (svc->pid != 0 || svc->pgid == 0)
		return;
	while (waitpid(-svc->pgid, NULL, WNOHANG) > 0)
		;
	if (group_alive(svc->pgid))
		return;
	struct supervisor *sup = svc->sup;
	svc->pgid = 0;
	service_end(svc); /* may free svc */
	advance(sup);
}

static void log_exit(const struct service *svc, int wstatus)
{
	const char *name = svc->cfg.name;
	if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0)
		pn_info("%s: exited", name);
	else if (WIFEXITED(wstatus))
		pn_log(svc->stop_requested ? PN_LOG_INFO : PN_LOG_WARN, "%s: exited with status %d",
			name, WEXITSTATUS(wstatus));
	else if (WIFSIGNALED(wstatus))
		pn_log(svc->stop_requested ? PN_LOG_INFO : PN_LOG_WARN,
			"%s: killed by signal %d (%s)", name, WTERMSIG(wstatus),
			strsignal(WTERMSIG(wstatus)));
}

static void service_exited(void *data, pid_t pid, int wstatus)
{
	struct service *svc = data;
	svc->pid = 0;
	svc->wstatus = wstatus;
	/* Its last words come before the news of its end. */
	if (svc->output)
		output_drain(svc->output);
	log_exit(svc, wstatus);
	/* What the main process leaves behind in its group goes with it. */
	if (group_alive(svc->pgid)) {
		if (!svc->stop_requested && !svc->killed) {
			pn_debug("%s: stopping what is left of process group %d", svc->cfg.name,
				(int)svc->pgid);
			kill(-svc->pgid, SIGTERM);
		}
		if (!pn_timer_armed(svc->kill_timer))
			pn_timer_arm(svc->kill_timer, SUPERVISOR_STOP_TIMEOUT_MS);
	}
	service_check_gone(svc);
}

static void service_kill_timer(void *data)
{
	struct service *svc = data;
	if (!svc->killed)
		pn_warn("%s: still running after SIGTERM: killing it", svc->cfg.name);
	svc->killed = true;
	signal_service(svc, SIGKILL);
	/* Killed processes may not all be our children: look again shortly. */
	pn_timer_arm(svc->kill_timer, KILL_CHECK_MS);
	service_check_gone(svc);
}

static bool service_active(const struct service *svc)
{
	return svc->pid != 0 || svc->pgid != 0;
}

/* Stops svc (SIGTERM to its group) and then does next. */
static void service_stop(struct service *svc, enum after_stop next)
{
	struct supervisor *sup = svc->sup;
	pn_timer_disarm(svc->restart_timer);
	if (!service_active(svc)) {
		if (next == AFTER_STOP_FREE) {
			service_free(svc);
			return;
		}
		if (next == AFTER_STOP_START && !sup->stopping_all) {
			service_spawn(svc);
			return;
		}
		if (svc->state == SERVICE_WAITING || svc->state == SERVICE_RESTARTING)
			svc->state = SERVICE_STOPPED;
		return;
	}
	svc->after_stop = next;
	if (svc->stop_requested)
		return;
	svc->stop_requested = true;
	svc->state = SERVICE_STOPPING;
	pn_info("%s: stopping", svc->cfg.name);
	signal_service(svc, SIGTERM);
	uint64_t delay = SUPERVISOR_STOP_TIMEOUT_MS;
	if (sup->stopping_all) {
		/* One deadline for all, so that a chain of services cannot add up its timeouts. */
		uint64_t now = pn_now_ms();
		delay = sup->stop_deadline_ms > now ? sup->stop_deadline_ms - now : 0;
		if (delay < SUPERVISOR_MIN_GRACE_MS)
			delay = SUPERVISOR_MIN_GRACE_MS;
	}
	if (!svc->killed)
		pn_timer_arm(svc->kill_timer, delay);
}

/* ---- the set of services ---- */

static struct service *find_service(const struct supervisor *sup, const char *name)
{
	for (size_t i = 0; i < sup->n_services; i++) {
		struct service *svc = sup->services[i];
		if (!svc->removed && strcmp(svc->cfg.name, name) == 0)
			return svc;
	}
	return NULL;
}

static struct service *service_new(struct supervisor *sup, const struct pn_service_config *cfg)
{
	struct service *svc = pn_xcalloc(1, sizeof(*svc));
	svc->sup = sup;
	plan_service_copy(&svc->cfg, cfg);
	svc->state = SERVICE_WAITING;
	svc->restart_timer = pn_loop_add_timer(sup->loop, service_restart_timer, svc);
	svc->kill_timer = pn_loop_add_timer(sup->loop, service_kill_timer, svc);
	svc->ready_timer = pn_loop_add_timer(sup->loop, service_ready_timeout, svc);
	return svc;
}

static void service_free(struct service *svc)
{
	struct supervisor *sup = svc->sup;
	for (size_t i = 0; i < sup->n_services; i++) {
		if (sup->services[i] == svc) {
			memmove(sup->services + i, sup->services + i + 1,
				(sup->n_services - i - 1) * sizeof(*sup->services));
			sup->n_services--;
			break;
		}
	}
	signal_service(svc, SIGKILL);
	if (svc->pid) {
		pn_loop_unwatch_child(sup->loop, svc->pid);
		waitpid(svc->pid, NULL, 0);
	}
	if (svc->ready_watch)
		pn_name_watch_remove(svc->ready_watch);
	if (svc->output)
		output_disown(svc->output);
	pn_timer_remove(svc->restart_timer);
	pn_timer_remove(svc->kill_timer);
	pn_timer_remove(svc->ready_timer);
	plan_service_free(&svc->cfg);
	free(svc->last_owner);
	free(svc);
}

/* Services after dep may start: it is ready, or it will not run again by itself. */
static bool dependency_done(const struct service *dep)
{
	return dep->settled || dep->state == SERVICE_EXITED || dep->state == SERVICE_FAILED ||
		dep->state == SERVICE_STOPPED;
}

static bool may_start(const struct supervisor *sup, const struct service *svc)
{
	for (char **a = svc->cfg.after; a && *a; a++) {
		const struct service *dep = find_service(sup, *a);
		if (dep && !dependency_done(dep))
			return false;
	}
	return true;
}

static bool has_active_dependent(const struct supervisor *sup, const struct service *svc)
{
	for (size_t i = 0; i < sup->n_services; i++) {
		const struct service *other = sup->services[i];
		if (other != svc && service_active(other) &&
			pn_strv_contains(other->cfg.after, svc->cfg.name))
			return true;
	}
	return false;
}

static void advance_stop(struct supervisor *sup)
{
	bool any_active = false;
	for (size_t k = sup->n_services; k-- > 0;) {
		struct service *svc = sup->services[k];
		if (!service_active(svc)) {
			pn_timer_disarm(svc->restart_timer);
			if (svc->state == SERVICE_WAITING || svc->state == SERVICE_RESTARTING)
				svc->state = SERVICE_STOPPED;
			continue;
		}
		any_active = true;
		if (!svc->stop_requested && !has_active_dependent(sup, svc))
			service_stop(svc, AFTER_STOP_NOTHING);
	}
	if (!any_active && !sup->stopped_reported) {
		sup->stopped_reported = true;
		pn_info("every service has stopped");
		if (sup->listener.stopped)
			sup->listener.stopped(sup->data);
	}
}

/* Starts what may start now; reports "up" and "stopped" when they happen. */
static void advance(struct supervisor *sup)
{
	if (sup->stopping_all) {
		advance_stop(sup);
		return;
	}
	bool pending = false;
	for (size_t i = 0; i < sup->n_services; i++) {
		struct service *svc = sup->services[i];
		if (svc->state == SERVICE_WAITING && may_start(sup, svc))
			service_spawn(svc);
		if (svc->state == SERVICE_WAITING ||
			(svc->state == SERVICE_STARTING && !svc->settled))
			pending = true;
	}
	if (!pending && sup->started && !sup->up_reported) {
		sup->up_reported = true;
		pn_info("session is up: %zu service%s started", sup->n_services,
			sup->n_services == 1 ? "" : "s");
		if (sup->listener.up)
			sup->listener.up(sup->data);
	}
}

/* Orphans of our services are re-parented to us (we are a subreaper): reap them. */
static void reap_orphans(struct supervisor *sup)
{
	DIR *tasks = opendir("/proc/self/task");
	if (!tasks)
		return;
	struct dirent *t;
	while ((t = readdir(tasks))) {
		if (t->d_name[0] == '.')
			continue;
		char path[300];
		snprintf(path, sizeof(path), "/proc/self/task/%s/children", t->d_name);
		FILE *f = fopen(path, "re");
		if (!f)
			continue;
		long pid;
		while (fscanf(f, "%ld", &pid) == 1) {
			bool main_process = false;
			for (size_t i = 0; i < sup->n_services && !main_process; i++)
				main_process = sup->services[i]->pid == (pid_t)pid;
			if (!main_process)
				waitpid((pid_t)pid, NULL, WNOHANG);
		}
		fclose(f);
	}
	closedir(tasks);
}

static void handle_sigchld(void *data, int signo)
{
	struct supervisor *sup = data;
	reap_orphans(sup);
	for (size_t i = 0; i < sup->n_services; i++) {
		struct service *svc = sup->services[i];
		if (svc->pid == 0 && svc->pgid != 0) {
			service_check_gone(svc);
			/* service_check_gone may free or reorder services: start over. */
			if (i >= sup->n_services || sup->services[i] != svc)
				i = (size_t)-1;
		}
	}
}

struct supervisor *supervisor_create(struct pn_loop *loop, struct pn_bus *bus,
	const struct supervisor_listener *listener, void *data)
{
	struct supervisor *sup = pn_xcalloc(1, sizeof(*sup));
	sup->loop = loop;
	sup->bus = bus;
	if (listener)
		sup->listener = *listener;
	sup->data = data;
	/* So that nothing a service starts can outlive it unnoticed. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		pn_warn("cannot become a subreaper: %s", strerror(errno));
	int r = pn_loop_add_signal(loop, SIGCHLD, handle_sigchld, sup);
	if (r < 0)
		pn_warn("cannot watch SIGCHLD: %s", strerror(-r));
	return sup;
}

void supervisor_destroy(struct supervisor *sup)
{
	if (!sup)
		return;
	while (sup->n_services > 0)
		service_free(sup->services[sup->n_services - 1]);
	free(sup->services);
	output_close_all(&sup->outputs);
	reap_orphans(sup);
	free(sup);
}

/* Rebuilds sup->services in the start order of cfg; removed services go last. */
static int arrange(struct supervisor *sup, const struct pn_session_config *cfg)
{
	size_t n = cfg->n_services;
	size_t *order = pn_xcalloc(n ? n : 1, sizeof(*order));
	int r = plan_start_order(cfg->services, n, order);
	if (r < 0) {
		free(order);
		return r;
	}
	struct service **list = pn_xcalloc(n + sup->n_services + 1, sizeof(*list));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const struct pn_service_config *c = &cfg->services[order[i]];
		struct service *svc = find_service(sup, c->name);
		list[k++] = svc ? svc : service_new(sup, c);
	}
	for (size_t i = 0; i < sup->n_services; i++) {
		struct service *svc = sup->services[i];
		bool kept = false;
		for (size_t j = 0; j < n && !kept; j++)
			kept = list[j] == svc;
		if (!kept) {
			svc->removed = true;
			list[k++] = svc;
		}
	}
	free(sup->services);
	sup->services = list;
	sup->n_services = k;
	free(order);
	return 0;
}

int supervisor_start(struct supervisor *sup, const struct pn_session_config *cfg)
{
	if (sup->started)
		return -EALREADY;
	int r = arrange(sup, cfg);
	if (r < 0)
		return r;
	sup->started = true;
	pn_info("direct mode: starting %zu service%s", sup->n_services,
		sup->n_services == 1 ? "" : "s");
	advance(sup);
	return 0;
}

void supervisor_apply(struct supervisor *sup, const struct pn_session_config *cfg)
{
	if (sup->stopping_all)
		return;
	/* Note what changes before the list is rebuilt. */
	size_t n = cfg->n_services;
	enum plan_change *change = pn_xcalloc(n ? n : 1, sizeof(*change));
	bool *is_new = pn_xcalloc(n ? n : 1, sizeof(*is_new));
	for (size_t i = 0; i < n; i++) {
		struct service *svc = find_service(sup, cfg->services[i].name);
		is_new[i] = !svc;
		if (svc)
			change[i] = plan_compare(&svc->cfg, &cfg->services[i]);
	}
	if (arrange(sup, cfg) < 0) {
		/* The config loader refuses cycles and unknown names; nothing to apply then. */
		free(change);
		free(is_new);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct pn_service_config *c = &cfg->services[i];
		struct service *svc = find_service(sup, c->name);
		if (is_new[i]) {
			pn_info("%s: added to the config", c->name);
			continue;
		}
		if (change[i] == PLAN_SAME)
			continue;
		plan_service_free(&svc->cfg);
		plan_service_copy(&svc->cfg, c);
		if (change[i] == PLAN_CHANGED) {
			pn_info("%s: changed in the config: restarting it", c->name);
			svc->failures = 0;
			plan_exits_clear(&svc->exits);
			if (svc->state != SERVICE_WAITING)
				service_stop(svc, AFTER_STOP_START);
		}
	}
	free(change);
	free(is_new);
	/* Removed services: walk a copy, service_stop may free them. */
	size_t n_all = sup->n_services;
	struct service **all = pn_xcalloc(n_all + 1, sizeof(*all));
	memcpy(all, sup->services, n_all * sizeof(*all));
	for (size_t i = 0; i < n_all; i++) {
		if (all[i]->removed && all[i]->after_stop != AFTER_STOP_FREE) {
			pn_info("%s: removed from the config: stopping it", all[i]->cfg.name);
			service_stop(all[i], AFTER_STOP_FREE);
		}
	}
	free(all);
	advance(sup);
}

int supervisor_restart(struct supervisor *sup, const char *name)
{
	struct service *svc = find_service(sup, name);
	if (!svc)
		return -ENOENT;
	if (sup->stopping_all)
		return -ESHUTDOWN;
	pn_info("%s: restart requested", name);
	svc->failures = 0;
	plan_exits_clear(&svc->exits);
	service_stop(svc, AFTER_STOP_START);
	advance(sup);
	return 0;
}

void supervisor_stop_all(struct supervisor *sup)
{
	if (sup->stopping_all)
		return;
	sup->stopping_all = true;
	sup->stop_deadline_ms = pn_now_ms() + SUPERVISOR_STOP_TIMEOUT_MS;
	pn_info("stopping every service");
	advance(sup);
}

size_t supervisor_count(const struct supervisor *sup)
{
	size_t n = 0;
	for (size_t i = 0; i < sup->n_services; i++)
		n += !sup->services[i]->removed;
	return n;
}

bool supervisor_info(const struct supervisor *sup, size_t i, struct service_info *info)
{
	if (i >= sup->n_services || sup->services[i]->removed)
		return false;
	const struct service *svc = sup->services[i];
	*info = (struct service_info){
		.name = svc->cfg.name,
		.state = svc->state,
		.pid = svc->pid,
		.restarts = svc->restarts,
	};
	return true;
}
