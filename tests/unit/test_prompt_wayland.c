/*
 * The agent's side of the Wayland prompt (prompt-wayland.c) against a stand-in
 * program (tests/harness/fake-prompt.py) that speaks the protocol: what the
 * question looks like on the wire, answers of every kind, one process per
 * request across retries, and closing it when the request ends.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "prompt.h"
#include "child.h"
#include "panther/config.h"
#include "panther/loop.h"
#include "panther/secret.h"

static char tmpdir[] = "/tmp/test-prompt-wayland.XXXXXX";
static char log_path[PATH_MAX];
static char *users[] = {"alice", "root", NULL};

struct fixture {
	struct pn_loop *loop;
	struct children *children;
	struct pn_config cfg;
	struct prompt *prompt;
	struct pn_secret *answer;
};

struct outcome {
	int calls;
	enum prompt_result result;
	size_t user;
};

static void on_done(void *data, enum prompt_result result, size_t user)
{
	struct outcome *o = data;
	o->calls++;
	o->result = result;
	o->user = user;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	f->loop = pn_loop_create();
	f->children = children_create(f->loop);
	pn_config_init(&f->cfg);
	struct prompt_context ctx = {.children = f->children, .cfg = &f->cfg};
	char err[256];
	f->prompt = prompt_new(PN_PROMPT_WAYLAND, &ctx, err, sizeof(err));
	f->answer = pn_secret_new(PN_SECRET_MAX_PASSWORD + 1);
	unlink(log_path);
	*state = f;
	return f->prompt && f->answer ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	prompt_destroy(f->prompt);
	pn_secret_free(f->answer);
	children_destroy(f->children, 2000);
	pn_config_finish(&f->cfg);
	pn_loop_destroy(f->loop);
	free(f);
	return 0;
}

static struct prompt_info sample_info(void)
{
	return (struct prompt_info){
		.id = 7,
		.message = "Authentication is required\nto do <b>this</b>",
		.action_id = "org.example.action",
		.program = "/usr/bin/pkexec /bin/true",
		.users = users,
		.user = 0,
		.question = "Password: ",
		.error = "1Password: authorization prompt dismissed",
	};
}

static void ask(struct fixture *f, const char *mode, struct outcome *o)
{
	setenv("FAKE_PROMPT_MODE", mode, 1);
	struct prompt_info info = sample_info();
	char err[256];
	assert_int_equal(prompt_ask(f->prompt, &info, f->answer, on_done, o, err, sizeof(err)), 0);
}

static void run_until(struct fixture *f, const int *calls, int want)
{
	uint64_t deadline = pn_now_ms() + 10000;
	while (*calls < want && pn_now_ms() < deadline)
		pn_loop_dispatch(f->loop, 50);
	assert_int_equal(*calls, want);
}

static int log_count(const char *line)
{
	FILE *fp = fopen(log_path, "r");
	if (!fp)
		return 0;
	char buf[4096];
	int n = 0;
	while (fgets(buf, sizeof(buf), fp)) {
		buf[strcspn(buf, "\n")] = '\0';
		n += strcmp(buf, line) == 0;
	}
	fclose(fp);
	return n;
}

static void wait_for_log(struct fixture *f, const char *line, int times)
{
	uint64_t deadline = pn_now_ms() + 10000;
	while (log_count(line) < times && pn_now_ms() < deadline)
		pn_loop_dispatch(f->loop, 50);
	assert_int_equal(log_count(line), times);
}

static bool secret_is(const struct pn_secret *secret, const char *text)
{
	return pn_secret_len(secret) == strlen(text) &&
		memcmp(pn_secret_expose(secret), text, strlen(text)) == 0;
}

static void test_question_and_answer(void **state)
{
	struct fixture *f = *state;
	struct outcome o = {0};
	ask(f, "answer:hunter2 answer:second", &o);
	run_until(f, &o.calls, 1);
	assert_int_equal(o.result, PROMPT_ANSWERED);
	assert_true(secret_is(f->answer, "hunter2"));
	assert_int_equal(log_count("ask 7"), 1);
	assert_int_equal(log_count("message Authentication is required\\nto do <b>this</b>"), 1);
	assert_int_equal(log_count("action org.example.action"), 1);
	assert_int_equal(log_count("program /usr/bin/pkexec /bin/true"), 1);
	assert_int_equal(log_count("question Password: "), 1);
	assert_int_equal(log_count("echo 0"), 1);
	/* 1Password's reason gets its own field, not the error's. */
	assert_int_equal(log_count("onepassword authorization prompt dismissed"), 1);
	assert_int_equal(log_count("user alice"), 1);
	assert_int_equal(log_count("user root"), 1);
	assert_int_equal(log_count("selected 0"), 1);
	assert_int_equal(log_count("show"), 1);

	/* The retry goes to the same process; the request's end closes it. */
	prompt_message(f->prompt, "Place your finger", false);
	ask(f, "(read at start)", &o);
	prompt_message(f->prompt, "Too many tries", true);
	run_until(f, &o.calls, 2);
	assert_true(secret_is(f->answer, "second"));
	assert_int_equal(log_count("show"), 2);
	wait_for_log(f, "pam-error Too many tries", 1);
	assert_int_equal(log_count("closed"), 0);
	prompt_end(f->prompt, 6); /* another request's end: nothing happens */
	prompt_end(f->prompt, 7);
	wait_for_log(f, "closed", 1);
}

