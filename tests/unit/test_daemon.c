#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "panther/daemon.h"

struct state {
	const char *process;
	int process_calls;
	int stop_signo;
	struct pn_daemon *daemon;
};

static int parse_process(void *data, const char *value)
{
	struct state *s = data;
	s->process_calls++;
	if (strcmp(value, "bad") == 0)
		return 2;
	s->process = value;
	return 0;
}

static const struct pn_daemon_option own_options[] = {
	{"process", 0, "PID", "serve one process", parse_process},
	{0},
};

static const struct pn_daemon_info info = {
	.name = "panther-test",
	.summary = "Tests the daemon skeleton.\n",
	.options = own_options,
};

/* pn_daemon_init with stdout and stderr on /dev/null; argv[0] is added. */
static int init(struct pn_daemon *daemon, const struct pn_daemon_info *i, struct state *s,
	struct pn_config *cfg, int argc, const char **args)
{
	char *argv[16] = {"panther-test"};
	for (int n = 0; n < argc; n++)
		argv[n + 1] = (char *)args[n];
	int out = dup(STDOUT_FILENO), err = dup(STDERR_FILENO);
	int null = open("/dev/null", O_WRONLY);
	dup2(null, STDOUT_FILENO);
	dup2(null, STDERR_FILENO);
	close(null);
	optind = 0; /* glibc: start over, as in a fresh process */
	int status = pn_daemon_init(daemon, i, s, cfg, argc + 1, argv);
	fflush(stdout);
	dup2(out, STDOUT_FILENO);
	dup2(err, STDERR_FILENO);
	close(out);
	close(err);
	return status;
}

static void usage_from_the_table(void **unused)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	pn_daemon_usage(&info, f);
	fclose(f);
	assert_non_null(strstr(text, "Usage: panther-test [OPTIONS]\n\nTests the daemon"));
	assert_non_null(strstr(text, "\n      --process PID  serve one process\n"));
	assert_non_null(strstr(text, "\n  -c, --config FILE  use FILE instead of"));
	assert_non_null(strstr(text, "\n  -V, --version      print the version\n"));
	free(text);
}

static void exits_at_once(void **unused)
{
	struct pn_daemon daemon;
	struct pn_config cfg;
	struct state s = {0};
	assert_int_equal(init(&daemon, &info, &s, &cfg, 1, (const char *[]){"--help"}), 0);
	assert_int_equal(init(&daemon, &info, &s, &cfg, 1, (const char *[]){"-V"}), 0);
	assert_int_equal(init(&daemon, &info, &s, &cfg, 1, (const char *[]){"--bogus"}), 2);
	assert_int_equal(init(&daemon, &info, &s, &cfg, 1, (const char *[]){"-x"}), 2);
	assert_int_equal(init(&daemon, &info, &s, &cfg, 1, (const char *[]){"--config"}), 2);
	assert_int_equal(init(&daemon, &info, &s, &cfg, 1, (const char *[]){"extra"}), 2);
	assert_int_equal(init(&daemon, &info, &s, &cfg, 2, (const char *[]){"--process", "bad"}),
		2);
	assert_int_equal(s.process_calls, 1);
}

static char *write_config(const char *text)
{
	static char path[] = "/tmp/panther-test-daemon.XXXXXX";
	strcpy(path, "/tmp/panther-test-daemon.XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void bad_config_exits_78(void **unused)
{
	struct pn_daemon daemon;
	struct pn_config cfg;
	struct state s = {0};
	char *path = write_config("{\"session\": {\"niri_timeout_s\": \"soon\"}}");
	assert_int_equal(init(&daemon, &info, &s, &cfg, 2, (const char *[]){"--config", path}),
		PN_EX_CONFIG);
	unlink(path);
}

static void runs_until_sigterm(void **unused)
{
	struct pn_daemon daemon;
	struct pn_config cfg;
	struct state s = {0};
	char *path = write_config("{\"session\": {\"niri_timeout_s\": 7}}");
	assert_int_equal(init(&daemon, &info, &s, &cfg, 5,
				 (const char *[]){"-v", "--process", "42", "-c", path}),
		-1);
	assert_true(daemon.verbose);
	assert_string_equal(daemon.config_path, path);
	assert_string_equal(s.process, "42");
	assert_int_equal(cfg.session.niri_timeout_s, 7);
	assert_non_null(daemon.loop);
	raise(SIGTERM);
	assert_int_equal(pn_loop_run(daemon.loop), 0);
	pn_daemon_finish(&daemon);
	unlink(path);
}

static void own_stop(void *data, int signo)
{
	struct state *s = data;
	s->stop_signo = signo;
	pn_loop_quit(s->daemon->loop, 3);
}

static void reloads_on_sighup(void **unused)
{
	struct pn_daemon_info with_stop = info;
	with_stop.stop = own_stop;
	struct pn_daemon daemon;
	struct pn_config cfg;
	struct state s = {.daemon = &daemon};
	char *path = write_config("{\"session\": {\"niri_timeout_s\": 7}}");
	assert_int_equal(init(&daemon, &with_stop, &s, &cfg, 2, (const char *[]){"-c", path}), -1);
	FILE *f = fopen(path, "w");
	fputs("{\"session\": {\"niri_timeout_s\": 9}}", f);
	fclose(f);
	raise(SIGHUP);
	raise(SIGINT);
	assert_int_equal(pn_loop_run(daemon.loop), 3);
	assert_int_equal(s.stop_signo, SIGINT);
	assert_int_equal(cfg.session.niri_timeout_s, 9);
	pn_daemon_finish(&daemon);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(usage_from_the_table),
		cmocka_unit_test(exits_at_once),
		cmocka_unit_test(bad_config_exits_78),
		cmocka_unit_test(runs_until_sigterm),
		cmocka_unit_test(reloads_on_sighup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
