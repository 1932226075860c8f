#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "panther/secret.h"

static void test_append_and_overflow(void **state)
{
	struct pn_secret *s = pn_secret_new(8);
	assert_int_equal(pn_secret_append(s, "hunter", 6), 0);
	assert_int_equal(pn_secret_len(s), 6);
	assert_string_equal(pn_secret_expose(s), "hunter");
	/* Too much: refused, and what was there is wiped rather than kept half-done. */
	assert_int_equal(pn_secret_append(s, "2345", 4), -EMSGSIZE);
	assert_int_equal(pn_secret_len(s), 0);
	assert_string_equal(pn_secret_expose(s), "");
	pn_secret_free(s);
}

static void test_pop_char_is_utf8_aware(void **state)
{
	struct pn_secret *s = pn_secret_new(32);
	pn_secret_append(s, "a\xc3\xa9\xe2\x82\xac", 6); /* aé€ */
	assert_true(pn_secret_pop_char(s));
	assert_string_equal(pn_secret_expose(s), "a\xc3\xa9");
	assert_true(pn_secret_pop_char(s));
	assert_string_equal(pn_secret_expose(s), "a");
	assert_true(pn_secret_pop_char(s));
	assert_false(pn_secret_pop_char(s));
	pn_secret_free(s);
}

static void test_valid_password_rules(void **state)
{
	struct pn_secret *s = pn_secret_new(1024);
	pn_secret_append(s, "ok pass", 7);
	assert_true(pn_secret_is_valid_password(s));
	pn_secret_append(s, "\n", 1);
	assert_false(pn_secret_is_valid_password(s));
	pn_secret_clear(s);
	pn_secret_append(s, "a\0b", 3);
	assert_false(pn_secret_is_valid_password(s));
	pn_secret_clear(s);
	char big[512];
	memset(big, 'x', sizeof(big));
	/* polkit's helper would leave the newline after 511 bytes unread. */
	pn_secret_append(s, big, 510);
	assert_true(pn_secret_is_valid_password(s));
	pn_secret_append(s, big, 1);
	assert_false(pn_secret_is_valid_password(s));
	pn_secret_free(s);
}

static void test_read_fd_bounded(void **state)
{
	int p[2];
	struct pn_secret *s = pn_secret_new(PN_SECRET_MAX_PASSWORD);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "from-op", 7), 7);
	close(p[1]);
	assert_int_equal(pn_secret_read_fd(s, p[0]), 7);
	assert_string_equal(pn_secret_expose(s), "from-op");
	close(p[0]);

	/* 10 MiB from a writer: bounded, cleared, drained, the writer is not stuck. */
	pn_secret_clear(s);
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		char chunk[4096];
		memset(chunk, 'g', sizeof(chunk));
		for (int i = 0; i < 2560; i++) {
			if (write(p[1], chunk, sizeof(chunk)) < 0)
				_exit(1);
		}
		_exit(0);
	}
	close(p[1]);
	assert_int_equal(pn_secret_read_fd(s, p[0]), -EMSGSIZE);
	assert_int_equal(pn_secret_len(s), 0);
	int wstatus;
	waitpid(pid, &wstatus, 0);
	assert_true(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0);
	close(p[0]);
	pn_secret_free(s);
}

static void test_equal(void **state)
{
	struct pn_secret *a = pn_secret_new(16), *b = pn_secret_new(16);
	pn_secret_append(a, "same", 4);
	pn_secret_append(b, "same", 4);
	assert_true(pn_secret_equal(a, b));
	pn_secret_append(b, "!", 1);
	assert_false(pn_secret_equal(a, b));
	pn_secret_free(a);
	pn_secret_free(b);
}

/* The mapping holding addr, as the kernel describes it in smaps. */
static bool smaps_entry(const void *addr, char *out, size_t outlen)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	bool in = false;
	size_t o = 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {
			if (in)
				break;
			in = (unsigned long)addr >= lo && (unsigned long)addr < hi;
		}
		if (in) {
			size_t n = strlen(line);
			if (o + n < outlen) {
				memcpy(out + o, line, n);
				o += n;
			}
		}
	}
	out[o] = '\0';
	fclose(f);
	return o > 0;
}

