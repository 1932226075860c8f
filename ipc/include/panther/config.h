#ifndef PANTHER_CONFIG_H
#define PANTHER_CONFIG_H

/*
 * config.json (DESIGN.md 3): one document, one section per daemon. The
 * whole document is checked whoever loads it, so that pantherctl
 * check-config and every daemon agree on what is valid. Errors are one line:
 *   PATH: power.on_battery: unknown profile "turbo" (expected one of ...)
 */

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#define PN_EX_CONFIG 78
/* Larger files are refused. */
#define PN_CONFIG_MAX_SIZE (1024 * 1024)

enum pn_profile {
	PN_PROFILE_NONE = -1,
	PN_PROFILE_POWER_SAVER = 0,
	PN_PROFILE_BALANCED,
	PN_PROFILE_PERFORMANCE,
	PN_PROFILE_COUNT,
};

/* "none" for PN_PROFILE_NONE or an out-of-range value. */
const char *pn_profile_name(enum pn_profile profile);
/* PN_PROFILE_NONE for an unknown name. */
enum pn_profile pn_profile_from_name(const char *name);

enum pn_host { PN_HOST_NONE, PN_HOST_ZEPHYRUS, PN_HOST_YOGA };

enum pn_manual {
	PN_MANUAL_UNTIL_POWER_CHANGE,
	PN_MANUAL_UNTIL_AUTO,
	PN_MANUAL_NEVER,
};

struct pn_app_rule {
	char *app_id; /* the pattern as written */
	regex_t re; /* POSIX extended, REG_NOSUB */
	enum pn_profile profile;
};

struct pn_power_config {
	enum pn_host host;
	enum pn_profile on_ac;
	enum pn_profile on_battery;
	int low_battery_percent; /* 0: off */
	enum pn_profile low_battery_profile;
	int idle_after_s; /* 0: off */
	enum pn_profile idle_profile;
	enum pn_profile cycle[PN_PROFILE_COUNT];
	size_t cycle_len; /* 0: every profile the backend offers, in order */
	enum pn_manual manual;
	bool notify;
	struct pn_app_rule *app_rules;
	size_t n_app_rules;
};

struct pn_op_reference {
	char *user;
	char *reference; /* op://vault/item/field */
};

enum pn_prompt_type { PN_PROMPT_WAYLAND, PN_PROMPT_COMMAND };
#define PN_PROMPT_TYPES 2 /* how many there are */

/* How op signs in (DESIGN.md 5.4). */
enum pn_op_mode { PN_OP_APP, PN_OP_SERVICE_ACCOUNT };

/* What polkit.onepassword.token_file may start with instead of a "/". */
#define PN_CREDENTIALS_PREFIX "$CREDENTIALS_DIRECTORY/"

struct pn_polkit_config {
	bool op_enable;
	char *op_path; /* absolute */
	struct pn_op_reference *references;
	size_t n_references;
	int op_timeout_s;
	char **skip_actions; /* fnmatch patterns, NULL-terminated */
	/* Renew 1Password's authorization of the agent's session while the app is unlocked. */
	bool op_keep_authorized;
	enum pn_op_mode op_mode;
	char *op_token_file; /* as written; NULL in app mode */
	char *op_token_path; /* resolved; NULL when $CREDENTIALS_DIRECTORY is not set */
	char *op_account; /* --account; NULL: none */
	/* fnmatch patterns, NULL-terminated, or NULL for none: */
	char **fingerprint_first; /* pam_fprintd decides, 1Password does not fill */
	char **always_type; /* the password is typed, 1Password does not fill */
	enum pn_prompt_type prompt_type;
	char **prompt_argv; /* NULL-terminated; for PN_PROMPT_COMMAND */
};

enum pn_session_mode { PN_SESSION_AUTO, PN_SESSION_SYSTEMD, PN_SESSION_DIRECT };
enum pn_restart { PN_RESTART_ON_FAILURE, PN_RESTART_ALWAYS, PN_RESTART_NEVER };

struct pn_service_config {
	char *name;
	char **argv; /* NULL-terminated, argv[0] non-empty */
	enum pn_restart restart;
	char **after; /* NULL-terminated names of other services */
	char **env; /* NULL-terminated "KEY=VALUE" */
	char *ready_dbus_name; /* NULL: ready when started */
};

struct pn_session_config {
	enum pn_session_mode mode;
	char **import_env; /* NULL-terminated */
	char *target;
	int niri_timeout_s;
	struct pn_service_config *services; /* in file order */
	size_t n_services;
};

struct pn_config {
	struct pn_power_config power;
	struct pn_polkit_config polkit;
	struct pn_session_config session;
};

/*
 * Fills cfg with the defaults (no file); allocates nothing. pn_config_parse()
 * and pn_config_load() overwrite cfg without freeing it: give them a config
 * that is uninitialised, initialised or finished.
 */
void pn_config_init(struct pn_config *cfg);
/* Frees what a parse allocated and leaves the defaults; safe to repeat. */
void pn_config_finish(struct pn_config *cfg);

/*
 * Parses a whole document. name prefixes error messages. Returns 0, or
 * -EINVAL with one line in err ("NAME: JSON.PATH: what is wrong"). On error
 * cfg is left as pn_config_init() made it.
 */
int pn_config_parse(struct pn_config *cfg, const char *name, const char *text, size_t len,
	char *err, size_t errlen);

/*
 * Loads path (NULL: the default path). A missing file gives the defaults
 * and returns 0 (with *missing set when missing is not NULL). Unreadable,
 * too large, not a regular file, bad JSON or a bad value: a negative errno
 * and one line in err.
 */
int pn_config_load(struct pn_config *cfg, const char *path, bool *missing, char *err,
	size_t errlen);

/*
 * What only the polkit agent checks, beyond the document, at start and on
 * SIGHUP (and pantherctl check-config): in service-account mode the token
 * file must open as a regular file (symlinks followed) owned by this user
 * or root, with no permissions for group or others. 0 when fine or in app
 * mode; -ENXIO when token_file uses $CREDENTIALS_DIRECTORY and that is not
 * set here; another negative errno otherwise. err gets one line in either
 * error case ("NAME: polkit.onepassword.token_file: ...").
 */
int pn_config_check_token_file(const struct pn_config *cfg, const char *name, char *err,
	size_t errlen);

/* $XDG_CONFIG_HOME/panther/config.json, else ~/.config/panther/config.json. */
int pn_config_default_path(char *buf, size_t len);

#endif
