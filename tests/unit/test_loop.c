#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "panther/loop.h"

struct counter {
	int calls;
	int last;
	uint64_t at;
	struct pn_loop *loop;
	void *other;
};

static void count_timer(void *data)
{
	struct counter *c = data;
	c->calls++;
	c->at = pn_now_ms();
}

static void test_timer_fires_once_after_delay(void **state)
{
	struct pn_loop *loop = pn_loop_create();
	struct counter c = {0};
	struct pn_timer *t = pn_loop_add_timer(loop, count_timer, &c);
	assert_false(pn_timer_armed(t));
	uint64_t start = pn_now_ms();
	pn_timer_arm(t, 50);
	assert_true(pn_timer_armed(t));
	while (c.calls == 0)
		assert_true(pn_loop_dispatch(loop, 1000) >= 0);
	assert_int_equal(c.calls, 1);
	assert_true(c.at - start >= 50);
	assert_false(pn_timer_armed(t));
	/* Not periodic: nothing more happens. */
	assert_int_equal(pn_loop_dispatch(loop, 100), 0);
	assert_int_equal(c.calls, 1);
	pn_timer_remove(t);
	pn_loop_destroy(loop);
}

static void test_timer_disarm_and_rearm(void **state)
{
	struct pn_loop *loop = pn_loop_create();
	struct counter a = {0}, b = {0};
	struct pn_timer *ta = pn_loop_add_timer(loop, count_timer, &a);
	struct pn_timer *tb = pn_loop_add_timer(loop, count_timer, &b);
	pn_timer_arm(ta, 10);
	pn_timer_arm(tb, 30);
	pn_timer_disarm(ta);
	while (b.calls == 0)
		pn_loop_dispatch(loop, 1000);
	assert_int_equal(a.calls, 0);
	/* Re-arming moves the deadline. */
	pn_timer_arm(tb, 10000);
	pn_timer_arm(tb, 20);
	uint64_t start = pn_now_ms();
	while (b.calls == 1)
		pn_loop_dispatch(loop, 1000);
	assert_true(pn_now_ms() - start < 1000);
	pn_loop_destroy(loop);
}

static void remove_other_timer(void *data)
{
	struct counter *c = data;
	c->calls++;
	pn_timer_remove(c->other);
}

static void test_timer_removed_from_callback(void **state)
{
	struct pn_loop *loop = pn_loop_create();
	struct counter a = {0}, b = {0};
	struct pn_timer *tb = pn_loop_add_timer(loop, count_timer, &b);
	a.other = tb;
	struct pn_timer *ta = pn_loop_add_timer(loop, remove_other_timer, &a);
	/* Both expire in the same pass; the first one run removes the second. */
	pn_timer_arm(ta, 0);
	pn_timer_arm(tb, 0);
	usleep(2000);
	pn_loop_dispatch(loop, 0);
	/* The newest timer runs first; the one it removed never runs. */
	assert_int_equal(a.calls, 1);
	assert_int_equal(b.calls, 0);
	pn_loop_dispatch(loop, 20);
	assert_int_equal(b.calls, 0);
	pn_loop_destroy(loop);
}

static void read_pipe(void *data, int fd, short revents)
{
	struct counter *c = data;
	char byte;
	assert_true(revents & POLLIN);
	assert_int_equal(read(fd, &byte, 1), 1);
	c->calls++;
	c->last = byte;
}

static void test_fd_readable(void **state)
{
	struct pn_loop *loop = pn_loop_create();
	int p[2];
	assert_int_equal(pipe(p), 0);
	struct counter c = {0};
	struct pn_fd *s = pn_loop_add_fd(loop, p[0], POLLIN, read_pipe, &c);
	assert_int_equal(pn_loop_dispatch(loop, 0), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(pn_loop_dispatch(loop, 1000), 1);
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.last, 'x');
	/* With no events asked, a readable fd does not wake the loop. */
	pn_fd_set_events(s, 0);
	assert_int_equal(write(p[1], "y", 1), 1);
	assert_int_equal(pn_loop_dispatch(loop, 50), 0);
	pn_fd_set_events(s, POLLIN);
	assert_int_equal(pn_loop_dispatch(loop, 1000), 1);
	assert_int_equal(c.last, 'y');
	pn_fd_remove(s);
	assert_int_equal(write(p[1], "z", 1), 1);
	assert_int_equal(pn_loop_dispatch(loop, 50), 0);
	close(p[0]);
	close(p[1]);
	pn_loop_destroy(loop);
}

static void remove_self(void *data, int fd, short revents)
{
	struct counter *c = data;
	c->calls++;
	pn_fd_remove(c->other);
}

static void test_fd_removes_itself(void **state)
{
	struct pn_loop *loop = pn_loop_create();
	int p[2];
	assert_int_equal(pipe(p), 0);
	struct counter c = {0};
	c.other = pn_loop_add_fd(loop, p[0], POLLIN, remove_self, &c);
	assert_int_equal(write(p[1], "x", 1), 1);
	pn_loop_dispatch(loop, 1000);
	pn_loop_dispatch(loop, 50);
	assert_int_equal(c.calls, 1);
	close(p[0]);
	close(p[1]);
	pn_loop_destroy(loop);
}

static void on_signal(void *data, int signo)
{
	struct counter *c = data;
	c->calls++;
	c->last = signo;
	pn_loop_quit(c->loop, 7);
}

