#include "panther/niri.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "panther/log.h"
#include "panther/util.h"

#define REQUEST_TIMEOUT_MS 5000
#define STREAM_START_TIMEOUT_MS 5000
/* Without ConfigLoaded in the replay: quiet time after WindowsChanged. */
#define REPLAY_SETTLE_MS 100
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
#define READ_CHUNK 65536

/* ---- the parser ---- */

struct parse {
	char *err;
	size_t errlen;
	/* Prefix naming the event and object, e.g. "WindowsChanged: windows[2]." */
	char where[128];
};

static int parse_fail(struct parse *p, const char *key, const char *expected)
{
	snprintf(p->err, p->errlen, "niri event %s%s: expected %s", p->where, key, expected);
	return -EINVAL;
}

/* For the object named by where itself, e.g. "WindowsChanged: windows[2]". */
static int parse_fail_here(struct parse *p, const char *expected)
{
	size_t len = strlen(p->where);
	if (len > 0 && p->where[len - 1] == '.')
		len--;
	snprintf(p->err, p->errlen, "niri event %.*s: expected %s", (int)len, p->where, expected);
	return -EINVAL;
}

/* Looks key up; *value is NULL both for a missing key and for null. */
static bool get_field(json_object *obj, const char *key, json_object **value)
{
	*value = NULL;
	return json_object_object_get_ex(obj, key, value);
}

static bool is_uint(json_object *v)
{
	return json_object_is_type(v, json_type_int) && json_object_get_int64(v) >= 0;
}

static int get_uint(struct parse *p, json_object *obj, const char *key, bool nullable,
	uint64_t *out, bool *has)
{
	json_object *v;
	bool present = get_field(obj, key, &v);
	*out = 0;
	if (has)
		*has = false;
	if (!v) {
		if (nullable)
			return 0;
		return parse_fail(p, key, present ? "an unsigned integer, not null" : "an unsigned integer");
	}
	if (!is_uint(v))
		return parse_fail(p, key, nullable ? "an unsigned integer or null" : "an unsigned integer");
	*out = json_object_get_uint64(v);
	if (has)
		*has = true;
	return 0;
}

static int get_string(struct parse *p, json_object *obj, const char *key, char **out)
{
	json_object *v;
	get_field(obj, key, &v);
	*out = NULL;
	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return parse_fail(p, key, "a string or null");
	*out = pn_xstrdup(json_object_get_string(v));
	return 0;
}

static int get_bool(struct parse *p, json_object *obj, const char *key, bool required, bool *out)
{
	json_object *v;
	get_field(obj, key, &v);
	*out = false;
	if (!v && !required)
		return 0;
	if (!v || !json_object_is_type(v, json_type_boolean))
		return parse_fail(p, key, "a boolean");
	*out = json_object_get_boolean(v);
	return 0;
}

static void window_finish(struct pn_niri_window *w)
{
	free(w->title);
	free(w->app_id);
}

static void workspace_finish(struct pn_niri_workspace *ws)
{
	free(ws->name);
	free(ws->output);
}

static int parse_window(struct parse *p, json_object *obj, struct pn_niri_window *w)
{
	memset(w, 0, sizeof(*w));
	w->pid = -1;
	if (!json_object_is_type(obj, json_type_object))
		return parse_fail_here(p, "an object");
	int ret = get_uint(p, obj, "id", false, &w->id, NULL);
	if (ret == 0)
		ret = get_uint(p, obj, "workspace_id", true, &w->workspace_id, &w->has_workspace);
	json_object *pid;
	get_field(obj, "pid", &pid);
	if (ret == 0 && pid) {
		if (json_object_is_type(pid, json_type_int))
			w->pid = json_object_get_int64(pid);
		else
			ret = parse_fail(p, "pid", "an integer or null");
	}
	if (ret == 0)
		ret = get_bool(p, obj, "is_focused", false, &w->is_focused);
	if (ret == 0)
		ret = get_bool(p, obj, "is_floating", false, &w->is_floating);
	if (ret == 0)
		ret = get_bool(p, obj, "is_urgent", false, &w->is_urgent);
	if (ret == 0)
		ret = get_string(p, obj, "title", &w->title);
	if (ret == 0)
		ret = get_string(p, obj, "app_id", &w->app_id);
	if (ret < 0)
		window_finish(w);
	return ret;
}

static int parse_workspace(struct parse *p, json_object *obj, struct pn_niri_workspace *ws)
{
	memset(ws, 0, sizeof(*ws));
	if (!json_object_is_type(obj, json_type_object))
		return parse_fail_here(p, "an object");
	int ret = get_uint(p, obj, "id", false, &ws->id, NULL);
	if (ret == 0)
		ret = get_uint(p, obj, "idx", true, &ws->idx, NULL);
	if (ret == 0)
		ret = get_uint(p, obj, "active_window_id", true, &ws->active_window_id,
			&ws->has_active_window);
	if (ret == 0)
		ret = get_bool(p, obj, "is_active", false, &ws->is_active);
	if (ret == 0)
		ret = get_bool(p, obj, "is_focused", false, &ws->is_focused);
	if (ret == 0)
		ret = get_bool(p, obj, "is_urgent", false, &ws->is_urgent);
	if (ret == 0)
		ret = get_string(p, obj, "name", &ws->name);
	if (ret == 0)
		ret = get_string(p, obj, "output", &ws->output);
	if (ret < 0)
		workspace_finish(ws);
	return ret;
}

