/*
 * What the agent reads from the system to word and decide a request:
 * "Requested by" for pkexec from /proc (subject.c) and whether polkit's PAM
 * stack asks pam_fprintd (pam-stack.c), from files laid out like the real ones.
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
#include "pam-stack.h"
#include "subject.h"

#define EXEC "org.freedesktop.policykit.exec"

static void write_at(const char *dir, const char *name, const void *data, size_t len)
{
	char path[2 * PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fwrite(data, 1, len, f);
	fclose(f);
}

/* A process: exe (NULL: unreadable), cmdline, parent and effective uid. */
static void make_proc(int pid, const char *exe, const char *cmdline, size_t len, int ppid, int euid)
{
	char dir[PATH_MAX], path[2 * PATH_MAX], status[256];
	snprintf(dir, sizeof(dir), "%s/%d", tmpdir, pid);
	mkdir(dir, 0755);
	if (exe) {
		snprintf(path, sizeof(path), "%s/exe", dir);
		unlink(path);
		assert_int_equal(symlink(exe, path), 0);
	}
	write_at(dir, "cmdline", cmdline, len);
	int n = snprintf(status, sizeof(status),
		"Name:\tx\nUmask:\t0022\nState:\tS\nTgid:\t%d\nPid:\t%d\nPPid:\t%d\n"
		"Uid:\t1000\t%d\t%d\t%d\n",
		pid, pid, ppid, euid, euid, euid);
	write_at(dir, "status", status, (size_t)n);
}

static void test_pkexec(void **state)
{
	static const char shell[] = "bash\0-i";
	make_proc(100, "/usr/bin/bash", shell, sizeof(shell), 1, 1000);
	static const char pkexec[] = "pkexec\0--user\0root\0nmcli\0connection\0up\0Home";
	make_proc(101, NULL, pkexec, sizeof(pkexec), 100, 0);

	/* The command, checked against polkit's message: PATH gave /usr/bin/nmcli. */
	char *s = subject_describe_request_at(tmpdir, 100, 101, EXEC,
		"Authentication is needed to run `/usr/bin/nmcli connection up Home' as the super user");
	assert_string_equal(s,
		"/usr/bin/bash -i (pkexec's parent); pkexec will run "
		"/usr/bin/nmcli connection up Home");
	free(s);

	/* polkit 122's pkexec quotes the program alone. */
	s = subject_describe_request_at(tmpdir, 100, 101, EXEC,
		"Authentication is needed to run `/usr/bin/nmcli' as the super user");
	assert_string_equal(s,
		"/usr/bin/bash -i (pkexec's parent); pkexec will run "
		"/usr/bin/nmcli connection up Home");
	free(s);

	/* A message that shows something else: no command is claimed. */
	s = subject_describe_request_at(tmpdir, 100, 101, EXEC,
		"Authentication is needed to run `/usr/bin/rm -rf /' as the super user");
	assert_string_equal(s, "/usr/bin/bash -i (pkexec's parent), through pkexec");
	free(s);

	/* Past 80 bytes pkexec keeps 38 in front and 37 at the end: the full one is shown. */
	static const char longer[] = "pkexec\0/usr/bin/env\0A=0123456789\0B=0123456789\0"
				     "C=0123456789\0D=0123456789\0/usr/bin/true\0--the-end";
	make_proc(102, NULL, longer, sizeof(longer), 100, 0);
	s = subject_describe_request_at(tmpdir, 100, 102, EXEC,
		"Authentication is needed to run `/usr/bin/env A=0123456789 B=0123456789 ...  "
		"D=0123456789 /usr/bin/true --the-end' as the super user");
	assert_string_equal(s,
		"/usr/bin/bash -i (pkexec's parent); pkexec will run "
		"/usr/bin/env A=0123456789 B=0123456789 C=0123456789 "
		"D=0123456789 /usr/bin/true --the-end");
	free(s);

	/* Not setuid root: a program that only calls itself pkexec. */
	make_proc(103, "/home/u/pkexec", pkexec, sizeof(pkexec), 100, 1000);
	s = subject_describe_request_at(tmpdir, 100, 103, EXEC,
		"Authentication is needed to run `/usr/bin/nmcli connection up Home' as the super user");
	assert_string_equal(s, "/usr/bin/bash -i");
	free(s);

	/* pkexec whose parent died (it then asks for its process group). */
	make_proc(104, NULL, pkexec, sizeof(pkexec), 1, 0);
	s = subject_describe_request_at(tmpdir, 100, 104, EXEC,
		"Authentication is needed to run `/usr/bin/nmcli connection up Home' as the super user");
	assert_string_equal(s,
		"/usr/bin/bash -i (not pkexec's parent); pkexec will run "
		"/usr/bin/nmcli connection up Home");
	free(s);

	/* Another action: the subject alone. */
	s = subject_describe_request_at(tmpdir, 100, 101, "org.example.other", "x");
	assert_string_equal(s, "/usr/bin/bash -i");
	free(s);
}

