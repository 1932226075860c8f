#include "prompt.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "prompt-protocol.h"
#include "panther/log.h"
#include "panther/util.h"

/*
 * The `wayland` prompter: runs panther-polkit-prompt for each request (the
 * drawing stack lives in that process, not in the agent) and talks to it
 * over a SOCK_SEQPACKET socket pair, its fd 3 (prompt-protocol.h). The
 * program stays up across the attempts of one request and is told to close
 * when the request ends.
 *
 * One card is started ahead and waits idle, belonging to no request, so a
 * request only has to hand it the question (doc/design.md, "The idle card").
 * Each card serves one request: the next idle one is started when a request
 * ends, never a busy loop, later each time idle cards die unused.
 */

#ifndef PANTHER_PROMPT_PROGRAM
#define PANTHER_PROMPT_PROGRAM "/usr/libexec/panther/panther-polkit-prompt"
#endif
#ifndef PANTHER_TEST_HOOKS
#define PANTHER_TEST_HOOKS 0
#endif

/* A closed prompt that has not exited after this long is killed. */
#define CLOSE_GRACE_MS 2000
/* An idle card that died unused waits this long, doubled up to the max, for the next. */
#define IDLE_BACKOFF_MIN_MS 1000
#define IDLE_BACKOFF_MAX_MS 60000
/* polkit's own limit is 510 (secret.h); anything up to a packet is drained and refused. */
#define ANSWER_MAX PP_PACKET_MAX

struct prompt_wayland;

/* One run of the program. */
struct prompt_run {
	struct prompt_wayland *pw;
	struct prompt_run *next; /* in pw->closing */
	struct child *child;
	int fd;
	struct pn_fd *source;
	struct pn_timer *kill_timer;
	uint32_t id;
	pid_t pid; /* the card's: the one process whose packets count */
};

struct prompt_wayland {
	struct prompt base;
	struct prompt_context ctx;
	struct prompt_run *run; /* the one showing a request */
	struct prompt_run *closing; /* told to close, not yet exited */
	struct prompt_run *idle; /* started ahead, no request handed to it yet */
	struct pn_timer *idle_timer; /* starts the next idle card */
	uint64_t idle_backoff_ms; /* 0 while idle cards serve; grows while they die unused */
	bool asking; /* a question is open */
	struct pn_secret *answer;
	size_t user;
	size_t n_users;
	long expect; /* -1, or the length "answer N" announced */
	enum prompt_fill fill; /* of the open question */
	struct prompt *fallback; /* the command prompter, without a display */
	bool told_ignored; /* PANTHER_PROMPT_PROGRAM in a build not made for tests */
};

static char *const dropped_env[] = {
	"PANTHER_PROMPT_*",
	"OP_SERVICE_ACCOUNT_TOKEN",
	"OP_CONNECT_TOKEN",
	NULL,
};

static void finish(struct prompt_wayland *pw, enum prompt_result result, size_t user)
{
	if (!pw->asking)
		return;
	pw->asking = false;
	if (result != PROMPT_ANSWERED && pw->answer)
		pn_secret_clear(pw->answer);
	pw->answer = NULL;
	pw->expect = -1;
	prompt_finish(&pw->base, result, user);
}

static void run_disconnect(struct prompt_run *run)
{
	pn_fd_remove(run->source);
	run->source = NULL;
	if (run->fd >= 0)
		close(run->fd);
	run->fd = -1;
}

static void run_free(struct prompt_run *run)
{
	run_disconnect(run);
	pn_timer_remove(run->kill_timer);
	free(run);
}

static void unlink_closing(struct prompt_run *run)
{
	for (struct prompt_run **p = &run->pw->closing; *p; p = &(*p)->next) {
		if (*p == run) {
			*p = run->next;
			return;
		}
	}
}

static void on_kill_timer(void *data)
{
	struct prompt_run *run = data;
	pn_warn("the prompt did not close within %d ms: killing it", CLOSE_GRACE_MS);
	child_abandon(run->child);
	unlink_closing(run);
	run_free(run);
}

/* Tells a card to close; it wipes what was typed and exits. */
static void close_card(struct prompt_wayland *pw, struct prompt_run *run)
{
	(void)prompt_wire_send(run->fd, "close", NULL);
	run_disconnect(run);
	run->next = pw->closing;
	pw->closing = run;
	pn_timer_arm(run->kill_timer, CLOSE_GRACE_MS);
}

