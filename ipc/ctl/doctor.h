#ifndef PANTHERCTL_DOCTOR_H
#define PANTHERCTL_DOCTOR_H

/*
 * pantherctl doctor: a table of checks. Each entry names a check and its
 * probe; the probe looks (never changes anything) and says one or more
 * lines with a verdict, and for warn/fail what to do. The checks live in
 * doctor-checks-*.c, one file per area; doctor.c runs the table, gives the
 * probes bounded D-Bus, /proc and file reading, and prints the report.
 */

#include <dbus/dbus.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ctl.h"
#include "panther/config.h"

struct json_object;

/* Every call to a peer gives up after this; a peer that timed out once is not asked again. */
#define DOCTOR_CALL_MS 1000

enum doctor_verdict { DOCTOR_OK, DOCTOR_WARN, DOCTOR_FAIL };

struct doctor;

struct doctor_check {
	const char *name; /* "area.what", stable: part of the --json output */
	void (*probe)(struct doctor *d);
	const char *fix; /* what to do on warn/fail, unless the probe says better */
};

/* The tables, one per area, each ending with a {NULL} entry. */
extern const struct doctor_check doctor_session_checks[];
extern const struct doctor_check doctor_polkit_checks[];
extern const struct doctor_check doctor_onepassword_checks[];
extern const struct doctor_check doctor_power_checks[];
extern const struct doctor_check doctor_dms_checks[];

struct doctor_peer {
	char name[128];
};

struct doctor {
	struct ctl *ctl;
	bool try_onepassword;
	const struct doctor_check *current;
	struct json_object *results; /* array of {name, verdict, detail, fix} */
	int counts[3];

	/* The config in use (defaults when it is missing or bad). */
	char config_path[4096];
	bool config_missing, config_bad;
	char config_error[1024];
	struct pn_config config;

	DBusConnection *session_bus, *system_bus;
	bool session_tried, system_tried;
	struct doctor_peer silent[16]; /* peers that did not answer in time */
	size_t n_silent;

	/* What one probe learns for later ones. */
	bool systemd_present; /* a user manager on the session bus */
	char ppd_name[64]; /* the ppd bus name that answered, "" for none */
	char ppd_path[64];
	bool asusd_present;

	uid_t uid;
	const char *proc_root; /* "/proc" */
	const char *etc; /* "/etc" */
	const char *root; /* "": prefix of /run and /usr paths (polkit's helper) */
};

/*
 * One line of the current check's report. fix NULL: the table's fix (only
 * shown for warn and fail). Control characters in the text are replaced.
 */
void doctor_say(struct doctor *d, enum doctor_verdict v, const char *fix, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* ---- reading, each bounded ---- */

/* NULL when there is no such bus (said by the probe). */
DBusConnection *doctor_session_bus(struct doctor *d);
DBusConnection *doctor_system_bus(struct doctor *d);

/*
 * A method call to name (msg consumed), no auto-start, at most
 * DOCTOR_CALL_MS; NULL with err set. A peer that timed out before is not
 * asked again (err says it did not answer).
 */
DBusMessage *doctor_call(struct doctor *d, DBusConnection *bus, DBusMessage *msg, DBusError *err);
/* doctor_call of a method that takes one string. */
DBusMessage *doctor_call_string(struct doctor *d, DBusConnection *bus, const char *dest,
	const char *path, const char *iface, const char *method, const char *arg, DBusError *err);
/* Whether name has an owner on bus (false also when the bus does not answer). */
bool doctor_has_owner(struct doctor *d, DBusConnection *bus, const char *name);
/*
 * Properties.Get: the reply (unref it) with *value inside the variant, or
 * NULL with err set.
 */
DBusMessage *doctor_get_property(struct doctor *d, DBusConnection *bus, const char *name,
	const char *path, const char *iface, const char *prop, DBusMessageIter *value,
	DBusError *err);
/* A string property into buf ("" on failure); false with err set on failure. */
bool doctor_get_string(struct doctor *d, DBusConnection *bus, const char *name, const char *path,
	const char *iface, const char *prop, char *buf, size_t len, DBusError *err);
/* err's text for a line: short for timeouts and missing names. */
const char *doctor_bus_error(const DBusError *err);

/*
 * Connects to a unix socket (a path, or "@name" for an abstract one), sends
 * request_len bytes and reads one line into buf (without its newline), all
 * within DOCTOR_CALL_MS: 0, -ETIMEDOUT or -errno.
 */
int doctor_unix_request(const char *socket_path, const char *request, size_t request_len, char *buf,
	size_t len);

/* CLOCK_MONOTONIC in milliseconds, for the deadlines of sockets and children. */
int64_t doctor_now_ms(void);

/*
 * The ActiveState of a unit of the user manager, and NRestarts for services
 * (else 0): 1, or 0 when it is not loaded, -1 when that cannot be read.
 */
int doctor_unit_state(struct doctor *d, DBusConnection *bus, const char *unit, char *state,
	size_t len, unsigned *restarts);

/* The most the doctor reads of a file it checks (pn_read_file() refuses more). */
#define DOCTOR_FILE_MAX (1024 * 1024)

/* Calls fn for each process of our uid under proc_root but ourselves; fn returns false to stop. */
void doctor_each_process(struct doctor *d,
	bool (*fn)(struct doctor *d, const char *pid, const char *comm, void *data), void *data);
/*
 * Looks NAME up in /proc/PID/environ: 1 set (value copied), 0 not set,
 * -errno when the environment cannot be read (another user, not dumpable).
 */
int doctor_process_env(struct doctor *d, const char *pid, const char *name, char *value,
	size_t len);

#endif
