#include "panther/proc.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

/* Executables of polkit agents, as /proc/PID/exe ends. */
static const char *const known_agents[] = {
	"polkit-kde-authentication-agent-1",
	"polkit-gnome-authentication-agent-1",
	"polkit-mate-authentication-agent-1",
	"polkit-efl-authentication-agent-1",
	"lxpolkit",
	"lxqt-policykit-agent",
	"xfce-polkit",
	"hyprpolkitagent",
	"soteria",
	"pkttyagent",
	"quickshell",
	"qs",
	"gnome-shell",
	"panther-polkit-agent",
	NULL,
};

const char *pn_proc_polkit_agent(const char *comm)
{
	for (size_t i = 0; known_agents[i]; i++) {
		if (strncmp(comm, known_agents[i], 15) == 0 &&
			strlen(comm) == strnlen(known_agents[i], 15))
			return known_agents[i];
	}
	return NULL;
}

bool pn_proc_read(const char *proc_root, const char *pid, uid_t *uid, char *comm, size_t comm_len)
{
	char path[PATH_MAX], line[256];
	snprintf(path, sizeof(path), "%s/%s/status", proc_root, pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	bool found = false;
	while (fgets(line, sizeof(line), f)) {
		unsigned long real;
		if (sscanf(line, "Uid: %lu", &real) == 1) {
			*uid = (uid_t)real;
			found = true;
			break;
		}
	}
	fclose(f);
	snprintf(path, sizeof(path), "%s/%s/comm", proc_root, pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (!fgets(comm, (int)comm_len, f))
		found = false;
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';
	return found;
}
