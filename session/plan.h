#ifndef PANTHER_SESSION_PLAN_H
#define PANTHER_SESSION_PLAN_H

/*
 * What the supervisor decides, without doing it: the start order, how long
 * to wait before a restart, when restarts stop, and what a reloaded config
 * changes. No I/O here.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "panther/config.h"

#define PLAN_BACKOFF_FIRST_MS 500
#define PLAN_BACKOFF_MAX_MS 30000
/* A run at least this long counts as healthy: the backoff starts over. */
#define PLAN_STABLE_MS 30000
#define PLAN_CRASH_LOOP_EXITS 5
#define PLAN_CRASH_LOOP_WINDOW_MS 60000

/*
 * Fills order (n entries) with service indexes so that every service comes
 * after those in its "after" list; services that do not depend on each
 * other keep file order. -ELOOP for a cycle, -ENOENT for an unknown name.
 */
int plan_start_order(const struct pn_service_config *services, size_t n, size_t *order);

/* Delay before restart number failures + 1: 0.5 s, 1 s, 2 s, ... 30 s. */
uint64_t plan_backoff_ms(unsigned failures);

/* Whether an exit with this waitpid() status is restarted under policy. */
bool plan_should_restart(enum pn_restart policy, int wstatus);

/* The last exits of one service, to tell a crash loop. */
struct plan_exits {
	uint64_t at_ms[PLAN_CRASH_LOOP_EXITS];
	size_t n;
};

/* Records an exit at now_ms; true when it completes a crash loop. */
bool plan_exits_add(struct plan_exits *exits, uint64_t now_ms);
void plan_exits_clear(struct plan_exits *exits);

enum plan_change {
	PLAN_SAME, /* nothing to do */
	PLAN_UPDATED, /* restart policy or order changed: applies without a restart */
	PLAN_CHANGED, /* argv, env or readiness changed: restart */
};

enum plan_change plan_compare(const struct pn_service_config *old,
	const struct pn_service_config *new);

/* Copies a service's config (aborts on allocation failure). */
void plan_service_copy(struct pn_service_config *dst, const struct pn_service_config *src);
void plan_service_free(struct pn_service_config *service);

#endif
