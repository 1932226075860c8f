#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "prompt-protocol.h"
#include "state.h"
#include "panther/log.h"
#include "panther/secret.h"
#include "panther/util.h"

/*
 * The card's side of the conversation with the agent (doc/design.md,
 * "The prompt protocol"): questions come in as "ask ID", fields, "show";
 * PAM's texts while one is shown; "close" at the end. Answers go back.
 */

#define MAX_USERS 64

void request_view_clear(struct request_view *req)
{
	free(req->message);
	free(req->action);
	free(req->program);
	free(req->question);
	free(req->error);
	free(req->info);
	free(req->onepassword);
	free(req->purpose);
	free(req->then);
	pn_strv_free(req->users);
	*req = (struct request_view){0};
}

static void set_text(char **slot, const char *value)
{
	free(*slot);
	*slot = value[0] ? pn_xstrdup(value) : NULL;
}

static void show(struct state *state)
{
	struct request_view *p = &state->pending;
	if (p->n_users == 0) {
		pn_err("the agent asked without naming a user; ignoring the question");
		return;
	}
	if (p->selected >= p->n_users)
		p->selected = 0;
	request_view_clear(&state->req);
	state->req = *p;
	*p = (struct request_view){0};
	state->phase = PHASE_ASKING;
	state->shown = false;
	keyboard_clear_input(state);
	if (!state->have_request) {
		state->have_request = true;
		/* Started idle, maybe long ago: the theme or light mode may have changed since. */
		theme_load(&state->theme);
		char err[256];
		if (wayland_show(state, err, sizeof(err)) < 0) {
			state_fail(state, err);
			return;
		}
	}
	state_redraw(state);
}

static void handle(struct state *state, const struct prompt_wire_message *msg)
{
	/* Between "ask" and "show" the next question; after it, the one on screen. */
	struct request_view *p = state->receiving ? &state->pending : &state->req;
	const char *key = msg->key, *value = msg->value;
	unsigned long n;
	if (strcmp(key, "ask") == 0) {
		p = &state->pending;
		state->receiving = true;
		request_view_clear(p);
		if (prompt_wire_parse_uint(value, UINT32_MAX, &n))
			p->id = (uint32_t)n;
		p->users = pn_xcalloc(1, sizeof(*p->users));
	} else if (strcmp(key, "message") == 0) {
		set_text(&p->message, value);
	} else if (strcmp(key, "action") == 0) {
		set_text(&p->action, value);
	} else if (strcmp(key, "program") == 0) {
		set_text(&p->program, value);
	} else if (strcmp(key, "question") == 0) {
		set_text(&p->question, value);
	} else if (strcmp(key, "error") == 0) {
		set_text(&p->error, value);
	} else if (strcmp(key, "info") == 0) {
		set_text(&p->info, value);
	} else if (strcmp(key, "onepassword") == 0) {
		set_text(&p->onepassword, value);
		if (!state->receiving)
			state_redraw(state);
	} else if (strcmp(key, "fill") == 0) {
		enum prompt_fill was = p->fill;
		if (!prompt_fill_from_name(value, &p->fill))
			pn_warn("ignoring an unknown fill \"%s\" from the agent", value);
		if (!state->receiving && p->fill == PROMPT_FILL_READY && was != PROMPT_FILL_READY)
			press_rearm(state, "the fill");
		if (!state->receiving)
			state_redraw(state);
	} else if (strcmp(key, "purpose") == 0) {
		set_text(&p->purpose, value);
	} else if (strcmp(key, "then") == 0) {
		set_text(&p->then, value);
	} else if (strcmp(key, "echo") == 0) {
		p->echo = strcmp(value, "1") == 0;
	} else if (strcmp(key, "user") == 0) {
		if (p->users && p->n_users < MAX_USERS) {
			pn_strv_push(&p->users, value);
			p->n_users++;
		}
	} else if (strcmp(key, "selected") == 0) {
		if (prompt_wire_parse_uint(value, MAX_USERS, &n))
			p->selected = n;
	} else if (strcmp(key, "show") == 0) {
		state->receiving = false;
		show(state);
	} else if (strcmp(key, "pam-info") == 0 || strcmp(key, "pam-error") == 0) {
		pn_append_line(key[4] == 'i' ? &state->req.info : &state->req.error, value);
		state_redraw(state);
	} else if (strcmp(key, "withdraw") == 0) {
		/* No question is open: wait for the next one, or "close". */
		if (state->phase == PHASE_ASKING || state->phase == PHASE_SWITCHING) {
			state->phase = PHASE_CHECKING;
			keyboard_clear_input(state);
			state_redraw(state);
		}
	} else if (strcmp(key, "close") == 0) {
		state_quit(state, 0);
	} else {
		pn_debug("ignoring \"%s\" from the agent", key);
	}
}

static void on_agent(void *data, int fd, short revents)
{
	struct state *state = data;
	char buf[PP_PACKET_MAX + 1];
	for (;;) {
		struct prompt_wire_message msg;
		int r = prompt_wire_recv(fd, buf, sizeof(buf), &msg);
		if (r == -EAGAIN)
			return;
		if (r == -EBADMSG) {
			pn_warn("ignoring a malformed line from the agent");
			continue;
		}
		if (r <= 0) {
			/* The agent is gone or closed its end: nothing left to answer. */
			if (r < 0)
				pn_warn("reading from the agent: %s", strerror(-r));
			state_quit(state, 0);
			return;
		}
		handle(state, &msg);
		if (!state->running)
			return;
	}
}

int protocol_start(struct state *state, int fd)
{
	state->agent_fd = fd;
	state->agent_source = pn_loop_add_fd(state->loop, fd, POLLIN, on_agent, state);
	return state->agent_source ? 0 : -ENOMEM;
}

void protocol_stop(struct state *state)
{
	pn_fd_remove(state->agent_source);
	state->agent_source = NULL;
	request_view_clear(&state->req);
	request_view_clear(&state->pending);
}

static void sent(struct state *state, int r)
{
	if (r < 0) {
		pn_warn("writing to the agent: %s", strerror(-r));
		state_quit(state, 0);
	}
}

void protocol_send_answer(struct state *state)
{
	sent(state, prompt_wire_send_answer(state->agent_fd, state->password));
}

void protocol_send_confirm(struct state *state)
{
	sent(state, prompt_wire_send(state->agent_fd, "confirm", NULL));
}

void protocol_send_cancel(struct state *state)
{
	sent(state, prompt_wire_send(state->agent_fd, "cancel", NULL));
}

void protocol_send_user(struct state *state, size_t user)
{
	sent(state, prompt_wire_send_uint(state->agent_fd, "user", user));
}

void protocol_send_keyboard(struct state *state, bool has_keyboard)
{
	sent(state, prompt_wire_send_uint(state->agent_fd, "keyboard", has_keyboard));
}

void protocol_send_shown(struct state *state)
{
	sent(state, prompt_wire_send(state->agent_fd, "shown", NULL));
}

void protocol_send_armed(struct state *state)
{
	sent(state, prompt_wire_send(state->agent_fd, "armed", NULL));
}
