#ifndef PANTHER_POLKIT_AGENT_AGENT_H
#define PANTHER_POLKIT_AGENT_AGENT_H

/*
 * The agent's state: the config, the requests in arrival order, who holds
 * the prompt, and the parts that talk to the outside (polkitd registration,
 * the prompters, the agent1 D-Bus object).
 */

#include <stdbool.h>
#include <stdint.h>

#include "panther/config.h"
#include "panther/loop.h"

struct children;
struct op_queue;
struct op_renew;
struct op_session;
struct prompt;
struct registration;
struct request;
struct agent1;

struct agent {
	struct pn_loop *loop;
	struct pn_config *cfg; /* replaced in place on SIGHUP */
	struct children *children;
	struct op_queue *op_queue; /* `op` runs one at a time */
	struct op_session *op_session; /* op's terminal session; NULL: none */
	struct op_renew *op_renew; /* polkit.onepassword.keep_authorized */
	/* 1Password's own requests that arrived while an op of the agent ran. */
	uint32_t op_asks;
	struct registration *reg;
	struct agent1 *agent1;
	void *listener; /* PolkitAgentListener */
	/*
	 * One per prompt type (polkit.prompt.type, which a SIGHUP may change),
	 * made on first use; a request keeps the one it began with.
	 */
	struct prompt *prompts[PN_PROMPT_TYPES];
	bool prompt_failed[PN_PROMPT_TYPES];
	struct request *requests; /* arrival order; finished ones until freed */
	struct request *prompt_owner;
	uint32_t next_id;
	bool cancelling;
};

void agent_add_request(struct agent *agent, struct request *req);
/* Unlinks req (the caller frees it). */
void agent_remove_request(struct agent *agent, struct request *req);
/* Finishes every pending request as cancelled. */
void agent_cancel_all(struct agent *agent, const char *why);
/* Frees every request, finished or not (at exit, after agent_cancel_all). */
void agent_free_requests(struct agent *agent);

/*
 * The prompt shows one request at a time, in arrival order, except that one
 * of 1Password's own requests takes it from a request whose `op` is waiting
 * (op waits for it). true when req has it now; otherwise
 * request_prompt_granted() runs when its turn comes.
 */
bool agent_acquire_prompt(struct agent *agent, struct request *req);
/* Gives the prompt up (or leaves the queue) and hands it to the next one. */
void agent_release_prompt(struct agent *agent, struct request *req);
/* The prompter of the configured type, or NULL when it cannot be made. */
struct prompt *agent_prompt(struct agent *agent);

/* Something a status reader shows has changed. */
void agent_status_changed(struct agent *agent);

#endif
