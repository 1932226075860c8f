#ifndef PANTHER_POLKIT_AGENT_REQUEST_H
#define PANTHER_POLKIT_AGENT_REQUEST_H

/*
 * One authentication request (BeginAuthentication) from start to its one
 * finish: pick the identity, show the card at once and, when 1Password may
 * answer for that identity, queue one `op` run that fills the card. PAM
 * starts only when the person confirms (Enter) or types; then up to three
 * attempts. Cancel from polkitd or the user at any point. Every PAM attempt
 * is a PolkitAgentSession.
 */

#include <polkitagent/polkitagent.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "panther/config.h"
#include "panther/loop.h"
#include "panther/secret.h"

#include "prompt.h"

struct agent;
struct op_job;

#define REQUEST_MAX_ATTEMPTS 3

enum request_state {
	REQ_CHECKING_OP, /* PAM checks 1Password's answer */
	REQ_WAITING, /* waiting for its turn at the prompt */
	REQ_PROMPTING, /* the prompt asks the user */
	REQ_CHECKING, /* PAM checks the typed answer */
	REQ_DONE,
};

/* What the next password question of PAM gets. */
enum request_send {
	SEND_NONE, /* ask the person */
	SEND_TYPED, /* what was typed on the card before PAM started */
	SEND_ONEPASSWORD, /* 1Password's answer, confirmed by the person */
};

struct request {
	struct agent *agent;
	struct request *next;
	uint32_t id;
	enum request_state state;

	char *action_id;
	char *message; /* sanitized */
	char *program; /* sanitized, may be NULL */
	/* 1Password's own requests: who asks (op-askers.h), sanitized; else NULL. */
	char *purpose;
	bool ours; /* the purpose says "panther": the agent's own op waits alone */
	char *cookie; /* never logged */
	char **users; /* unix-user identities offered, by name */
	uid_t *uids;
	size_t n_users;
	size_t user; /* the one in use */

	GTask *task;
	GCancellable *cancellable;
	gulong cancel_handler;
	bool cancel_requested;
	struct pn_timer *deferred; /* polkitd's cancel, and freeing after finish */

	PolkitAgentSession *session;
	enum request_send send;
	/*
	 * Not NONE while the card is shown before PAM starts, for 1Password to
	 * fill; NONE once a PAM attempt began (1Password is used at most once).
	 */
	enum prompt_fill fill;
	struct op_job *op;
	struct pn_secret *op_answer; /* 1Password's answer, until confirmed */
	struct pn_secret *answer; /* what the prompt returned */

	bool wants_prompt;
	bool has_prompt;
	struct prompt *asked; /* the prompter with our open question */
	char *question; /* PAM's prompt */
	bool echo;
	char *error; /* for the next question */
	char *info;
	unsigned failures;
	bool finished;
};

struct request_params {
	const char *action_id;
	const char *message;
	PolkitDetails *details;
	const char *cookie;
	GList *identities;
	GCancellable *cancellable;
	GTask *task; /* taken over */
};

/* The 1Password reference configured for user, or NULL. */
const char *request_op_reference(const struct pn_polkit_config *cfg, const char *user);

/* Starts it; the request finishes the task exactly once. */
struct request *request_start(struct agent *agent, const struct request_params *params);
/* Finishes it as cancelled (no effect once finished). */
void request_cancel(struct request *req, const char *why);
/* Its turn at the prompt has come (after agent_acquire_prompt said no). */
void request_prompt_granted(struct request *req);
/* The card is taken for a request op waits on (1Password's own). */
void request_prompt_taken(struct request *req);
void request_free(struct request *req);

/* 1Password's `op` runs for req and has not answered yet. */
bool request_waits_on_onepassword(const struct request *req);
/* req is one of 1Password's own actions (com.1password.*). */
bool request_for_onepassword(const struct request *req);

const char *request_state_name(enum request_state state);
/* What `pantherctl polkit status` shows for it. */
const char *request_status(const struct request *req);
/* The name of the identity in use. */
const char *request_user(const struct request *req);

/* Index of the identity to use: ours, else root, else the first. */
size_t request_pick_user(const uid_t *uids, size_t n, uid_t self);

#endif
