/* Niri's state as its event stream tells it: parsing and applying each event. */

#include "line.h"
#include "panther/niri.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "panther/util.h"

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
		return parse_fail(p, key,
			present ? "an unsigned integer, not null" : "an unsigned integer");
	}
	if (!is_uint(v))
		return parse_fail(p, key,
			nullable ? "an unsigned integer or null" : "an unsigned integer");
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

static int apply_windows_changed(struct pn_niri_state *state, json_object *body, struct parse *p,
	unsigned *changed)
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

static int apply_window_opened(struct pn_niri_state *state, json_object *body, struct parse *p,
	unsigned *changed)
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
		state->windows = pn_xrealloc(state->windows,
			(state->n_windows + 1) * sizeof(*state->windows));
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

static int apply_window_closed(struct pn_niri_state *state, json_object *body, struct parse *p,
	unsigned *changed)
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

static int apply_window_focus(struct pn_niri_state *state, json_object *body, struct parse *p,
	unsigned *changed)
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
static int parse_urgency(struct parse *p, const char *event, json_object *body, uint64_t *id,
	bool *urgent)
{
	set_where(p, event, NULL, -1);
	int ret = get_uint(p, body, "id", false, id, NULL);
	if (ret == 0)
		ret = get_bool(p, body, "urgent", true, urgent);
	return ret;
}

static int apply_window_urgency(struct pn_niri_state *state, json_object *body, struct parse *p,
	unsigned *changed)
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

static int apply_workspaces_changed(struct pn_niri_state *state, json_object *body, struct parse *p,
	unsigned *changed)
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

static int apply_workspace_urgency(struct pn_niri_state *state, json_object *body, struct parse *p,
	unsigned *changed)
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

static int apply_layouts_changed(struct pn_niri_state *state, json_object *body, struct parse *p,
	unsigned *changed)
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
		state->layouts[i] = pn_xstrdup(
			json_object_get_string(json_object_array_get_idx(names, i)));
	state->n_layouts = n;
	state->current_layout = (size_t)idx;
	*changed = PN_NIRI_CHANGE_LAYOUTS;
	return 0;
}

static int apply_layout_switched(struct pn_niri_state *state, json_object *body, struct parse *p,
	unsigned *changed)
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

static int apply_config_loaded(struct pn_niri_state *state, json_object *body, struct parse *p,
	unsigned *changed)
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

typedef int (*apply_fn)(struct pn_niri_state *state, json_object *body, struct parse *p,
	unsigned *changed);

static const struct {
	const char *name;
	apply_fn apply;
} event_handlers[] = {
	{"WindowsChanged", apply_windows_changed},
	{"WindowOpenedOrChanged", apply_window_opened},
	{"WindowClosed", apply_window_closed},
	{"WindowFocusChanged", apply_window_focus},
	{"WindowUrgencyChanged", apply_window_urgency},
	{"WorkspacesChanged", apply_workspaces_changed},
	{"WorkspaceActivated", apply_workspace_activated},
	{"WorkspaceActiveWindowChanged", apply_workspace_active_window},
	{"WorkspaceUrgencyChanged", apply_workspace_urgency},
	{"KeyboardLayoutsChanged", apply_layouts_changed},
	{"KeyboardLayoutSwitched", apply_layout_switched},
	{"ConfigLoaded", apply_config_loaded},
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

json_object *niri_parse_line(const char *line, size_t len, const char *what, char *err,
	size_t errlen)
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
	json_object *root = niri_parse_line(line, len, "event", err, errlen);
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
		struct parse p = {.err = err, .errlen = errlen};
		ret = event_handlers[i].apply(state, body, &p, changed);
		if (ret < 0)
			*changed = 0;
		goto out;
	}
out:
	json_object_put(root);
	return ret;
}

const struct pn_niri_window *pn_niri_state_window(const struct pn_niri_state *state, uint64_t id)
{
	return find_window((struct pn_niri_state *)state, id);
}

const struct pn_niri_window *pn_niri_state_focused(const struct pn_niri_state *state)
{
	if (!state->has_focus)
		return NULL;
	return pn_niri_state_window(state, state->focused_id);
}
