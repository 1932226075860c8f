#ifndef PANTHER_NIRI_H
#define PANTHER_NIRI_H

/*
 * Niri IPC client (DESIGN.md 5.1). One connection carries requests, a second
 * one the event stream; the client keeps a replica of the state the events
 * describe and calls back on changes. Unknown fields and unknown events are
 * ignored. A line longer than PN_NIRI_MAX_LINE is an error that drops the
 * connection (and, for the event stream, reconnects).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "panther/loop.h"

#define PN_NIRI_MAX_LINE (1024 * 1024)

struct pn_niri;

struct pn_niri_window {
	uint64_t id;
	char *title; /* NULL when niri sent null */
	char *app_id; /* NULL when niri sent null */
	int64_t pid; /* -1 when null */
	uint64_t workspace_id;
	bool has_workspace;
	bool is_focused;
	bool is_floating;
	bool is_urgent;
};

struct pn_niri_workspace {
	uint64_t id;
	uint64_t idx;
	char *name; /* NULL when null */
	char *output; /* NULL when null */
	bool is_active;
	bool is_focused;
	bool is_urgent;
	uint64_t active_window_id;
	bool has_active_window;
};

/* The replicated state. Arrays are owned by it. */
struct pn_niri_state {
	struct pn_niri_window *windows;
	size_t n_windows;
	struct pn_niri_workspace *workspaces;
	size_t n_workspaces;
	char **layouts; /* keyboard layout names */
	size_t n_layouts;
	size_t current_layout;
	uint64_t focused_id;
	bool has_focus;
	bool config_failed; /* last ConfigLoaded */
};

enum pn_niri_change {
	PN_NIRI_CHANGE_NONE = 0,
	PN_NIRI_CHANGE_WINDOWS = 1 << 0, /* a window opened, changed or closed */
	PN_NIRI_CHANGE_FOCUS = 1 << 1, /* the focused window is another one */
	PN_NIRI_CHANGE_WORKSPACES = 1 << 2,
	PN_NIRI_CHANGE_LAYOUTS = 1 << 3,
	PN_NIRI_CHANGE_CONFIG = 1 << 4, /* ConfigLoaded */
};

/* ---- the parser (pure, no I/O; the fuzz target drives it) ---- */

void pn_niri_state_init(struct pn_niri_state *state);
void pn_niri_state_finish(struct pn_niri_state *state);
/*
 * Applies one event line to state. Returns 0 (with *changed set to the
 * PN_NIRI_CHANGE_* bits, 0 for an ignored event) or -EINVAL with a one-line
 * message in err.
 */
int pn_niri_state_apply(struct pn_niri_state *state, const char *line, size_t len,
	unsigned *changed, char *err, size_t errlen);
const struct pn_niri_window *pn_niri_state_window(const struct pn_niri_state *state, uint64_t id);
const struct pn_niri_window *pn_niri_state_focused(const struct pn_niri_state *state);

/* ---- the client ---- */

struct pn_niri_listener {
	/* Both connections are up and the initial replay has been applied. */
	void (*connected)(void *data, struct pn_niri *niri);
	/* The state changed; changed is a mask of PN_NIRI_CHANGE_* bits. */
	void (*changed)(void *data, struct pn_niri *niri, unsigned changed);
	/*
	 * The event stream ended (niri exited or restarted). With reconnect on,
	 * the client retries with backoff (100 ms doubling to 5 s) and calls
	 * connected again; the state is cleared meanwhile. Only called after
	 * connected, except with reconnect off, where a failed first attempt
	 * is reported too. pn_niri_destroy() may be called from here.
	 */
	void (*disconnected)(void *data, struct pn_niri *niri, const char *why);
};

/*
 * socket_path NULL means $NIRI_SOCKET. Returns NULL with err filled when
 * there is no socket path at all; a socket that does not answer yet is
 * retried like a lost connection.
 */
struct pn_niri *pn_niri_connect(struct pn_loop *loop, const char *socket_path,
	const struct pn_niri_listener *listener, void *data, char *err, size_t errlen);
void pn_niri_destroy(struct pn_niri *niri);
void pn_niri_set_reconnect(struct pn_niri *niri, bool reconnect);
bool pn_niri_is_connected(const struct pn_niri *niri);
const struct pn_niri_state *pn_niri_state(const struct pn_niri *niri);

/*
 * reply is the whole reply line (a JSON object, {"Ok":...} or {"Err":...}),
 * or NULL with why set when the connection failed or timed out.
 */
typedef void (*pn_niri_reply_fn)(void *data, const char *reply, const char *why);
/*
 * Sends one request (a JSON value without the newline, e.g. "\"Version\"")
 * on the request connection, opened on demand. Replies come in order; a
 * request unanswered after 5 s fails with every one queued behind it.
 * Returns 0, -EINVAL for a request containing a newline, or a negative errno
 * when niri's socket cannot be connected (fn is then not called). fn is
 * never called after pn_niri_destroy().
 */
int pn_niri_request(struct pn_niri *niri, const char *request, pn_niri_reply_fn fn, void *data);

#endif
