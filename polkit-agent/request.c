#include "request.h"

#include <fnmatch.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "onepassword.h"
#include "op-askers.h"
#include "op-queue.h"
#include "op-renew.h"
#include "op-session.h"
#include "pam-stack.h"
#include "prompt.h"
#include "subject.h"
#include "panther/log.h"
#include "panther/util.h"

#define TEXT_MAX 512
/* 1Password's own actions: never filled by 1Password, their card comes first. */
#define ONEPASSWORD_ACTIONS "com.1password.*"

static void start_session(struct request *req, enum request_send send);
static void go_to_prompt(struct request *req);

const char *request_state_name(enum request_state state)
{
	switch (state) {
	case REQ_CHECKING_OP:
		return "checking-1password";
	case REQ_WAITING:
		return "waiting-for-prompt";
	case REQ_PROMPTING:
		return "prompting";
	case REQ_CHECKING:
		return "checking";
	case REQ_DONE:
		return "done";
	}
	return "unknown";
}

const char *request_status(const struct request *req)
{
	if (req->state == REQ_WAITING || req->state == REQ_PROMPTING) {
		if (req->fill == PROMPT_FILL_PENDING && req->op)
			return op_job_running(req->op) ? "1password" : "1password-queued";
		if (req->fill == PROMPT_FILL_READY && req->state == REQ_PROMPTING)
			return "filled";
	}
	return request_state_name(req->state);
}

bool request_waits_on_onepassword(const struct request *req)
{
	return !req->finished && req->fill == PROMPT_FILL_PENDING && op_job_running(req->op);
}

bool request_for_onepassword(const struct request *req)
{
	return fnmatch(ONEPASSWORD_ACTIONS, req->action_id, 0) == 0;
}

const char *request_user(const struct request *req)
{
	return req->users[req->user];
}

size_t request_pick_user(const uid_t *uids, size_t n, uid_t self)
{
	for (size_t i = 0; i < n; i++) {
		if (uids[i] == self)
			return i;
	}
	for (size_t i = 0; i < n; i++) {
		if (uids[i] == 0)
			return i;
	}
	return 0;
}

static void set_state(struct request *req, enum request_state state)
{
	if (req->state == state)
		return;
	req->state = state;
	pn_debug("request %u: %s", req->id, request_state_name(state));
	agent_status_changed(req->agent);
}

/* Replaces *slot with a sanitized copy of text (NULL clears it). */
static void set_text(char **slot, const char *text)
{
	free(*slot);
	*slot = text ? pn_sanitize_text(text, TEXT_MAX) : NULL;
}

/* Adds a line of PAM text to *slot. */
static void add_text(char **slot, const char *text)
{
	size_t len = strlen(text);
	while (len > 0 && text[len - 1] == '\n')
		len--;
	char *line = pn_xstrndup(text, len);
	char *clean = pn_sanitize_text(line, TEXT_MAX);
	free(line);
	pn_append_line(slot, clean);
	free(clean);
}

static gboolean unref_later(gpointer object)
{
	g_object_unref(object);
	return G_SOURCE_REMOVE;
}

static void end_session(struct request *req)
{
	PolkitAgentSession *session = req->session;
	if (!session)
		return;
	req->session = NULL;
	g_signal_handlers_disconnect_by_data(session, req);
	/* Stops the PAM helper if it still runs (no effect after "completed"). */
	polkit_agent_session_cancel(session);
	/*
	 * polkit's reader still uses the session after emitting a signal we
	 * may be handling: drop it from the loop, not from here.
	 */
	g_idle_add(unref_later, session);
}

