#include "registration.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <polkitagent/polkitagent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "panther/log.h"
#include "panther/proc.h"
#include "panther/util.h"

#define BACKOFF_FIRST_MS 1000
#define BACKOFF_MAX_MS 30000

struct registration {
	struct agent *agent;
	PolkitSubject *subject;
	char *subject_name;
	PolkitAuthority *authority;
	gulong owner_handler;
	gpointer handle; /* from polkit_agent_listener_register() */
	char *registered_owner; /* polkitd's unique name when we registered */
	enum registration_state state;
	struct pn_timer *retry;
	struct pn_timer *recheck;
	unsigned backoff_ms;
	bool told; /* the current trouble was logged */
};

const char *registration_state_name(enum registration_state state)
{
	switch (state) {
	case REG_STARTING:
		return "starting";
	case REG_REGISTERED:
		return "registered";
	case REG_TAKEN:
		return "held-by-another-agent";
	case REG_NO_POLKITD:
		return "waiting-for-polkitd";
	case REG_FAILED:
		return "failed";
	}
	return "unknown";
}

enum registration_state registration_state(const struct registration *reg)
{
	return reg->state;
}

const char *registration_subject(const struct registration *reg)
{
	return reg->subject_name;
}

static void set_state(struct registration *reg, enum registration_state state)
{
	if (reg->state == state)
		return;
	reg->state = state;
	reg->told = false;
	agent_status_changed(reg->agent);
}

char *registration_holders_line(const char *proc_root, uid_t uid, pid_t self, const char *subject)
{
	char running[512] = "";
	size_t o = 0;
	pid_t shell = 0; /* DMS's Quickshell, which registers its own agent unless told not to */
	DIR *dir = opendir(proc_root);
	struct dirent *d;
	while (dir && (d = readdir(dir)) && o < sizeof(running) - 64) {
		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		pid_t pid = (pid_t)strtol(d->d_name, NULL, 10);
		uid_t owner = (uid_t)-1;
		char comm[64];
		if (pid == self ||
			!pn_proc_read(proc_root, d->d_name, &owner, comm, sizeof(comm)) ||
			owner != uid)
			continue;
		const char *name = pn_proc_polkit_agent(comm);
		if (!name)
			continue;
		if (strcmp(name, "qs") == 0 || strcmp(name, "quickshell") == 0)
			shell = pid;
		o += (size_t)snprintf(running + o, sizeof(running) - o, "%s%s (pid %d)",
			o ? ", " : "", name, (int)pid);
	}
	if (dir)
		closedir(dir);
	char line[1024];
	if (shell) {
		snprintf(line, sizeof(line),
			"another authentication agent holds %s: DMS's own polkit agent in Quickshell "
			"(pid %d) takes it unless dms runs with DMS_DISABLE_POLKIT=1; running now: %s; "
			"retrying until the slot is free",
			subject, (int)shell, running);
		return pn_xstrdup(line);
	}
	snprintf(line, sizeof(line),
		"another authentication agent holds %s%s%s; likely holders: DMS's built-in agent (start dms with DMS_DISABLE_POLKIT=1), niri-flake's niri-flake-polkit.service (disable it), or another agent; retrying until the slot is free",
		subject, o ? "; running now: " : "", running);
	return pn_xstrdup(line);
}

static void schedule_retry(struct registration *reg)
{
	reg->backoff_ms = reg->backoff_ms ? reg->backoff_ms * 2 : BACKOFF_FIRST_MS;
	if (reg->backoff_ms > BACKOFF_MAX_MS)
		reg->backoff_ms = BACKOFF_MAX_MS;
	pn_timer_arm(reg->retry, reg->backoff_ms);
}

static void try_register(struct registration *reg)
{
	char *owner = polkit_authority_get_owner(reg->authority);
	if (!owner) {
		set_state(reg, REG_NO_POLKITD);
		if (!reg->told)
			pn_warn("polkitd is not on the system bus; registering when it appears");
		reg->told = true;
		return;
	}
	GError *error = NULL;
	reg->handle = polkit_agent_listener_register(reg->agent->listener,
		POLKIT_AGENT_REGISTER_FLAGS_NONE, reg->subject, NULL, NULL, &error);
	if (reg->handle) {
		g_free(reg->registered_owner);
		reg->registered_owner = owner;
		reg->backoff_ms = 0;
		set_state(reg, REG_REGISTERED);
		pn_info("registered as the authentication agent for %s", reg->subject_name);
		return;
	}
	g_free(owner);
	if (strstr(error->message, "already exists")) {
		set_state(reg, REG_TAKEN);
		if (!reg->told) {
			char *line = registration_holders_line("/proc", getuid(), getpid(),
				reg->subject_name);
			pn_warn("%s", line);
			free(line);
		}
	} else {
		set_state(reg, REG_FAILED);
		if (!reg->told)
			pn_warn("cannot register for %s: %s; retrying", reg->subject_name,
				error->message);
	}
	reg->told = true;
	g_error_free(error);
	schedule_retry(reg);
}

