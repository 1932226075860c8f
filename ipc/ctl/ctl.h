#ifndef PANTHERCTL_CTL_H
#define PANTHERCTL_CTL_H

/*
 * pantherctl: a thin client. Each subcommand parses its own words, makes
 * its call, prints the answer and returns the exit status:
 * 0 ok, 1 the operation failed, 2 usage error.
 */

#include <stdbool.h>

#define CTL_OK 0
#define CTL_FAILED 1
#define CTL_USAGE 2

struct ctl {
	bool json; /* --json anywhere on the line */
	const char *config_path; /* --config FILE, or NULL */
};

/* argv[0] is the subcommand's own name ("power", "session", ...). */
int ctl_power(struct ctl *ctl, int argc, char **argv);
int ctl_session(struct ctl *ctl, int argc, char **argv);
int ctl_polkit(struct ctl *ctl, int argc, char **argv);
int ctl_check_config(struct ctl *ctl, int argc, char **argv);
int ctl_doctor(struct ctl *ctl, int argc, char **argv);

/* Prints "pantherctl: " and the message to stderr. */
void ctl_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Whether a session bus can be found without libdbus's X11 autolaunch,
 * which would start a bus of its own: the address, or $XDG_RUNTIME_DIR/bus.
 */
bool ctl_have_session_bus(void);

struct DBusError;
struct DBusConnection;
/*
 * A private connection to the session bus, or NULL after one line naming
 * who wanted it ("polkit", "session"). Close it with ctl_session_bus_close.
 */
struct DBusConnection *ctl_session_bus(const char *who);
void ctl_session_bus_close(struct DBusConnection *conn);
/*
 * A failed call's text for ctl_error: err's message, or a short line where
 * libdbus has a paragraph (no reply within the timeout, a lost connection).
 */
const char *ctl_bus_error(const struct DBusError *err);

#endif