static void finish(struct request *req, bool authorized, const char *why)
{
	if (req->finished)
		return;
	req->finished = true;
	op_queue_cancel(req->op);
	req->op = NULL;
	pn_secret_free(req->op_answer);
	req->op_answer = NULL;
	end_session(req);
	if (req->asked)
		prompt_dismiss(req->asked);
	req->asked = NULL;
	pn_secret_free(req->answer);
	req->answer = NULL;
	if (req->cancel_handler)
		g_cancellable_disconnect(req->cancellable, req->cancel_handler);
	req->cancel_handler = 0;

	if (authorized) {
		pn_info("request %u: %s authorized for %s", req->id, req->action_id,
			request_user(req));
		if (req->ours &&
			strcmp(req->action_id, "com.1password.1Password.authorizeCLI") == 0) {
			op_session_authorized(req->agent->op_session);
			op_renew_update(req->agent->op_renew);
		}
		g_task_return_boolean(req->task, TRUE);
	} else {
		pn_info("request %u: %s cancelled: %s", req->id, req->action_id, why);
		g_task_return_new_error(req->task, POLKIT_ERROR, POLKIT_ERROR_CANCELLED, "%s", why);
	}
	g_clear_object(&req->task);
	set_state(req, REQ_DONE);
	if (req->wants_prompt || req->has_prompt)
		agent_release_prompt(req->agent, req);
	req->has_prompt = req->wants_prompt = false;
	/* Freed from the loop, once whatever called us has returned. */
	pn_timer_arm(req->deferred, 0);
}

void request_cancel(struct request *req, const char *why)
{
	finish(req, false, why);
}

/*
 * From the loop, once polkit's and GLib's callbacks have returned: finishes
 * a request polkitd withdrew, or unlinks and frees a finished one.
 */
static void cancel_or_free(void *data)
{
	struct request *req = data;
	if (!req->finished) {
		if (req->cancel_requested)
			finish(req, false, "withdrawn by polkitd (the requesting program is gone)");
		return;
	}
	agent_remove_request(req->agent, req);
	request_free(req);
}

/*
 * GCancellable handlers may not disconnect themselves, and polkit's own
 * code is on the stack: act from the loop instead.
 */
static void on_cancelled(GCancellable *cancellable, gpointer data)
{
	struct request *req = data;
	req->cancel_requested = true;
	pn_timer_arm(req->deferred, 0);
}

/* ---- the prompt ---- */

/* 1Password's answer is no longer wanted: it is not used for this request. */
static void drop_onepassword(struct request *req)
{
	op_queue_cancel(req->op);
	req->op = NULL;
	pn_secret_free(req->op_answer);
	req->op_answer = NULL;
	req->fill = PROMPT_FILL_NONE;
	if (req->send == SEND_ONEPASSWORD)
		req->send = SEND_NONE;
}

static void failed_attempt(struct request *req, const char *why)
{
	req->failures++;
	if (req->failures >= REQUEST_MAX_ATTEMPTS) {
		finish(req, false, "three failed attempts");
		return;
	}
	if (!req->error)
		set_text(&req->error, why);
	start_session(req, SEND_NONE);
}

/* The card was answered before PAM started: PAM starts now, with that answer. */
static void start_with(struct request *req, enum request_send send)
{
	set_text(&req->error, NULL);
	set_text(&req->info, NULL);
	if (send == SEND_TYPED)
		drop_onepassword(req);
	else
		req->fill = PROMPT_FILL_NONE;
	start_session(req, send);
}

static void on_prompt_done(void *data, enum prompt_result result, size_t user)
{
	struct request *req = data;
	req->asked = NULL;
	switch (result) {
	case PROMPT_CONFIRMED:
		if (!req->op_answer || req->session) {
			pn_warn("request %u: confirmed without an answer from 1Password", req->id);
			finish(req, false, "confirmed without an answer from 1Password");
			return;
		}
		pn_info("request %u: 1Password's answer confirmed at the prompt", req->id);
		start_with(req, SEND_ONEPASSWORD);
		return;
	case PROMPT_ANSWERED:
		if (!req->session) {
			/* Typed on the card before PAM started (or between attempts). */
			start_with(req, SEND_TYPED);
			return;
		}
		if (!pn_secret_is_valid_password(req->answer)) {
			pn_secret_clear(req->answer);
			end_session(req);
			failed_attempt(req, "The answer contains a line break and cannot be used");
			return;
		}
		set_state(req, REQ_CHECKING);
		polkit_agent_session_response(req->session, pn_secret_expose(req->answer));
		pn_secret_clear(req->answer);
		return;
	case PROMPT_TOO_LONG:
		end_session(req);
		drop_onepassword(req);
		failed_attempt(req, "The answer is longer than 510 bytes and cannot be used");
		return;
	case PROMPT_USER_CHANGED:
		if (user < req->n_users && user != req->user) {
			req->user = user;
			pn_info("request %u: identity changed to %s", req->id, request_user(req));
			agent_status_changed(req->agent);
		}
		/* 1Password's answer belongs to the identity it was read for. */
		drop_onepassword(req);
		end_session(req);
		start_session(req, SEND_NONE);
		return;
	case PROMPT_CANCELLED:
		break;
	}
	finish(req, false, "dismissed at the prompt");
}

