#include "op-queue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "panther/log.h"
#include "panther/util.h"

struct op_job {
	struct op_queue *queue;
	struct op_job *next;
	const struct pn_polkit_config *cfg;
	char *reference;
	const char *verb;
	struct op_run *run; /* set while it runs */
	op_done_fn fn;
	void *data;
};

struct op_queue {
	struct children *children;
	struct op_session *session;
	struct op_job *jobs; /* the running one first, then the waiting ones */
	void (*changed)(void *data);
	void *changed_data;
};

static void job_free(struct op_job *job)
{
	free(job->reference);
	free(job);
}

static void unlink_job(struct op_job *job)
{
	for (struct op_job **p = &job->queue->jobs; *p; p = &(*p)->next) {
		if (*p == job) {
			*p = job->next;
			return;
		}
	}
}

static void on_run_done(void *data, struct pn_secret *answer, const char *why);

static struct op_run *start_run(struct op_job *job, char *err, size_t errlen)
{
	struct op_run_spec spec = {.cfg = job->cfg,
		.reference = job->reference,
		.verb = job->verb,
		.session = job->queue->session};
	return op_run_start(job->queue->children, &spec, on_run_done, job, err, errlen);
}

/* Starts the first job when none runs; a start that fails ends that job. */
static void advance(struct op_queue *queue)
{
	while (queue->jobs && !queue->jobs->run) {
		struct op_job *job = queue->jobs;
		char err[512];
		job->run = start_run(job, err, sizeof(err));
		queue->changed(queue->changed_data);
		if (job->run)
			return;
		pn_warn("%s", err);
		queue->jobs = job->next;
		op_done_fn fn = job->fn;
		void *fn_data = job->data;
		job_free(job);
		fn(fn_data, NULL, err);
	}
}

static void on_run_done(void *data, struct pn_secret *answer, const char *why)
{
	struct op_job *job = data;
	struct op_queue *queue = job->queue;
	unlink_job(job);
	op_done_fn fn = job->fn;
	void *fn_data = job->data;
	job_free(job);
	fn(fn_data, answer, why);
	advance(queue);
	queue->changed(queue->changed_data);
}

struct op_queue *op_queue_new(struct children *children, struct op_session *session,
	void (*changed)(void *data), void *data)
{
	struct op_queue *queue = pn_xcalloc(1, sizeof(*queue));
	queue->children = children;
	queue->session = session;
	queue->changed = changed;
	queue->changed_data = data;
	return queue;
}

void op_queue_free(struct op_queue *queue)
{
	if (!queue)
		return;
	while (queue->jobs) {
		struct op_job *job = queue->jobs;
		queue->jobs = job->next;
		op_run_cancel(job->run);
		job_free(job);
	}
	free(queue);
}

struct op_job *op_queue_submit(struct op_queue *queue, const struct op_job_spec *spec,
	op_done_fn fn, void *data, char *err, size_t errlen)
{
	struct op_job *job = pn_xcalloc(1, sizeof(*job));
	job->queue = queue;
	job->cfg = spec->cfg;
	job->reference = pn_xstrdup(spec->reference ? spec->reference : "");
	job->verb = spec->verb;
	job->fn = fn;
	job->data = data;
	struct op_job **p = &queue->jobs;
	while (*p)
		p = &(*p)->next;
	*p = job;
	if (job == queue->jobs) {
		job->run = start_run(job, err, errlen);
		if (!job->run) {
			queue->jobs = NULL;
			job_free(job);
			return NULL;
		}
	} else {
		pn_debug("op is busy: %zu before this one", op_job_position(job));
	}
	queue->changed(queue->changed_data);
	return job;
}

void op_queue_cancel(struct op_job *job)
{
	if (!job)
		return;
	struct op_queue *queue = job->queue;
	bool was_running = job->run != NULL;
	unlink_job(job);
	op_run_cancel(job->run);
	job_free(job);
	if (was_running)
		advance(queue);
	queue->changed(queue->changed_data);
}

int op_queue_running_pid(const struct op_queue *queue)
{
	return queue->jobs ? op_run_pid(queue->jobs->run) : 0;
}

bool op_job_running(const struct op_job *job)
{
	return job && job->run;
}

size_t op_job_position(const struct op_job *job)
{
	size_t n = 0;
	for (const struct op_job *j = job->queue->jobs; j && j != job; j = j->next)
		n++;
	return n;
}
