#include "panther/loop.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "panther/util.h"

/*
 * Sources live in singly linked lists. Removing one while the loop is
 * dispatching only marks it dead; dead sources are unlinked and freed once
 * the dispatch pass is over, so callbacks may remove anything, themselves
 * included.
 */

struct pn_fd {
	struct pn_loop *loop;
	struct pn_fd *next;
	int fd;
	short events;
	pn_fd_fn fn;
	void *data;
	bool dead;
};

struct pn_timer {
	struct pn_loop *loop;
	struct pn_timer *next;
	uint64_t deadline; /* 0: disarmed */
	pn_timer_fn fn;
	void *data;
	bool dead;
};

struct child_watch {
	struct pn_loop *loop;
	struct child_watch *next;
	pid_t pid;
	int pidfd;
	struct pn_fd *source;
	pn_child_fn fn;
	void *data;
};

struct signal_handler {
	pn_signal_fn fn;
	void *data;
};

struct pn_loop {
	struct pn_fd *fds;
	struct pn_timer *timers;
	struct child_watch *children;
	size_t n_fds;
	struct pollfd *pollfds;
	struct pn_fd **polled;
	size_t pollfds_cap;
	int dispatching;
	bool has_dead;

	int signal_fd;
	struct pn_fd *signal_source;
	sigset_t signals;
	sigset_t old_mask;
	struct signal_handler handlers[_NSIG];

	const struct pn_external *external;
	void *external_data;
	struct pollfd external_fds[PN_EXTERNAL_MAX_FDS];

	bool quit;
	int status;
};

uint64_t pn_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct pn_loop *pn_loop_create(void)
{
	struct pn_loop *loop = pn_xcalloc(1, sizeof(*loop));
	loop->signal_fd = -1;
	sigemptyset(&loop->signals);
	sigprocmask(SIG_BLOCK, NULL, &loop->old_mask);
	return loop;
}

static void sweep(struct pn_loop *loop)
{
	if (!loop->has_dead || loop->dispatching)
		return;
	loop->has_dead = false;
	for (struct pn_fd **p = &loop->fds; *p;) {
		struct pn_fd *s = *p;
		if (s->dead) {
			*p = s->next;
			loop->n_fds--;
			free(s);
		} else {
			p = &s->next;
		}
	}
	for (struct pn_timer **p = &loop->timers; *p;) {
		struct pn_timer *t = *p;
		if (t->dead) {
			*p = t->next;
			free(t);
		} else {
			p = &t->next;
		}
	}
}

void pn_loop_destroy(struct pn_loop *loop)
{
	if (!loop)
		return;
	while (loop->children) {
		struct child_watch *c = loop->children;
		loop->children = c->next;
		close(c->pidfd);
		free(c);
	}
	if (loop->signal_fd >= 0) {
		close(loop->signal_fd);
		sigprocmask(SIG_SETMASK, &loop->old_mask, NULL);
	}
	loop->dispatching = 0;
	for (struct pn_fd *s = loop->fds; s; s = s->next)
		s->dead = true;
	for (struct pn_timer *t = loop->timers; t; t = t->next)
		t->dead = true;
	loop->has_dead = true;
	sweep(loop);
	free(loop->pollfds);
	free(loop->polled);
	free(loop);
}

struct pn_fd *pn_loop_add_fd(struct pn_loop *loop, int fd, short events, pn_fd_fn fn, void *data)
{
	struct pn_fd *s = pn_xcalloc(1, sizeof(*s));
	*s = (struct pn_fd){.loop = loop,
		.next = loop->fds,
		.fd = fd,
		.events = events,
		.fn = fn,
		.data = data};
	loop->fds = s;
	loop->n_fds++;
	return s;
}

void pn_fd_set_events(struct pn_fd *source, short events)
{
	source->events = events;
}

void pn_fd_remove(struct pn_fd *source)
{
	if (!source)
		return;
	source->dead = true;
	source->loop->has_dead = true;
	sweep(source->loop);
}

