#include <errno.h>
#include <getopt.h>
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
#include "registration.h"
#include "service.h"
#include "panther/daemon.h"
#include "panther/log.h"
#include "panther/secret.h"
#include "panther/util.h"

static const char usage[] =
	"Usage: panther-polkit-agent [OPTIONS]\n"
	"\n"
	"The polkit authentication agent of the panther session: shows its card\n"
	"at once, 1Password fills in the password, and Enter confirms it.\n"
	"\n"
	"  --process PID[,START_TIME]  serve one process instead of this logind session\n"
	"  -c, --config FILE           use FILE instead of ~/.config/panther/config.json\n"
	"  -v, --verbose               log debug messages\n"
	"  -h, --help                  show this help\n"
	"      --version               print the version\n";

struct options {
	const char *config_path;
	bool verbose;
	pid_t pid;
	uint64_t start_time;
};

/* 0 to run, or the exit status. */
static int parse_options(int argc, char **argv, struct options *opts)
{
	static const struct option long_options[] = {
		{"process", required_argument, NULL, 'p'},
		{"config", required_argument, NULL, 'c'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "c:vh", long_options, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'p': {
			errno = 0;
			long pid = strtol(optarg, &end, 10);
			if (errno || pid <= 0 || pid > INT32_MAX || (*end && *end != ',')) {
				fprintf(stderr, "panther-polkit-agent: --process: \"%s\" is not PID[,START_TIME]\n",
					optarg);
				return 2;
			}
			opts->pid = (pid_t)pid;
			if (*end == ',') {
				const char *start = end + 1;
				errno = 0;
				opts->start_time = strtoull(start, &end, 10);
				if (errno || *end || !*start) {
					fprintf(stderr, "panther-polkit-agent: --process: \"%s\" is not PID[,START_TIME]\n",
						optarg);
					return 2;
				}
			}
			break;
		}
		case 'c':
			opts->config_path = optarg;
			break;
		case 'v':
			opts->verbose = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return -1;
		case 'V':
			printf("panther-polkit-agent %s\n", PANTHER_VERSION);
			return -1;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "panther-polkit-agent: unexpected argument \"%s\"\n", argv[optind]);
		return 2;
	}
	return 0;
}

static void on_op_queue_changed(void *data)
{
	agent_status_changed(data);
}

static void on_quit_signal(void *data, int signo)
{
	struct agent *agent = data;
	pn_info("stopping (signal %d)", signo);
	pn_loop_quit(agent->loop, 0);
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

/* Lets GLib run what is pending (replies to polkitd, deferred unrefs). */
static void flush_glib(void)
{
	for (int i = 0; i < 100 && g_main_context_iteration(NULL, FALSE); i++)
		;
}

int main(int argc, char **argv)
{
	struct options opts = {0};
	int status = parse_options(argc, argv, &opts);
	if (status)
		return status < 0 ? 0 : status;

	/* polkit prints the cookie to stdout when this is set. */
	unsetenv("POLKIT_DEBUG");
	/*
	 * These let op answer without the person's approval. Nothing we start
	 * (op, the prompt, polkit's PAM helper) may have them.
	 */
	unsetenv("OP_SERVICE_ACCOUNT_TOKEN");
	unsetenv("OP_CONNECT_TOKEN");
	pn_log_init("panther-polkit-agent", opts.verbose ? PN_LOG_DEBUG : PN_LOG_INFO);
	struct pn_config cfg;
	if (pn_daemon_load_config(&cfg, opts.config_path) != 0)
		return PN_EX_CONFIG;

	int r = pn_harden_process();
	if (r < 0)
		pn_warn("cannot turn off core dumps and ptrace: %s", strerror(-r));
	signal(SIGPIPE, SIG_IGN);
	pthread_atfork(NULL, NULL, unblock_signals_in_child);
	g_log_set_default_handler(on_glib_log, NULL);

	struct agent agent = {.cfg = &cfg};
	agent.loop = pn_loop_create();
	if (!agent.loop) {
		pn_err("cannot create the event loop");
		pn_config_finish(&cfg);
		return 1;
	}
	pn_loop_add_signal(agent.loop, SIGTERM, on_quit_signal, &agent);
	pn_loop_add_signal(agent.loop, SIGINT, on_quit_signal, &agent);
	struct pn_config_watch *watch =
		pn_daemon_watch_config(agent.loop, &cfg, opts.config_path, NULL, NULL);
	struct gmain *gmain = gmain_attach(agent.loop);
	if (!gmain) {
		pn_err("cannot drive GLib's main context");
		status = 1;
		goto out_loop;
	}
	agent.children = children_create(agent.loop);
	agent.op_queue = op_queue_new(agent.children, on_op_queue_changed, &agent);
	agent.listener = panther_listener_new(&agent);
	/* Made now, so a prompt that cannot work is reported at start. */
	agent_prompt(&agent);

	char err[512];
	agent.reg = registration_start(&agent, opts.pid, opts.start_time, err, sizeof(err));
	if (!agent.reg) {
		pn_err("%s", err);
		status = 1;
		goto out;
	}
	agent.service = service_start(&agent);
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
	service_stop(agent.service);
	agent.service = NULL;
	registration_stop(agent.reg);
	agent.reg = NULL;
	agent_free_requests(&agent);
	for (size_t i = 0; i < PN_ARRAY_LEN(agent.prompts); i++)
		prompt_destroy(agent.prompts[i]);
	op_queue_free(agent.op_queue);
	children_destroy(agent.children, 1000);
	g_object_unref(agent.listener);
	flush_glib();
	gmain_detach(gmain);
out_loop:
	pn_config_watch_remove(watch);
	pn_loop_destroy(agent.loop);
	pn_config_finish(&cfg);
	return status;
}