static void close_run(struct prompt_wayland *pw)
{
	struct prompt_run *run = pw->run;
	if (!run)
		return;
	pw->run = NULL;
	pw->expect = -1;
	close_card(pw, run);
}

static void on_readable(void *data, int fd, short revents);

static void on_exit_status(void *data, int wstatus)
{
	struct prompt_run *run = data;
	struct prompt_wayland *pw = run->pw;
	run->child = NULL;
	if (run == pw->idle) {
		pw->idle = NULL;
		pw->idle_backoff_ms = pw->idle_backoff_ms ? pw->idle_backoff_ms * 2
							  : IDLE_BACKOFF_MIN_MS;
		if (pw->idle_backoff_ms > IDLE_BACKOFF_MAX_MS)
			pw->idle_backoff_ms = IDLE_BACKOFF_MAX_MS;
		pn_info("the idle card (pid %d) exited with status 0x%x: the next request "
			"starts its own card",
			(int)run->pid, (unsigned)wstatus);
		run_free(run);
		return;
	}
	/* What it said before exiting counts ("cancel", an answer). */
	if (run == pw->run && run->fd >= 0)
		on_readable(run, run->fd, POLLIN);
	if (run != pw->run) {
		unlink_closing(run);
		run_free(run);
		return;
	}
	pw->run = NULL;
	if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) != 0)
		pn_err("the prompt program failed (exit status %d)", WEXITSTATUS(wstatus));
	else if (WIFSIGNALED(wstatus))
		pn_err("the prompt program was killed by signal %d", WTERMSIG(wstatus));
	else if (pw->asking)
		pn_info("request %u: the prompt closed without an answer", run->id);
	run_free(run);
	finish(pw, PROMPT_CANCELLED, pw->user);
}

/* The packet after "answer N": straight into the answer's locked memory. */
static void read_answer(struct prompt_wayland *pw, struct prompt_run *run)
{
	size_t len = (size_t)pw->expect;
	ssize_t r = -EMSGSIZE;
	if (pw->asking && len <= PN_SECRET_MAX_PASSWORD)
		r = pn_secret_read_some(pw->answer, run->fd, len + 1);
	if (r == -EAGAIN)
		return;
	pw->expect = -1;
	if (r == -EMSGSIZE) {
		char scratch[ANSWER_MAX];
		ssize_t n = recv(run->fd, scratch, sizeof(scratch), MSG_DONTWAIT);
		explicit_bzero(scratch, sizeof(scratch));
		if (n < 0 && errno == EAGAIN) {
			pw->expect = (long)len; /* not here yet */
			return;
		}
		finish(pw, PROMPT_TOO_LONG, pw->user);
		return;
	}
	if (r != (ssize_t)len) {
		pn_err("request %u: the prompt sent %zd bytes instead of %zu: ignoring the answer",
			run->id, r, len);
		finish(pw, PROMPT_CANCELLED, pw->user);
		return;
	}
	finish(pw, PROMPT_ANSWERED, pw->user);
}

static void handle(struct prompt_wayland *pw, struct prompt_run *run,
	const struct prompt_wire_message *msg)
{
	unsigned long n;
	if (strcmp(msg->key, "answer") == 0) {
		if (!prompt_wire_parse_uint(msg->value, ANSWER_MAX, &n)) {
			pn_warn("request %u: malformed answer length from the prompt", run->id);
			return;
		}
		if (pw->asking)
			pn_secret_clear(pw->answer);
		if (n == 0 && pw->fill == PROMPT_FILL_PENDING) {
			/* The card does not send this: an empty answer would be a failure PAM
			 * counts. */
			pn_warn("request %u: the prompt sent an empty answer while 1Password fills "
				"the card: ignored",
				run->id);
		} else if (n == 0) {
			finish(pw, PROMPT_ANSWERED, pw->user);
		} else {
			pw->expect = (long)n;
		}
	} else if (strcmp(msg->key, "confirm") == 0) {
		if (pw->asking && pw->fill == PROMPT_FILL_READY)
			finish(pw, PROMPT_CONFIRMED, pw->user);
		else
			pn_warn("request %u: the prompt confirmed an answer 1Password has not given",
				run->id);
	} else if (strcmp(msg->key, "cancel") == 0) {
		finish(pw, PROMPT_CANCELLED, pw->user);
	} else if (strcmp(msg->key, "user") == 0) {
		if (prompt_wire_parse_uint(msg->value, SIZE_MAX, &n) && n < pw->n_users)
			finish(pw, PROMPT_USER_CHANGED, n);
	} else if (strcmp(msg->key, "shown") == 0) {
		pn_debug("request %u: the prompt is on screen", run->id);
	} else if (strcmp(msg->key, "armed") == 0) {
		pn_debug("request %u: the filled card takes a press", run->id);
	} else if (strcmp(msg->key, "keyboard") == 0) {
		if (strcmp(msg->value, "0") == 0)
			pn_warn("request %u: the prompt does not have the keyboard: another window holds it",
				run->id);
		else
			pn_debug("request %u: the prompt has the keyboard", run->id);
	} else {
		pn_debug("request %u: ignoring \"%s\" from the prompt", run->id, msg->key);
	}
}