/* The array under key, or an error naming it. */
static int get_array(struct parse *p, json_object *body, const char *key, json_object **out)
{
	get_field(body, key, out);
	if (!*out || !json_object_is_type(*out, json_type_array))
		return parse_fail(p, key, "an array");
	return 0;
}

static void set_where(struct parse *p, const char *event, const char *what, long idx)
{
	if (idx >= 0)
		snprintf(p->where, sizeof(p->where), "%s: %s[%ld].", event, what, idx);
	else if (what)
		snprintf(p->where, sizeof(p->where), "%s: %s.", event, what);
	else
		snprintf(p->where, sizeof(p->where), "%s: ", event);
}

static struct pn_niri_window *find_window(struct pn_niri_state *state, uint64_t id)
{
	for (size_t i = 0; i < state->n_windows; i++) {
		if (state->windows[i].id == id)
			return &state->windows[i];
	}
	return NULL;
}

static struct pn_niri_workspace *find_workspace(struct pn_niri_state *state, uint64_t id)
{
	for (size_t i = 0; i < state->n_workspaces; i++) {
		if (state->workspaces[i].id == id)
			return &state->workspaces[i];
	}
	return NULL;
}

/* Sets the focus and every window's is_focused; returns the FOCUS bit if it moved. */
static unsigned set_focus(struct pn_niri_state *state, bool has, uint64_t id)
{
	unsigned changed = 0;
	if (has != state->has_focus || (has && id != state->focused_id))
		changed = PN_NIRI_CHANGE_FOCUS;
	state->has_focus = has;
	state->focused_id = has ? id : 0;
	for (size_t i = 0; i < state->n_windows; i++)
		state->windows[i].is_focused = has && state->windows[i].id == id;
	return changed;
}

typedef int (*parse_item_fn)(struct parse *p, json_object *obj, void *item);
typedef void (*finish_item_fn)(void *item);

static void free_items(void *items, size_t n, size_t size, finish_item_fn finish)
{
	for (size_t i = 0; i < n; i++)
		finish((char *)items + i * size);
	free(items);
}

/*
 * Parses the array body[key] of event into a new array of items; on error
 * nothing is allocated.
 */
static int parse_items(struct parse *p, json_object *body, const char *event, const char *key,
	size_t size, parse_item_fn parse, finish_item_fn finish, void **out, size_t *n_out)
{
	json_object *arr;
	set_where(p, event, NULL, -1);
	int ret = get_array(p, body, key, &arr);
	if (ret < 0)
		return ret;
	size_t n = json_object_array_length(arr);
	char *items = pn_xcalloc(n, size);
	for (size_t i = 0; i < n; i++) {
		set_where(p, event, key, (long)i);
		ret = parse(p, json_object_array_get_idx(arr, i), items + i * size);
		if (ret < 0) {
			free_items(items, i, size, finish);
			return ret;
		}
	}
	*out = items;
	*n_out = n;
	return 0;
}

static int parse_window_item(struct parse *p, json_object *obj, void *item)
{
	return parse_window(p, obj, item);
}

static void finish_window_item(void *item)
{
	window_finish(item);
}

static int parse_workspace_item(struct parse *p, json_object *obj, void *item)
{
	return parse_workspace(p, obj, item);
}

static void finish_workspace_item(void *item)
{
	workspace_finish(item);
}

static int apply_windows_changed(struct pn_niri_state *state, json_object *body,
	struct parse *p, unsigned *changed)
{
	void *list;
	size_t n;
	int ret = parse_items(p, body, "WindowsChanged", "windows", sizeof(struct pn_niri_window),
		parse_window_item, finish_window_item, &list, &n);
	if (ret < 0)
		return ret;
	free_items(state->windows, state->n_windows, sizeof(struct pn_niri_window),
		finish_window_item);
	state->windows = list;
	state->n_windows = n;

	bool has = false;
	uint64_t focused = 0;
	for (size_t i = 0; i < n && !has; i++) {
		if (state->windows[i].is_focused)
			has = true, focused = state->windows[i].id;
	}
	*changed = PN_NIRI_CHANGE_WINDOWS | set_focus(state, has, focused);
	return 0;
}

static int apply_window_opened(struct pn_niri_state *state, json_object *body,
	struct parse *p, unsigned *changed)
{
	json_object *obj;
	struct pn_niri_window w;
	set_where(p, "WindowOpenedOrChanged", "window", -1);
	if (!get_field(body, "window", &obj) || !obj) {
		set_where(p, "WindowOpenedOrChanged", NULL, -1);
		return parse_fail(p, "window", "an object");
	}
	int ret = parse_window(p, obj, &w);
	if (ret < 0)
		return ret;
	struct pn_niri_window *slot = find_window(state, w.id);
	if (slot) {
		window_finish(slot);
	} else {
		struct pn_niri_window *grown = realloc(state->windows,
			(state->n_windows + 1) * sizeof(*grown));
		if (!grown) {
			fputs("panther: out of memory\n", stderr);
			abort();
		}
		state->windows = grown;
		slot = &state->windows[state->n_windows++];
	}
	*slot = w;
	*changed = PN_NIRI_CHANGE_WINDOWS;
	if (w.is_focused)
		*changed |= set_focus(state, true, w.id);
	else if (state->has_focus && state->focused_id == w.id)
		*changed |= set_focus(state, false, 0);
	return 0;
}

