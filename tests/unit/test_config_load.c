#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "panther/config.h"
#include "panther/daemon.h"
#include "panther/loop.h"
#include "panther/util.h"

#include "config-defaults.h"

/*
 * Loading config.json from a file (what the daemons and pantherctl do), the
 * daemon skeleton's load at start and on SIGHUP, the token file check and
 * readiness. The document's own rules are test_config.c's.
 */

static char tmpdir[] = "/tmp/panther-test-config.XXXXXX";

static int make_tmpdir(void **state)
{
	assert_non_null(mkdtemp(tmpdir));
	/* Traversable by the unprivileged user of test_load_unreadable. */
	assert_int_equal(chmod(tmpdir, 0755), 0);
	return 0;
}

static int remove_tmpdir(void **state)
{
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void tmp_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", tmpdir, name);
}

static void write_file(const char *path, const char *text, size_t len)
{
	/* Replace atomically, as editors do, so a reload never sees half a file. */
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	FILE *f = fopen(tmp, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(rename(tmp, path), 0);
}

static void test_load_file(void **state)
{
	char path[PATH_MAX], err[512] = "x";
	bool missing = true;
	struct pn_config cfg;
	tmp_path(path, sizeof(path), "good.json");
	const char *doc = "{\"power\":{\"host\":\"yoga\"}}\n";
	write_file(path, doc, strlen(doc));
	assert_int_equal(pn_config_load(&cfg, path, &missing, err, sizeof(err)), 0);
	assert_false(missing);
	assert_string_equal(err, "");
	assert_int_equal(cfg.power.host, PN_HOST_YOGA);
	pn_config_finish(&cfg);

	/* Errors name the file as given. */
	tmp_path(path, sizeof(path), "bad.json");
	doc = "{\"power\":{\"on_battery\":\"turbo\"}}";
	write_file(path, doc, strlen(doc));
	assert_int_equal(pn_config_load(&cfg, path, &missing, err, sizeof(err)), -EINVAL);
	char want[PATH_MAX + 128];
	snprintf(want, sizeof(want),
		"%s: power.on_battery: unknown profile \"turbo\" (expected "
		"one of power-saver, balanced, performance)",
		path);
	assert_string_equal(err, want);
	assert_defaults(&cfg);
}

static void test_load_missing(void **state)
{
	char path[PATH_MAX], err[512];
	bool missing = false;
	struct pn_config cfg;
	tmp_path(path, sizeof(path), "does-not-exist.json");
	assert_int_equal(pn_config_load(&cfg, path, &missing, err, sizeof(err)), 0);
	assert_true(missing);
	assert_defaults(&cfg);
	pn_config_finish(&cfg);
	assert_int_equal(pn_config_load(&cfg, path, NULL, err, sizeof(err)), 0);
}

static void test_load_not_a_file(void **state)
{
	char err[512], want[PATH_MAX + 64], path[PATH_MAX];
	struct pn_config cfg;
	assert_int_equal(pn_config_load(&cfg, tmpdir, NULL, err, sizeof(err)), -EISDIR);
	snprintf(want, sizeof(want), "%s: is a directory (expected a JSON file)", tmpdir);
	assert_string_equal(err, want);
	assert_defaults(&cfg);

	/* A FIFO is refused at once instead of waiting for a writer. */
	tmp_path(path, sizeof(path), "fifo.json");
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(pn_config_load(&cfg, path, NULL, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s: not a regular file (expected a JSON file)", path);
	assert_string_equal(err, want);
	unlink(path);
}

static void test_load_too_large(void **state)
{
	char path[PATH_MAX], err[512], want[PATH_MAX + 64];
	struct pn_config cfg;
	tmp_path(path, sizeof(path), "large.json");
	/* Valid JSON, padded with spaces past the limit. */
	size_t len = PN_CONFIG_MAX_SIZE + 1;
	char *text = malloc(len);
	assert_non_null(text);
	memset(text, ' ', len);
	memcpy(text, "{}", 2);
	write_file(path, text, len);
	free(text);
	assert_int_equal(pn_config_load(&cfg, path, NULL, err, sizeof(err)), -EFBIG);
	snprintf(want, sizeof(want), "%s: too large (%d bytes, at most %d)", path,
		PN_CONFIG_MAX_SIZE + 1, PN_CONFIG_MAX_SIZE);
	assert_string_equal(err, want);
	assert_defaults(&cfg);
}

static void check_unreadable(const char *path)
{
	char err[512], want[PATH_MAX + 64];
	struct pn_config cfg;
	assert_int_equal(pn_config_load(&cfg, path, NULL, err, sizeof(err)), -EACCES);
	snprintf(want, sizeof(want), "%s: cannot open: Permission denied", path);
	assert_string_equal(err, want);
	assert_defaults(&cfg);
}

static void test_load_unreadable(void **state)
{
	char path[PATH_MAX];
	tmp_path(path, sizeof(path), "secret.json");
	write_file(path, "{}", 2);
	assert_int_equal(chmod(path, 0600), 0);
	if (geteuid() != 0) {
		assert_int_equal(chmod(path, 0), 0);
		check_unreadable(path);
		return;
	}
	/* root reads anything: check as an unprivileged user instead. */
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(3);
		check_unreadable(path);
		_exit(0);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_default_path(void **state)
{
	char buf[PATH_MAX];
	char *saved_xdg = getenv("XDG_CONFIG_HOME") ? strdup(getenv("XDG_CONFIG_HOME")) : NULL;
	char *saved_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;

	setenv("XDG_CONFIG_HOME", "/xdg/config", 1);
	setenv("HOME", "/home/alice", 1);
	assert_int_equal(pn_config_default_path(buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/xdg/config/panther/config.json");
	/* A relative XDG_CONFIG_HOME is ignored, as the XDG spec says. */
	setenv("XDG_CONFIG_HOME", "relative", 1);
	assert_int_equal(pn_config_default_path(buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/home/alice/.config/panther/config.json");
	unsetenv("XDG_CONFIG_HOME");
	assert_int_equal(pn_config_default_path(buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/home/alice/.config/panther/config.json");
	assert_int_equal(pn_config_default_path(buf, 10), -ENAMETOOLONG);

	if (saved_xdg)
		setenv("XDG_CONFIG_HOME", saved_xdg, 1);
	if (saved_home)
		setenv("HOME", saved_home, 1);
	else
		unsetenv("HOME");
	free(saved_xdg);
	free(saved_home);
}

/* The daemon side: exit status, SIGHUP reload, readiness. */

/* Runs fn with stderr going to a file; returns what was written. */
static char *capture_stderr(int (*fn)(void *), void *arg, int *result)
{
	char path[PATH_MAX];
	tmp_path(path, sizeof(path), "stderr.txt");
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	int saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(fd, STDERR_FILENO) >= 0);
	*result = fn(arg);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	size_t len;
	char *text;
	assert_int_equal(pn_read_file(path, 1024 * 1024, &text, &len), 0);
	close(fd);
	return text;
}

struct load_args {
	struct pn_config *cfg;
	const char *path;
};

static int call_load_config(void *data)
{
	struct load_args *args = data;
	return pn_daemon_load_config(args->cfg, args->path, NULL);
}

static size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void test_daemon_load_config(void **state)
{
	char path[PATH_MAX];
	struct pn_config cfg;
	struct load_args args = {&cfg, path};
	int r;
	tmp_path(path, sizeof(path), "daemon.json");
	const char *doc = "{\"session\":{\"mode\":\"nope\"}}";
	write_file(path, doc, strlen(doc));
	char *out = capture_stderr(call_load_config, &args, &r);
	assert_int_equal(r, PN_EX_CONFIG);
	assert_int_equal(count_lines(out), 1);
	assert_non_null(strstr(out, "daemon.json: session.mode: unknown mode \"nope\""));
	free(out);
	assert_defaults(&cfg);

	doc = "{\"session\":{\"mode\":\"direct\"}}";
	write_file(path, doc, strlen(doc));
	out = capture_stderr(call_load_config, &args, &r);
	assert_int_equal(r, 0);
	assert_string_equal(out, "");
	free(out);
	assert_int_equal(cfg.session.mode, PN_SESSION_DIRECT);
	pn_config_finish(&cfg);
}

/* A service-account config naming token_file, written to tmpdir/name. */
static void write_token_config(const char *name, const char *token_file)
{
	char path[PATH_MAX], doc[PATH_MAX + 128];
	tmp_path(path, sizeof(path), name);
	snprintf(doc, sizeof(doc),
		"{\"polkit\":{\"onepassword\":{\"mode\":\"service-account\","
		"\"token_file\":\"%s\"}}}",
		token_file);
	write_file(path, doc, strlen(doc));
}

static void make_token(const char *path, mode_t mode)
{
	unlink(path);
	write_file(path, "ops_x\n", 6);
	assert_int_equal(chmod(path, mode), 0);
}

/* Loads tmpdir/token.json and runs the token file check; err gets its line. */
static int check_token(char *err, size_t errlen)
{
	char path[PATH_MAX];
	tmp_path(path, sizeof(path), "token.json");
	struct pn_config cfg;
	assert_int_equal(pn_config_load(&cfg, path, NULL, err, errlen), 0);
	err[0] = '\0';
	int r = pn_config_check_token_file(&cfg, "token.json", err, errlen);
	pn_config_finish(&cfg);
	return r;
}

static void test_token_file_check(void **state)
{
	char token[PATH_MAX], link[PATH_MAX], err[1024];
	tmp_path(token, sizeof(token), "op-token");
	tmp_path(link, sizeof(link), "op-token-link");
	write_token_config("token.json", token);

	make_token(token, 0600);
	assert_int_equal(check_token(err, sizeof(err)), 0);
	make_token(token, 0400);
	assert_int_equal(check_token(err, sizeof(err)), 0);

	char want[PATH_MAX + 256];
	make_token(token, 0640);
	assert_int_equal(check_token(err, sizeof(err)), -EPERM);
	snprintf(want, sizeof(want),
		"token.json: polkit.onepassword.token_file: %s: group or "
		"others have access (mode 0640, expected 0600 or 0400)",
		token);
	assert_string_equal(err, want);
	make_token(token, 0604);
	assert_int_equal(check_token(err, sizeof(err)), -EPERM);

	/* A symlink is followed: what counts is the file it points at. */
	make_token(token, 0640);
	unlink(link);
	assert_int_equal(symlink(token, link), 0);
	write_token_config("token.json", link);
	assert_int_equal(check_token(err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "group or others have access (mode 0640"));
	make_token(token, 0600);
	assert_int_equal(check_token(err, sizeof(err)), 0);

	if (geteuid() == 0) {
		assert_int_equal(chown(token, 65534, 65534), 0);
		assert_int_equal(check_token(err, sizeof(err)), -EPERM);
		assert_non_null(strstr(err, "owned by uid 65534 (expected uid 0 or root)"));
		write_token_config("token.json", token);
		assert_int_equal(check_token(err, sizeof(err)), -EPERM);
		assert_int_equal(chown(token, 0, 0), 0);
	} else {
		print_message("not root: the test of a file owned by another user is skipped\n");
	}

	tmp_path(token, sizeof(token), "missing-token");
	write_token_config("token.json", token);
	assert_int_equal(check_token(err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "missing-token: cannot open: No such file or directory"));
	write_token_config("token.json", tmpdir);
	assert_int_equal(check_token(err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, ": not a regular file"));

	/* The credentials directory of a systemd unit, or a clear line without one. */
	write_token_config("token.json", "$CREDENTIALS_DIRECTORY/op-token");
	setenv("CREDENTIALS_DIRECTORY", tmpdir, 1);
	assert_int_equal(check_token(err, sizeof(err)), 0);
	unsetenv("CREDENTIALS_DIRECTORY");
	assert_int_equal(check_token(err, sizeof(err)), -ENXIO);
	assert_string_equal(err,
		"token.json: polkit.onepassword.token_file: "
		"$CREDENTIALS_DIRECTORY is not set (expected the agent to run as a systemd unit "
		"with LoadCredential=)");
}

static int call_load_config_checked(void *data)
{
	struct load_args *args = data;
	return pn_daemon_load_config(args->cfg, args->path, pn_config_check_token_file);
}

/* A daemon that checks the token file refuses to start over a bad one. */
static void test_daemon_token_file(void **state)
{
	char path[PATH_MAX], token[PATH_MAX];
	struct pn_config cfg;
	struct load_args args = {&cfg, path};
	int r;
	tmp_path(path, sizeof(path), "token.json");
	tmp_path(token, sizeof(token), "op-token");
	write_token_config("token.json", token);
	make_token(token, 0644);
	char *out = capture_stderr(call_load_config_checked, &args, &r);
	assert_int_equal(r, PN_EX_CONFIG);
	assert_int_equal(count_lines(out), 1);
	assert_non_null(strstr(out, "token.json: polkit.onepassword.token_file: "));
	assert_non_null(strstr(out, "(mode 0644, expected 0600 or 0400)"));
	free(out);
	assert_defaults(&cfg);
	make_token(token, 0600);
	out = capture_stderr(call_load_config_checked, &args, &r);
	assert_int_equal(r, 0);
	assert_string_equal(out, "");
	free(out);
	assert_int_equal(cfg.polkit.op_mode, PN_OP_SERVICE_ACCOUNT);
	pn_config_finish(&cfg);
	/* The other daemons do not look at the file. */
	make_token(token, 0644);
	out = capture_stderr(call_load_config, &args, &r);
	assert_int_equal(r, 0);
	free(out);
	pn_config_finish(&cfg);
}

struct reload_state {
	int applied;
	enum pn_profile new_on_ac, old_on_ac;
};

static void on_applied(void *data, const struct pn_config *cfg, const struct pn_config *old)
{
	struct reload_state *rs = data;
	rs->applied++;
	rs->new_on_ac = cfg->power.on_ac;
	rs->old_on_ac = old->power.on_ac;
}

/* Delivers SIGHUP and runs the loop until it has been handled. */
static void send_sighup(struct pn_loop *loop)
{
	assert_int_equal(raise(SIGHUP), 0);
	assert_true(pn_loop_dispatch(loop, 2000) > 0);
}

static void test_reload_on_sighup(void **state)
{
	char path[PATH_MAX];
	struct pn_config cfg;
	struct reload_state rs = {0};
	tmp_path(path, sizeof(path), "reload.json");
	const char *doc = "{\"power\":{\"on_ac\":\"balanced\"}}";
	write_file(path, doc, strlen(doc));
	assert_int_equal(pn_daemon_load_config(&cfg, path, NULL), 0);

	struct pn_loop *loop = pn_loop_create();
	assert_non_null(loop);
	struct pn_config_watch *watch = pn_config_watch_add(loop, &cfg, path, NULL, on_applied,
		&rs);
	assert_non_null(watch);

	doc = "{\"power\":{\"on_ac\":\"performance\",\"app_rules\":[{\"app_id\":\"a\","
	      "\"profile\":\"performance\"}]}}";
	write_file(path, doc, strlen(doc));
	send_sighup(loop);
	assert_int_equal(rs.applied, 1);
	assert_int_equal(rs.old_on_ac, PN_PROFILE_BALANCED);
	assert_int_equal(rs.new_on_ac, PN_PROFILE_PERFORMANCE);
	assert_int_equal(cfg.power.on_ac, PN_PROFILE_PERFORMANCE);

	/* A bad file is reported and the config in use stays. */
	doc = "{\"power\":{\"on_ac\":\"turbo\"}}";
	write_file(path, doc, strlen(doc));
	send_sighup(loop);
	assert_int_equal(rs.applied, 1);
	assert_int_equal(cfg.power.on_ac, PN_PROFILE_PERFORMANCE);
	assert_int_equal(cfg.power.n_app_rules, 1);

	/* The file removed: defaults apply. */
	unlink(path);
	send_sighup(loop);
	assert_int_equal(rs.applied, 2);
	assert_int_equal(cfg.power.on_ac, PN_PROFILE_BALANCED);
	assert_int_equal(cfg.power.n_app_rules, 0);

	/* After the watch is removed, SIGHUP changes nothing and does no harm. */
	pn_config_watch_remove(watch);
	doc = "{\"power\":{\"on_ac\":\"power-saver\"}}";
	write_file(path, doc, strlen(doc));
	send_sighup(loop);
	assert_int_equal(rs.applied, 2);
	assert_int_equal(cfg.power.on_ac, PN_PROFILE_BALANCED);

	pn_loop_destroy(loop);
	pn_config_finish(&cfg);
}

static int bind_dgram(struct sockaddr_un *addr, socklen_t len)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)addr, len), 0);
	return fd;
}

static void expect_datagram(int fd, const char *want)
{
	char buf[128];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	assert_true(n >= 0);
	buf[n] = '\0';
	assert_string_equal(buf, want);
}

static void test_notify_ready(void **state)
{
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(pn_notify_ready(NULL), 0);

	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	tmp_path(addr.sun_path, sizeof(addr.sun_path), "notify");
	int fd = bind_dgram(&addr, sizeof(addr));
	setenv("NOTIFY_SOCKET", addr.sun_path, 1);
	assert_int_equal(pn_notify_ready(NULL), 0);
	expect_datagram(fd, "READY=1");
	assert_int_equal(pn_notify_ready("STOPPING=1"), 0);
	expect_datagram(fd, "STOPPING=1");
	close(fd);

	/* "@name" is an abstract socket. */
	char name[64];
	snprintf(name, sizeof(name), "@panther-test-notify-%d", (int)getpid());
	memset(addr.sun_path, 0, sizeof(addr.sun_path));
	memcpy(addr.sun_path + 1, name + 1, strlen(name) - 1);
	fd = bind_dgram(&addr, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(name)));
	setenv("NOTIFY_SOCKET", name, 1);
	assert_int_equal(pn_notify_ready(NULL), 0);
	expect_datagram(fd, "READY=1");
	close(fd);

	setenv("NOTIFY_SOCKET", "relative/socket", 1);
	assert_int_equal(pn_notify_ready(NULL), -EINVAL);
	tmp_path(addr.sun_path, sizeof(addr.sun_path), "nobody-listens");
	setenv("NOTIFY_SOCKET", addr.sun_path, 1);
	assert_int_equal(pn_notify_ready(NULL), -ENOENT);
	unsetenv("NOTIFY_SOCKET");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_load_missing),
		cmocka_unit_test(test_load_not_a_file),
		cmocka_unit_test(test_load_too_large),
		cmocka_unit_test(test_load_unreadable),
		cmocka_unit_test(test_default_path),
		cmocka_unit_test(test_daemon_load_config),
		cmocka_unit_test(test_reload_on_sighup),
		cmocka_unit_test(test_token_file_check),
		cmocka_unit_test(test_daemon_token_file),
		cmocka_unit_test(test_notify_ready),
	};
	return cmocka_run_group_tests_name("config_load", tests, make_tmpdir, remove_tmpdir);
}
