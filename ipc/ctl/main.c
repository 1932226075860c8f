#include <dbus/dbus.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctl.h"
#include "panther/util.h"

static const char usage[] =
	"Usage: pantherctl [--json] [--config FILE] COMMAND ...\n"
	"\n"
	"  power get | list | status       show the power profile\n"
	"  power set PROFILE | cycle | auto\n"
	"                                  choose a profile, or go back to the policy\n"
	"  session status | restart NAME | stop\n"
	"                                  the services of panther-session\n"
	"  polkit status                   the polkit agent, its pending requests, 1Password\n"
	"  polkit forget                   end 1Password's authorization of panther (op signout)\n"
	"  check-config [FILE]             check config.json and say what is wrong\n"
	"  doctor [--try-1password]        check the session, polkit, 1Password, power, DMS\n"
	"  version                         print the version\n"
	"\n"
	"Options:\n"
	"  --json          machine-readable output for the reading commands\n"
	"  --config FILE   use FILE instead of ~/.config/panther/config.json\n"
	"  -h, --help      show this help\n"
	"\n"
	"Exit status: 0 ok, 1 the operation failed, 2 usage error.\n";

void ctl_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("pantherctl: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

const char *ctl_bus_error(const DBusError *err)
{
	if (dbus_error_has_name(err, DBUS_ERROR_NO_REPLY) ||
		dbus_error_has_name(err, DBUS_ERROR_TIMEOUT))
		return "no answer (it is busy or stuck)";
	if (dbus_error_has_name(err, DBUS_ERROR_DISCONNECTED))
		return "the bus connection was lost";
	return err->message;
}

DBusConnection *ctl_session_bus(const char *who)
{
	DBusError err;
	dbus_error_init(&err);
	DBusConnection *conn = dbus_bus_get_private(DBUS_BUS_SESSION, &err);
	if (!conn) {
		ctl_error("%s: cannot reach the session bus: %s", who, err.message);
		dbus_error_free(&err);
		return NULL;
	}
	dbus_connection_set_exit_on_disconnect(conn, FALSE);
	return conn;
}

void ctl_session_bus_close(DBusConnection *conn)
{
	dbus_connection_close(conn);
	dbus_connection_unref(conn);
}

bool ctl_have_session_bus(void)
{
	if (getenv("DBUS_SESSION_BUS_ADDRESS"))
		return true;
	const char *runtime = getenv("XDG_RUNTIME_DIR");
	char path[4096];
	struct stat st;
	if (!runtime || snprintf(path, sizeof(path), "%s/bus", runtime) >= (int)sizeof(path))
		return false;
	return stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

static const struct {
	const char *name;
	int (*fn)(struct ctl *ctl, int argc, char **argv);
} commands[] = {
	{"power", ctl_power},
	{"session", ctl_session},
	{"polkit", ctl_polkit},
	{"check-config", ctl_check_config},
	{"doctor", ctl_doctor},
};

static int run(int argc, char **argv, char **words)
{
	struct ctl ctl = {0};
	/* Global options are taken out wherever they stand; the rest keep their order. */
	int n = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--json") == 0) {
			ctl.json = true;
		} else if (strcmp(a, "--config") == 0) {
			if (i + 1 >= argc) {
				ctl_error("--config needs a FILE");
				return CTL_USAGE;
			}
			ctl.config_path = argv[++i];
		} else if (strncmp(a, "--config=", 9) == 0) {
			ctl.config_path = a + 9;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0 ||
			strcmp(a, "help") == 0) {
			fputs(usage, stdout);
			return CTL_OK;
		} else if (strcmp(a, "--version") == 0) {
			words[n++] = "version";
		} else {
			words[n++] = argv[i];
		}
	}
	words[n] = NULL;

	if (n == 0) {
		fputs(usage, stderr);
		return CTL_USAGE;
	}
	if (strcmp(words[0], "version") == 0) {
		if (n > 1) {
			ctl_error("version takes no arguments");
			return CTL_USAGE;
		}
		printf("pantherctl %s\n", PANTHER_VERSION);
		return CTL_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(words[0], commands[i].name) == 0)
			return commands[i].fn(&ctl, n, words);
	}
	ctl_error("unknown command \"%s\" (see pantherctl --help)", words[0]);
	return CTL_USAGE;
}

int main(int argc, char **argv)
{
	char **words = pn_xcalloc((size_t)argc + 1, sizeof(*words));
	int status = run(argc, argv, words);
	free(words);
	return status;
}
