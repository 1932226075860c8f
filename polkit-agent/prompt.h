#ifndef PANTHER_POLKIT_AGENT_PROMPT_H
#define PANTHER_POLKIT_AGENT_PROMPT_H

/*
 * A prompter shows one request and asks for PAM's answer. The agent asks
 * one thing at a time: ask, then exactly one done() call, unless dismissed
 * first. While a question is open, message() may pass PAM's texts ("Place
 * your finger on the reader"). Prompters live in this process (the
 * implementation drives itself from the loop) or run programs (`command`).
 *
 * Nothing here carries a secret except answer, which the prompter fills.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "panther/config.h"
#include "panther/secret.h"
#include "prompt-protocol.h"

struct children;
struct prompt;

/* What the prompt shows. All text is sanitized already (untrusted input). */
struct prompt_info {
	uint32_t id; /* the request, as in `pantherctl polkit status` */
	const char *message; /* polkit's message for the action */
	const char *action_id;
	const char *program; /* the requesting program, or NULL */
	char *const *users; /* identities that may answer */
	size_t user; /* index of the one asked for */
	const char *question; /* PAM's prompt, e.g. "Password: " */
	bool echo; /* the answer is not secret (PAM echo-on) */
	const char *error; /* why the last attempt failed, or NULL */
	const char *info; /* PAM's information text so far, or NULL */
	enum prompt_fill fill;
	const char *purpose; /* what a 1Password action is for, in plain words, or NULL */
	const char *then; /* what follows once this one is done, or NULL */
};

enum prompt_result {
	PROMPT_ANSWERED, /* answer holds the reply */
	PROMPT_CANCELLED, /* the user said no, or the prompter failed */
	PROMPT_USER_CHANGED, /* ask again for users[user] */
	PROMPT_TOO_LONG, /* the answer did not fit (more than 510 bytes) */
	PROMPT_CONFIRMED, /* use 1Password's answer (only after PROMPT_FILL_READY) */
};

typedef void (*prompt_done_fn)(void *data, enum prompt_result result, size_t user);

struct prompt_impl {
	/* 0, or a negative errno with one line in err when it cannot ask at all. */
	int (*ask)(struct prompt *prompt, const struct prompt_info *info, struct pn_secret *answer,
		char *err, size_t errlen);
	void (*message)(struct prompt *prompt, const char *text, bool error);
	void (*dismiss)(struct prompt *prompt);
	/* The open question's fill (and error) changed; what was typed stays. */
	void (*fill)(struct prompt *prompt, const struct prompt_info *info);
	/* Optional: request id is over (answered or not); its window may close. */
	void (*end)(struct prompt *prompt, uint32_t id);
	void (*destroy)(struct prompt *prompt);
};

struct prompt {
	const struct prompt_impl *impl;
	prompt_done_fn done;
	void *done_data;
};

/* What a prompter may use. */
struct prompt_context {
	struct children *children;
	const struct pn_config *cfg; /* read at each ask: it changes on SIGHUP */
};

/* NULL with one line in err when this build has no such prompter. */
struct prompt *prompt_new(enum pn_prompt_type type, const struct prompt_context *ctx, char *err,
	size_t errlen);
struct prompt *prompt_command_new(const struct prompt_context *ctx);
struct prompt *prompt_wayland_new(const struct prompt_context *ctx);

int prompt_ask(struct prompt *prompt, const struct prompt_info *info, struct pn_secret *answer,
	prompt_done_fn done, void *data, char *err, size_t errlen);
void prompt_message(struct prompt *prompt, const char *text, bool error);
void prompt_dismiss(struct prompt *prompt);
void prompt_fill(struct prompt *prompt, const struct prompt_info *info);
void prompt_end(struct prompt *prompt, uint32_t id);
void prompt_destroy(struct prompt *prompt);
/* For implementations: report the end of the question. */
void prompt_finish(struct prompt *prompt, enum prompt_result result, size_t user);

#endif
