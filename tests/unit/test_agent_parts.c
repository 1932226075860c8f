/*
 * panther-polkit-agent's other parts that need no polkitd: the command
 * prompt, the program description, the holder line, the identity choice and
 * children's environments.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent-fixture.h"
#include "child.h"
#include "prompt.h"
#include "registration.h"
#include "request.h"
#include "subject.h"
#include "panther/config.h"
#include "panther/loop.h"
#include "panther/secret.h"
#include "panther/util.h"

/* ---- the command prompt ---- */

struct prompt_outcome {
	bool done;
	enum prompt_result result;
};

static void on_prompt_done(void *data, enum prompt_result result, size_t user)
{
	struct prompt_outcome *r = data;
	r->done = true;
	r->result = result;
}

static char *users[] = {"alice", "root", NULL};

static struct prompt_info sample_info(void)
{
	return (struct prompt_info){
		.id = 7,
		.message = "Authentication is required",
		.action_id = "org.example.action",
		.program = "/usr/bin/pkexec /bin/true",
		.users = users,
		.user = 0,
		.question = "Password: ",
		.echo = false,
		.error = "1Password: authorization prompt dismissed",
		.info = NULL,
	};
}

static void run_prompt(const char *body, struct pn_secret *answer, struct prompt_outcome *r)
{
	struct pn_loop *loop = pn_loop_create();
	struct children *children = children_create(loop);
	struct pn_config cfg;
	pn_config_init(&cfg);
	char *argv[] = {"/bin/sh", "-c", (char *)body, NULL};
	cfg.polkit.prompt_type = PN_PROMPT_COMMAND;
	cfg.polkit.prompt_argv = argv;
	struct prompt_context ctx = {.children = children, .cfg = &cfg};
	char err[256];
	struct prompt *prompt = prompt_new(PN_PROMPT_COMMAND, &ctx, err, sizeof(err));
	assert_non_null(prompt);
	struct prompt_info info = sample_info();
	*r = (struct prompt_outcome){0};
	assert_int_equal(prompt_ask(prompt, &info, answer, on_prompt_done, r, err, sizeof(err)), 0);
	uint64_t deadline = pn_now_ms() + 10000;
	while (!r->done && pn_now_ms() < deadline)
		pn_loop_dispatch(loop, 100);
	assert_true(r->done);
	prompt_destroy(prompt);
	cfg.polkit.prompt_argv = NULL;
	pn_config_finish(&cfg);
	children_destroy(children, 1000);
	pn_loop_destroy(loop);
}

static void test_prompt_answer(void **state)
{
	struct pn_secret *answer = pn_secret_new(PN_SECRET_MAX_PASSWORD + 1);
	struct prompt_outcome r;
	char body[256];
	snprintf(body, sizeof(body), "env >%s/prompt-env; echo hunter2", tmpdir);
	setenv("PANTHER_PROMPT_STALE", "from outside", 1);
	run_prompt(body, answer, &r);
	unsetenv("PANTHER_PROMPT_STALE");
	assert_int_equal(r.result, PROMPT_ANSWERED);
	assert_true(secret_is(answer, "hunter2"));

	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/prompt-env", tmpdir);
	char *env = read_text(path);
	assert_non_null(strstr(env, "PANTHER_PROMPT_MESSAGE=Authentication is required\n"));
	assert_non_null(strstr(env, "PANTHER_PROMPT_ACTION=org.example.action\n"));
	assert_non_null(strstr(env, "PANTHER_PROMPT_USER=alice\n"));
	assert_non_null(strstr(env, "PANTHER_PROMPT_USERS=alice root\n"));
	assert_non_null(
		strstr(env, "PANTHER_PROMPT_ERROR=1Password: authorization prompt dismissed\n"));
	assert_non_null(strstr(env, "PANTHER_PROMPT_PROGRAM=/usr/bin/pkexec /bin/true\n"));
	assert_non_null(strstr(env, "PANTHER_PROMPT_ID=7\n"));
	assert_null(strstr(env, "PANTHER_PROMPT_STALE"));
	free(env);

	/* Without a line end, and an empty answer. */
	run_prompt("printf hunter2", answer, &r);
	assert_int_equal(r.result, PROMPT_ANSWERED);
	assert_true(secret_is(answer, "hunter2"));
	run_prompt("echo", answer, &r);
	assert_int_equal(r.result, PROMPT_ANSWERED);
	assert_int_equal(pn_secret_len(answer), 0);
	pn_secret_free(answer);
}

