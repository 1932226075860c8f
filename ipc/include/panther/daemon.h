#ifndef PANTHER_DAEMON_H
#define PANTHER_DAEMON_H

/*
 * What every panther daemon does the same way at start: options shared by
 * all (--config, --verbose, --help, --version), logging, the config file
 * (exit 78 on a bad one), and re-reading it on SIGHUP (a bad new file is
 * logged and the old config kept).
 */

#include <stdbool.h>
#include <stddef.h>

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
 * Loads path (NULL: the default) into cfg. On error prints the one-line
 * message and returns PN_EX_CONFIG; 0 otherwise.
 */
int pn_daemon_load_config(struct pn_config *cfg, const char *path);
/* Same, and check must pass too. */
int pn_daemon_load_config_checked(struct pn_config *cfg, const char *path,
	pn_config_check_fn check);

/*
 * On SIGHUP, re-reads path into a new config; when valid it replaces *cfg
 * and fn runs (old is freed after fn returns); when not, one error line is
 * logged and *cfg stays.
 */
struct pn_config_watch *pn_daemon_watch_config(struct pn_loop *loop,
	struct pn_config *cfg, const char *path, pn_config_applied_fn fn, void *data);
/* Runs check on every reload too (NULL: none). */
void pn_config_watch_set_check(struct pn_config_watch *watch, pn_config_check_fn check);
void pn_config_watch_remove(struct pn_config_watch *watch);

/*
 * Sends "READY=1" (or another state string) to $NOTIFY_SOCKET when set
 * (a path, or "@name" for an abstract socket). 0 when sent or not asked.
 */
int pn_notify_ready(const char *state);

#endif