/* The request whose op waits for this one of 1Password's, if any. */
static const struct request *waiting_on(const struct request *req)
{
	if (!request_for_onepassword(req))
		return NULL;
	for (const struct request *r = req->agent->requests; r; r = r->next) {
		if (r != req && request_waits_on_onepassword(r))
			return r;
	}
	return NULL;
}

static void build_info(const struct request *req, struct prompt_info *info, char *then,
	size_t then_len)
{
	const struct request *outer = waiting_on(req);
	if (outer)
		snprintf(then, then_len, "Then 1Password fills the card for: %s", outer->message);
	*info = (struct prompt_info){
		.id = req->id,
		.message = req->message,
		.action_id = req->action_id,
		.program = req->program,
		.users = req->users,
		.user = req->user,
		.question = req->question,
		.echo = req->echo,
		.error = req->error,
		.info = req->info,
		.fill = req->fill,
		.purpose = req->purpose,
		.then = outer ? then : NULL,
	};
}

static void ask(struct request *req)
{
	struct prompt *prompt = agent_prompt(req->agent);
	if (!prompt) {
		finish(req, false, "no prompt is available");
		return;
	}
	if (!req->answer)
		req->answer = pn_secret_new(PN_SECRET_MAX_PASSWORD + 1);
	if (!req->answer) {
		finish(req, false, "no memory for the answer");
		return;
	}
	struct prompt_info info;
	char then[TEXT_MAX + 64];
	build_info(req, &info, then, sizeof(then));
	char err[256];
	set_state(req, REQ_PROMPTING);
	req->asked = prompt;
	if (prompt_ask(prompt, &info, req->answer, on_prompt_done, req, err, sizeof(err)) < 0) {
		req->asked = NULL;
		pn_err("request %u: cannot show the prompt: %s", req->id, err);
		finish(req, false, "the prompt could not be shown");
		return;
	}
	/* Shown once; PAM's texts from here on belong to the next question. */
	if (req->fill == PROMPT_FILL_NONE) {
		set_text(&req->error, NULL);
		set_text(&req->info, NULL);
	}
}

void request_prompt_granted(struct request *req)
{
	req->wants_prompt = false;
	req->has_prompt = true;
	/* The card comes first; PAM waits for the person's confirmation. */
	if (req->fill != PROMPT_FILL_NONE)
		ask(req);
	else
		start_session(req, SEND_NONE);
}

void request_prompt_taken(struct request *req)
{
	pn_info("request %u: 1Password waits for one of its own requests: that card comes first",
		req->id);
	if (req->asked)
		prompt_dismiss(req->asked);
	req->asked = NULL;
	req->has_prompt = false;
	req->wants_prompt = true;
	set_state(req, REQ_WAITING);
}

static void go_to_prompt(struct request *req)
{
	set_state(req, REQ_WAITING);
	if (agent_acquire_prompt(req->agent, req))
		request_prompt_granted(req);
}

/* ---- PAM, through polkit's helper ---- */

static void on_session_request(PolkitAgentSession *session, const gchar *text, gboolean echo_on,
	gpointer data)
{
	struct request *req = data;
	enum request_send send = req->send;
	if (send != SEND_NONE && !echo_on) {
		req->send = SEND_NONE;
		struct pn_secret *answer = send == SEND_ONEPASSWORD ? req->op_answer : req->answer;
		if (!pn_secret_is_valid_password(answer)) {
			pn_secret_clear(answer);
			end_session(req);
			failed_attempt(req, "The answer contains a line break and cannot be used");
			return;
		}
		set_state(req, send == SEND_ONEPASSWORD ? REQ_CHECKING_OP : REQ_CHECKING);
		polkit_agent_session_response(session, pn_secret_expose(answer));
		if (send == SEND_ONEPASSWORD) {
			pn_secret_free(req->op_answer);
			req->op_answer = NULL;
		} else {
			pn_secret_clear(req->answer);
		}
		return;
	}
	if (send != SEND_NONE) {
		/* A question that is not the password comes first: a person answers it. */
		pn_info("request %u: PAM asks more than the password; asking at the prompt",
			req->id);
		if (send == SEND_TYPED) {
			pn_secret_clear(req->answer);
			req->send = SEND_NONE;
		}
	}
	set_text(&req->question, text);
	req->echo = echo_on;
	ask(req);
}

