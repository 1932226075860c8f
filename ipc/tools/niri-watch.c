/*
 * panther-niri-watch: prints what panther's Niri client sees, one line per
 * change: windows opening, changing and closing, focus, workspaces, keyboard
 * layouts, config reloads, and niri going away.
 */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "panther/log.h"
#include "panther/loop.h"
#include "panther/niri.h"
#include "panther/util.h"

struct seen_window {
	uint64_t id;
	char *title;
	char *app_id;
	uint64_t workspace_id;
	bool has_workspace;
};

struct watch {
	struct pn_loop *loop;
	struct pn_niri *niri;
	bool exit_when_gone;
	bool was_connected;
	struct seen_window *windows;
	size_t n_windows;
	char workspaces_line[512];
};

static const char usage[] = "Usage: panther-niri-watch [--socket PATH] [--exit] [--verbose]\n"
			    "\n"
			    "Prints every change panther's Niri client sees on the event stream.\n"
			    "\n"
			    "  --socket PATH  niri's socket (default: $NIRI_SOCKET)\n"
			    "  --exit         exit when niri goes away instead of waiting for it\n"
			    "  --verbose      log the client's debug messages\n";

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Prints s quoted and sanitized, or null. */
static void print_str(const char *key, const char *s)
{
	if (!s) {
		printf(" %s=null", key);
		return;
	}
	char *clean = pn_sanitize_text(s, 200);
	printf(" %s=\"%s\"", key, clean);
	free(clean);
}

static void print_window(const char *what, const struct pn_niri_window *w)
{
	printf("window %" PRIu64 " %s:", w->id, what);
	print_str("app_id", w->app_id);
	print_str("title", w->title);
	if (w->has_workspace)
		printf(" workspace=%" PRIu64, w->workspace_id);
	if (w->pid >= 0)
		printf(" pid=%" PRId64, w->pid);
	putchar('\n');
}

static void forget_windows(struct watch *watch)
{
	for (size_t i = 0; i < watch->n_windows; i++) {
		free(watch->windows[i].title);
		free(watch->windows[i].app_id);
	}
	free(watch->windows);
	watch->windows = NULL;
	watch->n_windows = 0;
}

static void remember_windows(struct watch *watch, const struct pn_niri_state *state)
{
	forget_windows(watch);
	watch->windows = pn_xcalloc(state->n_windows, sizeof(*watch->windows));
	for (size_t i = 0; i < state->n_windows; i++) {
		const struct pn_niri_window *w = &state->windows[i];
		struct seen_window *s = &watch->windows[i];
		s->id = w->id;
		s->title = w->title ? pn_xstrdup(w->title) : NULL;
		s->app_id = w->app_id ? pn_xstrdup(w->app_id) : NULL;
		s->workspace_id = w->workspace_id;
		s->has_workspace = w->has_workspace;
	}
	watch->n_windows = state->n_windows;
}

static const struct seen_window *seen(const struct watch *watch, uint64_t id)
{
	for (size_t i = 0; i < watch->n_windows; i++) {
		if (watch->windows[i].id == id)
			return &watch->windows[i];
	}
	return NULL;
}

static void print_window_diff(struct watch *watch, const struct pn_niri_state *state)
{
	for (size_t i = 0; i < watch->n_windows; i++) {
		if (!pn_niri_state_window(state, watch->windows[i].id))
			printf("window %" PRIu64 " closed\n", watch->windows[i].id);
	}
	for (size_t i = 0; i < state->n_windows; i++) {
		const struct pn_niri_window *w = &state->windows[i];
		const struct seen_window *old = seen(watch, w->id);
		if (!old)
			print_window("opened", w);
		else if (!same_str(old->title, w->title) || !same_str(old->app_id, w->app_id) ||
			old->has_workspace != w->has_workspace ||
			old->workspace_id != w->workspace_id)
			print_window("changed", w);
	}
	remember_windows(watch, state);
}

static void print_focus(const struct pn_niri_state *state)
{
	const struct pn_niri_window *w = pn_niri_state_focused(state);
	if (!state->has_focus) {
		puts("focus: none");
	} else if (!w) {
		printf("focus: window %" PRIu64 " (not known yet)\n", state->focused_id);
	} else {
		printf("focus: window %" PRIu64 ":", w->id);
		print_str("app_id", w->app_id);
		print_str("title", w->title);
		putchar('\n');
	}
}