static void test_empty_answer(void **state)
{
	struct fixture *f = *state;
	struct outcome o = {0};
	ask(f, "answer:", &o);
	run_until(f, &o.calls, 1);
	assert_int_equal(o.result, PROMPT_ANSWERED);
	assert_int_equal(pn_secret_len(f->answer), 0);
}

/* Only the prompt's own process is heard on its socket, not one that got the fd. */
static void test_other_sender(void **state)
{
	struct fixture *f = *state;
	struct outcome o = {0};
	ask(f, "other:impostor", &o);
	run_until(f, &o.calls, 1);
	assert_int_equal(o.result, PROMPT_ANSWERED);
	assert_true(secret_is(f->answer, "mine"));
}

static void test_refusals(void **state)
{
	struct fixture *f = *state;
	struct outcome o = {0};
	const struct {
		const char *mode;
		enum prompt_result result;
	} cases[] = {
		{"cancel", PROMPT_CANCELLED},
		{"crash", PROMPT_CANCELLED},
		{"short", PROMPT_CANCELLED},
		{"long", PROMPT_TOO_LONG},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pn_secret_append(f->answer, "stale", 5);
		ask(f, cases[i].mode, &o);
		run_until(f, &o.calls, (int)i + 1);
		assert_int_equal(o.result, cases[i].result);
		assert_int_equal(pn_secret_len(f->answer), 0);
		prompt_end(f->prompt, 7);
	}
	/* Each one was a process of its own, and the next question still works. */
	assert_int_equal(log_count("ask 7"), 4);
	ask(f, "answer:ok", &o);
	run_until(f, &o.calls, 5);
	assert_int_equal(o.result, PROMPT_ANSWERED);
}

static void test_user_changed(void **state)
{
	struct fixture *f = *state;
	struct outcome o = {0};
	ask(f, "user:1 user:5", &o);
	run_until(f, &o.calls, 1);
	assert_int_equal(o.result, PROMPT_USER_CHANGED);
	assert_int_equal(o.user, 1);
	/* Out of range: ignored, the question stays open. */
	ask(f, "(read at start)", &o);
	for (int i = 0; i < 10; i++)
		pn_loop_dispatch(f->loop, 20);
	assert_int_equal(o.calls, 1);
	/* Withdrawn: the window waits for the next question or the end. */
	prompt_dismiss(f->prompt);
	wait_for_log(f, "withdraw", 1);
	assert_int_equal(log_count("closed"), 0);
	prompt_end(f->prompt, 7);
	wait_for_log(f, "closed", 1);
	assert_int_equal(o.calls, 1);
}

static void test_program_missing(void **state)
{
	struct fixture *f = *state;
	char *program = strdup(getenv("PANTHER_PROMPT_PROGRAM"));
	setenv("PANTHER_PROMPT_PROGRAM", "/nonexistent/panther-polkit-prompt", 1);
	struct prompt_info info = sample_info();
	struct outcome o = {0};
	char err[256];
	assert_true(prompt_ask(f->prompt, &info, f->answer, on_done, &o, err, sizeof(err)) < 0);
	setenv("PANTHER_PROMPT_PROGRAM", program, 1);
	free(program);
	assert_non_null(strstr(err, "/nonexistent/panther-polkit-prompt"));
	assert_int_equal(o.calls, 0);
}

/*
 * Built twice: with PANTHER_TEST_HOOKS (PANTHER_PROMPT_PROGRAM runs the fake
 * card, as every other test here relies on) and without, as a package is
 * built, where the variable is ignored and the card installed at
 * PANTHER_PROMPT_PROGRAM's compiled-in path runs.
 */
static void test_program_chosen_only_for_tests(void **state)
{
	struct fixture *f = *state;
	struct outcome o = {0};
	struct prompt_info info = sample_info();
	char err[256] = "";
	int r = prompt_ask(f->prompt, &info, f->answer, on_done, &o, err, sizeof(err));
#if PANTHER_TEST_HOOKS
	assert_int_equal(r, 0);
	wait_for_log(f, "show", 1);
#else
	assert_true(r < 0);
	assert_non_null(strstr(err, PANTHER_PROMPT_PROGRAM));
	assert_null(strstr(err, getenv("PANTHER_PROMPT_PROGRAM")));
#endif
}

static int group_setup(void **state)
{
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(log_path, sizeof(log_path), "%s/prompt.log", tmpdir);
	/* meson gives a copy whose #! names the python3 it found. */
	const char *fake = getenv("PANTHER_FAKE_PROMPT");
	const char *src = getenv("PANTHER_SOURCE_DIR");
	char program[PATH_MAX];
	if (fake)
		snprintf(program, sizeof(program), "%s", fake);
	else
		snprintf(program, sizeof(program), "%s/tests/harness/fake-prompt.py",
			src ? src : ".");
	setenv("FAKE_PROMPT_LOG", log_path, 1);
	setenv("WAYLAND_DISPLAY", "wayland-test", 1);
	setenv("PANTHER_PROMPT_PROGRAM", program, 1);
	return 0;
}

static int group_teardown(void **state)
{
	unlink(log_path);
	rmdir(tmpdir);
	return 0;
}

int main(void)
{
#if !PANTHER_TEST_HOOKS
	const struct CMUnitTest plain[] = {
		cmocka_unit_test_setup_teardown(test_program_chosen_only_for_tests, setup,
			teardown),
	};
	return cmocka_run_group_tests(plain, group_setup, group_teardown);
#endif
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_program_chosen_only_for_tests, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_question_and_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_sender, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_changed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_program_missing, setup, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
