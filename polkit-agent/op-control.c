#include "op-control.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "agent.h"
#include "op-queue.h"
#include "op-session.h"
#include "request.h"
#include "panther/log.h"
#include "panther/util.h"

struct op_call {
	struct agent *agent;
	op_control_fn fn;
	void *data;
	const char *verb; /* NULL: read (twice) */
	char *reference;
	int round;
	uint32_t asks_before;
	bool asked[2];
};

const char *op_control_state(const struct agent *agent)
{
	const struct pn_polkit_config *cfg = &agent->cfg->polkit;
	if (!cfg->op_enable)
		return "off";
	if (cfg->op_mode == PN_OP_SERVICE_ACCOUNT)
		return "service-account";
	if (!agent->op_session)
		return "no-terminal";
	return op_session_until(agent->op_session) ? "authorized" : "not-authorized";
}

static void call_free(struct op_call *call)
{
	free(call->reference);
	free(call);
}

static int submit(struct op_call *call, char *err, size_t errlen);

static void on_done(void *data, struct pn_secret *answer, const char *why)
{
	struct op_call *call = data;
	struct agent *agent = call->agent;
	/* The password itself is not what the check is about. */
	pn_secret_free(answer);
	if (!call->verb)
		call->asked[call->round] = agent->op_asks != call->asks_before;
	if (call->verb && !why)
		op_session_ended(agent->op_session, "op signout");
	char err[512] = "";
	if (!why && !call->verb && ++call->round < 2 && submit(call, err, sizeof(err)) == 0)
		return;
	agent_status_changed(agent);
	call->fn(call->data, why ? why : err[0] ? err : NULL, call->asked);
	call_free(call);
}

static int submit(struct op_call *call, char *err, size_t errlen)
{
	struct agent *agent = call->agent;
	call->asks_before = agent->op_asks;
	struct op_job_spec spec = {.cfg = &agent->cfg->polkit,
		.reference = call->reference,
		.verb = call->verb};
	return op_queue_submit(agent->op_queue, &spec, on_done, call, err, errlen) ? 0 : -1;
}

static int start(struct agent *agent, const char *verb, op_control_fn fn, void *data, char *err,
	size_t errlen)
{
	const struct pn_polkit_config *cfg = &agent->cfg->polkit;
	if (!cfg->op_enable) {
		snprintf(err, errlen, "1Password is turned off (polkit.onepassword.enable)");
		return -1;
	}
	struct op_call *call = pn_xcalloc(1, sizeof(*call));
	*call = (struct op_call){.agent = agent, .fn = fn, .data = data, .verb = verb};
	if (!verb) {
		struct passwd *pw = getpwuid(getuid());
		const char *reference = pw ? request_op_reference(cfg, pw->pw_name) : NULL;
		if (!reference) {
			snprintf(err, errlen, "no 1Password reference for %s in the configuration",
				pw ? pw->pw_name : "this user");
			free(call);
			return -1;
		}
		call->reference = pn_xstrdup(reference);
	}
	if (submit(call, err, errlen) < 0) {
		call_free(call);
		return -1;
	}
	return 0;
}

int op_control_forget(struct agent *agent, op_control_fn fn, void *data, char *err, size_t errlen)
{
	return start(agent, "signout", fn, data, err, errlen);
}

int op_control_try(struct agent *agent, op_control_fn fn, void *data, char *err, size_t errlen)
{
	return start(agent, NULL, fn, data, err, errlen);
}