static void on_readable(void *data, int fd, short revents)
{
	struct prompt_run *run = data;
	struct prompt_wayland *pw = run->pw;
	char buf[PP_PACKET_MAX + 1];
	/* A callback may end this run (dismiss, a new request): check it each time. */
	while (pw->run == run) {
		pid_t sender;
		int s = prompt_wire_next_sender(fd, &sender);
		if (s == -EAGAIN)
			return;
		/*
		 * A sender that has exited reads as pid 0: once the card is gone
		 * (its last words are read after its exit), that is the card.
		 */
		bool card_gone = !run->child && sender == 0;
		if (s > 0 && sender != run->pid && !card_gone) {
			pn_warn("request %u: ignoring a message from pid %d on the card's socket "
				"(only the card, pid %d, may answer)",
				run->id, (int)sender, (int)run->pid);
			prompt_wire_drop(fd);
			continue;
		}
		if (pw->expect >= 0) {
			read_answer(pw, run);
			if (pw->expect >= 0)
				return;
			continue;
		}
		struct prompt_wire_message msg;
		int r = prompt_wire_recv(fd, buf, sizeof(buf), &msg);
		if (r == -EAGAIN)
			return;
		if (r == -EBADMSG) {
			pn_warn("request %u: ignoring a malformed line from the prompt", run->id);
			continue;
		}
		if (r <= 0) {
			/* It is exiting: its exit status says how it went. */
			pn_fd_set_events(run->source, 0);
			return;
		}
		handle(pw, run, &msg);
	}
}

static struct prompt_run *start_run(struct prompt_wayland *pw, uint32_t id, char *err,
	size_t errlen)
{
	const char *program = PANTHER_PROMPT_PROGRAM;
	const char *chosen = getenv("PANTHER_PROMPT_PROGRAM");
	if (chosen && *chosen && PANTHER_TEST_HOOKS) {
		program = chosen;
	} else if (chosen && *chosen && !pw->told_ignored) {
		/* Another card program could confirm 1Password's answer by itself. */
		pn_warn("PANTHER_PROMPT_PROGRAM is ignored: this build is not made for tests "
			"(meson option test_hooks)");
		pw->told_ignored = true;
	}
	if (access(program, X_OK) < 0) {
		snprintf(err, errlen, "cannot run the prompt program %s: %s", program,
			strerror(errno));
		return NULL;
	}
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		snprintf(err, errlen, "socketpair: %s", strerror(errno));
		return NULL;
	}
	char *argv[] = {(char *)program, pn_log_enabled(PN_LOG_DEBUG) ? "--verbose" : NULL, NULL};
	char **envp = child_environment(dropped_env, NULL);
	struct prompt_run *run = pn_xcalloc(1, sizeof(*run));
	run->pw = pw;
	run->id = id;
	run->fd = sv[0];
	pn_set_nonblock(run->fd);
	if (prompt_wire_pass_senders(run->fd) < 0) {
		snprintf(err, errlen, "cannot see who writes to the card's socket: %s",
			strerror(errno));
		close(sv[0]);
		close(sv[1]);
		pn_strv_free(envp);
		free(run);
		return NULL;
	}
	struct child_spec spec = {
		.argv = argv,
		.envp = envp,
		.stdout_fd = STDERR_FILENO,
		.stderr_fd = -1,
		.fd3 = sv[1],
	};
	char why[256];
	run->child = child_spawn(pw->ctx.children, &spec, on_exit_status, run, why, sizeof(why));
	pn_strv_free(envp);
	close(sv[1]);
	if (!run->child) {
		snprintf(err, errlen, "prompt program %s: %s", program, why);
		run_free(run);
		return NULL;
	}
	struct pn_loop *loop = children_loop(pw->ctx.children);
	run->source = pn_loop_add_fd(loop, run->fd, POLLIN, on_readable, run);
	run->kill_timer = pn_loop_add_timer(loop, on_kill_timer, run);
	run->pid = child_pid(run->child);
	if (id)
		pn_debug("request %u: prompt started (pid %d)", id, (int)run->pid);
	return run;
}