static int apply_window_closed(struct pn_niri_state *state, json_object *body,
	struct parse *p, unsigned *changed)
{
	uint64_t id;
	set_where(p, "WindowClosed", NULL, -1);
	int ret = get_uint(p, body, "id", false, &id, NULL);
	if (ret < 0)
		return ret;
	struct pn_niri_window *w = find_window(state, id);
	if (w) {
		window_finish(w);
		size_t i = (size_t)(w - state->windows);
		memmove(w, w + 1, (state->n_windows - i - 1) * sizeof(*w));
		state->n_windows--;
		*changed |= PN_NIRI_CHANGE_WINDOWS;
	}
	if (state->has_focus && state->focused_id == id)
		*changed |= set_focus(state, false, 0);
	return 0;
}

static int apply_window_focus(struct pn_niri_state *state, json_object *body,
	struct parse *p, unsigned *changed)
{
	uint64_t id;
	bool has;
	json_object *v;
	set_where(p, "WindowFocusChanged", NULL, -1);
	if (!get_field(body, "id", &v))
		return parse_fail(p, "id", "an unsigned integer or null");
	int ret = get_uint(p, body, "id", true, &id, &has);
	if (ret < 0)
		return ret;
	*changed = set_focus(state, has, id);
	return 0;
}

/* {"id": u64, "urgent": bool}, the body of both urgency events. */
static int parse_urgency(struct parse *p, const char *event, json_object *body,
	uint64_t *id, bool *urgent)
{
	set_where(p, event, NULL, -1);
	int ret = get_uint(p, body, "id", false, id, NULL);
	if (ret == 0)
		ret = get_bool(p, body, "urgent", true, urgent);
	return ret;
}

static int apply_window_urgency(struct pn_niri_state *state, json_object *body,
	struct parse *p, unsigned *changed)
{
	uint64_t id;
	bool urgent;
	int ret = parse_urgency(p, "WindowUrgencyChanged", body, &id, &urgent);
	if (ret < 0)
		return ret;
	struct pn_niri_window *w = find_window(state, id);
	if (w && w->is_urgent != urgent) {
		w->is_urgent = urgent;
		*changed = PN_NIRI_CHANGE_WINDOWS;
	}
	return 0;
}

static int apply_workspaces_changed(struct pn_niri_state *state, json_object *body,
	struct parse *p, unsigned *changed)
{
	void *list;
	size_t n;
	int ret = parse_items(p, body, "WorkspacesChanged", "workspaces",
		sizeof(struct pn_niri_workspace), parse_workspace_item, finish_workspace_item,
		&list, &n);
	if (ret < 0)
		return ret;
	free_items(state->workspaces, state->n_workspaces, sizeof(struct pn_niri_workspace),
		finish_workspace_item);
	state->workspaces = list;
	state->n_workspaces = n;
	*changed = PN_NIRI_CHANGE_WORKSPACES;
	return 0;
}