struct pn_timer *pn_loop_add_timer(struct pn_loop *loop, pn_timer_fn fn, void *data)
{
	struct pn_timer *t = pn_xcalloc(1, sizeof(*t));
	*t = (struct pn_timer){.loop = loop, .next = loop->timers, .fn = fn, .data = data};
	loop->timers = t;
	return t;
}

void pn_timer_arm(struct pn_timer *timer, uint64_t delay_ms)
{
	/* A deadline of 0 means disarmed, so never store it. */
	timer->deadline = pn_now_ms() + delay_ms;
	if (timer->deadline == 0)
		timer->deadline = 1;
}

void pn_timer_disarm(struct pn_timer *timer)
{
	timer->deadline = 0;
}

bool pn_timer_armed(const struct pn_timer *timer)
{
	return timer->deadline != 0;
}

void pn_timer_remove(struct pn_timer *timer)
{
	if (!timer)
		return;
	timer->dead = true;
	timer->deadline = 0;
	timer->loop->has_dead = true;
	sweep(timer->loop);
}

static void handle_signal_fd(void *data, int fd, short revents)
{
	struct pn_loop *loop = data;
	struct signalfd_siginfo si;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		int signo = (int)si.ssi_signo;
		if (signo > 0 && signo < _NSIG && loop->handlers[signo].fn)
			loop->handlers[signo].fn(loop->handlers[signo].data, signo);
	}
}

int pn_loop_add_signal(struct pn_loop *loop, int signo, pn_signal_fn fn, void *data)
{
	if (signo <= 0 || signo >= _NSIG)
		return -EINVAL;
	sigset_t mask = loop->signals;
	sigaddset(&mask, signo);
	int fd = signalfd(loop->signal_fd, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0) {
		int err = -errno;
		if (loop->signal_fd < 0)
			close(fd);
		return err;
	}
	if (loop->signal_fd < 0) {
		loop->signal_fd = fd;
		loop->signal_source = pn_loop_add_fd(loop, fd, POLLIN, handle_signal_fd, loop);
	}
	loop->signals = mask;
	loop->handlers[signo] = (struct signal_handler){fn, data};
	return 0;
}

void pn_child_reset_signals(void)
{
	sigset_t none;
	sigemptyset(&none);
	for (int signo = 1; signo < _NSIG; signo++) {
		if (signo != SIGKILL && signo != SIGSTOP)
			signal(signo, SIG_DFL);
	}
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static void unlink_child(struct pn_loop *loop, struct child_watch *watch)
{
	for (struct child_watch **p = &loop->children; *p; p = &(*p)->next) {
		if (*p == watch) {
			*p = watch->next;
			break;
		}
	}
	pn_fd_remove(watch->source);
	close(watch->pidfd);
}

static void handle_pidfd(void *data, int fd, short revents)
{
	struct child_watch *watch = data;
	struct pn_loop *loop = watch->loop;
	int wstatus = 0;
	pid_t r = waitpid(watch->pid, &wstatus, WNOHANG);
	if (r == 0)
		return; /* not exited yet (spurious) */
	if (r < 0)
		wstatus = 0; /* reaped elsewhere: report a plain exit */
	unlink_child(loop, watch);
	pn_child_fn fn = watch->fn;
	void *fn_data = watch->data;
	pid_t pid = watch->pid;
	free(watch);
	fn(fn_data, pid, wstatus);
}

int pn_loop_watch_child(struct pn_loop *loop, pid_t pid, pn_child_fn fn, void *data)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return -errno;
	struct child_watch *watch = pn_xcalloc(1, sizeof(*watch));
	*watch = (struct child_watch){.loop = loop,
		.next = loop->children,
		.pid = pid,
		.pidfd = pidfd,
		.fn = fn,
		.data = data};
	watch->source = pn_loop_add_fd(loop, pidfd, POLLIN, handle_pidfd, watch);
	loop->children = watch;
	return 0;
}

void pn_loop_unwatch_child(struct pn_loop *loop, pid_t pid)
{
	for (struct child_watch *c = loop->children; c; c = c->next) {
		if (c->pid == pid) {
			unlink_child(loop, c);
			free(c);
			return;
		}
	}
}

