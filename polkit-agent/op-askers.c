#include "op-askers.h"

#include <dirent.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "subject.h"
#include "panther/proc.h"
#include "panther/util.h"

#define TEXT_MAX 1024
/* Parents named per op: enough to tell a terminal from a service. */
#define CHAIN_MAX 4
/* op processes named; the rest are counted. */
#define NAMED_MAX 3

static const char authorize[] = "com.1password.1Password.authorizeCLI";
static const char unlock[] = "com.1password.1Password.unlock";

/* ppid and tty_nr from PID/stat; false when it is gone. */
static bool read_stat(const char *root, pid_t pid, pid_t *ppid, int *tty)
{
	char path[PATH_MAX], buf[1024];
	snprintf(path, sizeof(path), "%s/%d/stat", root, (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* After the command, which may hold anything: state ppid pgrp session tty_nr. */
	const char *p = strrchr(buf, ')');
	int parent;
	if (!p || sscanf(p + 1, " %*c %d %*d %*d %d", &parent, tty) != 2)
		return false;
	*ppid = parent;
	return true;
}

static void terminal_name(int tty, char *out, size_t len)
{
	unsigned major = ((unsigned)tty >> 8) & 0xfff;
	unsigned minor = ((unsigned)tty & 0xff) | (((unsigned)tty >> 12) & 0xfff00);
	if (tty == 0)
		snprintf(out, len, "no terminal");
	else if (major >= 136 && major <= 143)
		snprintf(out, len, "terminal pts/%u", (major - 136) * 256 + minor);
	else if (major == 4)
		snprintf(out, len, "terminal tty%u", minor);
	else
		snprintf(out, len, "terminal %u:%u", major, minor);
}

__attribute__((format(printf, 3, 4))) static void append(char *text, size_t *o, const char *fmt,
	...)
{
	va_list ap;
	va_start(ap, fmt);
	if (*o < TEXT_MAX)
		*o += (size_t)vsnprintf(text + *o, TEXT_MAX + 1 - *o, fmt, ap);
	va_end(ap);
	if (*o > TEXT_MAX)
		*o = TEXT_MAX;
}

/* "pid N: COMMAND; started by bash (pid P) < tmux (pid Q); terminal pts/3" */
static void describe_op(const char *root, pid_t pid, char *text, size_t *o)
{
	char *command = subject_describe_at(root, pid);
	append(text, o, "pid %d: %s", (int)pid, command ? command : "(command line unreadable)");
	free(command);
	pid_t ppid = 0;
	int tty = 0;
	if (read_stat(root, pid, &ppid, &tty)) {
		const char *sep = "; started by ";
		for (int i = 0; i < CHAIN_MAX && ppid > 1; i++) {
			char name[32], p[16];
			uid_t uid;
			snprintf(p, sizeof(p), "%d", (int)ppid);
			if (!pn_proc_read(root, p, &uid, name, sizeof(name)))
				break;
			append(text, o, "%s%s (pid %d)", sep, name, (int)ppid);
			sep = " < ";
			int ignored;
			if (!read_stat(root, ppid, &ppid, &ignored))
				break;
		}
		char term[48];
		terminal_name(tty, term, sizeof(term));
		append(text, o, "; %s", term);
	}
}

char *op_askers_describe(const char *root, const char *action_id, pid_t own_op, bool *ours)
{
	bool is_unlock = strcmp(action_id, unlock) == 0;
	if (!is_unlock && strcmp(action_id, authorize) != 0)
		return NULL;
	pid_t others[NAMED_MAX];
	size_t n_others = 0, n_more = 0;
	DIR *dir = opendir(root);
	for (struct dirent *e; dir && (e = readdir(dir));) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 0 || pid == own_op)
			continue;
		uid_t uid;
		char comm[32];
		if (!pn_proc_read(root, e->d_name, &uid, comm, sizeof(comm)) || uid != getuid() ||
			strcmp(comm, "op") != 0)
			continue;
		if (n_others < NAMED_MAX)
			others[n_others++] = (pid_t)pid;
		else
			n_more++;
	}
	if (dir)
		closedir(dir);

	*ours = own_op > 0 && n_others == 0;
	if (*ours)
		return pn_xstrdup(is_unlock
				? "1Password asks to be unlocked so that panther can read your password"
				: "1Password asks to let panther read your password (for about 10 minutes)");
	char text[TEXT_MAX + 1];
	size_t o = 0;
	append(text, &o, "%s",
		is_unlock ? "Warning: another program asks to unlock 1Password"
			  : "Warning: another program asks 1Password for access to your vault");
	if (own_op > 0)
		append(text, &o, "%s", " (panther's own request waits too)");
	if (n_others == 0)
		append(text, &o, "%s", ". No op process of yours was found");
	for (size_t i = 0; i < n_others; i++) {
		append(text, &o, "%s", i ? ". Also " : ". It is ");
		describe_op(root, others[i], text, &o);
	}
	if (n_more)
		append(text, &o, ". And %zu more op processes", n_more);
	text[o] = '\0';
	return pn_sanitize_text(text, TEXT_MAX);
}
