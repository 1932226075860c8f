#include "op-renew.h"

#include <stdlib.h>

#include "agent.h"
#include "op-queue.h"
#include "op-session.h"
#include "panther/log.h"
#include "panther/util.h"

/* Renewed this long before 10 minutes without use run out. */
#define MARGIN_MINUTES 1

struct op_renew {
	struct agent *agent;
	struct pn_timer *timer;
	struct op_job *job; /* the running `op whoami` */
};

static bool wanted(const struct agent *agent)
{
	const struct pn_polkit_config *cfg = &agent->cfg->polkit;
	return cfg->op_enable && cfg->op_keep_authorized && cfg->op_mode == PN_OP_APP &&
		agent->op_session && op_session_until(agent->op_session);
}

static void on_renewed(void *data, struct pn_secret *answer, const char *why)
{
	struct op_renew *renew = data;
	renew->job = NULL;
	pn_secret_free(answer);
	if (why) {
		op_session_ended(renew->agent->op_session, why);
		return;
	}
	pn_debug("renewed 1Password's authorization of panther's terminal session");
	op_renew_update(renew);
}

static void on_timer(void *data)
{
	struct op_renew *renew = data;
	struct agent *agent = renew->agent;
	if (!wanted(agent) || renew->job)
		return;
	uint64_t minute = op_session_minute_ms();
	/* A request's op renews it too; try again once it is done. */
	if (op_queue_running_pid(agent->op_queue)) {
		pn_timer_arm(renew->timer, minute / 4);
		return;
	}
	char err[512];
	struct op_job_spec spec = {.cfg = &agent->cfg->polkit, .verb = "whoami"};
	renew->job = op_queue_submit(agent->op_queue, &spec, on_renewed, renew, err, sizeof(err));
	if (!renew->job)
		op_session_ended(agent->op_session, err);
}

struct op_renew *op_renew_new(struct agent *agent)
{
	struct op_renew *renew = pn_xcalloc(1, sizeof(*renew));
	renew->agent = agent;
	renew->timer = pn_loop_add_timer(agent->loop, on_timer, renew);
	return renew;
}

void op_renew_free(struct op_renew *renew)
{
	if (!renew)
		return;
	op_queue_cancel(renew->job);
	pn_timer_remove(renew->timer);
	free(renew);
}

void op_renew_update(struct op_renew *renew)
{
	if (!renew)
		return;
	struct agent *agent = renew->agent;
	if (!wanted(agent) || renew->job) {
		if (!renew->job)
			pn_timer_disarm(renew->timer);
		return;
	}
	uint64_t minute = op_session_minute_ms();
	uint64_t now = pn_now_ms();
	uint64_t until = op_session_until(agent->op_session);
	/* The 12 hours end first: no call can extend them. */
	if (until >= op_session_hard_end(agent->op_session)) {
		pn_timer_disarm(renew->timer);
		return;
	}
	uint64_t at = until - MARGIN_MINUTES * minute;
	pn_timer_arm(renew->timer, at > now ? at - now : 0);
}

bool op_renew_asked(struct op_renew *renew)
{
	if (!renew || !renew->job || !op_job_running(renew->job))
		return false;
	op_queue_cancel(renew->job);
	renew->job = NULL;
	op_session_ended(renew->agent->op_session,
		"1Password asked again when panther renewed it (locked, or ended by the app)");
	return true;
}
