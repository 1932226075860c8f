#include "prompt.h"

#include <errno.h>
#include <stdio.h>

struct prompt *prompt_new(enum pn_prompt_type type, const struct prompt_context *ctx, char *err,
	size_t errlen)
{
	switch (type) {
	case PN_PROMPT_COMMAND:
		return prompt_command_new(ctx);
	case PN_PROMPT_WAYLAND:
		return prompt_wayland_new(ctx);
	}
	snprintf(err, errlen, "unknown prompt type %d", (int)type);
	return NULL;
}

int prompt_ask(struct prompt *prompt, const struct prompt_info *info, struct pn_secret *answer,
	prompt_done_fn done, void *data, char *err, size_t errlen)
{
	prompt->done = done;
	prompt->done_data = data;
	int r = prompt->impl->ask(prompt, info, answer, err, errlen);
	if (r < 0)
		prompt->done = NULL;
	return r;
}

void prompt_message(struct prompt *prompt, const char *text, bool error)
{
	if (prompt->impl->message)
		prompt->impl->message(prompt, text, error);
}

void prompt_dismiss(struct prompt *prompt)
{
	prompt->done = NULL;
	prompt->impl->dismiss(prompt);
}

void prompt_fill(struct prompt *prompt, const struct prompt_info *info)
{
	prompt->impl->fill(prompt, info);
}

void prompt_end(struct prompt *prompt, uint32_t id)
{
	if (prompt && prompt->impl->end)
		prompt->impl->end(prompt, id);
}

void prompt_destroy(struct prompt *prompt)
{
	if (prompt)
		prompt->impl->destroy(prompt);
}

void prompt_finish(struct prompt *prompt, enum prompt_result result, size_t user)
{
	prompt_done_fn done = prompt->done;
	prompt->done = NULL;
	if (done)
		done(prompt->done_data, result, user);
}
