#include "subject.h"

#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
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

/* ---- pkexec ---- */

/* PPid and the effective uid from /proc/PID/status; false when unreadable. */
static bool read_status(const char *root, pid_t pid, pid_t *ppid, long *euid)
{
	char path[PATH_MAX], buf[4096];
	snprintf(path, sizeof(path), "%s/%d/status", root, (int)pid);
	size_t len = read_cmdline(path, buf, sizeof(buf) - 1);
	buf[len] = '\0';
	const char *p = strstr(buf, "\nPPid:");
	const char *u = strstr(buf, "\nUid:");
	long real;
	if (!p || !u || sscanf(u + 5, "%ld %ld", &real, euid) != 2)
		return false;
	*ppid = (pid_t)strtol(p + 6, NULL, 10);
	return true;
}

/* How pkexec shortens its command line for polkit's message (past 80 bytes, the middle). */
static void pkexec_shorten(const char *full, char *out, size_t cap)
{
	size_t len = strlen(full);
	if (len <= PKEXEC_SHORT_MAX)
		snprintf(out, cap, "%s", full);
	else
		snprintf(out, cap, "%.38s ... %s", full, full + len - 37);
}

/*
 * The command pkexec runs, from its command line: its options skipped, the
 * program as pkexec resolved it (a name without "/" is looked up in PATH,
 * which only polkit's message shows), checked against that message: polkit
 * 122's pkexec quotes the program alone, later ones the whole command
 * shortened in the middle. NULL when the message shows something else.
 */
static char *pkexec_command(char *const *argv, size_t argc, const char *message)
{
	size_t n = 1;
	while (n < argc && argv[n][0] == '-') {
		if (strcmp(argv[n], "--user") == 0 || strcmp(argv[n], "-u") == 0)
			n++;
		n++;
	}
	if (n >= argc || !message)
		return NULL;
	/* The quoted command in "Authentication is needed to run `...' as ...". */
	const char *open = strchr(message, '`');
	const char *close = open ? strrchr(open, '\'') : NULL;
	if (!open || !close)
		return NULL;
	size_t quoted_len = (size_t)(close - open - 1);
	char args[CMDLINE_READ + 1] = "";
	size_t o = 0;
	for (size_t i = n + 1; i < argc; i++)
		o += (size_t)snprintf(args + o, o < sizeof(args) ? sizeof(args) - o : 0, " %s",
			argv[i]);
	if (o >= sizeof(args))
		return NULL;
	/* A bare name: pkexec ran what PATH gave, which starts the quoted text. */
	char program[PATH_MAX];
	if (argv[n][0] == '/') {
		snprintf(program, sizeof(program), "%s", argv[n]);
	} else {
		const char *space = memchr(open + 1, ' ', quoted_len);
		size_t plen = space ? (size_t)(space - open - 1) : quoted_len;
		size_t nlen = strlen(argv[n]);
		if (plen >= sizeof(program) || plen <= nlen || open[plen - nlen] != '/' ||
			strncmp(open + 1 + plen - nlen, argv[n], nlen) != 0)
			return NULL;
		memcpy(program, open + 1, plen);
		program[plen] = '\0';
	}
	size_t full_len = strlen(program) + o + 1;
	char *full = pn_xcalloc(1, full_len);
	snprintf(full, full_len, "%s%s", program, args);
	/* polkit 122 quotes the program alone; later ones the shortened command. */
	bool program_only = strlen(program) == quoted_len &&
		strncmp(program, open + 1, quoted_len) == 0;
	char short_form[PKEXEC_SHORT_MAX + 16];
	pkexec_shorten(full, short_form, sizeof(short_form));
	if (!program_only &&
		(strlen(short_form) != quoted_len ||
			strncmp(short_form, open + 1, quoted_len) != 0)) {
		free(full);
		return NULL;
	}
	return full;
}

char *subject_describe_request_at(const char *root, pid_t subject, pid_t caller,
	const char *action_id, const char *message)
{
	char *who = subject_describe_at(root, subject);
	if (!who || caller <= 0 || caller == subject || !action_id ||
		strcmp(action_id, "org.freedesktop.policykit.exec") != 0)
		return who;
	char path[PATH_MAX], cmdline[CMDLINE_READ + 1];
	snprintf(path, sizeof(path), "%s/%d/cmdline", root, (int)caller);
	size_t len = read_cmdline(path, cmdline, CMDLINE_READ);
	cmdline[len] = '\0';
	char *argv[CMDLINE_READ / 2 + 2];
	size_t argc = 0;
	for (size_t i = 0; i < len; i += strlen(cmdline + i) + 1)
		argv[argc++] = cmdline + i;
	const char *base = argc ? strrchr(argv[0], '/') : NULL;
	base = base ? base + 1 : argc ? argv[0] : "";
	pid_t ppid;
	long euid;
	/* pkexec is setuid root: its exe is not ours to read, its uids are. */
	if (strcmp(base, "pkexec") != 0 || len == CMDLINE_READ ||
		!read_status(root, caller, &ppid, &euid) || euid != 0)
		return who;
	char *command = pkexec_command(argv, argc, message);
	const char *relation = ppid == subject ? "pkexec's parent" : "not pkexec's parent";
	size_t text_len = strlen(who) + (command ? strlen(command) : 0) + 128;
	char *text = pn_xcalloc(1, text_len);
	if (command)
		snprintf(text, text_len, "%s (%s); pkexec will run %s", who, relation, command);
	else
		snprintf(text, text_len, "%s (%s), through pkexec", who, relation);
	free(command);
	free(who);
	char *clean = pn_sanitize_text(text, SUBJECT_PKEXEC_MAX);
	free(text);
	return clean;
}

char *subject_describe_request(pid_t subject, pid_t caller, const char *action_id,
	const char *message)
{
	if (subject <= 0)
		return NULL;
	return subject_describe_request_at("/proc", subject, caller, action_id, message);
}
