/*
 * panther-polkit-agent's op runner, which needs no polkitd: op run with the
 * environment and arguments it may see, its answers checked and refused, its
 * failures worded, timed out and cancelled, and the queue that runs one op at
 * a time.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
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
#include "onepassword.h"
#include "op-queue.h"
#include "panther/config.h"
#include "panther/loop.h"
#include "panther/secret.h"
#include "panther/util.h"

/* ---- op ---- */

struct op_result {
	bool done;
	struct pn_secret *answer;
	char why[512];
};

static void on_op_done(void *data, struct pn_secret *answer, const char *why)
{
	struct op_result *r = data;
	r->done = true;
	r->answer = answer;
	snprintf(r->why, sizeof(r->why), "%s", why ? why : "");
}

/* The defaults with op at op_path (borrowed: do not finish it). */
static struct pn_polkit_config op_config(const char *op_path, int timeout_s)
{
	struct pn_config cfg;
	pn_config_init(&cfg);
	cfg.polkit.op_path = (char *)op_path;
	cfg.polkit.op_timeout_s = timeout_s;
	return cfg.polkit;
}

static void run_op_with(const struct pn_polkit_config *cfg, struct op_result *r)
{
	struct pn_loop *loop = pn_loop_create();
	struct children *children = children_create(loop);
	char err[256];
	*r = (struct op_result){0};
	struct op_run *run = op_run_start(children,
		&(struct op_run_spec){.cfg = cfg, .reference = "op://Vault/item/password"},
		on_op_done, r, err, sizeof(err));
	assert_non_null(run);
	uint64_t deadline = pn_now_ms() + 10000;
	while (!r->done && pn_now_ms() < deadline)
		pn_loop_dispatch(loop, 100);
	assert_true(r->done);
	children_destroy(children, 1000);
	pn_loop_destroy(loop);
}

static void run_op(const char *body, int timeout_s, struct op_result *r)
{
	struct pn_polkit_config cfg = op_config(script(body), timeout_s);
	run_op_with(&cfg, r);
}

/* A script that records its arguments and environment, then answers hunter2. */
static const char *recording_op(void)
{
	char body[512];
	snprintf(body, sizeof(body),
		"printf '%%s\\n' \"$*\" >%s/op-args; "
		"tr '\\0' '\\n' </proc/$$/environ >%s/op-env; printf 'hunter2'",
		tmpdir, tmpdir);
	return script(body);
}

static char *read_tmp(const char *name)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	char *text = read_text(path);
	assert_non_null(text);
	return text;
}

/* Sets the variables op may and may not see. */
static void set_op_environment(void)
{
	setenv("OP_SERVICE_ACCOUNT_TOKEN", "ops_inherited", 1);
	setenv("OP_CONNECT_TOKEN", "connect", 1);
	setenv("OP_SESSION_my", "session", 1);
	setenv("OP_SESSION", "session", 1);
	setenv("OP_ACCOUNT", "my.1password.com", 1);
	setenv("LC_TIME", "C.UTF-8", 1);
	setenv("SECRET_THING", "other", 1);
	setenv("XDG_RUNTIME_DIR", "/run/user/1000", 1);
}

static void unset_op_environment(void)
{
	static const char *const names[] = {"OP_SERVICE_ACCOUNT_TOKEN", "OP_CONNECT_TOKEN",
		"OP_SESSION_my", "OP_SESSION", "OP_ACCOUNT", "LC_TIME", "SECRET_THING",
		"XDG_RUNTIME_DIR", NULL};
	for (size_t i = 0; names[i]; i++)
		unsetenv(names[i]);
}

static void test_op_right(void **state)
{
	set_op_environment();
	struct pn_polkit_config cfg = op_config(recording_op(), 5);
	struct op_result r;
	run_op_with(&cfg, &r);
	unset_op_environment();
	assert_non_null(r.answer);
	assert_true(secret_is(r.answer, "hunter2"));
	pn_secret_free(r.answer);

	char *args = read_tmp("op-args");
	assert_string_equal(args, "read -n op://Vault/item/password\n");
	free(args);
	/* The allow-list, and the desktop app's switch; nothing else. */
	char *env = read_tmp("op-env");
	char want[1024];
	snprintf(want, sizeof(want), "PATH=%s\n", getenv("PATH"));
	assert_non_null(strstr(env, want));
	assert_non_null(strstr(env, "OP_ACCOUNT=my.1password.com\n"));
	assert_non_null(strstr(env, "LC_TIME=C.UTF-8\n"));
	assert_non_null(strstr(env, "XDG_RUNTIME_DIR=/run/user/1000\n"));
	assert_non_null(strstr(env, "OP_BIOMETRIC_UNLOCK_ENABLED=true\n"));
	assert_null(strstr(env, "OP_SERVICE_ACCOUNT_TOKEN"));
	assert_null(strstr(env, "OP_CONNECT"));
	assert_null(strstr(env, "OP_SESSION"));
	assert_null(strstr(env, "SECRET_THING"));
	free(env);
}

