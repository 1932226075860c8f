/* doctor: panther-polkit-agent, other agents in this session, polkit's helper, the polkit-1 PAM
 * stack. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "doctor.h"
#include "panther/bus-names.h"
#include "panther/proc.h"
#include "panther/util.h"

#define DMS_FIX                                                                     \
	"start DMS with DMS_DISABLE_POLKIT=1 (the dms unit's Environment=, or its " \
	"\"env\" in session.services)"

/* A Quickshell of this user without DMS_DISABLE_POLKIT=1: DMS's agent takes the session. */
static bool find_dms_agent(struct doctor *d, const char *pid, const char *comm, void *data)
{
	const char *agent = pn_proc_polkit_agent(comm);
	char value[16];
	if (!agent || (strcmp(agent, "qs") != 0 && strcmp(agent, "quickshell") != 0) ||
		(doctor_process_env(d, pid, "DMS_DISABLE_POLKIT", value, sizeof(value)) == 1 &&
			strcmp(value, "1") == 0))
		return true;
	snprintf(data, 16, "%s", pid);
	return false;
}

static void probe_agent(struct doctor *d)
{
	DBusConnection *bus = doctor_session_bus(d);
	char state[64] = "";
	DBusError err;
	dbus_error_init(&err);
	if (!bus) {
		doctor_say(d, DOCTOR_FAIL, NULL, "no session bus");
	} else if (!doctor_get_string(d, bus, PN_AGENT1_NAME, PN_AGENT1_PATH, PN_AGENT1_IFACE,
			   "State", state, sizeof(state), &err)) {
		doctor_say(d, DOCTOR_FAIL, NULL, "panther-polkit-agent: %s",
			doctor_bus_error(&err));
	} else if (strcmp(state, "registered") == 0) {
		doctor_say(d, DOCTOR_OK, NULL, "panther-polkit-agent is registered with polkit");
	} else if (strcmp(state, "held-by-another-agent") == 0) {
		char shell[16] = "";
		doctor_each_process(d, find_dms_agent, shell);
		if (shell[0])
			doctor_say(d, DOCTOR_FAIL, DMS_FIX,
				"panther-polkit-agent is not registered: DMS's own polkit agent "
				"(Quickshell, pid %s) holds the session",
				shell);
		else
			doctor_say(d, DOCTOR_FAIL,
				"stop the other agent (see polkit.other-agents below)",
				"panther-polkit-agent is not registered: another agent holds the "
				"session");
	} else {
		doctor_say(d, DOCTOR_FAIL, "read why: journalctl --user -u panther-polkit-agent",
			"panther-polkit-agent is not registered: %s", state);
	}
	dbus_error_free(&err);
}

struct agents_seen {
	int count;
};

static bool look_at_process(struct doctor *d, const char *pid, const char *comm, void *data)
{
	struct agents_seen *seen = data;
	const char *agent = pn_proc_polkit_agent(comm);
	if (!agent || strcmp(agent, "panther-polkit-agent") == 0)
		return true;
	seen->count++;
	if (strcmp(agent, "qs") != 0 && strcmp(agent, "quickshell") != 0) {
		doctor_say(d, DOCTOR_FAIL,
			"stop it and keep it from starting with the session (its autostart entry or user unit; niri-flake: systemctl --user disable --now niri-flake-polkit.service)",
			"%s (pid %s) is another polkit agent of this user", agent, pid);
		return true;
	}
	/* Quickshell is DMS's shell; it registers an agent unless told not to. */
	char value[16];
	int r = doctor_process_env(d, pid, "DMS_DISABLE_POLKIT", value, sizeof(value));
	if (r < 0)
		doctor_say(d, DOCTOR_WARN, DMS_FIX,
			"Quickshell (pid %s): cannot read its environment to see DMS_DISABLE_POLKIT",
			pid);
	else if (r == 0 || strcmp(value, "1") != 0)
		doctor_say(d, DOCTOR_FAIL, DMS_FIX,
			"DMS's Quickshell (pid %s) runs without DMS_DISABLE_POLKIT=1: its own polkit agent competes for the session",
			pid);
	else
		doctor_say(d, DOCTOR_OK, NULL, "DMS's Quickshell (pid %s) has DMS_DISABLE_POLKIT=1",
			pid);
	return true;
}

static void probe_other_agents(struct doctor *d)
{
	struct agents_seen seen = {0};
	char state[32];
	unsigned restarts;
	if (d->systemd_present &&
		doctor_unit_state(d, doctor_session_bus(d), "niri-flake-polkit.service", state,
			sizeof(state), &restarts) == 1 &&
		strcmp(state, "active") == 0) {
		seen.count++;
		doctor_say(d, DOCTOR_FAIL,
			"systemctl --user disable --now niri-flake-polkit.service (the panther NixOS module turns it off)",
			"niri-flake-polkit.service (polkit-kde) is active");
	}
	doctor_each_process(d, look_at_process, &seen);
	if (seen.count == 0)
		doctor_say(d, DOCTOR_OK, NULL, "no other polkit agent runs as this user");
}

