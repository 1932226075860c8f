#ifndef PANTHER_POLKIT_AGENT_OP_QUEUE_H
#define PANTHER_POLKIT_AGENT_OP_QUEUE_H

/*
 * `op` runs one at a time (DESIGN.md 5.4): requests that want 1Password's
 * answer queue here in arrival order and each gets its run when the one
 * before it has ended (answered, failed, timed out or been cancelled).
 */

#include <stdbool.h>
#include <stddef.h>

#include "onepassword.h"

struct children;
struct op_queue;
struct op_job;

struct op_job_spec {
	/* Read when the job's op starts: a reload in between applies to it. */
	const struct pn_polkit_config *cfg;
	const char *reference;
	const char *verb; /* NULL: read */
};

/*
 * changed runs whenever a job starts or leaves the queue (for status
 * readers). op runs in session (NULL: without a terminal).
 */
struct op_queue *op_queue_new(struct children *children, struct op_session *session,
	void (*changed)(void *data), void *data);
/* The pid of the op that runs now, 0 when none does. */
int op_queue_running_pid(const struct op_queue *queue);
/* Cancels every job; their fn is not called. */
void op_queue_free(struct op_queue *queue);

/*
 * Queues a run; fn is called exactly once unless the job is cancelled first,
 * never from inside this call. NULL with one line in err when op cannot be
 * started at all right now (the queue was empty and the start failed).
 */
struct op_job *op_queue_submit(struct op_queue *queue, const struct op_job_spec *spec,
	op_done_fn fn, void *data, char *err, size_t errlen);
/* Kills its op, or takes it out of the queue; fn is not called. NULL is fine. */
void op_queue_cancel(struct op_job *job);
/* true once its op has been started (it is the one running). */
bool op_job_running(const struct op_job *job);
/* How many jobs wait before this one (0 for the running one). */
size_t op_job_position(const struct op_job *job);

#endif
