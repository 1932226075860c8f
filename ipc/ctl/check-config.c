#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "panther/config.h"

int ctl_check_config(struct ctl *ctl, int argc, char **argv)
{
	const char *path = ctl->config_path;
	if (argc > 2) {
		ctl_error("check-config takes at most one FILE");
		return CTL_USAGE;
	}
	if (argc == 2) {
		if (argv[1][0] == '-' && argv[1][1]) {
			ctl_error("check-config: unknown option \"%s\"", argv[1]);
			return CTL_USAGE;
		}
		if (path && strcmp(path, argv[1]) != 0) {
			ctl_error("check-config: give FILE or --config FILE, not both");
			return CTL_USAGE;
		}
		path = argv[1];
	}

	char default_path[PATH_MAX];
	if (!path) {
		if (pn_config_default_path(default_path, sizeof(default_path)) < 0) {
			ctl_error(
				"check-config: cannot find the config directory (set XDG_CONFIG_HOME or HOME, or give FILE)");
			return CTL_FAILED;
		}
		path = default_path;
	}

	struct pn_config cfg;
	bool missing;
	char err[1024];
	if (pn_config_load(&cfg, path, &missing, err, sizeof(err)) < 0) {
		/* The line already names the file: print it as the daemons log it. */
		fprintf(stderr, "%s\n", err);
		return CTL_FAILED;
	}
	/* The token file as the agent will see it; a credential only exists in its unit. */
	int r = pn_config_check_token_file(&cfg, path, err, sizeof(err));
	pn_config_finish(&cfg);
	if (r < 0 && r != -ENXIO) {
		fprintf(stderr, "%s\n", err);
		return CTL_FAILED;
	}
	if (r == -ENXIO)
		printf("%s: polkit.onepassword.token_file: not checked here ($CREDENTIALS_DIRECTORY is not set); the agent checks it when it starts\n",
			path);
	if (missing)
		printf("%s: no config file, defaults apply\n", path);
	else
		printf("%s: ok\n", path);
	return CTL_OK;
}