static int next_timeout(struct pn_loop *loop, int timeout_ms)
{
	uint64_t now = pn_now_ms();
	for (struct pn_timer *t = loop->timers; t; t = t->next) {
		if (t->dead || t->deadline == 0)
			continue;
		uint64_t left = t->deadline > now ? t->deadline - now : 0;
		if (left > INT32_MAX)
			left = INT32_MAX;
		if (timeout_ms < 0 || (int)left < timeout_ms)
			timeout_ms = (int)left;
	}
	return timeout_ms;
}

static int run_timers(struct pn_loop *loop)
{
	int ran = 0;
	uint64_t now = pn_now_ms();
	for (struct pn_timer *t = loop->timers; t; t = t->next) {
		if (t->dead || t->deadline == 0 || t->deadline > now)
			continue;
		t->deadline = 0;
		t->fn(t->data);
		ran++;
	}
	return ran;
}

int pn_loop_set_external(struct pn_loop *loop, const struct pn_external *ext, void *data)
{
	if (loop->external && ext)
		return -EBUSY;
	loop->external = ext;
	loop->external_data = data;
	return 0;
}

int pn_loop_dispatch(struct pn_loop *loop, int timeout_ms)
{
	size_t want = loop->n_fds + PN_EXTERNAL_MAX_FDS;
	if (want > loop->pollfds_cap) {
		size_t cap = want * 2;
		loop->pollfds = pn_xrealloc(loop->pollfds, cap * sizeof(*loop->pollfds));
		loop->polled = pn_xrealloc(loop->polled, cap * sizeof(*loop->polled));
		loop->pollfds_cap = cap;
	}
	size_t n = 0;
	for (struct pn_fd *s = loop->fds; s; s = s->next) {
		if (s->dead)
			continue;
		/* No events wanted: leave it out, or a hangup would wake us forever. */
		int fd = s->events ? s->fd : -1;
		loop->pollfds[n] = (struct pollfd){.fd = fd, .events = s->events};
		loop->polled[n++] = s;
	}

	timeout_ms = next_timeout(loop, timeout_ms);
	int n_external = 0;
	if (loop->external) {
		int ext_timeout = -1;
		n_external = loop->external->prepare(loop->external_data, loop->external_fds,
			PN_EXTERNAL_MAX_FDS, &ext_timeout);
		if (n_external < 0)
			n_external = 0;
		memcpy(loop->pollfds + n, loop->external_fds,
			(size_t)n_external * sizeof(struct pollfd));
		if (ext_timeout >= 0 && (timeout_ms < 0 || ext_timeout < timeout_ms))
			timeout_ms = ext_timeout;
	}

	int r = poll(loop->pollfds, n + (size_t)n_external, timeout_ms);
	if (r < 0 && errno != EINTR)
		return -errno;
	if (r < 0) {
		for (size_t i = 0; i < n + (size_t)n_external; i++)
			loop->pollfds[i].revents = 0;
	}

	int ran = 0;
	loop->dispatching++;
	if (loop->external) {
		memcpy(loop->external_fds, loop->pollfds + n,
			(size_t)n_external * sizeof(struct pollfd));
		loop->external->dispatch(loop->external_data, loop->external_fds, n_external);
	}
	for (size_t i = 0; r > 0 && i < n; i++) {
		struct pn_fd *s = loop->polled[i];
		short revents = loop->pollfds[i].revents;
		if (revents == 0 || s->dead)
			continue;
		s->fn(s->data, s->fd, revents);
		ran++;
	}
	ran += run_timers(loop);
	loop->dispatching--;
	sweep(loop);
	return ran;
}

int pn_loop_run(struct pn_loop *loop)
{
	loop->quit = false;
	while (!loop->quit) {
		int r = pn_loop_dispatch(loop, -1);
		if (r < 0)
			return r;
	}
	return loop->status;
}

void pn_loop_quit(struct pn_loop *loop, int status)
{
	loop->quit = true;
	loop->status = status;
}
