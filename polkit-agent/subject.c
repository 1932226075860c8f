#include "subject.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "panther/util.h"

/* Enough of the command line for SUBJECT_MAX bytes of description. */
#define CMDLINE_READ 1024

static size_t read_cmdline(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	size_t len = 0;
	while (len < cap) {
		ssize_t n = read(fd, buf + len, cap - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	return len;
}

char *subject_describe_at(const char *root, pid_t pid)
{
	char path[PATH_MAX];
	char exe[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%d/exe", root, (int)pid);
	ssize_t exe_len = readlink(path, exe, sizeof(exe) - 1);
	exe[exe_len > 0 ? exe_len : 0] = '\0';

	char cmdline[CMDLINE_READ + 1];
	snprintf(path, sizeof(path), "%s/%d/cmdline", root, (int)pid);
	size_t len = read_cmdline(path, cmdline, CMDLINE_READ);
	cmdline[len] = '\0';
	if (exe_len <= 0 && len == 0)
		return NULL;

	/*
	 * The executable (what really runs), then the arguments after argv[0].
	 * Without the executable (a process of another user, or one that is not
	 * dumpable) only argv[0] is left, which the process chose itself.
	 */
	char text[PATH_MAX + CMDLINE_READ + 64];
	size_t argv0_len = strnlen(cmdline, len);
	size_t o = (size_t)snprintf(text, sizeof(text), "%s%s ",
		exe_len > 0 ? "" : SUBJECT_UNVERIFIED, exe_len > 0 ? exe : cmdline);
	for (size_t i = argv0_len + 1; i < len && o + 1 < sizeof(text); i++)
		text[o++] = cmdline[i] == '\0' ? ' ' : cmdline[i];
	while (o > 0 && text[o - 1] == ' ')
		o--;
	text[o] = '\0';
	/* A command line cut off here is shown as such even when it fits. */
	if (len == CMDLINE_READ)
		snprintf(text + o, sizeof(text) - o, " …");
	return pn_sanitize_text(text, SUBJECT_MAX);
}

char *subject_describe(pid_t pid)
{
	if (pid <= 0)
		return NULL;
	return subject_describe_at("/proc", pid);
}