/* Started after a request (or at start), so idle cards never respawn in a loop. */
static void on_idle_timer(void *data)
{
	struct prompt_wayland *pw = data;
	const char *display = getenv("WAYLAND_DISPLAY");
	if (pw->idle || pw->run || !display || !*display)
		return;
	char err[256];
	pw->idle = start_run(pw, 0, err, sizeof(err));
	if (!pw->idle) {
		pn_debug("no idle card: %s", err);
		return;
	}
	/* It sends nothing before a request; whatever it would is not read. */
	pn_fd_set_events(pw->idle->source, 0);
	pn_debug("idle card started (pid %d)", (int)pw->idle->pid);
}

static void schedule_idle(struct prompt_wayland *pw)
{
	if (pw->idle_timer && !pw->idle && !pw->run && !pn_timer_armed(pw->idle_timer))
		pn_timer_arm(pw->idle_timer, pw->idle_backoff_ms);
}

/* The idle card, now this request's: it has shown nothing before. */
static struct prompt_run *take_idle(struct prompt_wayland *pw, uint32_t id)
{
	struct prompt_run *run = pw->idle;
	if (!run || !run->child)
		return NULL;
	pw->idle = NULL;
	pw->idle_backoff_ms = 0;
	/* Packets from before the request are no answer to it. */
	while (prompt_wire_next_sender(run->fd, &(pid_t){0}) > 0)
		prompt_wire_drop(run->fd);
	run->id = id;
	pn_fd_set_events(run->source, POLLIN);
	pn_debug("request %u: handed to the idle card (pid %d)", id, (int)run->pid);
	return run;
}

/* 1Password's failure (onepassword.c says "1Password: ...") gets its own line. */
static const char *onepassword_reason(const char *error)
{
	if (error && strncmp(error, "1Password: ", 11) == 0 && !strchr(error, '\n'))
		return error + 11;
	return NULL;
}

static int send_question(int fd, const struct prompt_info *info)
{
	int r = prompt_wire_send_uint(fd, "ask", info->id);
	const char *onepassword = onepassword_reason(info->error);
	const char *error = onepassword ? NULL : info->error;
	struct {
		const char *key, *value;
	} fields[] = {
		{"message", info->message},
		{"action", info->action_id},
		{"program", info->program},
		{"question", info->question},
		{"echo", info->echo ? "1" : "0"},
		{"error", error},
		{"info", info->info},
		{"onepassword", onepassword},
		{"fill", prompt_fill_name(info->fill)},
		{"purpose", info->purpose},
		{"then", info->then},
	};
	for (size_t i = 0; r >= 0 && i < PN_ARRAY_LEN(fields); i++) {
		if (fields[i].value)
			r = prompt_wire_send(fd, fields[i].key, fields[i].value);
	}
	for (size_t i = 0; r >= 0 && info->users[i]; i++)
		r = prompt_wire_send(fd, "user", info->users[i]);
	if (r >= 0)
		r = prompt_wire_send_uint(fd, "selected", info->user);
	if (r >= 0)
		r = prompt_wire_send(fd, "show", NULL);
	return r;
}

static void on_fallback_done(void *data, enum prompt_result result, size_t user)
{
	struct prompt_wayland *pw = data;
	finish(pw, result, user);
}

