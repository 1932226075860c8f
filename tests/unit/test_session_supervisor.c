#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "panther/log.h"
#include "panther/loop.h"
#include "supervisor.h"

/* Runs real processes (sh, sleep) under the supervisor on a real loop. */

struct fixture {
	struct pn_loop *loop;
	struct supervisor *sup;
	int up;
	int stopped;
	int crash_loops;
	char dir[64];
};

static void on_up(void *data)
{
	((struct fixture *)data)->up++;
}

static void on_stopped(void *data)
{
	((struct fixture *)data)->stopped++;
}

static void on_crash_loop(void *data, const char *name)
{
	((struct fixture *)data)->crash_loops++;
}

static const struct supervisor_listener listener = {
	.up = on_up,
	.crash_loop = on_crash_loop,
	.stopped = on_stopped,
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	f->loop = pn_loop_create();
	f->sup = supervisor_create(f->loop, NULL, &listener, f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test-supervisor.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	supervisor_destroy(f->sup);
	pn_loop_destroy(f->loop);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* Dispatches until *flag is set or timeout_ms pass. */
static void run_until(struct fixture *f, int *flag, int timeout_ms)
{
	uint64_t end = pn_now_ms() + (uint64_t)timeout_ms;
	while (!*flag && pn_now_ms() < end)
		pn_loop_dispatch(f->loop, 50);
}

static void run_for(struct fixture *f, int ms)
{
	int never = 0;
	run_until(f, &never, ms);
}

static const struct service_info *info_of(struct fixture *f, const char *name)
{
	static struct service_info info;
	for (size_t i = 0; supervisor_info(f->sup, i, &info); i++) {
		if (strcmp(info.name, name) == 0)
			return &info;
	}
	return NULL;
}

static char *none[] = {NULL};

static struct pn_service_config svc(const char *name, char **argv, char **after,
	enum pn_restart restart)
{
	return (struct pn_service_config){
		.name = (char *)name,
		.argv = argv,
		.after = after ? after : none,
		.env = none,
		.restart = restart,
	};
}

static void test_starts_in_order_and_stops_in_reverse(void **state)
{
	struct fixture *f = *state;
	char *sleep_argv[] = {"sleep", "30", NULL};
	char *after_a[] = {"a", NULL}, *after_b[] = {"b", NULL};
	struct pn_service_config services[] = {
		svc("c", sleep_argv, after_b, PN_RESTART_ON_FAILURE),
		svc("b", sleep_argv, after_a, PN_RESTART_ON_FAILURE),
		svc("a", sleep_argv, NULL, PN_RESTART_ON_FAILURE),
	};
	struct pn_session_config cfg = {.services = services, .n_services = 3};
	assert_int_equal(supervisor_start(f->sup, &cfg), 0);
	assert_int_equal(supervisor_start(f->sup, &cfg), -EALREADY);
	run_until(f, &f->up, 2000);
	assert_int_equal(f->up, 1);
	assert_int_equal(supervisor_count(f->sup), 3);

	/* Listed in start order, every one running. */
	struct service_info info[3];
	for (size_t i = 0; i < 3; i++) {
		assert_true(supervisor_info(f->sup, i, &info[i]));
		assert_int_equal(info[i].state, SERVICE_RUNNING);
		assert_true(info[i].pid > 0);
	}
	assert_string_equal(info[0].name, "a");
	assert_string_equal(info[1].name, "b");
	assert_string_equal(info[2].name, "c");
	assert_false(supervisor_info(f->sup, 3, &info[0]));

	pid_t pids[3] = {info[0].pid, info[1].pid, info[2].pid};
	supervisor_stop_all(f->sup);
	run_until(f, &f->stopped, 3000);
	assert_int_equal(f->stopped, 1);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(kill(pids[i], 0), -1);
	assert_int_equal(info_of(f, "a")->state, SERVICE_STOPPED);
}

static void test_exit_policies(void **state)
{
	struct fixture *f = *state;
	char *ok_argv[] = {"true", NULL}, *fail_argv[] = {"false", NULL};
	char *missing_argv[] = {"/nonexistent/program", NULL};
	struct pn_service_config services[] = {
		svc("ok-on-failure", ok_argv, NULL, PN_RESTART_ON_FAILURE),
		svc("fail-never", fail_argv, NULL, PN_RESTART_NEVER),
		svc("ok-always", ok_argv, NULL, PN_RESTART_ALWAYS),
		svc("missing", missing_argv, NULL, PN_RESTART_NEVER),
	};
	struct pn_session_config cfg = {.services = services, .n_services = 4};
	assert_int_equal(supervisor_start(f->sup, &cfg), 0);
	run_for(f, 300);
	assert_int_equal(info_of(f, "ok-on-failure")->state, SERVICE_EXITED);
	assert_int_equal(info_of(f, "fail-never")->state, SERVICE_FAILED);
	assert_int_equal(info_of(f, "ok-always")->state, SERVICE_RESTARTING);
	assert_int_equal(info_of(f, "ok-always")->restarts, 0);
	assert_int_equal(info_of(f, "missing")->state, SERVICE_FAILED);
	/* 0.5 s later it has been started again. */
	run_for(f, 400);
	assert_int_equal(info_of(f, "ok-always")->restarts, 1);
	assert_int_equal(f->crash_loops, 0);
}

static void test_group_is_stopped_with_the_service(void **state)
{
	struct fixture *f = *state;
	char script[256];
	/* The service leaves a child behind in its process group and exits. */
	snprintf(script, sizeof(script), "sleep 30 & echo $! >%s/child; exit 0", f->dir);
	char *argv[] = {"sh", "-c", script, NULL};
	struct pn_service_config services[] = {svc("parent", argv, NULL, PN_RESTART_NEVER)};
	struct pn_session_config cfg = {.services = services, .n_services = 1};
	assert_int_equal(supervisor_start(f->sup, &cfg), 0);
	run_for(f, 500);
	char path[128];
	snprintf(path, sizeof(path), "%s/child", f->dir);
	FILE *file = fopen(path, "r");
	assert_non_null(file);
	int child = 0;
	assert_int_equal(fscanf(file, "%d", &child), 1);
	fclose(file);
	/* What the service left in its group went with it. */
	assert_int_equal(kill(child, 0), -1);
	assert_int_equal(info_of(f, "parent")->state, SERVICE_EXITED);
}

static void test_apply_and_restart(void **state)
{
	struct fixture *f = *state;
	char *sleep_argv[] = {"sleep", "30", NULL}, *other_argv[] = {"sleep", "31", NULL};
	struct pn_service_config services[] = {
		svc("keep", sleep_argv, NULL, PN_RESTART_ON_FAILURE),
		svc("change", sleep_argv, NULL, PN_RESTART_ON_FAILURE),
		svc("drop", sleep_argv, NULL, PN_RESTART_ON_FAILURE),
	};
	struct pn_session_config cfg = {.services = services, .n_services = 3};
	assert_int_equal(supervisor_start(f->sup, &cfg), 0);
	run_until(f, &f->up, 2000);
	pid_t keep = info_of(f, "keep")->pid, change = info_of(f, "change")->pid;
	pid_t drop = info_of(f, "drop")->pid;

	/* keep: only its restart policy changes; change: its argv; drop goes, add comes. */
	struct pn_service_config next[] = {
		svc("keep", sleep_argv, NULL, PN_RESTART_ALWAYS),
		svc("change", other_argv, NULL, PN_RESTART_ON_FAILURE),
		svc("add", sleep_argv, NULL, PN_RESTART_ON_FAILURE),
	};
	struct pn_session_config next_cfg = {.services = next, .n_services = 3};
	supervisor_apply(f->sup, &next_cfg);
	run_for(f, 500);
	assert_int_equal(info_of(f, "keep")->pid, keep);
	assert_int_equal(info_of(f, "change")->state, SERVICE_RUNNING);
	assert_int_not_equal(info_of(f, "change")->pid, change);
	assert_int_equal(info_of(f, "change")->restarts, 1);
	assert_int_equal(kill(change, 0), -1);
	assert_null(info_of(f, "drop"));
	assert_int_equal(kill(drop, 0), -1);
	assert_int_equal(info_of(f, "add")->state, SERVICE_RUNNING);
	assert_int_equal(supervisor_count(f->sup), 3);

	assert_int_equal(supervisor_restart(f->sup, "nosuch"), -ENOENT);
	assert_int_equal(supervisor_restart(f->sup, "keep"), 0);
	run_for(f, 500);
	assert_int_not_equal(info_of(f, "keep")->pid, keep);
	assert_int_equal(info_of(f, "keep")->state, SERVICE_RUNNING);

	supervisor_stop_all(f->sup);
	run_until(f, &f->stopped, 3000);
	assert_int_equal(f->stopped, 1);
	assert_int_equal(supervisor_restart(f->sup, "keep"), -ESHUTDOWN);
}

static void test_stop_right_after_start(void **state)
{
	struct fixture *f = *state;
	char *sleep_argv[] = {"sleep", "30", NULL};
	struct pn_service_config services[] = {svc("s", sleep_argv, NULL, PN_RESTART_ALWAYS)};
	struct pn_session_config cfg = {.services = services, .n_services = 1};
	assert_int_equal(supervisor_start(f->sup, &cfg), 0);
	pid_t pid = info_of(f, "s")->pid;
	/* The child may not have made its process group yet: it is stopped all the same. */
	uint64_t start = pn_now_ms();
	supervisor_stop_all(f->sup);
	run_until(f, &f->stopped, 3000);
	assert_int_equal(f->stopped, 1);
	assert_true(pn_now_ms() - start < 1000);
	assert_int_equal(kill(pid, 0), -1);
	assert_int_equal(info_of(f, "s")->state, SERVICE_STOPPED);
}

int main(void)
{
	pn_log_init("test-session-supervisor", PN_LOG_WARN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_starts_in_order_and_stops_in_reverse, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_exit_policies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_group_is_stopped_with_the_service, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_apply_and_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_right_after_start, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