static void test_signal_delivered_through_loop(void **state)
{
	struct pn_loop *loop = pn_loop_create();
	struct counter c = {.loop = loop};
	assert_int_equal(pn_loop_add_signal(loop, SIGUSR1, on_signal, &c), 0);
	assert_int_equal(pn_loop_add_signal(loop, SIGUSR2, on_signal, &c), 0);
	raise(SIGUSR2);
	assert_int_equal(pn_loop_run(loop), 7);
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.last, SIGUSR2);
	raise(SIGUSR1);
	assert_int_equal(pn_loop_run(loop), 7);
	assert_int_equal(c.last, SIGUSR1);
	assert_int_equal(pn_loop_add_signal(loop, 0, on_signal, &c), -EINVAL);
	pn_loop_destroy(loop);
	/* The loop gave the signal mask back. */
	sigset_t mask;
	sigprocmask(SIG_BLOCK, NULL, &mask);
	assert_false(sigismember(&mask, SIGUSR1));
}

static void on_child(void *data, pid_t pid, int wstatus)
{
	struct counter *c = data;
	c->calls++;
	c->last = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -WTERMSIG(wstatus);
}

static void test_child_exit_reaped(void **state)
{
	struct pn_loop *loop = pn_loop_create();
	struct counter c = {0};
	pid_t pid = fork();
	if (pid == 0) {
		usleep(20000);
		_exit(3);
	}
	assert_int_equal(pn_loop_watch_child(loop, pid, on_child, &c), 0);
	while (c.calls == 0)
		pn_loop_dispatch(loop, 2000);
	assert_int_equal(c.last, 3);
	/* Reaped: no zombie left to wait for. */
	assert_int_equal(waitpid(pid, NULL, WNOHANG), -1);

	pid = fork();
	if (pid == 0) {
		pause();
		_exit(0);
	}
	assert_int_equal(pn_loop_watch_child(loop, pid, on_child, &c), 0);
	kill(pid, SIGTERM);
	while (c.calls == 1)
		pn_loop_dispatch(loop, 2000);
	assert_int_equal(c.last, -SIGTERM);
	pn_loop_destroy(loop);
}

static void test_child_reset_signals(void **state)
{
	struct pn_loop *loop = pn_loop_create();
	struct counter c = {.loop = loop};
	assert_int_equal(pn_loop_add_signal(loop, SIGTERM, on_signal, &c), 0);
	pid_t pid = fork();
	if (pid == 0) {
		/* Blocked SIGTERM is inherited; after the reset it kills. */
		pn_child_reset_signals();
		pause();
		_exit(0);
	}
	struct counter child = {0};
	assert_int_equal(pn_loop_watch_child(loop, pid, on_child, &child), 0);
	usleep(20000);
	kill(pid, SIGTERM);
	while (child.calls == 0)
		pn_loop_dispatch(loop, 2000);
	assert_int_equal(child.last, -SIGTERM);
	pn_loop_destroy(loop);
}

static void test_idle_loop_sleeps(void **state)
{
	/* With nothing armed, dispatch waits for its whole timeout and runs nothing. */
	struct pn_loop *loop = pn_loop_create();
	struct counter c = {0};
	struct pn_timer *t = pn_loop_add_timer(loop, count_timer, &c);
	(void)t;
	uint64_t start = pn_now_ms();
	assert_int_equal(pn_loop_dispatch(loop, 100), 0);
	assert_true(pn_now_ms() - start >= 100);
	pn_loop_destroy(loop);
}

struct external_pipe {
	int fd;
	int prepared;
	int seen;
};

static int external_prepare(void *data, struct pollfd *fds, int max_fds, int *timeout_ms)
{
	struct external_pipe *e = data;
	e->prepared++;
	fds[0] = (struct pollfd){.fd = e->fd, .events = POLLIN};
	*timeout_ms = 5000;
	return 1;
}

static void external_dispatch(void *data, struct pollfd *fds, int n_fds)
{
	struct external_pipe *e = data;
	assert_int_equal(n_fds, 1);
	if (fds[0].revents & POLLIN) {
		char byte;
		assert_int_equal(read(e->fd, &byte, 1), 1);
		e->seen++;
	}
}

static void test_external_source(void **state)
{
	static const struct pn_external ext = {external_prepare, external_dispatch};
	struct pn_loop *loop = pn_loop_create();
	int p[2];
	assert_int_equal(pipe(p), 0);
	struct external_pipe e = {.fd = p[0]};
	assert_int_equal(pn_loop_set_external(loop, &ext, &e), 0);
	assert_int_equal(pn_loop_set_external(loop, &ext, &e), -EBUSY);
	assert_int_equal(write(p[1], "x", 1), 1);
	pn_loop_dispatch(loop, 1000);
	assert_int_equal(e.seen, 1);
	/* Its timeout bounds the wait even when the caller would wait longer. */
	uint64_t start = pn_now_ms();
	pn_loop_dispatch(loop, 100);
	assert_true(pn_now_ms() - start < 1000);
	assert_int_equal(e.seen, 1);
	assert_int_equal(e.prepared, 2);
	close(p[0]);
	close(p[1]);
	pn_loop_destroy(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timer_fires_once_after_delay),
		cmocka_unit_test(test_timer_disarm_and_rearm),
		cmocka_unit_test(test_timer_removed_from_callback),
		cmocka_unit_test(test_fd_readable),
		cmocka_unit_test(test_fd_removes_itself),
		cmocka_unit_test(test_signal_delivered_through_loop),
		cmocka_unit_test(test_child_exit_reaped),
		cmocka_unit_test(test_child_reset_signals),
		cmocka_unit_test(test_idle_loop_sleeps),
		cmocka_unit_test(test_external_source),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
