#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "panther/log.h"
#include "panther/util.h"

extern char **environ;

struct child {
	struct children *set;
	struct child *next;
	pid_t pid;
	child_exit_fn fn;
	void *data;
};

struct children {
	struct pn_loop *loop;
	struct child *list;
};

struct children *children_create(struct pn_loop *loop)
{
	struct children *set = pn_xcalloc(1, sizeof(*set));
	set->loop = loop;
	return set;
}

struct pn_loop *children_loop(struct children *set)
{
	return set->loop;
}

static void unlink_child(struct child *child)
{
	for (struct child **p = &child->set->list; *p; p = &(*p)->next) {
		if (*p == child) {
			*p = child->next;
			return;
		}
	}
}

static void handle_exit(void *data, pid_t pid, int wstatus)
{
	struct child *child = data;
	unlink_child(child);
	/* What the group leader left behind (a shell's children) goes too. */
	kill(-pid, SIGKILL);
	child_exit_fn fn = child->fn;
	void *fn_data = child->data;
	free(child);
	if (fn)
		fn(fn_data, wstatus);
}

void children_destroy(struct children *set, int timeout_ms)
{
	if (!set)
		return;
	for (struct child *c = set->list; c; c = c->next) {
		c->fn = NULL;
		kill(-c->pid, SIGKILL);
	}
	uint64_t deadline = pn_now_ms() + (uint64_t)timeout_ms;
	while (set->list && pn_now_ms() < deadline)
		pn_loop_dispatch(set->loop, 50);
	while (set->list) {
		struct child *c = set->list;
		set->list = c->next;
		pn_loop_unwatch_child(set->loop, c->pid);
		free(c);
	}
	free(set);
}

static void write_str(int fd, const char *s)
{
	ssize_t r = write(fd, s, strlen(s));
	(void)r;
}

struct child *child_spawn(struct children *set, const struct child_spec *spec, child_exit_fn fn,
	void *data, char *err, size_t errlen)
{
	/* Resolved before fork, as execvp would: nothing in the child allocates. */
	char *path = pn_find_program(spec->argv[0]);
	if (!path) {
		snprintf(err, errlen, "%s: not found", spec->argv[0]);
		return NULL;
	}
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0) {
		snprintf(err, errlen, "/dev/null: %s", strerror(errno));
		free(path);
		return NULL;
	}
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(devnull);
		free(path);
		return NULL;
	}
	if (pid == 0) {
		/* Only async-signal-safe calls from here on. */
		pn_child_reset_signals();
		if (spec->in_session)
			setpgid(0, 0);
		else
			setsid();
		if (dup2(devnull, STDIN_FILENO) < 0 || dup2(spec->stdout_fd, STDOUT_FILENO) < 0 ||
			(spec->stderr_fd >= 0 && dup2(spec->stderr_fd, STDERR_FILENO) < 0))
			_exit(127);
		if (spec->fd3 > 0) {
			if (spec->fd3 == 3 ? fcntl(3, F_SETFD, 0) < 0 : dup2(spec->fd3, 3) < 0)
				_exit(127);
			close_range(4, ~0U, 0);
		} else {
			close_range(3, ~0U, 0);
		}
		execve(path, spec->argv, spec->envp);
		write_str(STDERR_FILENO, "cannot execute ");
		write_str(STDERR_FILENO, path);
		write_str(STDERR_FILENO, "\n");
		_exit(127);
	}
	close(devnull);
	free(path);

	struct child *child = pn_xcalloc(1, sizeof(*child));
	*child = (struct child){.set = set, .pid = pid, .fn = fn, .data = data};
	int r = pn_loop_watch_child(set->loop, pid, handle_exit, child);
	if (r < 0) {
		/* Cannot watch it: do not leave it running unreaped. */
		kill(-pid, SIGKILL);
		waitpid(pid, NULL, 0);
		free(child);
		snprintf(err, errlen, "cannot watch process %d: %s", (int)pid, strerror(-r));
		return NULL;
	}
	child->next = set->list;
	set->list = child;
	return child;
}

pid_t child_pid(const struct child *child)
{
	return child->pid;
}

void child_signal(struct child *child, int sig)
{
	/* The pid too: the child may not have called setsid() yet. */
	kill(-child->pid, sig);
	kill(child->pid, sig);
}

void child_abandon(struct child *child)
{
	child->fn = NULL;
	child_signal(child, SIGKILL);
}

static bool dropped(const char *entry, char *const *drop)
{
	size_t name_len = strcspn(entry, "=");
	for (size_t i = 0; drop && drop[i]; i++) {
		size_t len = strlen(drop[i]);
		if (len > 0 && drop[i][len - 1] == '*') {
			if (name_len >= len - 1 && strncmp(entry, drop[i], len - 1) == 0)
				return true;
		} else if (len == name_len && strncmp(entry, drop[i], len) == 0) {
			return true;
		}
	}
	return false;
}

char **child_environment(char *const *drop, char *const *add)
{
	char **env = pn_xcalloc(1, sizeof(*env));
	for (size_t i = 0; environ && environ[i]; i++) {
		if (!dropped(environ[i], drop))
			pn_strv_push(&env, environ[i]);
	}
	for (size_t i = 0; add && add[i]; i++)
		pn_strv_push(&env, add[i]);
	return env;
}
