#include "prompt.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "panther/log.h"
#include "panther/util.h"

/*
 * The `command` prompter (DESIGN.md 3): runs polkit.prompt.argv for each
 * question with the request in PANTHER_PROMPT_* variables; what it prints
 * on stdout (one line end removed) is the answer, a non-zero exit cancels.
 * When 1Password has filled the answer (PANTHER_PROMPT_FILL=filled), exit
 * status 0 with nothing on stdout confirms it; a printed answer replaces it.
 * A change of the fill (1Password answered or failed) starts the command
 * again with the new variables.
 */
struct prompt_command {
	struct prompt base;
	struct prompt_context ctx;
	struct child *child;
	int out_fd;
	struct pn_fd *out_source;
	struct pn_secret *answer;
	bool overflow;
	size_t user;
	enum prompt_fill fill;
};

static char *const dropped_env[] = {
	"PANTHER_PROMPT_*",
	"OP_SERVICE_ACCOUNT_TOKEN",
	"OP_CONNECT_TOKEN",
	NULL,
};

static void stop(struct prompt_command *pc)
{
	pn_fd_remove(pc->out_source);
	pc->out_source = NULL;
	if (pc->out_fd >= 0)
		close(pc->out_fd);
	pc->out_fd = -1;
	pc->answer = NULL;
	pc->overflow = false;
}

static void read_answer(struct prompt_command *pc)
{
	if (pc->out_fd < 0 || !pc->answer)
		return;
	if (pc->overflow) {
		char scratch[4096];
		while (read(pc->out_fd, scratch, sizeof(scratch)) > 0)
			;
		explicit_bzero(scratch, sizeof(scratch));
		return;
	}
	if (pn_secret_read_fd(pc->answer, pc->out_fd) == -EMSGSIZE)
		pc->overflow = true;
}

static void on_stdout(void *data, int fd, short revents)
{
	struct prompt_command *pc = data;
	read_answer(pc);
	if (revents & (POLLHUP | POLLERR))
		pn_fd_set_events(pc->out_source, 0);
}

static void on_exit_status(void *data, int wstatus)
{
	struct prompt_command *pc = data;
	pc->child = NULL;
	read_answer(pc);
	enum prompt_result result = PROMPT_CANCELLED;
	if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) {
		if (pc->overflow) {
			result = PROMPT_TOO_LONG;
		} else {
			pn_secret_chomp(pc->answer);
			result = PROMPT_ANSWERED;
			if (pc->fill == PROMPT_FILL_READY && pn_secret_len(pc->answer) == 0)
				result = PROMPT_CONFIRMED;
		}
	} else if (WIFEXITED(wstatus)) {
		pn_debug("prompt command exited with status %d: cancelled", WEXITSTATUS(wstatus));
	} else if (WIFSIGNALED(wstatus)) {
		pn_debug("prompt command killed by signal %d: cancelled", WTERMSIG(wstatus));
	}
	if (result != PROMPT_ANSWERED && pc->answer)
		pn_secret_clear(pc->answer);
	stop(pc);
	prompt_finish(&pc->base, result, pc->user);
}

static void push_var(char ***env, const char *name, const char *value)
{
	size_t len = strlen(name) + strlen(value ? value : "") + 2;
	char *entry = pn_xcalloc(1, len);
	snprintf(entry, len, "%s=%s", name, value ? value : "");
	pn_strv_push(env, entry);
	free(entry);
}