static void on_session_text(struct request *req, const char *text, bool error)
{
	pn_debug("request %u: PAM %s: %s", req->id, error ? "error" : "info", text);
	/* Kept for the next question (a command prompt shows nothing in between). */
	if (!req->asked)
		add_text(error ? &req->error : &req->info, text);
	/* Shown at once when the prompt is ours: "Place your finger on the reader". */
	struct prompt *prompt = req->asked;
	if (!prompt && req->has_prompt)
		prompt = agent_prompt(req->agent);
	if (prompt) {
		char *clean = pn_sanitize_text(text, TEXT_MAX);
		prompt_message(prompt, clean, error);
		free(clean);
	}
}

static void on_session_show_info(PolkitAgentSession *session, const gchar *text, gpointer data)
{
	on_session_text(data, text, false);
}

static void on_session_show_error(PolkitAgentSession *session, const gchar *text, gpointer data)
{
	on_session_text(data, text, true);
}

static void on_session_completed(PolkitAgentSession *session, gboolean gained, gpointer data)
{
	struct request *req = data;
	bool onepassword = req->state == REQ_CHECKING_OP;
	/* PAM gave up (or its helper died) while the question was still open. */
	if (req->asked)
		prompt_dismiss(req->asked);
	req->asked = NULL;
	end_session(req);
	drop_onepassword(req);
	req->send = SEND_NONE;
	if (gained) {
		finish(req, true, NULL);
		return;
	}
	if (onepassword) {
		pn_info("request %u: the password from 1Password was not accepted", req->id);
		set_text(&req->error, "1Password: the password from 1Password was not accepted");
		start_session(req, SEND_NONE);
		return;
	}
	pn_info("request %u: authentication failed (attempt %u of %d)", req->id, req->failures + 1,
		REQUEST_MAX_ATTEMPTS);
	failed_attempt(req, "Authentication failed; try again");
}

static void start_session(struct request *req, enum request_send send)
{
	end_session(req);
	PolkitIdentity *identity = polkit_unix_user_new((gint)req->uids[req->user]);
	PolkitAgentSession *session = polkit_agent_session_new(identity, req->cookie);
	g_object_unref(identity);
	req->session = session;
	req->send = send;
	set_state(req, send == SEND_ONEPASSWORD ? REQ_CHECKING_OP : REQ_CHECKING);
	g_signal_connect(session, "request", G_CALLBACK(on_session_request), req);
	g_signal_connect(session, "show-info", G_CALLBACK(on_session_show_info), req);
	g_signal_connect(session, "show-error", G_CALLBACK(on_session_show_error), req);
	g_signal_connect(session, "completed", G_CALLBACK(on_session_completed), req);
	pn_debug("request %u: starting PAM for %s", req->id, request_user(req));
	/* May complete (and finish the request) before it returns. */
	polkit_agent_session_initiate(session);
}

/* ---- 1Password ---- */

/* The card shows what 1Password did, without losing what was typed. */
static void show_fill(struct request *req)
{
	agent_status_changed(req->agent);
	if (!req->asked || req->session)
		return;
	struct prompt_info info;
	char then[TEXT_MAX + 64];
	build_info(req, &info, then, sizeof(then));
	prompt_fill(req->asked, &info);
}

static void on_op_done(void *data, struct pn_secret *answer, const char *why)
{
	struct request *req = data;
	req->op = NULL;
	if (req->fill != PROMPT_FILL_PENDING || req->finished) {
		pn_secret_free(answer);
		return;
	}
	if (!answer) {
		pn_info("request %u: %s", req->id, why);
		req->fill = PROMPT_FILL_FAILED;
		set_text(&req->error, why);
		show_fill(req);
		return;
	}
	pn_info("request %u: 1Password filled the answer; waiting for Enter", req->id);
	req->op_answer = answer;
	req->fill = PROMPT_FILL_READY;
	show_fill(req);
}