static void write_service(const char *dir, const char *name, const char *text)
{
	write_at(dir, name, text, strlen(text));
}

static void remove_service(const char *dir, const char *name)
{
	char path[2 * PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
}

static bool has_fingerprint(void)
{
	char etc[PATH_MAX], vendor[PATH_MAX];
	snprintf(etc, sizeof(etc), "%s/etc", tmpdir);
	snprintf(vendor, sizeof(vendor), "%s/vendor", tmpdir);
	const char *dirs[] = {etc, vendor, NULL};
	return pam_stack_has_fingerprint_in(dirs);
}

static void test_fingerprint_in_polkit_stack(void **state)
{
	char etc[PATH_MAX], vendor[PATH_MAX];
	snprintf(etc, sizeof(etc), "%s/etc", tmpdir);
	snprintf(vendor, sizeof(vendor), "%s/vendor", tmpdir);
	mkdir(etc, 0755);
	mkdir(vendor, 0755);
	/* Debian's: no polkit-1, "other" includes common-auth with pam_unix only. */
	write_service(etc, "other", "@include common-auth\n@include common-account\n");
	write_service(etc, "common-auth",
		"auth\t[success=1 default=ignore]\tpam_unix.so nullok\n"
		"auth\trequisite\t\t\tpam_deny.so\n");
	assert_false(has_fingerprint());

	/* fprintd's pam-auth-update profile puts it into common-auth. */
	write_service(etc, "common-auth",
		"auth\t[success=2 default=ignore]\tpam_fprintd.so max-tries=1 timeout=10\n"
		"auth\t[success=1 default=ignore]\tpam_unix.so nullok try_first_pass\n");
	assert_true(has_fingerprint());

	/* polkit-1 present: "other" no longer counts. */
	write_service(etc, "polkit-1", "auth required pam_unix.so\n");
	assert_false(has_fingerprint());

	/* NixOS writes full store paths, and may use "include"/"substack". */
	write_service(etc, "polkit-1",
		"# pam_fprintd.so in a comment does not count\n"
		"account required /nix/store/abc-linux-pam/lib/security/pam_unix.so\n"
		"auth substack login-auth\n");
	write_service(etc, "login-auth",
		"auth sufficient /nix/store/xyz-fprintd-1.94/lib/security/pam_fprintd.so\n");
	assert_true(has_fingerprint());

	/* Only auth lines: pam_fprintd for account or session does not touch. */
	write_service(etc, "login-auth", "session optional pam_fprintd.so\n");
	assert_false(has_fingerprint());

	/* A missing /etc file: libpam's vendor directory. */
	remove_service(etc, "polkit-1");
	remove_service(etc, "other");
	write_service(vendor, "polkit-1", "-auth [default=ignore success=ok] pam_fprintd.so\n");
	assert_true(has_fingerprint());

	/* Includes that loop end. */
	write_service(vendor, "polkit-1", "@include polkit-1\n");
	assert_false(has_fingerprint());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pkexec),
		cmocka_unit_test(test_fingerprint_in_polkit_stack),
	};
	return cmocka_run_group_tests(tests, agent_fixture_setup, agent_fixture_teardown);
}