static void on_retry(void *data)
{
	struct registration *reg = data;
	if (!reg->handle)
		try_register(reg);
}

/*
 * polkitd left or came back. Runs from the loop, after polkit's own
 * handler of the same change (which re-registers quietly, unchecked): we
 * start over with a registration whose result we know.
 */
static void on_recheck(void *data)
{
	struct registration *reg = data;
	char *owner = polkit_authority_get_owner(reg->authority);
	if (reg->handle && owner && reg->registered_owner &&
		strcmp(owner, reg->registered_owner) == 0) {
		g_free(owner);
		return;
	}
	if (reg->handle) {
		polkit_agent_listener_unregister(reg->handle);
		reg->handle = NULL;
		/* Their cookies belong to the polkitd that is gone. */
		agent_cancel_all(reg->agent, "polkitd went away");
	}
	g_free(reg->registered_owner);
	reg->registered_owner = NULL;
	pn_timer_disarm(reg->retry);
	reg->backoff_ms = 0;
	if (!owner) {
		pn_warn("polkitd left the system bus; registering again when it returns");
		set_state(reg, REG_NO_POLKITD);
		reg->told = true;
		return;
	}
	pn_info("polkitd (%s) is on the system bus: registering", owner);
	g_free(owner);
	try_register(reg);
}

static void on_owner_changed(GObject *object, GParamSpec *pspec, gpointer data)
{
	struct registration *reg = data;
	pn_timer_arm(reg->recheck, 0);
}

static PolkitSubject *make_subject(pid_t pid, uint64_t start_time, char *err, size_t errlen)
{
	GError *error = NULL;
	PolkitSubject *subject;
	if (pid == 0) {
		subject = polkit_unix_session_new_for_process_sync(getpid(), NULL, &error);
		if (!subject) {
			snprintf(err, errlen,
				"this process is not in a logind session (%s); use --process PID to serve one process",
				error->message);
			g_error_free(error);
		}
		return subject;
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	if (access(path, F_OK) < 0) {
		snprintf(err, errlen, "--process %d: no such process", (int)pid);
		return NULL;
	}
	return polkit_unix_process_new_for_owner((gint)pid, start_time, -1);
}

struct registration *registration_start(struct agent *agent, pid_t pid, uint64_t start_time,
	char *err, size_t errlen)
{
	PolkitSubject *subject = make_subject(pid, start_time, err, errlen);
	if (!subject)
		return NULL;
	GError *error = NULL;
	PolkitAuthority *authority = polkit_authority_get_sync(NULL, &error);
	if (!authority) {
		snprintf(err, errlen, "cannot reach polkit on the system bus: %s", error->message);
		g_error_free(error);
		g_object_unref(subject);
		return NULL;
	}
	struct registration *reg = pn_xcalloc(1, sizeof(*reg));
	reg->agent = agent;
	reg->subject = subject;
	gchar *name = polkit_subject_to_string(subject);
	reg->subject_name = pn_xstrdup(name);
	g_free(name);
	reg->authority = authority;
	reg->state = REG_STARTING;
	reg->retry = pn_loop_add_timer(agent->loop, on_retry, reg);
	reg->recheck = pn_loop_add_timer(agent->loop, on_recheck, reg);
	reg->owner_handler = g_signal_connect(authority, "notify::owner",
		G_CALLBACK(on_owner_changed), reg);
	try_register(reg);
	return reg;
}

void registration_stop(struct registration *reg)
{
	if (!reg)
		return;
	if (reg->handle)
		polkit_agent_listener_unregister(reg->handle);
	g_signal_handler_disconnect(reg->authority, reg->owner_handler);
	g_object_unref(reg->authority);
	g_object_unref(reg->subject);
	pn_timer_remove(reg->retry);
	pn_timer_remove(reg->recheck);
	g_free(reg->registered_owner);
	free(reg->subject_name);
	free(reg);
}