static bool same_output(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int apply_workspace_activated(struct pn_niri_state *state, json_object *body,
	struct parse *p, unsigned *changed)
{
	uint64_t id;
	bool focused;
	set_where(p, "WorkspaceActivated", NULL, -1);
	int ret = get_uint(p, body, "id", false, &id, NULL);
	if (ret == 0)
		ret = get_bool(p, body, "focused", true, &focused);
	if (ret < 0)
		return ret;
	struct pn_niri_workspace *target = find_workspace(state, id);
	if (!target)
		return 0;
	const char *output = target->output;
	for (size_t i = 0; i < state->n_workspaces; i++) {
		struct pn_niri_workspace *ws = &state->workspaces[i];
		if (same_output(ws->output, output))
			ws->is_active = ws->id == id;
		if (focused)
			ws->is_focused = ws->id == id;
	}
	*changed = PN_NIRI_CHANGE_WORKSPACES;
	return 0;
}

static int apply_workspace_active_window(struct pn_niri_state *state, json_object *body,
	struct parse *p, unsigned *changed)
{
	uint64_t ws_id, win_id;
	bool has;
	json_object *v;
	set_where(p, "WorkspaceActiveWindowChanged", NULL, -1);
	int ret = get_uint(p, body, "workspace_id", false, &ws_id, NULL);
	if (ret == 0 && !get_field(body, "active_window_id", &v))
		ret = parse_fail(p, "active_window_id", "an unsigned integer or null");
	if (ret == 0)
		ret = get_uint(p, body, "active_window_id", true, &win_id, &has);
	if (ret < 0)
		return ret;
	struct pn_niri_workspace *ws = find_workspace(state, ws_id);
	if (ws) {
		ws->has_active_window = has;
		ws->active_window_id = win_id;
		*changed = PN_NIRI_CHANGE_WORKSPACES;
	}
	return 0;
}

static int apply_workspace_urgency(struct pn_niri_state *state, json_object *body,
	struct parse *p, unsigned *changed)
{
	uint64_t id;
	bool urgent;
	int ret = parse_urgency(p, "WorkspaceUrgencyChanged", body, &id, &urgent);
	if (ret < 0)
		return ret;
	struct pn_niri_workspace *ws = find_workspace(state, id);
	if (ws && ws->is_urgent != urgent) {
		ws->is_urgent = urgent;
		*changed = PN_NIRI_CHANGE_WORKSPACES;
	}
	return 0;
}

static void free_layouts(struct pn_niri_state *state)
{
	for (size_t i = 0; i < state->n_layouts; i++)
		free(state->layouts[i]);
	free(state->layouts);
	state->layouts = NULL;
	state->n_layouts = 0;
}

static int apply_layouts_changed(struct pn_niri_state *state, json_object *body,
	struct parse *p, unsigned *changed)
{
	json_object *kl, *names;
	uint64_t idx;
	set_where(p, "KeyboardLayoutsChanged", NULL, -1);
	if (!get_field(body, "keyboard_layouts", &kl) || !kl ||
			!json_object_is_type(kl, json_type_object))
		return parse_fail(p, "keyboard_layouts", "an object");
	set_where(p, "KeyboardLayoutsChanged", "keyboard_layouts", -1);
	int ret = get_array(p, kl, "names", &names);
	if (ret == 0)
		ret = get_uint(p, kl, "current_idx", false, &idx, NULL);
	if (ret < 0)
		return ret;
	size_t n = json_object_array_length(names);
	for (size_t i = 0; i < n; i++) {
		if (!json_object_is_type(json_object_array_get_idx(names, i), json_type_string)) {
			set_where(p, "KeyboardLayoutsChanged", "keyboard_layouts", -1);
			char key[48];
			snprintf(key, sizeof(key), "names[%zu]", i);
			return parse_fail(p, key, "a string");
		}
	}
	free_layouts(state);
	state->layouts = pn_xcalloc(n, sizeof(*state->layouts));
	for (size_t i = 0; i < n; i++)
		state->layouts[i] = pn_xstrdup(json_object_get_string(json_object_array_get_idx(names, i)));
	state->n_layouts = n;
	state->current_layout = (size_t)idx;
	*changed = PN_NIRI_CHANGE_LAYOUTS;
	return 0;
}

static int apply_layout_switched(struct pn_niri_state *state, json_object *body,
	struct parse *p, unsigned *changed)
{
	uint64_t idx;
	set_where(p, "KeyboardLayoutSwitched", NULL, -1);
	int ret = get_uint(p, body, "idx", false, &idx, NULL);
	if (ret < 0)
		return ret;
	state->current_layout = (size_t)idx;
	*changed = PN_NIRI_CHANGE_LAYOUTS;
	return 0;
}

static int apply_config_loaded(struct pn_niri_state *state, json_object *body,
	struct parse *p, unsigned *changed)
{
	bool failed;
	set_where(p, "ConfigLoaded", NULL, -1);
	int ret = get_bool(p, body, "failed", true, &failed);
	if (ret < 0)
		return ret;
	state->config_failed = failed;
	*changed = PN_NIRI_CHANGE_CONFIG;
	return 0;
}

typedef int (*apply_fn)(struct pn_niri_state *state, json_object *body,
	struct parse *p, unsigned *changed);

static const struct {
	const char *name;
	apply_fn apply;
} event_handlers[] = {
	{ "WindowsChanged", apply_windows_changed },
	{ "WindowOpenedOrChanged", apply_window_opened },
	{ "WindowClosed", apply_window_closed },
	{ "WindowFocusChanged", apply_window_focus },
	{ "WindowUrgencyChanged", apply_window_urgency },
	{ "WorkspacesChanged", apply_workspaces_changed },
	{ "WorkspaceActivated", apply_workspace_activated },
	{ "WorkspaceActiveWindowChanged", apply_workspace_active_window },
	{ "WorkspaceUrgencyChanged", apply_workspace_urgency },
	{ "KeyboardLayoutsChanged", apply_layouts_changed },
	{ "KeyboardLayoutSwitched", apply_layout_switched },
	{ "ConfigLoaded", apply_config_loaded },
};

void pn_niri_state_init(struct pn_niri_state *state)
{
	memset(state, 0, sizeof(*state));
}

void pn_niri_state_finish(struct pn_niri_state *state)
{
	free_items(state->windows, state->n_windows, sizeof(struct pn_niri_window),
		finish_window_item);
	free_items(state->workspaces, state->n_workspaces, sizeof(struct pn_niri_workspace),
		finish_workspace_item);
	free_layouts(state);
	pn_niri_state_init(state);
}

/* Parses one line of JSON; NULL with err set when it is not exactly one value. */
static json_object *parse_line(const char *line, size_t len, const char *what,
	char *err, size_t errlen)
{
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (len > INT32_MAX) {
		snprintf(err, errlen, "niri %s is too long", what);
		return NULL;
	}
	struct json_tokener *tok = json_tokener_new_ex(64);
	if (!tok) {
		snprintf(err, errlen, "niri %s: out of memory", what);
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	json_object *obj = json_tokener_parse_ex(tok, line, (int)len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	if (!obj && jerr == json_tokener_continue)
		snprintf(err, errlen, "niri %s is not valid JSON: it ends too early", what);
	else if (!obj || jerr != json_tokener_success)
		snprintf(err, errlen, "niri %s is not valid JSON: %s", what,
			json_tokener_error_desc(jerr));
	else if (json_tokener_get_parse_end(tok) < len) {
		snprintf(err, errlen, "niri %s is not valid JSON: text after the value", what);
		json_object_put(obj);
		obj = NULL;
	}
	json_tokener_free(tok);
	return obj;
}

int pn_niri_state_apply(struct pn_niri_state *state, const char *line, size_t len,
	unsigned *changed, char *err, size_t errlen)
{
	*changed = 0;
	json_object *root = parse_line(line, len, "event", err, errlen);
	if (!root)
		return -EINVAL;
	int ret = 0;
	if (!json_object_is_type(root, json_type_object) || json_object_object_length(root) != 1) {
		snprintf(err, errlen, "niri event is not an object with one key (the event name)");
		ret = -EINVAL;
		goto out;
	}
	struct json_object_iterator it = json_object_iter_begin(root);
	const char *name = json_object_iter_peek_name(&it);
	json_object *body = json_object_iter_peek_value(&it);
	for (size_t i = 0; i < PN_ARRAY_LEN(event_handlers); i++) {
		if (strcmp(event_handlers[i].name, name) != 0)
			continue;
		if (!json_object_is_type(body, json_type_object)) {
			snprintf(err, errlen, "niri event %s: expected an object", name);
			ret = -EINVAL;
			goto out;
		}
		struct parse p = { .err = err, .errlen = errlen };
		ret = event_handlers[i].apply(state, body, &p, changed);
		if (ret < 0)
			*changed = 0;
		goto out;
	}
out:
	json_object_put(root);
	return ret;
}

const struct pn_niri_window *pn_niri_state_window(const struct pn_niri_state *state,
	uint64_t id)
{
	return find_window((struct pn_niri_state *)state, id);
}

const struct pn_niri_window *pn_niri_state_focused(const struct pn_niri_state *state)
{
	if (!state->has_focus)
		return NULL;
	return pn_niri_state_window(state, state->focused_id);
}

/* ---- the client ---- */

struct conn {
	int fd;
	struct pn_fd *source;
	bool connecting;
	char *in;
	size_t in_len, in_cap;
	char *out;
	size_t out_len, out_off;
};

enum stream_phase {
	STREAM_DOWN,
	STREAM_HANDSHAKE, /* "EventStream" sent, waiting for {"Ok":"Handled"} */
	STREAM_REPLAY,    /* applying the initial state */
	STREAM_LIVE,      /* connected has been called */
};

struct pending {
	struct pending *next;
	pn_niri_reply_fn fn;
	void *data;
	uint64_t deadline;
};

struct pn_niri {
	struct pn_loop *loop;
	char *socket_path;
	const struct pn_niri_listener *listener;
	void *data;
	bool reconnect;
	bool attempted; /* the first connection attempt has run */
	struct pn_niri_state state;

	struct conn stream;
	enum stream_phase phase;
	bool replay_has_windows;
	/* Connects (after backoff), or bounds the stream's start. */
	struct pn_timer *retry_timer;
	struct pn_timer *stream_timer;
	uint64_t backoff_ms;

	struct conn req;
	struct pending *head, *tail;
	struct pn_timer *req_timer;

	/* Nesting of our loop callbacks; destroy waits until it is 0. */
	int depth;
	bool destroyed;
};

static void stream_io(void *data, int fd, short revents);
static void req_io(void *data, int fd, short revents);

static void conn_init(struct conn *c)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static void conn_close(struct conn *c)
{
	if (c->source)
		pn_fd_remove(c->source);
	if (c->fd >= 0)
		close(c->fd);
	free(c->in);
	free(c->out);
	conn_init(c);
}

static bool conn_is_open(const struct conn *c)
{
	return c->fd >= 0;
}

static short conn_events(const struct conn *c)
{
	if (c->connecting)
		return POLLOUT;
	return POLLIN | (c->out_off < c->out_len ? POLLOUT : 0);
}

/* Starts a non-blocking connect; 0 or a negative errno. */
static int conn_open(struct pn_niri *niri, struct conn *c, pn_fd_fn fn)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (strlen(niri->socket_path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, niri->socket_path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	conn_init(c);
	c->fd = fd;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		if (errno != EINPROGRESS) {
			int ret = -errno;
			close(fd);
			c->fd = -1;
			return ret;
		}
		c->connecting = true;
	}
	c->source = pn_loop_add_fd(niri->loop, fd, conn_events(c), fn, niri);
	if (!c->source) {
		close(fd);
		c->fd = -1;
		return -ENOMEM;
	}
	return 0;
}

static void conn_queue(struct conn *c, const char *text, size_t len)
{
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	char *grown = realloc(c->out, c->out_len + len);
	if (!grown) {
		fputs("panther: out of memory\n", stderr);
		abort();
	}
	c->out = grown;
	memcpy(c->out + c->out_len, text, len);
	c->out_len += len;
}

/* Writes what it can; 0 or a negative errno. */
static int conn_flush(struct conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
			MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			return -errno;
		}
		c->out_off += (size_t)n;
	}
	pn_fd_set_events(c->source, conn_events(c));
	return 0;
}

/* Finishes a pending connect; 0 or a negative errno. */
static int conn_finish_connect(struct conn *c)
{
	int soerr = 0;
	socklen_t len = sizeof(soerr);
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
		return -errno;
	if (soerr)
		return -soerr;
	c->connecting = false;
	return conn_flush(c);
}

/*
 * Reads once. Returns bytes read, 0 at end of file, -EAGAIN when nothing was
 * there, -EMSGSIZE when a line longer than PN_NIRI_MAX_LINE is buffered, or
 * another negative errno.
 */
static ssize_t conn_read(struct conn *c)
{
	const size_t limit = PN_NIRI_MAX_LINE + 1;
	if (c->in_len >= limit)
		return -EMSGSIZE;
	if (c->in_cap - c->in_len < READ_CHUNK && c->in_cap < limit) {
		size_t cap = c->in_cap ? c->in_cap : READ_CHUNK;
		while (cap - c->in_len < READ_CHUNK && cap < limit)
			cap *= 2;
		if (cap > limit)
			cap = limit;
		char *grown = realloc(c->in, cap);
		if (!grown)
			return -ENOMEM;
		c->in = grown;
		c->in_cap = cap;
	}
	ssize_t n;
	do {
		n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	c->in_len += (size_t)n;
	return n;
}

/* The next complete line (without '\n') or NULL; consumed by conn_consume. */
static char *conn_line(struct conn *c, size_t *len)
{
	char *nl = c->in_len ? memchr(c->in, '\n', c->in_len) : NULL;
	if (!nl)
		return NULL;
	*len = (size_t)(nl - c->in);
	*nl = '\0';
	return c->in;
}

static void conn_consume(struct conn *c, size_t line_len)
{
	size_t used = line_len + 1;
	memmove(c->in, c->in + used, c->in_len - used);
	c->in_len -= used;
}

static void niri_free(struct pn_niri *niri)
{
	conn_close(&niri->stream);
	conn_close(&niri->req);
	while (niri->head) {
		struct pending *next = niri->head->next;
		free(niri->head);
		niri->head = next;
	}
	pn_timer_remove(niri->retry_timer);
	pn_timer_remove(niri->stream_timer);
	pn_timer_remove(niri->req_timer);
	pn_niri_state_finish(&niri->state);
	free(niri->socket_path);
	free(niri);
}

static void enter(struct pn_niri *niri)
{
	niri->depth++;
}

/* Returns true when niri was freed (destroyed from inside a callback). */
static bool leave(struct pn_niri *niri)
{
	if (--niri->depth == 0 && niri->destroyed) {
		niri_free(niri);
		return true;
	}
	return false;
}

static void schedule_retry(struct pn_niri *niri)
{
	if (!niri->reconnect || niri->destroyed)
		return;
	pn_timer_arm(niri->retry_timer, niri->backoff_ms);
	niri->backoff_ms *= 2;
	if (niri->backoff_ms > BACKOFF_MAX_MS)
		niri->backoff_ms = BACKOFF_MAX_MS;
}

/*
 * Ends the event stream. `connected` consumers hear of it through
 * `disconnected`; an attempt that never got that far is logged (protocol
 * errors) and retried quietly, except with reconnect off, where nothing else
 * would tell the consumer that niri is not there.
 */
static void stream_fail(struct pn_niri *niri, const char *why, bool protocol_error)
{
	bool was_live = niri->phase == STREAM_LIVE;
	conn_close(&niri->stream);
	niri->phase = STREAM_DOWN;
	pn_timer_disarm(niri->stream_timer);
	pn_niri_state_finish(&niri->state);
	if (!was_live) {
		if (protocol_error)
			pn_warn("%s", why);
		else
			pn_debug("niri: %s", why);
	}
	schedule_retry(niri);
	if ((was_live || !niri->reconnect) && niri->listener->disconnected)
		niri->listener->disconnected(niri->data, niri, why);
}

static void stream_connected(struct pn_niri *niri)
{
	niri->phase = STREAM_LIVE;
	niri->backoff_ms = BACKOFF_MIN_MS;
	pn_timer_disarm(niri->stream_timer);
	if (niri->listener->connected)
		niri->listener->connected(niri->data, niri);
}

static bool is_replay_event(const char *line, size_t len)
{
	static const char *const names[] = {
		"WorkspacesChanged", "WindowsChanged", "KeyboardLayoutsChanged",
		"OverviewOpenedOrClosed", "ConfigLoaded", "CastsChanged",
	};
	for (size_t i = 0; i < PN_ARRAY_LEN(names); i++) {
		size_t n = strlen(names[i]);
		if (len > n + 3 && line[0] == '{' && line[1] == '"' &&
				memcmp(line + 2, names[i], n) == 0 && line[n + 2] == '"')
			return true;
	}
	return false;
}

static bool is_handled_reply(const char *line, size_t len)
{
	char err[64];
	json_object *reply = parse_line(line, len, "reply", err, sizeof(err));
	json_object *ok = NULL;
	bool handled = reply && json_object_object_get_ex(reply, "Ok", &ok) &&
		json_object_is_type(ok, json_type_string) &&
		strcmp(json_object_get_string(ok), "Handled") == 0;
	json_object_put(reply);
	return handled;
}

/*
 * One line of the event stream. Returns false when the stream was closed or
 * niri destroyed while handling it.
 */
static bool stream_line(struct pn_niri *niri, const char *line, size_t len)
{
	if (niri->phase == STREAM_HANDSHAKE) {
		if (!is_handled_reply(line, len)) {
			char *shown = pn_sanitize_text(line, 200);
			char why[320];
			snprintf(why, sizeof(why), "niri refused the event stream: %s",
				shown ? shown : "");
			free(shown);
			stream_fail(niri, why, true);
			return false;
		}
		niri->phase = STREAM_REPLAY;
		return true;
	}
	/* The replay ends at ConfigLoaded or at the first event it never holds. */
	if (niri->phase == STREAM_REPLAY && !is_replay_event(line, len)) {
		stream_connected(niri);
		if (niri->destroyed || niri->phase != STREAM_LIVE)
			return false;
	}
	unsigned changed;
	char err[256];
	if (pn_niri_state_apply(&niri->state, line, len, &changed, err, sizeof(err)) < 0) {
		/* A later full event repairs the state; reconnecting would replay the same. */
		pn_warn("%s", err);
		return true;
	}
	if (niri->phase == STREAM_REPLAY) {
		if (len > 17 && memcmp(line, "{\"WindowsChanged\"", 17) == 0)
			niri->replay_has_windows = true;
		if (len > 15 && memcmp(line, "{\"ConfigLoaded\"", 15) == 0) {
			stream_connected(niri);
			return !niri->destroyed && niri->phase == STREAM_LIVE;
		}
		pn_timer_arm(niri->stream_timer, niri->replay_has_windows ?
			REPLAY_SETTLE_MS : STREAM_START_TIMEOUT_MS);
		return true;
	}
	if (changed && niri->listener->changed)
		niri->listener->changed(niri->data, niri, changed);
	return !niri->destroyed && niri->phase == STREAM_LIVE;
}

enum io_result {
	IO_OK,
	IO_STOPPED,  /* the line handler said stop: the connection may be gone */
	IO_FAILED,   /* why says what happened */
	IO_BAD_PEER, /* niri sent a line that is too long; why says so */
};

typedef bool (*line_fn)(struct pn_niri *niri, const char *line, size_t len);

/* Connects, writes and reads c as revents allow; hands each line to fn. */
static enum io_result conn_io(struct pn_niri *niri, struct conn *c, short revents,
	const char *name, line_fn fn, char *why, size_t whylen)
{
	int ret = 0;
	if (c->connecting) {
		ret = conn_finish_connect(c);
		if (ret < 0) {
			snprintf(why, whylen, "cannot connect to niri: %s", strerror(-ret));
			return IO_FAILED;
		}
		return IO_OK;
	}
	if (revents & POLLOUT)
		ret = conn_flush(c);
	if (ret < 0) {
		snprintf(why, whylen, "niri %s: %s", name, strerror(-ret));
		return IO_FAILED;
	}
	if (!(revents & (POLLIN | POLLHUP | POLLERR)))
		return IO_OK;
	ssize_t n = conn_read(c);
	if (n == -EAGAIN)
		return IO_OK;
	if (n == 0) {
		snprintf(why, whylen, "niri closed the %s%s", name,
			c->in_len ? " in the middle of a line" : "");
		return IO_FAILED;
	}
	if (n < 0 && n != -EMSGSIZE) {
		snprintf(why, whylen, "niri %s: %s", name, strerror((int)-n));
		return IO_FAILED;
	}
	size_t len;
	char *line;
	while ((line = conn_line(c, &len))) {
		if (!fn(niri, line, len))
			return IO_STOPPED;
		conn_consume(c, len);
	}
	if (c->in_len > PN_NIRI_MAX_LINE) {
		snprintf(why, whylen, "niri sent a line longer than %d bytes on the %s",
			PN_NIRI_MAX_LINE, name);
		return IO_BAD_PEER;
	}
	return IO_OK;
}

static void stream_io_locked(struct pn_niri *niri, short revents)
{
	char why[160];
	enum io_result res = conn_io(niri, &niri->stream, revents, "event stream",
		stream_line, why, sizeof(why));
	if (res == IO_FAILED || res == IO_BAD_PEER)
		stream_fail(niri, why, res == IO_BAD_PEER);
}

static void stream_io(void *data, int fd, short revents)
{
	struct pn_niri *niri = data;
	enter(niri);
	stream_io_locked(niri, revents);
	leave(niri);
}

static void stream_timer_fired(void *data)
{
	struct pn_niri *niri = data;
	enter(niri);
	if (niri->phase == STREAM_REPLAY && niri->replay_has_windows)
		stream_connected(niri);
	else
		stream_fail(niri, "niri did not start the event stream within 5 s", true);
	leave(niri);
}

static void retry_fired(void *data)
{
	struct pn_niri *niri = data;
	enter(niri);
	niri->attempted = true;
	niri->replay_has_windows = false;
	int ret = conn_open(niri, &niri->stream, stream_io);
	if (ret < 0) {
		char why[256];
		snprintf(why, sizeof(why), "cannot connect to niri at %s: %s",
			niri->socket_path, strerror(-ret));
		niri->phase = STREAM_DOWN;
		stream_fail(niri, why, false);
	} else {
		static const char request[] = "\"EventStream\"\n";
		conn_queue(&niri->stream, request, sizeof(request) - 1);
		niri->phase = STREAM_HANDSHAKE;
		pn_timer_arm(niri->stream_timer, STREAM_START_TIMEOUT_MS);
		if (!niri->stream.connecting) {
			ret = conn_flush(&niri->stream);
			if (ret < 0) {
				char why[128];
				snprintf(why, sizeof(why), "niri event stream: %s", strerror(-ret));
				stream_fail(niri, why, false);
			}
		}
	}
	leave(niri);
}

/* ---- requests ---- */

/* Fails every pending request with why and closes the request connection. */
static void req_fail_all(struct pn_niri *niri, const char *why)
{
	struct pending *list = niri->head;
	niri->head = niri->tail = NULL;
	conn_close(&niri->req);
	pn_timer_disarm(niri->req_timer);
	while (list) {
		struct pending *next = list->next;
		if (!niri->destroyed)
			list->fn(list->data, NULL, why);
		free(list);
		list = next;
	}
}

static void req_arm_timer(struct pn_niri *niri)
{
	if (!niri->head) {
		pn_timer_disarm(niri->req_timer);
		return;
	}
	uint64_t now = pn_now_ms();
	pn_timer_arm(niri->req_timer, niri->head->deadline > now ? niri->head->deadline - now : 0);
}

static bool req_line(struct pn_niri *niri, const char *line, size_t len)
{
	struct pending *p = niri->head;
	if (!p) {
		req_fail_all(niri, "niri sent a reply nobody asked for");
		return false;
	}
	niri->head = p->next;
	if (!niri->head)
		niri->tail = NULL;
	p->fn(p->data, line, NULL);
	free(p);
	return !niri->destroyed && conn_is_open(&niri->req);
}

static void req_io_locked(struct pn_niri *niri, short revents)
{
	char why[160];
	enum io_result res = conn_io(niri, &niri->req, revents, "request connection",
		req_line, why, sizeof(why));
	if (res == IO_FAILED || res == IO_BAD_PEER)
		req_fail_all(niri, why);
	else if (res == IO_OK)
		req_arm_timer(niri);
}

static void req_io(void *data, int fd, short revents)
{
	struct pn_niri *niri = data;
	enter(niri);
	req_io_locked(niri, revents);
	leave(niri);
}

static void req_timer_fired(void *data)
{
	struct pn_niri *niri = data;
	enter(niri);
	/* Later replies would be matched to the wrong requests: start over. */
	req_fail_all(niri, "niri did not answer within 5 s");
	leave(niri);
}

int pn_niri_request(struct pn_niri *niri, const char *request,
	pn_niri_reply_fn fn, void *data)
{
	if (niri->destroyed || strchr(request, '\n') || !fn)
		return -EINVAL;
	if (!conn_is_open(&niri->req)) {
		int ret = conn_open(niri, &niri->req, req_io);
		if (ret < 0)
			return ret;
	}
	struct pending *p = pn_xcalloc(1, sizeof(*p));
	p->fn = fn;
	p->data = data;
	p->deadline = pn_now_ms() + REQUEST_TIMEOUT_MS;
	if (niri->tail)
		niri->tail->next = p;
	else
		niri->head = p;
	niri->tail = p;
	conn_queue(&niri->req, request, strlen(request));
	conn_queue(&niri->req, "\n", 1);
	if (!niri->req.connecting) {
		/* Errors show up as POLLERR/POLLHUP on the next dispatch. */
		conn_flush(&niri->req);
	}
	if (niri->head == p)
		req_arm_timer(niri);
	return 0;
}

/* ---- life cycle ---- */

struct pn_niri *pn_niri_connect(struct pn_loop *loop, const char *socket_path,
	const struct pn_niri_listener *listener, void *data, char *err, size_t errlen)
{
	if (!socket_path || !*socket_path)
		socket_path = getenv("NIRI_SOCKET");
	if (!socket_path || !*socket_path) {
		snprintf(err, errlen, "NIRI_SOCKET is not set: is niri running?");
		return NULL;
	}
	if (strlen(socket_path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		snprintf(err, errlen, "niri socket path is too long: %s", socket_path);
		return NULL;
	}
	struct pn_niri *niri = pn_xcalloc(1, sizeof(*niri));
	niri->loop = loop;
	niri->socket_path = pn_xstrdup(socket_path);
	niri->listener = listener;
	niri->data = data;
	niri->reconnect = true;
	niri->backoff_ms = BACKOFF_MIN_MS;
	pn_niri_state_init(&niri->state);
	conn_init(&niri->stream);
	conn_init(&niri->req);
	niri->retry_timer = pn_loop_add_timer(loop, retry_fired, niri);
	niri->stream_timer = pn_loop_add_timer(loop, stream_timer_fired, niri);
	niri->req_timer = pn_loop_add_timer(loop, req_timer_fired, niri);
	if (!niri->retry_timer || !niri->stream_timer || !niri->req_timer) {
		snprintf(err, errlen, "niri client: out of memory");
		niri_free(niri);
		return NULL;
	}
	/* The first attempt runs from the loop, after set_reconnect had its say. */
	pn_timer_arm(niri->retry_timer, 0);
	return niri;
}

void pn_niri_destroy(struct pn_niri *niri)
{
	if (!niri || niri->destroyed)
		return;
	niri->destroyed = true;
	if (niri->depth > 0) {
		/* Called from one of our callbacks: stop all I/O now, free on return. */
		conn_close(&niri->stream);
		pn_timer_disarm(niri->retry_timer);
		pn_timer_disarm(niri->stream_timer);
		return;
	}
	niri_free(niri);
}

void pn_niri_set_reconnect(struct pn_niri *niri, bool reconnect)
{
	niri->reconnect = reconnect;
	if (!niri->attempted || niri->destroyed)
		return;
	if (!reconnect)
		pn_timer_disarm(niri->retry_timer);
	else if (niri->phase == STREAM_DOWN && !pn_timer_armed(niri->retry_timer))
		schedule_retry(niri);
}

bool pn_niri_is_connected(const struct pn_niri *niri)
{
	return niri->phase == STREAM_LIVE;
}

const struct pn_niri_state *pn_niri_state(const struct pn_niri *niri)
{
	return &niri->state;
}