static void test_memory_is_locked_and_not_dumped(void **state)
{
	struct pn_secret *s = pn_secret_new(64);
	pn_secret_append(s, "x", 1);
	char info[8192];
	assert_true(smaps_entry(pn_secret_expose(s), info, sizeof(info)));
	/* "dd": excluded from core dumps; "lo": locked in memory. */
	char *flags = strstr(info, "VmFlags:");
	assert_non_null(flags);
	assert_non_null(strstr(flags, " dd"));
	assert_non_null(strstr(flags, " lo"));
	pn_secret_free(s);
}

static void test_forked_child_sees_no_secret(void **state)
{
	struct pn_secret *s = pn_secret_new(64);
	pn_secret_append(s, "topsecret", 9);
	const char *bytes = pn_secret_expose(s);
	pid_t pid = fork();
	if (pid == 0)
		_exit(memcmp(bytes, "topsecret", 9) == 0 ? 1 : 0);
	int wstatus;
	waitpid(pid, &wstatus, 0);
	assert_true(WIFEXITED(wstatus));
	assert_int_equal(WEXITSTATUS(wstatus), 0);
	pn_secret_free(s);
}

/* keep_on_fork: the bytes reach a forked child, for its execve. */
static void test_keep_on_fork(void **state)
{
	struct pn_secret *s = pn_secret_new(64);
	pn_secret_append(s, "TOKEN=ops_x", 11);
	pn_secret_keep_on_fork(s);
	const char *bytes = pn_secret_expose(s);
	pid_t pid = fork();
	if (pid == 0)
		_exit(memcmp(bytes, "TOKEN=ops_x", 11) == 0 ? 0 : 1);
	int wstatus;
	waitpid(pid, &wstatus, 0);
	assert_true(WIFEXITED(wstatus));
	assert_int_equal(WEXITSTATUS(wstatus), 0);
	pn_secret_free(s);
}

/*
 * Without the right to lock memory (not root, RLIMIT_MEMLOCK 0) secrets
 * still work, and one warning says so, not one per buffer.
 */
static void test_mlock_failure_logged_once(void **state)
{
	int out[2];
	assert_int_equal(pipe(out), 0);
	pid_t pid = fork();
	if (pid == 0) {
		close(out[0]);
		dup2(out[1], STDERR_FILENO);
		struct rlimit none = {0, 0};
		if ((getuid() == 0 && setresuid(65534, 65534, 65534) < 0) ||
			setrlimit(RLIMIT_MEMLOCK, &none) < 0)
			_exit(2);
		for (int i = 0; i < 3; i++) {
			struct pn_secret *s = pn_secret_new(64);
			if (!s || pn_secret_append(s, "x", 1) < 0)
				_exit(3);
			pn_secret_free(s);
		}
		_exit(0);
	}
	close(out[1]);
	char text[2048] = "";
	size_t len = 0;
	ssize_t n;
	while ((n = read(out[0], text + len, sizeof(text) - 1 - len)) > 0)
		len += (size_t)n;
	text[len] = '\0';
	close(out[0]);
	int wstatus;
	waitpid(pid, &wstatus, 0);
	assert_true(WIFEXITED(wstatus));
	assert_int_equal(WEXITSTATUS(wstatus), 0);
	const char *line = strstr(text, "cannot lock secrets in memory");
	assert_non_null(line);
	assert_null(strstr(line + 1, "cannot lock secrets in memory"));
	assert_non_null(strstr(text, "mlock: "));
}

static void test_harden_process(void **state)
{
	pid_t pid = fork();
	if (pid == 0) {
		if (pn_harden_process() != 0)
			_exit(2);
		_exit(prctl(PR_GET_DUMPABLE) == 0 ? 0 : 1);
	}
	int wstatus;
	waitpid(pid, &wstatus, 0);
	assert_int_equal(WEXITSTATUS(wstatus), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append_and_overflow),
		cmocka_unit_test(test_pop_char_is_utf8_aware),
		cmocka_unit_test(test_valid_password_rules),
		cmocka_unit_test(test_read_fd_bounded),
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_memory_is_locked_and_not_dumped),
		cmocka_unit_test(test_forked_child_sees_no_secret),
		cmocka_unit_test(test_keep_on_fork),
		cmocka_unit_test(test_mlock_failure_logged_once),
		cmocka_unit_test(test_harden_process),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
