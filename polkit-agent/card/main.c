#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state.h"
#include "panther/log.h"
#include "panther/secret.h"
#include "panther/util.h"

/*
 * panther-polkit-prompt: the Wayland prompt of panther-polkit-agent, one
 * process per request so the agent itself never loads cairo, pango and
 * fontconfig. The agent starts it with a socket as fd 3 (prompt-protocol.h)
 * ahead of the request: it connects, loads the theme and the fonts, and
 * sleeps in poll with nothing mapped until the agent's first "show".
 * This is the card module (panther-polkit-card.so); launcher.c makes the
 * process undumpable, loads it and calls panther_card_main.
 */

#define AGENT_FD 3

static const char usage[] =
	"Usage: panther-polkit-prompt [-v]\n"
	"\n"
	"The password prompt of panther-polkit-agent, which starts it with the\n"
	"request on file descriptor 3. Not meant to be run by hand.\n"
	"\n"
	"  -v, --verbose  log debug messages\n"
	"  -h, --help     show this help\n"
	"      --version  print the version\n";

void state_quit(struct state *state, int status)
{
	if (!state->running)
		return;
	state->running = false;
	state->exit_status = status;
	/* Nothing typed outlives the request. */
	if (state->password)
		keyboard_clear_input(state);
	pn_loop_quit(state->loop, status);
}

void state_fail(struct state *state, const char *why)
{
	pn_err("%s", why);
	state_quit(state, 1);
}

void state_redraw(struct state *state)
{
	state->dirty = true;
	if (state->configured && !state->frame_callback)
		wayland_draw_frame(state);
}

static void on_signal(void *data, int signo)
{
	struct state *state = data;
	pn_debug("signal %d: closing", signo);
	state_quit(state, 0);
}

static int parse_options(int argc, char **argv)
{
	static const struct option long_options[] = {
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "vh", long_options, NULL)) != -1) {
		switch (c) {
		case 'v':
			pn_log_set_level(PN_LOG_DEBUG);
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		case 'V':
			printf("panther-polkit-prompt %s\n", PANTHER_VERSION);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "panther-polkit-prompt: unexpected argument \"%s\"\n",
			argv[optind]);
		return 2;
	}
	return -1;
}

__attribute__((visibility("default"))) int panther_card_main(int argc, char **argv);

int panther_card_main(int argc, char **argv)
{
	pn_log_init("panther-polkit-prompt", PN_LOG_INFO);
	int r = parse_options(argc, argv);
	if (r >= 0)
		return r;
	struct stat st;
	if (fstat(AGENT_FD, &st) < 0 || !S_ISSOCK(st.st_mode)) {
		pn_err("file descriptor 3 is not a socket: this program is started by panther-polkit-agent");
		return 2;
	}
	if (pn_harden_process() < 0)
		pn_warn("cannot turn off core dumps: %s", strerror(errno));
	pn_set_cloexec(AGENT_FD);
	signal(SIGPIPE, SIG_IGN);

	struct state state = {.agent_fd = -1, .running = true};
	wl_list_init(&state.outputs);
	state.password = pn_secret_new(PN_SECRET_MAX_PASSWORD);
	state.loop = pn_loop_create();
	if (!state.password || !state.loop || press_init(&state) < 0) {
		pn_err("out of memory");
		return 1;
	}
	pn_loop_add_signal(state.loop, SIGTERM, on_signal, &state);
	pn_loop_add_signal(state.loop, SIGINT, on_signal, &state);
	theme_load(&state.theme);

	char err[256];
	if (wayland_connect(&state, err, sizeof(err)) < 0) {
		pn_err("%s", err);
		state.exit_status = 1;
	} else if (protocol_start(&state, AGENT_FD) < 0) {
		pn_err("out of memory");
		state.exit_status = 1;
	} else {
		/* Idle until the request: the fonts are ready when it comes. */
		render_warm_up();
		pn_loop_run(state.loop);
	}

	state_quit(&state, state.exit_status);
	protocol_stop(&state);
	keyboard_finish(&state);
	press_finish(&state);
	wayland_disconnect(&state);
	render_finish();
	pn_secret_free(state.password);
	pn_loop_destroy(state.loop);
	close(AGENT_FD);
	return state.exit_status;
}
