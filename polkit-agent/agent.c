#include "agent.h"

#include "prompt.h"
#include "request.h"
#include "agent1.h"
#include "panther/log.h"

void agent_add_request(struct agent *agent, struct request *req)
{
	struct request **p = &agent->requests;
	while (*p)
		p = &(*p)->next;
	req->next = NULL;
	*p = req;
	agent_status_changed(agent);
}

void agent_remove_request(struct agent *agent, struct request *req)
{
	for (struct request **p = &agent->requests; *p; p = &(*p)->next) {
		if (*p == req) {
			*p = req->next;
			break;
		}
	}
	if (agent->prompt_owner == req)
		agent->prompt_owner = NULL;
	agent_status_changed(agent);
}

void agent_cancel_all(struct agent *agent, const char *why)
{
	/* Nobody gets the prompt handed over only to be cancelled next. */
	agent->cancelling = true;
	for (struct request *req = agent->requests; req; req = req->next)
		request_cancel(req, why);
	agent->cancelling = false;
}

void agent_free_requests(struct agent *agent)
{
	while (agent->requests) {
		struct request *req = agent->requests;
		agent->requests = req->next;
		request_free(req);
	}
	agent->prompt_owner = NULL;
}

static void end_prompts(struct agent *agent, uint32_t id)
{
	for (size_t i = 0; i < sizeof(agent->prompts) / sizeof(agent->prompts[0]); i++)
		prompt_end(agent->prompts[i], id);
}

bool agent_acquire_prompt(struct agent *agent, struct request *req)
{
	struct request *owner = agent->prompt_owner;
	if (owner && request_waits_on_onepassword(owner) && request_for_onepassword(req)) {
		request_prompt_taken(owner);
		end_prompts(agent, owner->id);
		agent->prompt_owner = NULL;
	}
	if (!agent->prompt_owner) {
		agent->prompt_owner = req;
		return true;
	}
	req->wants_prompt = true;
	return false;
}

/*
 * The next among those waiting, in arrival order; but while an op runs, one
 * of 1Password's own requests first: that op may be waiting for it.
 */
static struct request *next_owner(struct agent *agent)
{
	bool op_waits = false;
	for (struct request *r = agent->requests; r; r = r->next)
		op_waits = op_waits || request_waits_on_onepassword(r);
	for (int pass = op_waits ? 0 : 1; pass < 2; pass++) {
		for (struct request *r = agent->requests; r; r = r->next) {
			if (r->wants_prompt && !r->finished &&
				(pass == 1 || request_for_onepassword(r)))
				return r;
		}
	}
	return NULL;
}

void agent_release_prompt(struct agent *agent, struct request *req)
{
	req->wants_prompt = false;
	if (agent->prompt_owner != req)
		return;
	agent->prompt_owner = NULL;
	end_prompts(agent, req->id);
	if (agent->cancelling)
		return;
	struct request *next = next_owner(agent);
	if (next) {
		agent->prompt_owner = next;
		request_prompt_granted(next);
	}
}

struct prompt *agent_prompt(struct agent *agent)
{
	enum pn_prompt_type type = agent->cfg->polkit.prompt_type;
	if (agent->prompts[type] || agent->prompt_failed[type])
		return agent->prompts[type];
	struct prompt_context ctx = {.children = agent->children, .cfg = agent->cfg};
	char err[256];
	agent->prompts[type] = prompt_new(type, &ctx, err, sizeof(err));
	if (!agent->prompts[type]) {
		pn_err("cannot make the prompt: %s", err);
		agent->prompt_failed[type] = true;
	}
	return agent->prompts[type];
}

void agent_status_changed(struct agent *agent)
{
	if (agent->agent1)
		agent1_changed(agent->agent1);
}