/* Whether a PAM file (or one it includes, one level deep) uses pam_fprintd. */
static bool pam_has_fprintd(struct doctor *d, const char *service, int depth)
{
	char path[PATH_MAX], *text;
	size_t len;
	snprintf(path, sizeof(path), "%s/pam.d/%s", d->etc, service);
	if (pn_read_file(path, DOCTOR_FILE_MAX, &text, &len) < 0)
		return false;
	bool found = false;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line && !found;
		line = strtok_r(NULL, "\n", &save)) {
		line += strspn(line, " \t");
		if (line[0] == '#')
			continue;
		char type[32], control[64], module[128];
		found = strstr(line, "pam_fprintd") ||
			(depth > 0 && sscanf(line, "@include %127s", module) == 1 &&
				pam_has_fprintd(d, module, depth - 1)) ||
			(depth > 0 && sscanf(line, "%31s %63s %127s", type, control, module) == 3 &&
				(strcmp(control, "include") == 0 ||
					strcmp(control, "substack") == 0) &&
				pam_has_fprintd(d, module, depth - 1));
	}
	free(text);
	return found;
}

static void probe_pam(struct doctor *d)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/pam.d/polkit-1", d->etc);
	/* PAM falls back to "other" when the service has no file. */
	const char *service = access(path, F_OK) == 0 ? "polkit-1" : "other";
	if (pam_has_fprintd(d, service, 2))
		doctor_say(d, DOCTOR_OK, NULL, "PAM %s has pam_fprintd: a finger confirms the card",
			service);
	else
		doctor_say(d, DOCTOR_OK, NULL,
			"PAM %s has no pam_fprintd: the card takes the password", service);
}

/*
 * polkit's PAM helper (polkit-agent-helper-1) checks the password the agent
 * passes on. Up to polkit 126 libpolkit-agent-1 runs it as the agent's child
 * and it must be setuid root; from 127 it first connects to
 * /run/polkit/agent-helper.socket, where systemd starts one helper per
 * connection (polkit-agent-helper.socket, SocketMode=0666), and falls back to
 * running the helper, which then refuses to work unless setuid.
 */
#define HELPER_SOCKET "/run/polkit/agent-helper.socket"
#define HELPER_SOCKET_FIX                                                                \
	"start polkit's socket unit: systemctl enable --now polkit-agent-helper.socket " \
	"(NixOS: keep security.polkit.enable, do not override the unit)"

static const char *const helper_paths[] = {
	"/run/wrappers/bin/polkit-agent-helper-1", /* NixOS's setuid wrapper */
	"/usr/lib/polkit-1/polkit-agent-helper-1",
	"/usr/libexec/polkit-agent-helper-1",
	"/usr/lib/policykit-1/polkit-agent-helper-1",
	NULL,
};

/* Whether uid may write (connect to) a file of this mode, judged by its bits as for any user. */
static bool may_write(const struct stat *st, uid_t uid)
{
	if (st->st_uid == uid)
		return st->st_mode & S_IWUSR;
	gid_t groups[256];
	int n = getgroups(PN_ARRAY_LEN(groups), groups);
	bool in_group = getegid() == st->st_gid;
	for (int i = 0; i < n && !in_group; i++)
		in_group = groups[i] == st->st_gid;
	return in_group ? (st->st_mode & S_IWGRP) : (st->st_mode & S_IWOTH);
}

static void probe_helper(struct doctor *d)
{
	char path[PATH_MAX];
	struct stat st;
	snprintf(path, sizeof(path), "%s%s", d->root, HELPER_SOCKET);
	if (stat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
		if (may_write(&st, d->uid))
			doctor_say(d, DOCTOR_OK, NULL,
				"polkit starts its helper from %s (polkit 127+), and this user may "
				"connect to it",
				HELPER_SOCKET);
		else
			doctor_say(d, DOCTOR_FAIL,
				"give the socket mode 0666 as polkit's unit does (SocketMode=0666 in "
				"polkit-agent-helper.socket; remove any override)",
				"polkit's helper socket %s is mode %04o, owner %u: this user cannot "
				"connect, so no password can be checked",
				HELPER_SOCKET, (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid);
		return;
	}
	for (const char *const *h = helper_paths; *h; h++) {
		snprintf(path, sizeof(path), "%s%s", d->root, *h);
		if (stat(path, &st) < 0)
			continue;
		if (st.st_uid == 0 && (st.st_mode & S_ISUID))
			doctor_say(d, DOCTOR_OK, NULL,
				"polkit's helper %s is setuid root (polkit 126 or older)", *h);
		else
			doctor_say(d, DOCTOR_FAIL, HELPER_SOCKET_FIX,
				"polkit's helper %s is not setuid root and %s does not exist: "
				"polkit 127+ starts the helper from that socket, so no password can "
				"be checked",
				*h, HELPER_SOCKET);
		return;
	}
	doctor_say(d, DOCTOR_WARN, HELPER_SOCKET_FIX,
		"neither %s nor a polkit-agent-helper-1 was found: is polkit installed?",
		HELPER_SOCKET);
}

const struct doctor_check doctor_polkit_checks[] = {
	{"polkit.agent", probe_agent,
		"systemctl --user start panther-polkit-agent.service (or add it to session.services)"},
	{"polkit.other-agents", probe_other_agents, NULL},
	{"polkit.helper", probe_helper, NULL},
	{"polkit.pam", probe_pam, NULL},
	{NULL},
};