/* "workspaces: 1* 2(chat)": * focused, + active; printed when it changes. */
static void print_workspaces(struct watch *watch, const struct pn_niri_state *state)
{
	char line[sizeof(watch->workspaces_line)];
	size_t len = (size_t)snprintf(line, sizeof(line), "workspaces:");
	for (size_t i = 0; i < state->n_workspaces && len < sizeof(line); i++) {
		const struct pn_niri_workspace *ws = &state->workspaces[i];
		char *name = ws->name ? pn_sanitize_text(ws->name, 64) : NULL;
		len += (size_t)snprintf(line + len, sizeof(line) - len, " %" PRIu64 "%s%s%s%s",
			ws->id, name ? "(" : "", name ? name : "", name ? ")" : "",
			ws->is_focused          ? "*"
				: ws->is_active ? "+"
						: "");
		free(name);
	}
	if (strcmp(line, watch->workspaces_line) == 0)
		return;
	strcpy(watch->workspaces_line, line);
	puts(line);
}

static void print_layout(const struct pn_niri_state *state)
{
	if (state->current_layout < state->n_layouts) {
		char *clean = pn_sanitize_text(state->layouts[state->current_layout], 64);
		printf("layout: %s\n", clean);
		free(clean);
	} else {
		puts("layout: none");
	}
}

static void handle_connected(void *data, struct pn_niri *niri)
{
	struct watch *watch = data;
	const struct pn_niri_state *state = pn_niri_state(niri);
	watch->was_connected = true;
	printf("connected: %zu windows, %zu workspaces\n", state->n_windows, state->n_workspaces);
	forget_windows(watch);
	watch->workspaces_line[0] = '\0';
	for (size_t i = 0; i < state->n_windows; i++)
		print_window("open", &state->windows[i]);
	remember_windows(watch, state);
	print_focus(state);
	print_workspaces(watch, state);
	print_layout(state);
	printf("config: %s\n", state->config_failed ? "failed to load" : "loaded");
	fflush(stdout);
}

static void handle_changed(void *data, struct pn_niri *niri, unsigned changed)
{
	struct watch *watch = data;
	const struct pn_niri_state *state = pn_niri_state(niri);
	if (changed & PN_NIRI_CHANGE_WINDOWS)
		print_window_diff(watch, state);
	if (changed & PN_NIRI_CHANGE_FOCUS)
		print_focus(state);
	if (changed & PN_NIRI_CHANGE_WORKSPACES)
		print_workspaces(watch, state);
	if (changed & PN_NIRI_CHANGE_LAYOUTS)
		print_layout(state);
	if (changed & PN_NIRI_CHANGE_CONFIG)
		printf("config: %s\n", state->config_failed ? "failed to load" : "reloaded");
	fflush(stdout);
}

static void handle_disconnected(void *data, struct pn_niri *niri, const char *why)
{
	struct watch *watch = data;
	printf("niri gone: %s\n", why);
	fflush(stdout);
	forget_windows(watch);
	if (watch->exit_when_gone)
		pn_loop_quit(watch->loop, watch->was_connected ? 0 : 1);
}

static void handle_signal(void *data, int signo)
{
	struct watch *watch = data;
	pn_loop_quit(watch->loop, 0);
}

static const struct pn_niri_listener listener = {
	.connected = handle_connected,
	.changed = handle_changed,
	.disconnected = handle_disconnected,
};

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{"socket", required_argument, NULL, 's'},
		{"exit", no_argument, NULL, 'e'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct watch watch = {0};
	const char *socket_path = NULL;
	enum pn_log_level level = PN_LOG_INFO;
	int opt;
	while ((opt = getopt_long(argc, argv, "s:evh", options, NULL)) != -1) {
		switch (opt) {
		case 's':
			socket_path = optarg;
			break;
		case 'e':
			watch.exit_when_gone = true;
			break;
		case 'v':
			level = PN_LOG_DEBUG;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fputs(usage, stderr);
		return 2;
	}
	pn_log_init("panther-niri-watch", level);

	watch.loop = pn_loop_create();
	if (!watch.loop) {
		pn_err("cannot create the event loop");
		return 1;
	}
	pn_loop_add_signal(watch.loop, SIGINT, handle_signal, &watch);
	pn_loop_add_signal(watch.loop, SIGTERM, handle_signal, &watch);
	char err[256];
	watch.niri = pn_niri_connect(watch.loop, socket_path, &listener, &watch, err, sizeof(err));
	if (!watch.niri) {
		pn_err("%s", err);
		pn_loop_destroy(watch.loop);
		return 1;
	}
	pn_niri_set_reconnect(watch.niri, !watch.exit_when_gone);
	int status = pn_loop_run(watch.loop);
	pn_niri_destroy(watch.niri);
	forget_windows(&watch);
	pn_loop_destroy(watch.loop);
	return status;
}
