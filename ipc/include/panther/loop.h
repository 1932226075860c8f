#ifndef PANTHER_LOOP_H
#define PANTHER_LOOP_H

/*
 * The event loop every panther daemon runs on: file descriptors, monotonic
 * timers, signals (signalfd) and child exits (pidfd). An idle loop sleeps in
 * poll() with no timeout unless a timer is armed: no periodic wakeups.
 *
 * Sources may be added and removed from inside any callback, including the
 * callback of the source being removed.
 */

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct pn_loop;
struct pn_fd;
struct pn_timer;

/* revents are poll() bits: POLLIN, POLLOUT, POLLHUP, POLLERR. */
typedef void (*pn_fd_fn)(void *data, int fd, short revents);
typedef void (*pn_timer_fn)(void *data);
typedef void (*pn_signal_fn)(void *data, int signo);
/* wstatus as from waitpid(); the child has been reaped when this runs. */
typedef void (*pn_child_fn)(void *data, pid_t pid, int wstatus);

struct pn_loop *pn_loop_create(void);
/* Closes every fd the loop opened itself (signalfd, pidfds), not fds added. */
void pn_loop_destroy(struct pn_loop *loop);

/* Never NULL (out of memory aborts, as everywhere in panther). */
struct pn_fd *pn_loop_add_fd(struct pn_loop *loop, int fd, short events, pn_fd_fn fn, void *data);
void pn_fd_set_events(struct pn_fd *source, short events);
/* Removes the source; does not close the fd. */
void pn_fd_remove(struct pn_fd *source);

/* A timer starts disarmed. Arming an armed timer moves its deadline. Never NULL. */
struct pn_timer *pn_loop_add_timer(struct pn_loop *loop, pn_timer_fn fn, void *data);
void pn_timer_arm(struct pn_timer *timer, uint64_t delay_ms);
void pn_timer_disarm(struct pn_timer *timer);
bool pn_timer_armed(const struct pn_timer *timer);
void pn_timer_remove(struct pn_timer *timer);

/* Blocks signo and delivers it through a signalfd. One handler per signal. */
int pn_loop_add_signal(struct pn_loop *loop, int signo, pn_signal_fn fn, void *data);

/*
 * Watches a child of this process through a pidfd and reaps it. Returns 0 or
 * a negative errno. The watch ends after fn has run.
 */
int pn_loop_watch_child(struct pn_loop *loop, pid_t pid, pn_child_fn fn, void *data);
/* Stops watching (the child is then not reaped by the loop). */
void pn_loop_unwatch_child(struct pn_loop *loop, pid_t pid);

/*
 * For a forked child before exec: the loop blocks the signals it handles,
 * and a blocked mask survives exec. This unblocks every signal and restores
 * default dispositions. Async-signal-safe.
 */
void pn_child_reset_signals(void);

/*
 * An outside event source the loop drives, such as a GMainContext. Before
 * each poll, prepare() may fill up to max_fds entries of fds and lower
 * *timeout_ms (-1: no limit); it returns how many entries it used. After
 * poll, dispatch() gets the same entries with their revents.
 */
struct pn_external {
	int (*prepare)(void *data, struct pollfd *fds, int max_fds, int *timeout_ms);
	void (*dispatch)(void *data, struct pollfd *fds, int n_fds);
};
#define PN_EXTERNAL_MAX_FDS 64
/* One external source per loop. 0, or -EBUSY when one is set already. */
int pn_loop_set_external(struct pn_loop *loop, const struct pn_external *ext, void *data);

/* Runs until pn_loop_quit(); returns the status given to it. */
int pn_loop_run(struct pn_loop *loop);
void pn_loop_quit(struct pn_loop *loop, int status);
/*
 * One iteration: waits at most timeout_ms (-1: until something happens),
 * dispatches what is ready. Returns the number of callbacks run, or a
 * negative errno.
 */
int pn_loop_dispatch(struct pn_loop *loop, int timeout_ms);

/* Milliseconds on CLOCK_MONOTONIC. */
uint64_t pn_now_ms(void);

#endif