static void test_prompt_cancel_and_too_long(void **state)
{
	struct pn_secret *answer = pn_secret_new(PN_SECRET_MAX_PASSWORD + 1);
	struct prompt_outcome r;
	run_prompt("echo hunter2; exit 1", answer, &r);
	assert_int_equal(r.result, PROMPT_CANCELLED);
	assert_int_equal(pn_secret_len(answer), 0);
	run_prompt("kill -TERM $$", answer, &r);
	assert_int_equal(r.result, PROMPT_CANCELLED);
	run_prompt("head -c 600 /dev/zero | tr '\\0' x", answer, &r);
	assert_int_equal(r.result, PROMPT_TOO_LONG);
	/* 510 bytes and a line end fit; 511 do not. */
	run_prompt("head -c 511 /dev/zero | tr '\\0' x; echo", answer, &r);
	assert_int_equal(r.result, PROMPT_TOO_LONG);
	run_prompt("head -c 510 /dev/zero | tr '\\0' x; echo", answer, &r);
	assert_int_equal(r.result, PROMPT_ANSWERED);
	assert_int_equal(pn_secret_len(answer), 510);
	pn_secret_free(answer);
}

static void test_prompt_dismiss(void **state)
{
	struct pn_loop *loop = pn_loop_create();
	struct children *children = children_create(loop);
	struct pn_config cfg;
	pn_config_init(&cfg);
	char body[256];
	snprintf(body, sizeof(body), "echo $$ >%s/prompt-pid; exec sleep 60", tmpdir);
	char *argv[] = {"/bin/sh", "-c", body, NULL};
	cfg.polkit.prompt_argv = argv;
	struct prompt_context ctx = {.children = children, .cfg = &cfg};
	struct prompt *prompt = prompt_command_new(&ctx);
	struct pn_secret *answer = pn_secret_new(PN_SECRET_MAX_PASSWORD + 1);
	struct prompt_info info = sample_info();
	struct prompt_outcome r = {0};
	char err[256];
	assert_int_equal(prompt_ask(prompt, &info, answer, on_prompt_done, &r, err, sizeof(err)),
		0);
	pid_t pid = wait_for_pid_file(loop, "prompt-pid");
	prompt_dismiss(prompt);
	assert_reaped(loop, pid);
	assert_false(r.done);

	/* A program that does not exist cannot ask. */
	char *missing[] = {"panther-no-such-prompt", NULL};
	cfg.polkit.prompt_argv = missing;
	assert_true(prompt_ask(prompt, &info, answer, on_prompt_done, &r, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "panther-no-such-prompt: not found"));
	cfg.polkit.prompt_argv = NULL;
	prompt_destroy(prompt);
	pn_secret_free(answer);
	pn_config_finish(&cfg);
	children_destroy(children, 1000);
	pn_loop_destroy(loop);
}

static void test_prompt_wayland_without_display(void **state)
{
	struct pn_loop *loop = pn_loop_create();
	struct children *children = children_create(loop);
	struct pn_config cfg;
	pn_config_init(&cfg);
	struct prompt_context ctx = {.children = children, .cfg = &cfg};
	char err[256] = "";
	struct prompt *prompt = prompt_new(PN_PROMPT_WAYLAND, &ctx, err, sizeof(err));
	assert_non_null(prompt);
	char *display = getenv("WAYLAND_DISPLAY") ? strdup(getenv("WAYLAND_DISPLAY")) : NULL;
	unsetenv("WAYLAND_DISPLAY");
	struct pn_secret *answer = pn_secret_new(PN_SECRET_MAX_PASSWORD + 1);
	struct prompt_info info = sample_info();
	struct prompt_outcome r = {0};
	/* No display and no command to fall back to: one line saying so. */
	assert_true(prompt_ask(prompt, &info, answer, on_prompt_done, &r, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "WAYLAND_DISPLAY is unset"));
	/* A command is there: it asks instead. */
	char *argv[] = {"/bin/sh", "-c", "echo hunter2", NULL};
	cfg.polkit.prompt_argv = argv;
	assert_int_equal(prompt_ask(prompt, &info, answer, on_prompt_done, &r, err, sizeof(err)),
		0);
	uint64_t deadline = pn_now_ms() + 10000;
	while (!r.done && pn_now_ms() < deadline)
		pn_loop_dispatch(loop, 100);
	assert_true(r.done);
	assert_int_equal(r.result, PROMPT_ANSWERED);
	assert_true(secret_is(answer, "hunter2"));
	cfg.polkit.prompt_argv = NULL;
	if (display) {
		setenv("WAYLAND_DISPLAY", display, 1);
		free(display);
	}
	prompt_destroy(prompt);
	pn_secret_free(answer);
	pn_config_finish(&cfg);
	children_destroy(children, 1000);
	pn_loop_destroy(loop);
}

