#include <errno.h>
#include <glib.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "child.h"
#include "gmain.h"
#include "listener.h"
#include "op-queue.h"
#include "prompt.h"
#include "op-renew.h"
#include "op-session.h"
#include "registration.h"
#include "agent1.h"
#include "panther/daemon.h"
#include "panther/log.h"
#include "panther/secret.h"
#include "panther/util.h"

extern char **environ;

struct options {
	pid_t pid;
	uint64_t start_time;
};

static int parse_process(void *data, const char *value)
{
	struct options *opts = data;
	char *end;
	errno = 0;
	long pid = strtol(value, &end, 10);
	if (errno || pid <= 0 || pid > INT32_MAX || (*end && *end != ',')) {
		fprintf(stderr, "panther-polkit-agent: --process: \"%s\" is not PID[,START_TIME]\n",
			value);
		return 2;
	}
	opts->pid = (pid_t)pid;
	if (*end == ',') {
		const char *start = end + 1;
		errno = 0;
		opts->start_time = strtoull(start, &end, 10);
		if (errno || *end || !*start) {
			fprintf(stderr,
				"panther-polkit-agent: --process: \"%s\" is not PID[,START_TIME]\n",
				value);
			return 2;
		}
	}
	return 0;
}

static const struct pn_daemon_option own_options[] = {
	{"process", 0, "PID[,START_TIME]", "serve one process instead of this logind session",
		parse_process},
	{0},
};

static const struct pn_daemon_info daemon_info = {
	.name = "panther-polkit-agent",
	.summary = "The polkit authentication agent of the panther session: shows its card\n"
		   "at once, 1Password fills in the password, and Enter confirms it.\n",
	.options = own_options,
	.config_check = pn_config_check_token_file,
};

static void on_op_queue_changed(void *data)
{
	struct agent *agent = data;
	op_renew_update(agent->op_renew);
	agent_status_changed(agent);
}

/*
 * The loop blocks the signals it handles, and a blocked mask survives exec:
 * polkit's PAM helper (forked by GLib) would then ignore the SIGTERM that
 * cancels it, and polkit waits for it to exit. Children start unblocked.
 */
static void unblock_signals_in_child(void)
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/*
 * GLib's and polkit's messages go to our log. Debug and info messages are
 * dropped: polkit's may carry the authentication cookie.
 */
static void on_glib_log(const gchar *domain, GLogLevelFlags level, const gchar *message,
	gpointer data)
{
	const char *from = domain ? domain : "GLib";
	if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
		pn_err("%s: %s", from, message);
	else if (level & G_LOG_LEVEL_WARNING)
		pn_warn("%s: %s", from, message);
	else if (level & G_LOG_LEVEL_MESSAGE)
		pn_notice("%s: %s", from, message);
}

/*
 * Variables that let op answer without the person (a token, a Connect
 * server, a signed-in session). Nothing we start (op, the prompt, polkit's
 * PAM helper, which gets our environment) may have them: a service account
 * token comes from the token file, for op alone.
 */
static void drop_op_credentials(void)
{
	static const char *const names[] = {"OP_SERVICE_ACCOUNT_TOKEN", "OP_CONNECT_TOKEN",
		"OP_CONNECT_HOST", NULL};
	for (size_t i = 0; names[i]; i++)
		unsetenv(names[i]);
	/* OP_SESSION, OP_SESSION_<account>: unset from the end, the indexes shift. */
	for (size_t n = environ ? pn_strv_len(environ) : 0; n > 0; n--) {
		const char *entry = environ[n - 1];
		if (strncmp(entry, "OP_SESSION", 10) != 0 || (entry[10] != '=' && entry[10] != '_'))
			continue;
		char name[256];
		size_t len = strcspn(entry, "=");
		if (len < sizeof(name)) {
			memcpy(name, entry, len);
			name[len] = '\0';
			unsetenv(name);
		}
	}
}

/* Lets GLib run what is pending (replies to polkitd, deferred unrefs). */
static void flush_glib(void)
{
	for (int i = 0; i < 100 && g_main_context_iteration(NULL, FALSE); i++)
		;
}

int main(int argc, char **argv)
{
	struct options opts = {0};
	struct pn_daemon daemon;
	struct pn_config cfg;

	/* polkit prints the cookie to stdout when this is set. */
	unsetenv("POLKIT_DEBUG");
	drop_op_credentials();
	int status = pn_daemon_init(&daemon, &daemon_info, &opts, &cfg, argc, argv);
	if (status >= 0)
		return status;

	int r = pn_harden_process();
	if (r < 0)
		pn_warn("cannot turn off core dumps and ptrace: %s", strerror(-r));
	pthread_atfork(NULL, NULL, unblock_signals_in_child);
	g_log_set_default_handler(on_glib_log, NULL);

	struct agent agent = {.cfg = &cfg, .loop = daemon.loop};
	struct gmain *gmain = gmain_attach(agent.loop);
	if (!gmain) {
		pn_err("cannot drive GLib's main context");
		status = 1;
		goto out_loop;
	}
	char err[512];
	agent.op_session = op_session_open(agent.loop, err, sizeof(err));
	if (agent.op_session)
		pn_debug("op runs in the terminal session %d on %s", (int)getsid(0),
			op_session_tty(agent.op_session));
	else
		pn_warn("op runs without a terminal (%s): 1Password asks to authorize every call",
			err);
	agent.children = children_create(agent.loop);
	agent.op_queue = op_queue_new(agent.children, agent.op_session, on_op_queue_changed,
		&agent);
	agent.op_renew = op_renew_new(&agent);
	agent.listener = panther_listener_new(&agent);
	/* Made now, so a prompt that cannot work is reported at start. */
	agent_prompt(&agent);

	agent.reg = registration_start(&agent, opts.pid, opts.start_time, err, sizeof(err));
	if (!agent.reg) {
		pn_err("%s", err);
		status = 1;
		goto out;
	}
	agent.agent1 = agent1_start(&agent);
	char ready[256];
	snprintf(ready, sizeof(ready), "READY=1\nSTATUS=%s for %s",
		registration_state_name(registration_state(agent.reg)),
		registration_subject(agent.reg));
	pn_notify_ready(ready);

	status = pn_loop_run(agent.loop);
	if (status < 0) {
		pn_err("event loop failed: %s", strerror(-status));
		status = 1;
	}

out:
	agent_cancel_all(&agent, "the agent is stopping");
	flush_glib();
	agent1_stop(agent.agent1);
	agent.agent1 = NULL;
	registration_stop(agent.reg);
	agent.reg = NULL;
	agent_free_requests(&agent);
	for (size_t i = 0; i < PN_ARRAY_LEN(agent.prompts); i++)
		prompt_destroy(agent.prompts[i]);
	op_renew_free(agent.op_renew);
	op_queue_free(agent.op_queue);
	children_destroy(agent.children, 1000);
	op_session_close(agent.op_session);
	g_object_unref(agent.listener);
	flush_glib();
	gmain_detach(gmain);
out_loop:
	pn_daemon_finish(&daemon);
	return status;
}