static char **prompt_variables(const struct prompt_info *info)
{
	char **vars = pn_xcalloc(1, sizeof(*vars));
	char id[16];
	snprintf(id, sizeof(id), "%u", info->id);
	size_t users_len = 1;
	for (size_t i = 0; info->users[i]; i++)
		users_len += strlen(info->users[i]) + 1;
	char *users = pn_xcalloc(1, users_len);
	for (size_t i = 0; info->users[i]; i++) {
		if (i > 0)
			strcat(users, " ");
		strcat(users, info->users[i]);
	}
	push_var(&vars, "PANTHER_PROMPT_ID", id);
	push_var(&vars, "PANTHER_PROMPT_MESSAGE", info->message);
	push_var(&vars, "PANTHER_PROMPT_ACTION", info->action_id);
	push_var(&vars, "PANTHER_PROMPT_PROGRAM", info->program);
	push_var(&vars, "PANTHER_PROMPT_USER", info->users[info->user]);
	push_var(&vars, "PANTHER_PROMPT_USERS", users);
	push_var(&vars, "PANTHER_PROMPT_QUESTION", info->question);
	push_var(&vars, "PANTHER_PROMPT_ECHO", info->echo ? "1" : "0");
	push_var(&vars, "PANTHER_PROMPT_ERROR", info->error);
	push_var(&vars, "PANTHER_PROMPT_INFO", info->info);
	push_var(&vars, "PANTHER_PROMPT_FILL", prompt_fill_name(info->fill));
	push_var(&vars, "PANTHER_PROMPT_PURPOSE", info->purpose);
	push_var(&vars, "PANTHER_PROMPT_THEN", info->then);
	free(users);
	return vars;
}

static int command_ask(struct prompt *prompt, const struct prompt_info *info,
	struct pn_secret *answer, char *err, size_t errlen)
{
	struct prompt_command *pc = (struct prompt_command *)prompt;
	char **argv = pc->ctx.cfg->polkit.prompt_argv;
	if (!argv || !argv[0]) {
		snprintf(err, errlen, "polkit.prompt.argv is empty");
		return -EINVAL;
	}
	int out[2];
	if (pipe2(out, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -errno;
	}
	pn_set_nonblock(out[0]);
	char **vars = prompt_variables(info);
	char **envp = child_environment(dropped_env, vars);
	pn_strv_free(vars);
	struct child_spec spec = {.argv = argv, .envp = envp, .stdout_fd = out[1], .stderr_fd = -1};
	char why[256];
	pc->child = child_spawn(pc->ctx.children, &spec, on_exit_status, pc, why, sizeof(why));
	pn_strv_free(envp);
	close(out[1]);
	if (!pc->child) {
		close(out[0]);
		snprintf(err, errlen, "prompt command: %s", why);
		return -ENOENT;
	}
	pc->out_fd = out[0];
	pc->answer = answer;
	pc->overflow = false;
	pc->user = info->user;
	pc->fill = info->fill;
	pn_secret_clear(answer);
	pc->out_source = pn_loop_add_fd(children_loop(pc->ctx.children), pc->out_fd, POLLIN,
		on_stdout, pc);
	pn_debug("prompt command started (pid %d) for request %u", (int)child_pid(pc->child),
		info->id);
	return 0;
}

static void command_dismiss(struct prompt *prompt)
{
	struct prompt_command *pc = (struct prompt_command *)prompt;
	if (pc->child) {
		pn_debug("closing the prompt command (pid %d)", (int)child_pid(pc->child));
		child_abandon(pc->child);
	}
	pc->child = NULL;
	stop(pc);
}

static void command_fill(struct prompt *prompt, const struct prompt_info *info)
{
	struct prompt_command *pc = (struct prompt_command *)prompt;
	struct pn_secret *answer = pc->answer;
	if (!pc->child || !answer)
		return;
	command_dismiss(prompt);
	char err[256];
	if (command_ask(prompt, info, answer, err, sizeof(err)) < 0) {
		pn_err("request %u: cannot start the prompt command again: %s", info->id, err);
		prompt_finish(prompt, PROMPT_CANCELLED, info->user);
	}
}

static void command_destroy(struct prompt *prompt)
{
	command_dismiss(prompt);
	free(prompt);
}

static const struct prompt_impl command_impl = {
	.ask = command_ask,
	.message = NULL, /* PAM's texts go into the next question's variables */
	.dismiss = command_dismiss,
	.fill = command_fill,
	.destroy = command_destroy,
};

struct prompt *prompt_command_new(const struct prompt_context *ctx)
{
	struct prompt_command *pc = pn_xcalloc(1, sizeof(*pc));
	pc->base.impl = &command_impl;
	pc->ctx = *ctx;
	pc->out_fd = -1;
	return &pc->base;
}
