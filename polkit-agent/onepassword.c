#include "onepassword.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "op-session.h"
#include "panther/log.h"
#include "panther/op-command.h"
#include "panther/util.h"

extern char **environ;

/* op's stderr kept for its message; older text gives way to newer. */
#define STDERR_KEEP 4096
#define MESSAGE_MAX 200

struct op_run {
	struct pn_loop *loop;
	struct child *child;
	int out_fd;
	int err_fd;
	struct pn_fd *out_source;
	struct pn_fd *err_source;
	struct pn_timer *timer;
	int timeout_s;
	bool timed_out;
	struct pn_secret *answer;
	bool overflow;
	char err_text[STDERR_KEEP + 1];
	size_t err_len;
	bool wants_answer; /* read; whoami and signout count by exit status */
	bool app; /* through the 1Password app, in session */
	struct op_session *session;
	op_done_fn fn;
	void *data;
};

/*
 * op puts where it failed before why: "could not read secret 'REF': error
 * initializing client: authorization prompt dismissed". The why is what the
 * person needs, and a long REF would push it past the cut.
 */
static void strip_op_prefixes(const char **msg, size_t *len)
{
	static const char client[] = "error initializing client: ";
	static const char secret[] = "could not read secret '";
	for (;;) {
		const char *p = *msg;
		size_t skip = 0;
		if (*len >= sizeof(client) - 1 && strncmp(p, client, sizeof(client) - 1) == 0) {
			skip = sizeof(client) - 1;
		} else if (*len >= sizeof(secret) - 1 &&
			strncmp(p, secret, sizeof(secret) - 1) == 0) {
			for (size_t i = sizeof(secret) - 1; i + 3 <= *len && !skip; i++) {
				if (strncmp(p + i, "': ", 3) == 0)
					skip = i + 3;
			}
		}
		if (!skip)
			return;
		*msg += skip;
		*len -= skip;
	}
}

