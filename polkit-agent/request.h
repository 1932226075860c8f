#ifndef PANTHER_POLKIT_AGENT_REQUEST_H
#define PANTHER_POLKIT_AGENT_REQUEST_H

/*
 * One authentication request (BeginAuthentication) from start to its one
 * finish: pick the identity, try 1Password once when allowed, then the
 * prompt with up to three attempts; cancel from polkitd or the user at any
 * point. Every PAM attempt is a PolkitAgentSession.
 */

#include <polkitagent/polkitagent.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "panther/loop.h"
#include "panther/secret.h"

struct agent;
struct op_run;
struct prompt;

#define REQUEST_MAX_ATTEMPTS 3

enum request_state {
	REQ_ONEPASSWORD,  /* waiting for op */
	REQ_CHECKING_OP,  /* PAM checks 1Password's answer */
	REQ_WAITING,      /* waiting for its turn at the prompt */
	REQ_PROMPTING,    /* the prompt asks the user */
	REQ_CHECKING,     /* PAM checks the typed answer */
	REQ_DONE,
};

struct request {
	struct agent *agent;
	struct request *next;
	uint32_t id;
	enum request_state state;

	char *action_id;
	char *message;  /* sanitized */
	char *program;  /* sanitized, may be NULL */
	char *cookie;   /* never logged */
	char **users;   /* unix-user identities offered, by name */
	uid_t *uids;
	size_t n_users;
	size_t user;    /* the one in use */

	GTask *task;
	GCancellable *cancellable;
	gulong cancel_handler;
	bool cancel_requested;
	struct pn_timer *deferred; /* polkitd's cancel, and freeing after finish */

	PolkitAgentSession *session;
	bool automatic;            /* this session answers with 1Password's password */
	struct op_run *op;
	struct pn_secret *op_answer;
	struct pn_secret *answer;  /* what the prompt returned */

	bool wants_prompt;
	bool has_prompt;
	struct prompt *asked; /* the prompter with our open question */
	char *question;  /* PAM's prompt */
	bool echo;
	char *error;     /* for the next question */
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

/* Starts it; the request finishes the task exactly once. */
struct request *request_start(struct agent *agent, const struct request_params *params);
/* Finishes it as cancelled (no effect once finished). */
void request_cancel(struct request *req, const char *why);
/* Its turn at the prompt has come (after agent_acquire_prompt said no). */
void request_prompt_granted(struct request *req);
void request_free(struct request *req);

const char *request_state_name(enum request_state state);
/* The name of the identity in use. */
const char *request_user(const struct request *req);

/* Index of the identity to use: ours, else root, else the first. */
size_t request_pick_user(const uid_t *uids, size_t n, uid_t self);

#endif
