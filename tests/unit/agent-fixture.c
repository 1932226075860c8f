/* The polkit agent's unit-test fixture: see agent-fixture.h. */
#include <errno.h>
#include <fcntl.h>
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

char tmpdir[] = "/tmp/panther-agent-test.XXXXXX";

int agent_fixture_setup(void **state)
{
	return mkdtemp(tmpdir) ? 0 : -1;
}

int agent_fixture_teardown(void **state)
{
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

void write_file(const char *path, const char *text, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
}

const char *script(const char *body)
{
	static char path[PATH_MAX];
	static int n;
	snprintf(path, sizeof(path), "%s/script%d.sh", tmpdir, ++n);
	char text[4096];
	snprintf(text, sizeof(text), "#!/bin/sh\n%s\n", body);
	write_file(path, text, strlen(text), 0755);
	return path;
}

char *read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *buf = calloc(1, 65536);
	size_t n = fread(buf, 1, 65535, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

bool secret_is(const struct pn_secret *secret, const char *text)
{
	struct pn_secret *want = pn_secret_new(PN_SECRET_MAX_PASSWORD + 1);
	pn_secret_append(want, text, strlen(text));
	bool same = pn_secret_equal(secret, want);
	pn_secret_free(want);
	return same;
}

pid_t wait_for_pid_file(struct pn_loop *loop, const char *name)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	char *text = NULL;
	/* The shell creates the file before echo writes to it: wait for the whole line. */
	for (int i = 0; i < 200 && !((text = read_text(path)) && strchr(text, '\n')); i++) {
		free(text);
		text = NULL;
		pn_loop_dispatch(loop, 10);
	}
	assert_non_null(text);
	pid_t pid = (pid_t)atoi(text);
	free(text);
	return pid;
}

void assert_reaped(struct pn_loop *loop, pid_t pid)
{
	for (int i = 0; i < 100 && kill(pid, 0) == 0; i++)
		pn_loop_dispatch(loop, 10);
	assert_int_equal(kill(pid, 0), -1);
	assert_int_equal(errno, ESRCH);
}