/* ---- the requesting program ---- */

static void make_proc(const char *root, int pid, const char *exe, const char *cmdline,
	size_t cmdline_len, const char *comm, unsigned uid)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%d", root, pid);
	mkdir(root, 0755);
	mkdir(path, 0755);
	if (exe) {
		snprintf(path, sizeof(path), "%s/%d/exe", root, pid);
		unlink(path);
		assert_int_equal(symlink(exe, path), 0);
	}
	if (cmdline) {
		snprintf(path, sizeof(path), "%s/%d/cmdline", root, pid);
		write_file(path, cmdline, cmdline_len, 0644);
	}
	if (comm) {
		char text[64];
		snprintf(path, sizeof(path), "%s/%d/comm", root, pid);
		snprintf(text, sizeof(text), "%s\n", comm);
		write_file(path, text, strlen(text), 0644);
		snprintf(path, sizeof(path), "%s/%d/status", root, pid);
		snprintf(text, sizeof(text), "Name:\t%s\nUid:\t%u\t%u\t%u\t%u\n", comm, uid, uid,
			uid, uid);
		write_file(path, text, strlen(text), 0644);
	}
}

static void test_subject(void **state)
{
	char root[PATH_MAX];
	snprintf(root, sizeof(root), "%s/proc", tmpdir);
	static const char cmd[] = "pkexec\0/usr/bin/gparted\0--verbose";
	make_proc(root, 42, "/usr/bin/pkexec", cmd, sizeof(cmd), NULL, 0);
	char *s = subject_describe_at(root, 42);
	assert_string_equal(s, "/usr/bin/pkexec /usr/bin/gparted --verbose");
	free(s);

	/* Unreadable exe: argv[0], as a claim. Control characters do not pass. */
	static const char evil[] = "evil\0\033[2Jline\nbreak";
	make_proc(root, 43, NULL, evil, sizeof(evil), NULL, 0);
	s = subject_describe_at(root, 43);
	assert_string_equal(s, "unverified program, claims to be evil ?[2Jline?break");
	free(s);

	/* Line and paragraph separators, bidi overrides: escaped, on one line. */
	static const char spoof[] = "/usr/bin/tool\0--file\0a\xe2\x80\xa8Requested by "
				    "/usr/bin/apt\0\xe2\x80\xaetxt.exe";
	make_proc(root, 46, "/usr/bin/tool", spoof, sizeof(spoof), NULL, 0);
	s = subject_describe_at(root, 46);
	assert_string_equal(s,
		"/usr/bin/tool --file a<U+2028>Requested by /usr/bin/apt "
		"<U+202E>txt.exe");
	free(s);

	/* Long command lines are shortened. */
	char long_cmd[3000];
	memset(long_cmd, 'a', sizeof(long_cmd));
	memcpy(long_cmd, "sh\0-c\0", 6);
	make_proc(root, 44, "/bin/sh", long_cmd, sizeof(long_cmd), NULL, 0);
	s = subject_describe_at(root, 44);
	assert_true(strlen(s) <= SUBJECT_MAX + 3);
	assert_non_null(strstr(s, "/bin/sh -c aaaa"));
	assert_non_null(strstr(s, "\xe2\x80\xa6"));
	free(s);

	assert_null(subject_describe_at(root, 45));
	assert_null(subject_describe(0));
}

/* ---- who holds the session ---- */