const char *request_op_reference(const struct pn_polkit_config *cfg, const char *user)
{
	for (size_t i = 0; i < cfg->n_references; i++) {
		if (strcmp(cfg->references[i].user, user) == 0)
			return cfg->references[i].reference;
	}
	return NULL;
}

/* Whether action_id matches one of the fnmatch patterns (NULL: none). */
static bool matches_any(char *const *patterns, const char *action_id)
{
	for (size_t i = 0; patterns && patterns[i]; i++) {
		if (fnmatch(patterns[i], action_id, 0) == 0)
			return true;
	}
	return false;
}

static bool skipped_action(const struct pn_polkit_config *cfg, const char *action_id)
{
	/*
	 * 1Password's own actions (its unlock) come back to this agent while op
	 * waits for them: deferring them to op could never succeed, whatever
	 * skip_actions says.
	 */
	return fnmatch(ONEPASSWORD_ACTIONS, action_id, 0) == 0 ||
		matches_any(cfg->skip_actions, action_id);
}

/*
 * The stronger choices (doc/design.md, "The stronger choices"): a typed
 * password, or pam_fprintd's touch, instead of a press a program of the
 * user could make.
 */
static bool typed_or_touched(struct request *req, const struct pn_polkit_config *cfg)
{
	if (matches_any(cfg->always_type, req->action_id)) {
		pn_info("request %u: %s is in polkit.always_type: the password is typed, "
			"1Password does not fill it",
			req->id, req->action_id);
		set_text(&req->info, "This action asks for your typed password (always_type).");
		return true;
	}
	if (!matches_any(cfg->fingerprint_first, req->action_id))
		return false;
	if (pam_stack_has_fingerprint()) {
		pn_info("request %u: %s is in fingerprint_first and pam_fprintd is in the polkit-1 "
			"PAM stack: the fingerprint reader decides, 1Password does not fill it",
			req->id, req->action_id);
		return true;
	}
	pn_warn("request %u: %s is in fingerprint_first, but pam_fprintd is not in the polkit-1 "
		"PAM stack: 1Password fills the card",
		req->id, req->action_id);
	return false;
}

/* The reference 1Password is asked for, or NULL when it is not asked. */
static const char *onepassword_reference(struct request *req)
{
	const struct pn_polkit_config *cfg = &req->agent->cfg->polkit;
	if (!cfg->op_enable)
		return NULL;
	const char *reference = request_op_reference(cfg, request_user(req));
	if (!reference) {
		pn_debug("request %u: no 1Password reference for %s", req->id, request_user(req));
		return NULL;
	}
	if (skipped_action(cfg, req->action_id)) {
		pn_debug("request %u: %s is in skip_actions: not asking 1Password", req->id,
			req->action_id);
		return NULL;
	}
	if (typed_or_touched(req, cfg))
		return NULL;
	return reference;
}

/* The one 1Password attempt, once the card is up: queues op. */
static void ask_onepassword(struct request *req, const char *reference)
{
	const struct pn_polkit_config *cfg = &req->agent->cfg->polkit;
	char err[512];
	struct op_job_spec spec = {.cfg = cfg, .reference = reference};
	req->op = op_queue_submit(req->agent->op_queue, &spec, on_op_done, req, err, sizeof(err));
	if (!req->op) {
		pn_warn("request %u: %s", req->id, err);
		set_text(&req->error, err);
		req->fill = PROMPT_FILL_FAILED;
		show_fill(req);
		return;
	}
	agent_status_changed(req->agent);
}

/* ---- start ---- */

