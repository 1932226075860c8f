#ifndef PANTHER_DAEMON_H
#define PANTHER_DAEMON_H

/*
 * What every panther daemon does the same way: its command line (--config,
 * --verbose, --help, --version and the daemon's own options), logging, the
 * config file (exit 78 on a bad one), re-reading it on SIGHUP (a bad new file
 * is logged and the old config kept), stopping on SIGTERM and SIGINT, and
 * telling the service manager it is ready. A daemon's main.c fills one
 * struct pn_daemon_info and keeps only what is its own:
 *
 *	struct pn_daemon daemon;
 *	int status = pn_daemon_init(&daemon, &info, &state, &state.cfg, argc, argv);
 *	if (status >= 0)
 *		return status;
 *	... start, pn_loop_run(daemon.loop), stop ...
 *	pn_daemon_finish(&daemon);
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "panther/config.h"
#include "panther/loop.h"

/* Called after a good reload; cfg is the new config, old the one it replaced. */
typedef void (*pn_config_applied_fn)(void *data, const struct pn_config *cfg,
	const struct pn_config *old);

/*
 * A check beyond the document (a file it names), run after each good load,
 * at start and on SIGHUP; path names the config file. 0, or a negative
 * errno with one line in err; a failed check counts as a bad config.
 */
typedef int (*pn_config_check_fn)(const struct pn_config *cfg, const char *path, char *err,
	size_t errlen);

struct pn_config_watch;

/*
 * Loads path (NULL: the default) into cfg; check (NULL: none) must pass
 * too. On error prints the one-line message and returns PN_EX_CONFIG; 0
 * otherwise.
 */
int pn_daemon_load_config(struct pn_config *cfg, const char *path, pn_config_check_fn check);

/*
 * On SIGHUP, re-reads path into a new config; when valid (and check, when
 * not NULL, passes) it replaces *cfg and fn runs (old is freed after fn
 * returns); when not, one error line is logged and *cfg stays.
 */
struct pn_config_watch *pn_config_watch_add(struct pn_loop *loop, struct pn_config *cfg,
	const char *path, pn_config_check_fn check, pn_config_applied_fn fn, void *data);
void pn_config_watch_remove(struct pn_config_watch *watch);

/*
 * Sends "READY=1" (or another state string) to $NOTIFY_SOCKET when set
 * (a path, or "@name" for an abstract socket). 0 when sent or not asked.
 */
int pn_notify_ready(const char *state);

/* An option of one daemon, besides those every daemon has. */
struct pn_daemon_option {
	const char *name; /* the long name: "process" for --process */
	char short_name; /* 0: none */
	const char *value; /* how the usage names its value; NULL: it takes none */
	const char *help;
	/* value is NULL for an option without one. 0, or 2 after printing why not. */
	int (*parse)(void *data, const char *value);
};

/* What tells one daemon from another; data below is pn_daemon_init's. */
struct pn_daemon_info {
	const char *name; /* "panther-session": the log prefix, --version, the usage */
	const char *summary; /* the usage's paragraph on what the daemon does */
	const struct pn_daemon_option *options; /* ends with {0}; NULL: none */
	/* SIGTERM and SIGINT; NULL: log "stopping on ..." and leave the loop with 0. */
	void (*stop)(void *data, int signo);
	/* After a good reload on SIGHUP; NULL: nothing to do. */
	pn_config_applied_fn config_applied;
	/* Run after each good load, at start and on SIGHUP; NULL: none. */
	pn_config_check_fn config_check;
};

struct pn_daemon {
	struct pn_loop *loop;
	const char *config_path; /* --config; NULL: the default path */
	bool verbose;

	const struct pn_daemon_info *info;
	void *data;
	struct pn_config *cfg;
	struct pn_config_watch *config_watch;
};

/*
 * Parses argv, sets up logging, loads the config into cfg (which the caller
 * owns, and which SIGHUP replaces), creates the loop and handles SIGTERM,
 * SIGINT and SIGHUP on it. Returns -1 to go on, or the status to exit with at
 * once: 0 after --help or --version, 2 on a usage error, PN_EX_CONFIG on a bad
 * config, 1 when the loop cannot be made (or info has over 16 options).
 * Nothing is left to free then.
 */
int pn_daemon_init(struct pn_daemon *daemon, const struct pn_daemon_info *info, void *data,
	struct pn_config *cfg, int argc, char **argv);

/* Frees what pn_daemon_init made, the config included; after the daemon's own teardown. */
void pn_daemon_finish(struct pn_daemon *daemon);

/* The usage text of info, as --help prints it. */
void pn_daemon_usage(const struct pn_daemon_info *info, FILE *out);

#endif