/* Writes a token file in tmpdir with mode; returns its path (static buffer). */
static const char *token_file(const char *text, mode_t mode)
{
	static char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/op-token", tmpdir);
	unlink(path);
	write_file(path, text, strlen(text), mode);
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

static void test_op_service_account(void **state)
{
	set_op_environment();
	struct pn_polkit_config cfg = op_config(recording_op(), 5);
	cfg.op_mode = PN_OP_SERVICE_ACCOUNT;
	cfg.op_token_path = (char *)token_file("ops_from_the_file\n", 0600);
	cfg.op_account = "pantheros.1password.com";
	struct op_result r;
	run_op_with(&cfg, &r);
	unset_op_environment();
	assert_non_null(r.answer);
	pn_secret_free(r.answer);
	char *args = read_tmp("op-args");
	assert_string_equal(args,
		"read -n --account pantheros.1password.com op://Vault/item/password\n");
	free(args);
	/* The token of the file, without its line end; never the inherited one. */
	char *env = read_tmp("op-env");
	assert_non_null(strstr(env, "\nOP_SERVICE_ACCOUNT_TOKEN=ops_from_the_file\n"));
	assert_null(strstr(env, "ops_inherited"));
	assert_null(strstr(env, "OP_BIOMETRIC_UNLOCK_ENABLED"));
	assert_null(strstr(env, "OP_SESSION"));
	free(env);
}

/* A token file that is not safe, or holds no token: op does not run. */
static void test_op_service_account_refused(void **state)
{
	static const struct {
		const char *text;
		mode_t mode;
		const char *why;
	} cases[] = {
		{"ops_token", 0640,
			"group or others have access (mode 0640, expected 0600 or 0400)"},
		{"ops_token", 0604, "group or others have access (mode 0604"},
		{"", 0600, "does not hold one token"},
		{"ops_one\nops_two\n", 0600, "does not hold one token"},
		{"ops token", 0600, "does not hold one token"},
	};
	struct pn_loop *loop = pn_loop_create();
	struct children *children = children_create(loop);
	struct pn_polkit_config cfg = op_config(recording_op(), 5);
	cfg.op_mode = PN_OP_SERVICE_ACCOUNT;
	for (size_t i = 0; i < PN_ARRAY_LEN(cases); i++) {
		cfg.op_token_path = (char *)token_file(cases[i].text, cases[i].mode);
		char err[512] = "";
		struct op_result r = {0};
		assert_null(op_run_start(children,
			&(struct op_run_spec){.cfg = &cfg, .reference = "op://a/b/c"}, on_op_done,
			&r, err, sizeof(err)));
		if (!strstr(err, cases[i].why))
			fail_msg("case %zu: \"%s\" does not say \"%s\"", i, err, cases[i].why);
		assert_false(r.done);
	}
	char big[9000];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cfg.op_token_path = (char *)token_file(big, 0400);
	char err[512] = "";
	struct op_result r = {0};
	assert_null(op_run_start(children,
		&(struct op_run_spec){.cfg = &cfg, .reference = "op://a/b/c"}, on_op_done, &r, err,
		sizeof(err)));
	assert_non_null(strstr(err, "too large for a token"));
	children_destroy(children, 1000);
	pn_loop_destroy(loop);
}

static void test_op_max_length(void **state)
{
	struct op_result r;
	/* polkit's helper would leave the newline of a 511-byte answer unread. */
	run_op("head -c 510 /dev/zero | tr '\\0' x", 5, &r);
	assert_non_null(r.answer);
	assert_int_equal(pn_secret_len(r.answer), 510);
	pn_secret_free(r.answer);

	run_op("head -c 511 /dev/zero | tr '\\0' x", 5, &r);
	assert_null(r.answer);
	assert_string_equal(r.why, "1Password: the answer is longer than 510 bytes; not used");

	run_op("head -c 10485760 /dev/zero | tr '\\0' x", 5, &r);
	assert_null(r.answer);
	assert_non_null(strstr(r.why, "longer than 510 bytes"));
}

static void test_op_refused_answers(void **state)
{
	struct op_result r;
	run_op("printf 'pass\\n'", 5, &r);
	assert_null(r.answer);
	assert_non_null(strstr(r.why, "line break or NUL"));
	run_op("printf 'pa\\000ss'", 5, &r);
	assert_null(r.answer);
	assert_non_null(strstr(r.why, "line break or NUL"));
	run_op("true", 5, &r);
	assert_null(r.answer);
	assert_string_equal(r.why, "1Password: op gave an empty answer");
}

static void test_op_error(void **state)
{
	struct op_result r;
	run_op("echo 'some noise' >&2; "
	       "echo '[ERROR] 2026/11/22 10:00:00 authorization prompt dismissed' >&2; exit 1",
		5, &r);
	assert_null(r.answer);
	assert_string_equal(r.why, "1Password: authorization prompt dismissed");
	run_op("echo 'not the format' >&2; exit 3", 5, &r);
	assert_string_equal(r.why, "1Password: op failed (exit status 3)");
	/* Whatever it printed, a failing op gives no answer. */
	run_op("printf 'hunter2'; exit 1", 5, &r);
	assert_null(r.answer);
}

static void test_op_timeout(void **state)
{
	char body[256];
	snprintf(body, sizeof(body), "echo $$ >%s/op-pid; exec sleep 60", tmpdir);
	uint64_t start = pn_now_ms();
	struct op_result r;
	run_op(body, 1, &r);
	assert_true(pn_now_ms() - start >= 1000);
	assert_null(r.answer);
	assert_string_equal(r.why, "1Password: no answer within 1 s");
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/op-pid", tmpdir);
	char *pid = read_text(path);
	/* Killed and reaped already: not even a zombie. */
	assert_int_equal(kill((pid_t)atoi(pid), 0), -1);
	assert_int_equal(errno, ESRCH);
	free(pid);
}

static void test_op_cancel(void **state)
{
	struct pn_loop *loop = pn_loop_create();
	struct children *children = children_create(loop);
	char err[256], body[256];
	snprintf(body, sizeof(body), "echo $$ >%s/op-pid2; exec sleep 60", tmpdir);
	struct op_result r = {0};
	struct pn_polkit_config cfg = op_config(script(body), 30);
	struct op_run *run = op_run_start(children,
		&(struct op_run_spec){.cfg = &cfg, .reference = "op://a/b/c"}, on_op_done, &r, err,
		sizeof(err));
	assert_non_null(run);
	pid_t pid = wait_for_pid_file(loop, "op-pid2");
	op_run_cancel(run);
	assert_reaped(loop, pid);
	assert_false(r.done);
	children_destroy(children, 1000);
	pn_loop_destroy(loop);
}

static void test_op_missing(void **state)
{
	struct pn_loop *loop = pn_loop_create();
	struct children *children = children_create(loop);
	char err[256];
	struct op_result r = {0};
	struct pn_polkit_config cfg = op_config("/nonexistent/op", 5);
	assert_null(op_run_start(children,
		&(struct op_run_spec){.cfg = &cfg, .reference = "op://a/b/c"}, on_op_done, &r, err,
		sizeof(err)));
	assert_non_null(strstr(err, "cannot run /nonexistent/op"));
	children_destroy(children, 1000);
	pn_loop_destroy(loop);
}

/* ---- the op queue ---- */

struct queue_result {
	struct op_result results[3];
	int order[3];
	int finished;
	int changes;
};

struct queue_job {
	struct queue_result *all;
	int index;
};

static void on_queue_job_done(void *data, struct pn_secret *answer, const char *why)
{
	struct queue_job *job = data;
	on_op_done(&job->all->results[job->index], answer, why);
	job->all->order[job->all->finished++] = job->index;
}

static void on_queue_changed(void *data)
{
	struct queue_result *r = data;
	r->changes++;
}

/* Three requests at once: one op at a time, in order; a cancelled one never runs. */
static void test_op_queue(void **state)
{
	char body[512];
	snprintf(body, sizeof(body),
		"mkdir %s/running || echo overlap >>%s/queue-log; echo \"$$\" >>%s/queue-log; "
		"sleep 0.2; rmdir %s/running; printf pw",
		tmpdir, tmpdir, tmpdir, tmpdir);
	const char *op = script(body);
	struct pn_loop *loop = pn_loop_create();
	struct children *children = children_create(loop);
	struct queue_result r = {0};
	struct op_queue *queue = op_queue_new(children, NULL, on_queue_changed, &r);
	struct queue_job jobs[3];
	struct op_job *handles[3];
	struct pn_polkit_config cfg = op_config(op, 10);
	struct op_job_spec spec = {.cfg = &cfg, .reference = "op://Vault/item/password"};
	char err[256];
	for (int i = 0; i < 3; i++) {
		jobs[i] = (struct queue_job){.all = &r, .index = i};
		handles[i] = op_queue_submit(queue, &spec, on_queue_job_done, &jobs[i], err,
			sizeof(err));
		assert_non_null(handles[i]);
		assert_int_equal(op_job_position(handles[i]), (size_t)i);
	}
	assert_true(op_job_running(handles[0]));
	assert_false(op_job_running(handles[1]));
	op_queue_cancel(handles[1]);
	uint64_t deadline = pn_now_ms() + 10000;
	while (r.finished < 2 && pn_now_ms() < deadline)
		pn_loop_dispatch(loop, 100);
	assert_int_equal(r.finished, 2);
	assert_int_equal(r.order[0], 0);
	assert_int_equal(r.order[1], 2);
	assert_false(r.results[1].done);
	for (int i = 0; i < 3; i += 2) {
		assert_true(secret_is(r.results[i].answer, "pw"));
		pn_secret_free(r.results[i].answer);
	}
	assert_true(r.changes > 0);

	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/queue-log", tmpdir);
	char *log = read_text(path);
	assert_non_null(log);
	assert_null(strstr(log, "overlap"));
	int runs = 0;
	for (const char *p = log; (p = strchr(p, '\n')); p++)
		runs++;
	assert_int_equal(runs, 2);
	free(log);
	op_queue_free(queue);
	children_destroy(children, 1000);
	pn_loop_destroy(loop);
}

static void test_op_error_message(void **state)
{
	char *m = op_error_message("[ERROR] 2026/11/22 10:00:00 first\n"
				   "[ERROR] 2026/11/22 10:00:01 second one\n");
	assert_string_equal(m, "second one");
	free(m);
	m = op_error_message("[ERROR] 2026/11/22 10:00:00 bad \033[31mescape\n");
	assert_string_equal(m, "bad ?[31mescape");
	free(m);
	/* op's own prefixes go; what is left is the reason. */
	m = op_error_message("[ERROR] 2026/11/22 10:00:00 could not read secret "
			     "'op://pantherOS/zephyrus-login/password': error initializing client: "
			     "authorization prompt dismissed, please try again\n");
	assert_string_equal(m, "authorization prompt dismissed, please try again");
	free(m);
	m = op_error_message("[ERROR] 2026/11/22 10:00:00 error initializing client: "
			     "Validation: (validateSessionAndPopulateCache), Server returned an "
			     "invalid token\n");
	assert_string_equal(m,
		"Validation: (validateSessionAndPopulateCache), Server returned "
		"an invalid token");
	free(m);
	m = op_error_message("[ERROR] 2026/11/22 10:00:00 could not read secret 'op://a/b/c': "
			     "isn't an item in the \"b\" vault\n");
	assert_string_equal(m, "isn't an item in the \"b\" vault");
	free(m);
	/* A long reference no longer pushes the reason past the cut. */
	char long_line[600];
	snprintf(long_line, sizeof(long_line),
		"[ERROR] 2026/11/22 10:00:00 could not read "
		"secret 'op://%0250d/item/password': too many requests\n",
		0);
	m = op_error_message(long_line);
	assert_string_equal(m, "too many requests");
	free(m);
	/* Only a complete prefix is removed. */
	m = op_error_message("[ERROR] 2026/11/22 10:00:00 could not read secret 'op://a/b/c\n");
	assert_string_equal(m, "could not read secret 'op://a/b/c");
	free(m);
	assert_null(op_error_message("[ERROR] 2026/11/22 10:00:00 error initializing client: \n"));
	assert_null(op_error_message("plain text\n"));
	assert_null(op_error_message("[ERROR] 2026/11/22 10:00:00\n"));
	assert_null(op_error_message(""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_op_right),
		cmocka_unit_test(test_op_service_account),
		cmocka_unit_test(test_op_service_account_refused),
		cmocka_unit_test(test_op_max_length),
		cmocka_unit_test(test_op_refused_answers),
		cmocka_unit_test(test_op_error),
		cmocka_unit_test(test_op_timeout),
		cmocka_unit_test(test_op_cancel),
		cmocka_unit_test(test_op_missing),
		cmocka_unit_test(test_op_error_message),
		cmocka_unit_test(test_op_queue),
	};
	return cmocka_run_group_tests(tests, agent_fixture_setup, agent_fixture_teardown);
}