char *op_error_message(const char *text)
{
	static const char tag[] = "[ERROR] ";
	const char *found = NULL;
	for (const char *line = text; line && *line;) {
		if (strncmp(line, tag, sizeof(tag) - 1) == 0)
			found = line;
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	if (!found)
		return NULL;
	/* Skip the tag, the date and the time. */
	const char *p = found + sizeof(tag) - 1;
	for (int field = 0; field < 2; field++) {
		p += strspn(p, " ");
		p += strcspn(p, " \n");
	}
	p += strspn(p, " ");
	size_t len = strcspn(p, "\n");
	strip_op_prefixes(&p, &len);
	if (len == 0)
		return NULL;
	char *msg = pn_xstrndup(p, len);
	char *clean = pn_sanitize_text(msg, MESSAGE_MAX);
	free(msg);
	return clean;
}

static void drain_stdout(struct op_run *run)
{
	if (run->out_fd < 0)
		return;
	if (run->overflow) {
		char scratch[4096];
		while (read(run->out_fd, scratch, sizeof(scratch)) > 0)
			;
		explicit_bzero(scratch, sizeof(scratch));
		return;
	}
	ssize_t r = pn_secret_read_fd(run->answer, run->out_fd);
	if (r == -EMSGSIZE)
		run->overflow = true;
}

static void drain_stderr(struct op_run *run)
{
	if (run->err_fd < 0)
		return;
	for (;;) {
		if (run->err_len == STDERR_KEEP) {
			size_t half = STDERR_KEEP / 2;
			memmove(run->err_text, run->err_text + half, STDERR_KEEP - half);
			run->err_len -= half;
		}
		ssize_t n = read(run->err_fd, run->err_text + run->err_len,
			STDERR_KEEP - run->err_len);
		if (n <= 0)
			break;
		run->err_len += (size_t)n;
	}
	run->err_text[run->err_len] = '\0';
}

static void close_pipes(struct op_run *run)
{
	pn_fd_remove(run->out_source);
	pn_fd_remove(run->err_source);
	run->out_source = run->err_source = NULL;
	if (run->out_fd >= 0)
		close(run->out_fd);
	if (run->err_fd >= 0)
		close(run->err_fd);
	run->out_fd = run->err_fd = -1;
	pn_timer_remove(run->timer);
	run->timer = NULL;
}

static void run_free(struct op_run *run)
{
	close_pipes(run);
	pn_secret_free(run->answer);
	explicit_bzero(run->err_text, sizeof(run->err_text));
	free(run);
}

static void on_stdout(void *data, int fd, short revents)
{
	struct op_run *run = data;
	drain_stdout(run);
	if (revents & (POLLHUP | POLLERR)) {
		/* EOF: nothing more comes; the exit is what ends the run. */
		pn_fd_set_events(run->out_source, 0);
	}
}

static void on_stderr(void *data, int fd, short revents)
{
	struct op_run *run = data;
	drain_stderr(run);
	if (revents & (POLLHUP | POLLERR))
		pn_fd_set_events(run->err_source, 0);
}

static void on_timeout(void *data)
{
	struct op_run *run = data;
	run->timed_out = true;
	pn_debug("op gave no answer within %d s: killing it", run->timeout_s);
	child_signal(run->child, SIGKILL);
}

static void on_exit_status(void *data, int wstatus)
{
	struct op_run *run = data;
	run->child = NULL;
	/* What it wrote before exiting is still in the pipes. */
	drain_stdout(run);
	drain_stderr(run);
	close_pipes(run);

	char why[320] = "";
	struct pn_secret *answer = NULL;
	if (run->timed_out) {
		snprintf(why, sizeof(why), "1Password: no answer within %d s", run->timeout_s);
	} else if (WIFSIGNALED(wstatus)) {
		snprintf(why, sizeof(why), "1Password: op was killed by signal %d",
			WTERMSIG(wstatus));
	} else if (WEXITSTATUS(wstatus) != 0) {
		char *msg = op_error_message(run->err_text);
		if (msg)
			snprintf(why, sizeof(why), "1Password: %s", msg);
		else if (WEXITSTATUS(wstatus) == 127)
			snprintf(why, sizeof(why), "1Password: op could not be started");
		else
			snprintf(why, sizeof(why), "1Password: op failed (exit status %d)",
				WEXITSTATUS(wstatus));
		free(msg);
	} else if (!run->wants_answer) {
		/* why stays empty: it went well. */
	} else if (run->overflow) {
		snprintf(why, sizeof(why),
			"1Password: the answer is longer than %d bytes; not used",
			PN_SECRET_MAX_PASSWORD);
	} else if (pn_secret_len(run->answer) == 0) {
		snprintf(why, sizeof(why), "1Password: op gave an empty answer");
	} else if (!pn_secret_is_valid_password(run->answer)) {
		snprintf(why, sizeof(why),
			"1Password: the answer contains a line break or NUL byte; not used");
	} else {
		answer = run->answer;
		run->answer = NULL;
	}
	if (!why[0] && run->app)
		op_session_used(run->session);
	op_done_fn fn = run->fn;
	void *fn_data = run->data;
	run_free(run);
	fn(fn_data, answer, why[0] ? why : NULL);
}

static int make_pipe(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	pn_set_nonblock(fds[0]);
	return 0;
}

struct op_run *op_run_start(struct children *children, const struct op_run_spec *rs, op_done_fn fn,
	void *data, char *err, size_t errlen)
{
	const struct pn_polkit_config *cfg = rs->cfg;
	const char *reference = rs->verb ? "" : rs->reference;
	const char *op_path = cfg->op_path;
	int timeout_s = cfg->op_timeout_s;
	if (access(op_path, X_OK) < 0) {
		snprintf(err, errlen, "1Password: cannot run %s: %s", op_path, strerror(errno));
		return NULL;
	}
	struct op_run *run = pn_xcalloc(1, sizeof(*run));
	run->loop = children_loop(children);
	run->out_fd = run->err_fd = -1;
	run->timeout_s = timeout_s;
	run->fn = fn;
	run->data = data;
	run->wants_answer = !rs->verb;
	run->session = rs->session;
	run->app = cfg->op_mode != PN_OP_SERVICE_ACCOUNT;
	run->answer = pn_secret_new(PN_SECRET_MAX_PASSWORD);
	if (!run->answer) {
		snprintf(err, errlen, "1Password: no memory for the answer");
		free(run);
		return NULL;
	}

	int out[2], errp[2];
	if (make_pipe(out) < 0) {
		snprintf(err, errlen, "1Password: pipe: %s", strerror(errno));
		run_free(run);
		return NULL;
	}
	if (make_pipe(errp) < 0) {
		snprintf(err, errlen, "1Password: pipe: %s", strerror(errno));
		close(out[0]);
		close(out[1]);
		run_free(run);
		return NULL;
	}
	run->out_fd = out[0];
	run->err_fd = errp[0];

	struct pn_op_command cmd;
	if (pn_op_command_init(&cmd, cfg, reference, environ, err, errlen) < 0) {
		close(out[1]);
		close(errp[1]);
		run_free(run);
		return NULL;
	}
	if (rs->verb) {
		/* op VERB [--account A]: the same program, account and environment. */
		size_t a = 1;
		cmd.argv[a++] = (char *)rs->verb;
		if (cfg->op_account) {
			cmd.argv[a++] = "--account";
			cmd.argv[a++] = cfg->op_account;
		}
		cmd.argv[a] = NULL;
	}
	struct child_spec spec = {.argv = cmd.argv,
		.envp = cmd.envp,
		.stdout_fd = out[1],
		.stderr_fd = errp[1],
		.in_session = rs->session != NULL};
	char why[256];
	run->child = child_spawn(children, &spec, on_exit_status, run, why, sizeof(why));
	/* The token lives on in op only. */
	pn_op_command_finish(&cmd);
	close(out[1]);
	close(errp[1]);
	if (!run->child) {
		snprintf(err, errlen, "1Password: %s", why);
		run_free(run);
		return NULL;
	}
	run->out_source = pn_loop_add_fd(run->loop, run->out_fd, POLLIN, on_stdout, run);
	run->err_source = pn_loop_add_fd(run->loop, run->err_fd, POLLIN, on_stderr, run);
	run->timer = pn_loop_add_timer(run->loop, on_timeout, run);
	if (timeout_s > 0)
		pn_timer_arm(run->timer, (uint64_t)timeout_s * 1000);
	pn_debug("started op (pid %d, %s) for %s", (int)child_pid(run->child),
		cfg->op_mode == PN_OP_SERVICE_ACCOUNT ? "service account"
			: rs->session                 ? "through the 1Password app, in its session"
				      : "through the 1Password app, without a terminal",
		rs->verb ? rs->verb : reference);
	return run;
}

int op_run_pid(const struct op_run *run)
{
	return run && run->child ? (int)child_pid(run->child) : 0;
}

void op_run_cancel(struct op_run *run)
{
	if (!run)
		return;
	if (run->child)
		child_abandon(run->child);
	run_free(run);
}
