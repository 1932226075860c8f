/*
 * Who asks 1Password (polkit-agent/op-askers.c), against a /proc-like tree:
 * the words say "panther" only when the agent's own op runs and no other
 * op of the user does; otherwise they warn and name the other op.
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
#include "op-askers.h"

/* The /proc-like tree is the fixture's folder. */
static const char *const root = tmpdir;

static void put(int pid, const char *name, const char *text, size_t len)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%d", root, pid);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%d/%s", root, pid, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
}

/* A process: comm, real uid, parent, tty_nr, command line (NUL-separated). */
static void process(int pid, const char *comm, unsigned uid, int ppid, int tty, const char *cmdline,
	size_t cmdline_len)
{
	char text[256];
	int n = snprintf(text, sizeof(text), "%s\n", comm);
	put(pid, "comm", text, (size_t)n);
	n = snprintf(text, sizeof(text), "Name:\t%s\nUid:\t%u\t%u\t%u\t%u\n", comm, uid, uid, uid,
		uid);
	put(pid, "status", text, (size_t)n);
	n = snprintf(text, sizeof(text), "%d (%s) S %d %d %d %d -1 0\n", pid, comm, ppid, pid, pid,
		tty);
	put(pid, "stat", text, (size_t)n);
	put(pid, "cmdline", cmdline, cmdline_len);
}

static const char authorize[] = "com.1password.1Password.authorizeCLI";
static const char unlock[] = "com.1password.1Password.unlock";

static void test_ours(void **state)
{
	static const char cmd[] = "/run/wrappers/bin/op\0read\0-n\0op://V/i/p";
	process(500, "op", getuid(), 1, 0, cmd, sizeof(cmd));
	bool ours = false;
	char *s = op_askers_describe(root, authorize, 500, &ours);
	assert_true(ours);
	assert_string_equal(s,
		"1Password asks to let panther read your password (for about 10 minutes)");
	free(s);
	s = op_askers_describe(root, unlock, 500, &ours);
	assert_true(ours);
	assert_non_null(strstr(s, "unlocked so that panther"));
	free(s);
	assert_null(op_askers_describe(root, "org.freedesktop.policykit.exec", 500, &ours));
}

static void test_foreign(void **state)
{
	static const char shell[] = "bash";
	static const char cmd[] = "/usr/bin/op\0read\0op://Private/bank/password";
	process(600, "tmux: server", getuid(), 1, 0, shell, sizeof(shell));
	process(601, "bash", getuid(), 600, 34817, shell, sizeof(shell));
	/* pts/1: major 136, minor 1. */
	process(602, "op", getuid(), 601, 34817, cmd, sizeof(cmd));
	/* Another user's op is not this user's business. */
	process(603, "op", getuid() + 1, 1, 0, cmd, sizeof(cmd));
	bool ours = true;
	char *s = op_askers_describe(root, authorize, 500, &ours);
	assert_false(ours);
	assert_string_equal(s,
		"Warning: another program asks 1Password for access to your vault (panther's own "
		"request waits too). It is pid 602: unverified program, claims to be /usr/bin/op "
		"read op://Private/bank/password; started by bash (pid 601) < tmux: server (pid "
		"600); terminal pts/1");
	free(s);
	/* Nothing of panther's waits: the same warning, without that part. */
	s = op_askers_describe(root, unlock, 0, &ours);
	assert_false(ours);
	assert_non_null(
		strstr(s, "Warning: another program asks to unlock 1Password. It is pid 602"));
	free(s);
}

static void test_nobody(void **state)
{
	char empty[PATH_MAX];
	snprintf(empty, sizeof(empty), "%s/none", root);
	mkdir(empty, 0755);
	bool ours = true;
	char *s = op_askers_describe(empty, authorize, 0, &ours);
	assert_false(ours);
	assert_string_equal(s,
		"Warning: another program asks 1Password for access to your vault. "
		"No op process of yours was found");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ours),
		cmocka_unit_test(test_foreign),
		cmocka_unit_test(test_nobody),
	};
	return cmocka_run_group_tests(tests, agent_fixture_setup, agent_fixture_teardown);
}