static void add_identities(struct request *req, GList *identities)
{
	for (GList *l = identities; l; l = l->next) {
		if (!POLKIT_IS_UNIX_USER(l->data))
			continue;
		uid_t uid = (uid_t)polkit_unix_user_get_uid(POLKIT_UNIX_USER(l->data));
		char buf[4096];
		struct passwd pw, *found = NULL;
		char name[32];
		const char *shown = name;
		if (getpwuid_r(uid, &pw, buf, sizeof(buf), &found) == 0 && found)
			shown = found->pw_name;
		else
			snprintf(name, sizeof(name), "%u", (unsigned)uid);
		req->uids = pn_xrealloc(req->uids, (req->n_users + 1) * sizeof(*req->uids));
		pn_strv_push(&req->users, shown);
		req->uids[req->n_users++] = uid;
	}
}

/*
 * Who asks 1Password, said on its card; a lock ends the authorization.
 * false when only panther's renewal asked: nobody is there to answer.
 */
static bool describe_askers(struct request *req)
{
	pid_t own = (pid_t)op_queue_running_pid(req->agent->op_queue);
	req->purpose = op_askers_describe("/proc", req->action_id, own, &req->ours);
	if (req->ours && op_renew_asked(req->agent->op_renew))
		return false;
	if (own > 0)
		req->agent->op_asks++;
	if (strcmp(req->action_id, "com.1password.1Password.unlock") == 0)
		op_session_ended(req->agent->op_session, "1Password is locked");
	if (req->purpose && !req->ours)
		pn_warn("request %u: %s", req->id, req->purpose);
	return true;
}

struct request *request_start(struct agent *agent, const struct request_params *p)
{
	struct request *req = pn_xcalloc(1, sizeof(*req));
	req->agent = agent;
	req->id = ++agent->next_id;
	req->state = REQ_WAITING;
	req->task = p->task;
	req->action_id = pn_sanitize_text(p->action_id, TEXT_MAX);
	req->message = pn_sanitize_text(p->message, TEXT_MAX);
	req->cookie = pn_xstrdup(p->cookie);
	req->users = pn_xcalloc(1, sizeof(*req->users));
	add_identities(req, p->identities);
	const char *pid_text = p->details ? polkit_details_lookup(p->details, "polkit.subject-pid")
					  : NULL;
	const char *caller_text = p->details
		? polkit_details_lookup(p->details, "polkit.caller-pid")
		: NULL;
	if (pid_text)
		req->program = subject_describe_request((pid_t)strtol(pid_text, NULL, 10),
			caller_text ? (pid_t)strtol(caller_text, NULL, 10) : 0, p->action_id,
			p->message);
	bool shown = !request_for_onepassword(req) || describe_askers(req);
	req->deferred = pn_loop_add_timer(agent->loop, cancel_or_free, req);
	agent_add_request(agent, req);

	if (req->n_users == 0) {
		pn_warn("request %u: %s offers no user to authenticate as", req->id,
			req->action_id);
		finish(req, false, "no unix user identity offered");
		return req;
	}
	if (!shown) {
		finish(req, false, "1Password asked while only panther's renewal waited: no card");
		return req;
	}
	req->user = request_pick_user(req->uids, req->n_users, getuid());
	pn_info("request %u: %s for %s from %s", req->id, req->action_id, request_user(req),
		req->program ? req->program : "an unknown program");

	if (p->cancellable) {
		req->cancellable = g_object_ref(p->cancellable);
		/* Runs on_cancelled at once when it is cancelled already. */
		req->cancel_handler = g_cancellable_connect(p->cancellable,
			G_CALLBACK(on_cancelled), req, NULL);
	}
	/* The card first (its program takes longest to start), then op. */
	const char *reference = onepassword_reference(req);
	if (reference)
		req->fill = PROMPT_FILL_PENDING;
	go_to_prompt(req);
	if (reference && !req->finished)
		ask_onepassword(req, reference);
	return req;
}

void request_free(struct request *req)
{
	if (!req)
		return;
	/* Only reached with a finished request, or at exit after agent_cancel_all(). */
	if (!req->finished)
		finish(req, false, "the agent is stopping");
	pn_timer_remove(req->deferred);
	g_clear_object(&req->cancellable);
	free(req->action_id);
	free(req->message);
	free(req->program);
	free(req->purpose);
	if (req->cookie)
		explicit_bzero(req->cookie, strlen(req->cookie));
	free(req->cookie);
	pn_strv_free(req->users);
	free(req->uids);
	free(req->question);
	free(req->error);
	free(req->info);
	free(req);
}