static int wayland_ask(struct prompt *prompt, const struct prompt_info *info,
	struct pn_secret *answer, char *err, size_t errlen)
{
	struct prompt_wayland *pw = (struct prompt_wayland *)prompt;
	const char *display = getenv("WAYLAND_DISPLAY");
	if (!display || !*display) {
		if (!pw->ctx.cfg->polkit.prompt_argv) {
			snprintf(err, errlen,
				"no Wayland display (WAYLAND_DISPLAY is unset) and no prompt command to fall back to: cancelling");
			return -ENXIO;
		}
		pn_info("request %u: no Wayland display (WAYLAND_DISPLAY is unset): using the prompt command",
			info->id);
		if (!pw->fallback)
			pw->fallback = prompt_command_new(&pw->ctx);
		pw->asking = true;
		pw->answer = answer;
		int r = prompt_ask(pw->fallback, info, answer, on_fallback_done, pw, err, errlen);
		if (r < 0)
			pw->asking = false;
		return r;
	}
	if (pw->run && pw->run->id != info->id)
		close_run(pw);
	bool fresh = !pw->run;
	bool was_idle = fresh && (pw->run = take_idle(pw, info->id));
	if (fresh && !pw->run && !(pw->run = start_run(pw, info->id, err, errlen)))
		return -ENOENT;
	int r = send_question(pw->run->fd, info);
	if (r < 0 && (!fresh || was_idle)) {
		/* It went away between questions: once more with a new one. */
		close_run(pw);
		if (!(pw->run = start_run(pw, info->id, err, errlen)))
			return -ENOENT;
		r = send_question(pw->run->fd, info);
	}
	if (r < 0) {
		snprintf(err, errlen, "cannot talk to the prompt program: %s", strerror(-r));
		close_run(pw);
		return r;
	}
	pn_secret_clear(answer);
	pw->asking = true;
	pw->answer = answer;
	pw->user = info->user;
	pw->n_users = pn_strv_len(info->users);
	pw->expect = -1;
	pw->fill = info->fill;
	return 0;
}

static void wayland_fill(struct prompt *prompt, const struct prompt_info *info)
{
	struct prompt_wayland *pw = (struct prompt_wayland *)prompt;
	if (pw->asking && pw->fallback && !pw->run) {
		prompt_fill(pw->fallback, info);
		return;
	}
	if (!pw->run || !pw->asking)
		return;
	pw->fill = info->fill;
	const char *reason = onepassword_reason(info->error);
	int r = 0;
	if (reason)
		r = prompt_wire_send(pw->run->fd, "onepassword", reason);
	if (r >= 0)
		r = prompt_wire_send(pw->run->fd, "fill", prompt_fill_name(info->fill));
	if (r < 0)
		pn_warn("request %u: cannot tell the prompt about 1Password: %s", info->id,
			strerror(-r));
}

static void wayland_message(struct prompt *prompt, const char *text, bool error)
{
	struct prompt_wayland *pw = (struct prompt_wayland *)prompt;
	if (pw->asking && pw->fallback && !pw->run) {
		prompt_message(pw->fallback, text, error);
		return;
	}
	if (pw->run)
		(void)prompt_wire_send(pw->run->fd, error ? "pam-error" : "pam-info", text);
}

/*
 * The question is withdrawn (PAM gave up, or the request ends: then end()
 * follows and closes the window). The window stays for the next question.
 */
static void wayland_dismiss(struct prompt *prompt)
{
	struct prompt_wayland *pw = (struct prompt_wayland *)prompt;
	bool asking = pw->asking;
	pw->asking = false;
	pw->answer = NULL;
	pw->expect = -1;
	if (pw->fallback)
		prompt_dismiss(pw->fallback);
	if (pw->run && asking)
		(void)prompt_wire_send(pw->run->fd, "withdraw", NULL);
}

static void wayland_end(struct prompt *prompt, uint32_t id)
{
	struct prompt_wayland *pw = (struct prompt_wayland *)prompt;
	if (pw->run && pw->run->id == id && !pw->asking)
		close_run(pw);
	schedule_idle(pw);
}

static void wayland_destroy(struct prompt *prompt)
{
	struct prompt_wayland *pw = (struct prompt_wayland *)prompt;
	wayland_dismiss(prompt);
	close_run(pw);
	if (pw->idle)
		close_card(pw, pw->idle);
	pw->idle = NULL;
	pn_timer_remove(pw->idle_timer);
	while (pw->closing) {
		struct prompt_run *run = pw->closing;
		pw->closing = run->next;
		if (run->child)
			child_abandon(run->child);
		run_free(run);
	}
	prompt_destroy(pw->fallback);
	free(pw);
}

static const struct prompt_impl wayland_impl = {
	.ask = wayland_ask,
	.message = wayland_message,
	.dismiss = wayland_dismiss,
	.fill = wayland_fill,
	.end = wayland_end,
	.destroy = wayland_destroy,
};

struct prompt *prompt_wayland_new(const struct prompt_context *ctx)
{
	struct prompt_wayland *pw = pn_xcalloc(1, sizeof(*pw));
	pw->base.impl = &wayland_impl;
	pw->ctx = *ctx;
	pw->expect = -1;
	/* The first idle card starts once the agent runs, not while it starts. */
	pw->idle_timer = pn_loop_add_timer(children_loop(ctx->children), on_idle_timer, pw);
	schedule_idle(pw);
	return &pw->base;
}
