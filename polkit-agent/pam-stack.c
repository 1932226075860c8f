#include "pam-stack.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

/*
 * Reads PAM service files the way libpam looks for them (pam_handlers.c:
 * /etc/pam.d/SERVICE, then the vendor directory; a missing service falls
 * back to "other") just far enough to see whether pam_fprintd can be asked.
 */

#define MAX_DEPTH 8

static const char *const system_dirs[] = {"/etc/pam.d", "/usr/lib/pam.d", NULL};

static FILE *open_service(const char *const *dirs, const char *name)
{
	char path[PATH_MAX];
	for (size_t i = 0; dirs[i]; i++) {
		/* An include names a file: absolute, or in the same directories. */
		if (name[0] == '/')
			snprintf(path, sizeof(path), "%s", name);
		else
			snprintf(path, sizeof(path), "%s/%s", dirs[i], name);
		FILE *f = fopen(path, "re");
		if (f || name[0] == '/')
			return f;
	}
	return NULL;
}

/* The module's file name without directory: "pam_fprintd.so". */
static bool is_fprintd(const char *module)
{
	const char *base = strrchr(module, '/');
	base = base ? base + 1 : module;
	return strncmp(base, "pam_fprintd", 11) == 0;
}

static bool service_has_fingerprint(const char *const *dirs, const char *name, int depth)
{
	if (depth > MAX_DEPTH)
		return false;
	FILE *f = open_service(dirs, name);
	if (!f)
		return false;
	bool found = false;
	char line[1024];
	while (!found && fgets(line, sizeof(line), f)) {
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char *save = NULL;
		char *type = strtok_r(line, " \t\r\n", &save);
		if (!type)
			continue;
		if (strcmp(type, "@include") == 0) {
			char *file = strtok_r(NULL, " \t\r\n", &save);
			found = file && service_has_fingerprint(dirs, file, depth + 1);
			continue;
		}
		/* "-auth" is an auth line whose module may be missing. */
		if (strcmp(type[0] == '-' ? type + 1 : type, "auth") != 0)
			continue;
		char *control = strtok_r(NULL, " \t\r\n", &save);
		if (!control)
			continue;
		if (control[0] == '[') {
			/* [value=action ...] may hold spaces: skip to the closing bracket. */
			while (control && !strchr(control, ']'))
				control = strtok_r(NULL, " \t\r\n", &save);
			if (!control)
				continue;
		}
		char *module = strtok_r(NULL, " \t\r\n", &save);
		if (!module)
			continue;
		if (strcmp(control, "include") == 0 || strcmp(control, "substack") == 0)
			found = service_has_fingerprint(dirs, module, depth + 1);
		else
			found = is_fprintd(module);
	}
	fclose(f);
	return found;
}

bool pam_stack_has_fingerprint_in(const char *const *dirs)
{
	FILE *f = open_service(dirs, "polkit-1");
	if (f) {
		fclose(f);
		return service_has_fingerprint(dirs, "polkit-1", 0);
	}
	return service_has_fingerprint(dirs, "other", 0);
}

bool pam_stack_has_fingerprint(void)
{
	return pam_stack_has_fingerprint_in(system_dirs);
}
