#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "plan.h"

static char *none[] = {NULL};

static struct pn_service_config service(char *name, char **after)
{
	static char *argv[] = {"true", NULL};
	return (struct pn_service_config){
		.name = name,
		.argv = argv,
		.after = after ? after : none,
		.env = none,
	};
}

static void test_order_follows_after(void **state)
{
	char *after_b[] = {"b", NULL};
	char *after_c[] = {"c", NULL};
	/* a after b, b after c: file order a, b, c starts c, b, a. */
	struct pn_service_config s[] = {
		service("a", after_b),
		service("b", after_c),
		service("c", NULL),
	};
	size_t order[3];
	assert_int_equal(plan_start_order(s, 3, order), 0);
	assert_int_equal(order[0], 2);
	assert_int_equal(order[1], 1);
	assert_int_equal(order[2], 0);
}

static void test_order_keeps_file_order(void **state)
{
	char *after_shell[] = {"shell", NULL};
	char *after_both[] = {"shell", "agent", NULL};
	struct pn_service_config s[] = {
		service("powerd", after_shell),
		service("shell", NULL),
		service("agent", NULL),
		service("tray", after_both),
		service("clock", NULL),
	};
	size_t order[5];
	assert_int_equal(plan_start_order(s, 5, order), 0);
	/* Independent services keep file order; each comes after what it names. */
	size_t want[] = {1, 0, 2, 3, 4};
	assert_memory_equal(order, want, sizeof(want));
}

static void test_order_errors(void **state)
{
	char *after_a[] = {"a", NULL};
	char *after_b[] = {"b", NULL};
	char *after_x[] = {"x", NULL};
	struct pn_service_config cycle[] = {service("a", after_b), service("b", after_a)};
	size_t order[2];
	assert_int_equal(plan_start_order(cycle, 2, order), -ELOOP);
	struct pn_service_config unknown[] = {service("a", after_x)};
	assert_int_equal(plan_start_order(unknown, 1, order), -ENOENT);
	assert_int_equal(plan_start_order(NULL, 0, order), 0);
}

static void test_backoff_doubles_to_30s(void **state)
{
	assert_int_equal(plan_backoff_ms(0), 500);
	assert_int_equal(plan_backoff_ms(1), 1000);
	assert_int_equal(plan_backoff_ms(2), 2000);
	assert_int_equal(plan_backoff_ms(5), 16000);
	assert_int_equal(plan_backoff_ms(6), 30000);
	assert_int_equal(plan_backoff_ms(100), 30000);
	assert_int_equal(plan_backoff_ms(~0u), 30000);
}

static void test_restart_policies(void **state)
{
	int ok = W_EXITCODE(0, 0), failed = W_EXITCODE(1, 0), killed = SIGSEGV;
	assert_true(plan_should_restart(PN_RESTART_ALWAYS, ok));
	assert_true(plan_should_restart(PN_RESTART_ALWAYS, failed));
	assert_false(plan_should_restart(PN_RESTART_ON_FAILURE, ok));
	assert_true(plan_should_restart(PN_RESTART_ON_FAILURE, failed));
	assert_true(plan_should_restart(PN_RESTART_ON_FAILURE, killed));
	assert_false(plan_should_restart(PN_RESTART_NEVER, failed));
	assert_false(plan_should_restart(PN_RESTART_NEVER, killed));
}

static void test_crash_loop(void **state)
{
	struct plan_exits exits = {0};
	/* Five exits within 60 s make a crash loop, the fifth one tells. */
	for (int i = 0; i < 4; i++)
		assert_false(plan_exits_add(&exits, 1000 + (uint64_t)i * 1000));
	assert_true(plan_exits_add(&exits, 60000));

	/* Spread over more than 60 s: never. */
	plan_exits_clear(&exits);
	for (int i = 0; i < 20; i++)
		assert_false(plan_exits_add(&exits, (uint64_t)i * 16000));

	/* The window slides: old exits fall out. */
	plan_exits_clear(&exits);
	uint64_t t[] = {0, 50000, 55000, 58000, 61000};
	for (size_t i = 0; i < 5; i++)
		assert_false(plan_exits_add(&exits, t[i]));
	assert_true(plan_exits_add(&exits, 62000));
}

static void test_compare(void **state)
{
	char *argv1[] = {"dms", "run", NULL}, *argv2[] = {"dms", "run", "--session", NULL};
	char *env1[] = {"A=1", "B=2", NULL}, *env2[] = {"B=2", "A=1", NULL};
	char *env3[] = {"A=1", "B=3", NULL};
	char *after1[] = {"x", NULL};
	struct pn_service_config old = {.name = "dms", .argv = argv1, .env = env1, .after = none};
	struct pn_service_config new = old;
	assert_int_equal(plan_compare(&old, &new), PLAN_SAME);
	new.env = env2; /* the same set in another order */
	assert_int_equal(plan_compare(&old, &new), PLAN_SAME);
	new.env = env3;
	assert_int_equal(plan_compare(&old, &new), PLAN_CHANGED);
	new = old;
	new.argv = argv2;
	assert_int_equal(plan_compare(&old, &new), PLAN_CHANGED);
	new = old;
	new.ready_dbus_name = "org.example.Ready";
	assert_int_equal(plan_compare(&old, &new), PLAN_CHANGED);
	new = old;
	new.restart = PN_RESTART_ALWAYS;
	assert_int_equal(plan_compare(&old, &new), PLAN_UPDATED);
	new = old;
	new.after = after1;
	assert_int_equal(plan_compare(&old, &new), PLAN_UPDATED);
}

static void test_copy(void **state)
{
	char *argv[] = {"a", "b", NULL}, *env[] = {"K=V", NULL}, *after[] = {"x", NULL};
	struct pn_service_config src = {.name = "n",
		.argv = argv,
		.env = env,
		.after = after,
		.restart = PN_RESTART_NEVER,
		.ready_dbus_name = "org.example.N"};
	struct pn_service_config dst;
	plan_service_copy(&dst, &src);
	assert_int_equal(plan_compare(&src, &dst), PLAN_SAME);
	assert_ptr_not_equal(dst.argv, src.argv);
	assert_string_equal(dst.ready_dbus_name, "org.example.N");
	plan_service_free(&dst);
	assert_null(dst.name);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_follows_after),
		cmocka_unit_test(test_order_keeps_file_order),
		cmocka_unit_test(test_order_errors),
		cmocka_unit_test(test_backoff_doubles_to_30s),
		cmocka_unit_test(test_restart_policies),
		cmocka_unit_test(test_crash_loop),
		cmocka_unit_test(test_compare),
		cmocka_unit_test(test_copy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
