#ifndef POWER_IDLE_H
#define POWER_IDLE_H

/*
 * Idle from the compositor (ext-idle-notify-v1 on $WAYLAND_DISPLAY): told
 * when the seat has had no input for the timeout, and when input resumes.
 * Without a display or the protocol, says so once and reports nothing.
 */

#include <stdbool.h>

#include "panther/loop.h"

struct idle;

struct idle_listener {
	void (*changed)(void *data, bool idle);
};

/* timeout_s 0: off (no connection). */
struct idle *idle_create(struct pn_loop *loop, int timeout_s, const struct idle_listener *listener,
	void *data);
void idle_destroy(struct idle *idle);
/* A new timeout (0: off). Reports "not idle" first if it was idle. */
void idle_set_timeout(struct idle *idle, int timeout_s);

#endif