static void test_holders_line(void **state)
{
	char root[PATH_MAX];
	snprintf(root, sizeof(root), "%s/proc2", tmpdir);
	make_proc(root, 100, NULL, NULL, 0, "polkit-kde-auth", 1000);
	make_proc(root, 101, NULL, NULL, 0, "qs", 1000);
	make_proc(root, 102, NULL, NULL, 0, "polkit-kde-auth", 1001); /* another user */
	make_proc(root, 103, NULL, NULL, 0, "panther-polkit-", 1000); /* ourselves */
	make_proc(root, 104, NULL, NULL, 0, "bash", 1000);
	char *line = registration_holders_line(root, 1000, 103, "unix-session:c1");
	assert_non_null(strstr(line, "another authentication agent holds unix-session:c1"));
	assert_non_null(strstr(line, "polkit-kde-authentication-agent-1 (pid 100)"));
	assert_non_null(strstr(line, "qs (pid 101)"));
	assert_null(strstr(line, "pid 102"));
	assert_null(strstr(line, "pid 103"));
	assert_null(strstr(line, "bash"));
	assert_non_null(strstr(line,
		"DMS's own polkit agent in Quickshell (pid 101) takes it "
		"unless dms runs with DMS_DISABLE_POLKIT=1"));
	assert_null(strchr(line, '\n'));
	free(line);

	/* Without Quickshell the likely holders are named. */
	snprintf(root, sizeof(root), "%s/proc3", tmpdir);
	make_proc(root, 100, NULL, NULL, 0, "polkit-kde-auth", 1000);
	line = registration_holders_line(root, 1000, 1, "unix-session:c1");
	assert_non_null(strstr(line, "polkit-kde-authentication-agent-1 (pid 100)"));
	assert_non_null(strstr(line, "DMS_DISABLE_POLKIT=1"));
	assert_non_null(strstr(line, "niri-flake-polkit.service"));
	assert_null(strchr(line, '\n'));
	free(line);

	line = registration_holders_line(root, 2000, 1, "unix-process:5:6");
	assert_null(strstr(line, "running now"));
	free(line);
}

/* ---- identity ---- */

static void test_pick_user(void **state)
{
	uid_t offered[] = {1002, 0, 1000};
	assert_int_equal(request_pick_user(offered, 3, 1000), 2);
	assert_int_equal(request_pick_user(offered, 3, 1005), 1);
	uid_t no_root[] = {1002, 1003};
	assert_int_equal(request_pick_user(no_root, 2, 1005), 0);
	assert_int_equal(request_pick_user(no_root, 2, 1003), 1);
}

/* ---- children ---- */

static void test_child_environment(void **state)
{
	setenv("PANTHER_TEST_KEEP", "1", 1);
	setenv("PANTHER_PROMPT_OLD", "x", 1);
	setenv("OP_SERVICE_ACCOUNT_TOKEN", "tok", 1);
	setenv("OP_SERVICE_ACCOUNT_TOKENX", "other", 1);
	char *drop[] = {"OP_SERVICE_ACCOUNT_TOKEN", "PANTHER_PROMPT_*", NULL};
	char *add[] = {"PANTHER_PROMPT_NEW=y", NULL};
	char **env = child_environment(drop, add);
	assert_true(pn_strv_contains(env, "PANTHER_TEST_KEEP=1"));
	assert_true(pn_strv_contains(env, "PANTHER_PROMPT_NEW=y"));
	assert_true(pn_strv_contains(env, "OP_SERVICE_ACCOUNT_TOKENX=other"));
	assert_false(pn_strv_contains(env, "PANTHER_PROMPT_OLD=x"));
	assert_false(pn_strv_contains(env, "OP_SERVICE_ACCOUNT_TOKEN=tok"));
	pn_strv_free(env);
	unsetenv("PANTHER_TEST_KEEP");
	unsetenv("PANTHER_PROMPT_OLD");
	unsetenv("OP_SERVICE_ACCOUNT_TOKEN");
	unsetenv("OP_SERVICE_ACCOUNT_TOKENX");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prompt_answer),
		cmocka_unit_test(test_prompt_cancel_and_too_long),
		cmocka_unit_test(test_prompt_dismiss),
		cmocka_unit_test(test_prompt_wayland_without_display),
		cmocka_unit_test(test_subject),
		cmocka_unit_test(test_holders_line),
		cmocka_unit_test(test_pick_user),
		cmocka_unit_test(test_child_environment),
	};
	return cmocka_run_group_tests(tests, agent_fixture_setup, agent_fixture_teardown);
}
