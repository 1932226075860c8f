/*
 * libpanther's Niri event parser (ipc/niri/state.c): events applied to the
 * state, bad input refused. The client against the stand-in is
 * test_niri_client.c's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "panther/log.h"
#include "panther/loop.h"
#include "panther/niri.h"

/* ---------------------------------------------------------------- parser */

static unsigned apply_ok(struct pn_niri_state *st, const char *line)
{
	unsigned changed = 99;
	char err[256] = "";
	int ret = pn_niri_state_apply(st, line, strlen(line), &changed, err, sizeof(err));
	if (ret != 0)
		fail_msg("apply failed on %s: %s", line, err);
	return changed;
}

static void apply_bad(struct pn_niri_state *st, const char *line, const char *want)
{
	unsigned changed = 99;
	char err[256] = "";
	int ret = pn_niri_state_apply(st, line, strlen(line), &changed, err, sizeof(err));
	if (ret != -EINVAL)
		fail_msg("expected -EINVAL for %s, got %d", line, ret);
	assert_int_equal(changed, 0);
	if (!strstr(err, want))
		fail_msg("error for %s is \"%s\", expected it to contain \"%s\"", line, err, want);
	assert_null(strchr(err, '\n'));
}

#define WINDOW(id, app, title, focused)                                                            \
	"{\"id\":" #id ",\"title\":" title ",\"app_id\":" app ",\"pid\":100,"                      \
	"\"workspace_id\":1,\"is_focused\":" focused ",\"is_floating\":false,\"is_urgent\":false," \
	"\"layout\":{\"pos_in_scrolling_layout\":[1,1],\"tile_size\":[800.0,600.0]},"              \
	"\"focus_timestamp\":{\"secs\":17,\"nanos\":3},\"x_future_field\":[{\"a\":null}]}"

static const char windows_changed[] = "{\"WindowsChanged\":{\"windows\":[" WINDOW(10, "\"foot\"",
	"\"~/src\"", "false") "," WINDOW(11, "\"firefox\"", "\"News\"", "true") "," WINDOW(12,
	"null", "null", "false") "]}}";

static void test_windows_changed(void **unused)
{
	struct pn_niri_state st;
	pn_niri_state_init(&st);
	assert_int_equal(apply_ok(&st, windows_changed),
		PN_NIRI_CHANGE_WINDOWS | PN_NIRI_CHANGE_FOCUS);
	assert_int_equal(st.n_windows, 3);
	const struct pn_niri_window *w = pn_niri_state_window(&st, 10);
	assert_non_null(w);
	assert_string_equal(w->app_id, "foot");
	assert_string_equal(w->title, "~/src");
	assert_int_equal(w->pid, 100);
	assert_true(w->has_workspace);
	assert_int_equal(w->workspace_id, 1);
	assert_false(w->is_focused);
	w = pn_niri_state_window(&st, 12);
	assert_null(w->app_id);
	assert_null(w->title);
	assert_true(st.has_focus);
	assert_int_equal(st.focused_id, 11);
	assert_string_equal(pn_niri_state_focused(&st)->app_id, "firefox");

	/* Full replacement: windows missing from the new list are gone. */
	assert_int_equal(apply_ok(&st,
				 "{\"WindowsChanged\":{\"windows\":[" WINDOW(12, "\"mpv\"", "\"x\"",
					 "false") "]}}"),
		PN_NIRI_CHANGE_WINDOWS | PN_NIRI_CHANGE_FOCUS);
	assert_int_equal(st.n_windows, 1);
	assert_null(pn_niri_state_window(&st, 10));
	assert_false(st.has_focus);
	assert_null(pn_niri_state_focused(&st));
	assert_int_equal(apply_ok(&st, "{\"WindowsChanged\":{\"windows\":[]}}"),
		PN_NIRI_CHANGE_WINDOWS);
	assert_int_equal(st.n_windows, 0);
	pn_niri_state_finish(&st);
}

static void test_window_opened_or_changed(void **unused)
{
	struct pn_niri_state st;
	pn_niri_state_init(&st);
	apply_ok(&st, windows_changed);

	/* A new unfocused window: focus stays on 11. */
	assert_int_equal(apply_ok(&st,
				 "{\"WindowOpenedOrChanged\":{\"window\":" WINDOW(20, "\"mpv\"",
					 "\"film\"", "false") "}}"),
		PN_NIRI_CHANGE_WINDOWS);
	assert_int_equal(st.n_windows, 4);
	assert_int_equal(st.focused_id, 11);
	assert_true(pn_niri_state_window(&st, 11)->is_focused);

	/* A focused one: all others lose focus. */
	assert_int_equal(apply_ok(&st,
				 "{\"WindowOpenedOrChanged\":{\"window\":" WINDOW(21, "\"kitty\"",
					 "\"sh\"", "true") "}}"),
		PN_NIRI_CHANGE_WINDOWS | PN_NIRI_CHANGE_FOCUS);
	assert_int_equal(st.focused_id, 21);
	assert_false(pn_niri_state_window(&st, 11)->is_focused);
	assert_true(pn_niri_state_window(&st, 21)->is_focused);

	/* The focused window changes its title: same focus, new title. */
	assert_int_equal(apply_ok(&st,
				 "{\"WindowOpenedOrChanged\":{\"window\":" WINDOW(21, "\"kitty\"",
					 "\"vim\"", "true") "}}"),
		PN_NIRI_CHANGE_WINDOWS);
	assert_int_equal(st.n_windows, 5);
	assert_string_equal(pn_niri_state_focused(&st)->title, "vim");

	/* The focused window reports it is no longer focused. */
	assert_int_equal(apply_ok(&st,
				 "{\"WindowOpenedOrChanged\":{\"window\":" WINDOW(21, "\"kitty\"",
					 "\"vim\"", "false") "}}"),
		PN_NIRI_CHANGE_WINDOWS | PN_NIRI_CHANGE_FOCUS);
	assert_false(st.has_focus);

	/* Only id is required; everything else may be missing or null. */
	assert_int_equal(apply_ok(&st,
				 "{\"WindowOpenedOrChanged\":{\"window\":{\"id\":30,"
				 "\"pid\":null,\"workspace_id\":null,\"title\":null}}}"),
		PN_NIRI_CHANGE_WINDOWS);
	const struct pn_niri_window *w = pn_niri_state_window(&st, 30);
	assert_int_equal(w->pid, -1);
	assert_false(w->has_workspace);
	assert_null(w->title);
	assert_null(w->app_id);
	assert_false(w->is_focused);

	/* The largest u64 id. */
	apply_ok(&st,
		"{\"WindowOpenedOrChanged\":{\"window\":{\"id\":18446744073709551615,"
		"\"is_focused\":true}}}");
	assert_true(st.focused_id == UINT64_MAX);
	pn_niri_state_finish(&st);
}

static void test_window_closed(void **unused)
{
	struct pn_niri_state st;
	pn_niri_state_init(&st);
	apply_ok(&st, windows_changed);
	assert_int_equal(apply_ok(&st, "{\"WindowClosed\":{\"id\":10}}"), PN_NIRI_CHANGE_WINDOWS);
	assert_null(pn_niri_state_window(&st, 10));
	assert_int_equal(st.n_windows, 2);
	assert_int_equal(st.focused_id, 11);
	/* Closing the focused window drops the focus without a focus event. */
	assert_int_equal(apply_ok(&st, "{\"WindowClosed\":{\"id\":11}}"),
		PN_NIRI_CHANGE_WINDOWS | PN_NIRI_CHANGE_FOCUS);
	assert_false(st.has_focus);
	assert_null(pn_niri_state_focused(&st));
	/* A window we never saw: nothing changes. */
	assert_int_equal(apply_ok(&st, "{\"WindowClosed\":{\"id\":999}}"), 0);
	assert_int_equal(st.n_windows, 1);
	pn_niri_state_finish(&st);
}

static void test_window_focus_changed(void **unused)
{
	struct pn_niri_state st;
	pn_niri_state_init(&st);
	apply_ok(&st, windows_changed);
	assert_int_equal(apply_ok(&st, "{\"WindowFocusChanged\":{\"id\":10}}"),
		PN_NIRI_CHANGE_FOCUS);
	assert_int_equal(st.focused_id, 10);
	assert_true(pn_niri_state_window(&st, 10)->is_focused);
	assert_false(pn_niri_state_window(&st, 11)->is_focused);
	/* The same focus again is no change. */
	assert_int_equal(apply_ok(&st, "{\"WindowFocusChanged\":{\"id\":10}}"), 0);
	/* null: no window has focus (a layer surface took it). */
	assert_int_equal(apply_ok(&st, "{\"WindowFocusChanged\":{\"id\":null}}"),
		PN_NIRI_CHANGE_FOCUS);
	assert_false(st.has_focus);
	for (size_t i = 0; i < st.n_windows; i++)
		assert_false(st.windows[i].is_focused);
	/* Focus on a window not announced yet: kept, but no window to show. */
	assert_int_equal(apply_ok(&st, "{\"WindowFocusChanged\":{\"id\":77}}"),
		PN_NIRI_CHANGE_FOCUS);
	assert_true(st.has_focus);
	assert_null(pn_niri_state_focused(&st));
	apply_ok(&st,
		"{\"WindowOpenedOrChanged\":{\"window\":" WINDOW(77, "\"late\"", "null",
			"true") "}}");
	assert_string_equal(pn_niri_state_focused(&st)->app_id, "late");
	pn_niri_state_finish(&st);
}

#define WORKSPACE(id, idx, name, output, active, focused, win)                      \
	"{\"id\":" #id ",\"idx\":" #idx ",\"name\":" name ",\"output\":" output "," \
	"\"is_urgent\":false,\"is_active\":" active ",\"is_focused\":" focused ","  \
	"\"active_window_id\":" win ",\"x_future_field\":{\"deep\":[[[]]]}}"

static void test_workspaces(void **unused)
{
	struct pn_niri_state st;
	pn_niri_state_init(&st);
	assert_int_equal(apply_ok(&st,
				 "{\"WorkspacesChanged\":{\"workspaces\":[" WORKSPACE(1, 1, "null",
					 "\"eDP-1\"", "true", "true", "10") "," WORKSPACE(2, 2,
					 "\"chat\"", "\"eDP-1\"", "false", "false",
					 "null") "," WORKSPACE(3, 1, "null", "\"HDMI-A-1\"", "true",
					 "false", "null") "]}}"),
		PN_NIRI_CHANGE_WORKSPACES);
	assert_int_equal(st.n_workspaces, 3);
	assert_null(st.workspaces[0].name);
	assert_string_equal(st.workspaces[1].name, "chat");
	assert_string_equal(st.workspaces[2].output, "HDMI-A-1");
	assert_true(st.workspaces[0].has_active_window);
	assert_int_equal(st.workspaces[0].active_window_id, 10);
	assert_false(st.workspaces[1].has_active_window);

	/* Activating 2 on eDP-1 leaves HDMI-A-1's active workspace alone. */
	assert_int_equal(apply_ok(&st, "{\"WorkspaceActivated\":{\"id\":2,\"focused\":true}}"),
		PN_NIRI_CHANGE_WORKSPACES);
	assert_false(st.workspaces[0].is_active);
	assert_false(st.workspaces[0].is_focused);
	assert_true(st.workspaces[1].is_active);
	assert_true(st.workspaces[1].is_focused);
	assert_true(st.workspaces[2].is_active);
	/* Activated without focus: the focused workspace stays. */
	apply_ok(&st, "{\"WorkspaceActivated\":{\"id\":3,\"focused\":false}}");
	assert_true(st.workspaces[1].is_focused);
	assert_false(st.workspaces[2].is_focused);

	assert_int_equal(apply_ok(&st,
				 "{\"WorkspaceActiveWindowChanged\":{\"workspace_id\":2,"
				 "\"active_window_id\":44}}"),
		PN_NIRI_CHANGE_WORKSPACES);
	assert_true(st.workspaces[1].has_active_window);
	assert_int_equal(st.workspaces[1].active_window_id, 44);
	apply_ok(&st,
		"{\"WorkspaceActiveWindowChanged\":{\"workspace_id\":2,\"active_window_id\":null}}");
	assert_false(st.workspaces[1].has_active_window);
	apply_ok(&st, "{\"WorkspaceUrgencyChanged\":{\"id\":3,\"urgent\":true}}");
	assert_true(st.workspaces[2].is_urgent);
	/* Unknown workspace ids are ignored. */
	assert_int_equal(apply_ok(&st, "{\"WorkspaceActivated\":{\"id\":99,\"focused\":true}}"), 0);
	assert_true(st.workspaces[1].is_focused);

	assert_int_equal(apply_ok(&st, "{\"WorkspacesChanged\":{\"workspaces\":[]}}"),
		PN_NIRI_CHANGE_WORKSPACES);
	assert_int_equal(st.n_workspaces, 0);
	pn_niri_state_finish(&st);
}

static void test_layouts_and_config(void **unused)
{
	struct pn_niri_state st;
	pn_niri_state_init(&st);
	assert_int_equal(apply_ok(&st,
				 "{\"KeyboardLayoutsChanged\":{\"keyboard_layouts\":"
				 "{\"names\":[\"English (US)\",\"Deutsch\"],\"current_idx\":1}}}"),
		PN_NIRI_CHANGE_LAYOUTS);
	assert_int_equal(st.n_layouts, 2);
	assert_string_equal(st.layouts[1], "Deutsch");
	assert_int_equal(st.current_layout, 1);
	assert_int_equal(apply_ok(&st, "{\"KeyboardLayoutSwitched\":{\"idx\":0}}"),
		PN_NIRI_CHANGE_LAYOUTS);
	assert_int_equal(st.current_layout, 0);
	apply_ok(&st,
		"{\"KeyboardLayoutsChanged\":{\"keyboard_layouts\":{\"names\":[],\"current_idx\":0}}}");
	assert_int_equal(st.n_layouts, 0);

	assert_int_equal(apply_ok(&st, "{\"ConfigLoaded\":{\"failed\":true}}"),
		PN_NIRI_CHANGE_CONFIG);
	assert_true(st.config_failed);
	assert_int_equal(apply_ok(&st, "{\"ConfigLoaded\":{\"failed\":false}}"),
		PN_NIRI_CHANGE_CONFIG);
	assert_false(st.config_failed);
	pn_niri_state_finish(&st);
}

static void test_unknown_events_ignored(void **unused)
{
	struct pn_niri_state st;
	pn_niri_state_init(&st);
	apply_ok(&st, windows_changed);
	assert_int_equal(apply_ok(&st, "{\"OverviewOpenedOrClosed\":{\"is_open\":true}}"), 0);
	assert_int_equal(apply_ok(&st, "{\"CastsChanged\":{\"casts\":[]}}"), 0);
	assert_int_equal(apply_ok(&st,
				 "{\"WindowFocusTimestampChanged\":{\"id\":10,"
				 "\"focus_timestamp\":{\"secs\":1,\"nanos\":2}}}"),
		0);
	/* Unknown events may carry anything, even a non-object. */
	assert_int_equal(apply_ok(&st, "{\"SomethingNew\":[1,2,{\"x\":null}]}"), 0);
	assert_int_equal(apply_ok(&st, "{\"SomethingElse\":\"text\"}"), 0);
	/* Unknown fields next to the ones we read. */
	assert_int_equal(apply_ok(&st, "{\"WindowClosed\":{\"id\":10,\"reason\":{\"x\":1}}}"),
		PN_NIRI_CHANGE_WINDOWS);
	assert_int_equal(apply_ok(&st, "{\"ConfigLoaded\":{\"failed\":false,\"path\":\"/x\"}}"),
		PN_NIRI_CHANGE_CONFIG);
	assert_int_equal(st.n_windows, 2);
	assert_int_equal(st.focused_id, 11);
	/* A trailing newline or CR is fine. */
	assert_int_equal(apply_ok(&st, "{\"WindowFocusChanged\":{\"id\":12}}\r\n"),
		PN_NIRI_CHANGE_FOCUS);
	pn_niri_state_finish(&st);
}

static void test_bad_input(void **unused)
{
	struct pn_niri_state st;
	pn_niri_state_init(&st);
	apply_ok(&st, windows_changed);

	apply_bad(&st, "", "not valid JSON");
	apply_bad(&st, "not json", "not valid JSON");
	apply_bad(&st, "{\"WindowClosed\":{\"id\":1}", "not valid JSON");
	apply_bad(&st, "{\"WindowClosed\":{\"id\":1}} x", "not valid JSON");
	apply_bad(&st, "{\"WindowOpenedOrChanged\":{\"window\":{\"id\":1,\"title\":\"\xff\"}}}",
		"not valid JSON");
	apply_bad(&st, "[1]", "not an object with one key");
	apply_bad(&st, "{}", "not an object with one key");
	apply_bad(&st, "{\"WindowClosed\":{\"id\":1},\"ConfigLoaded\":{}}",
		"not an object with one key");
	apply_bad(&st, "{\"WindowClosed\":null}", "WindowClosed: expected an object");
	apply_bad(&st, "{\"WindowClosed\":{}}", "WindowClosed: id: expected an unsigned integer");
	apply_bad(&st, "{\"WindowClosed\":{\"id\":\"12\"}}",
		"WindowClosed: id: expected an unsigned integer");
	apply_bad(&st, "{\"WindowClosed\":{\"id\":-1}}",
		"WindowClosed: id: expected an unsigned integer");
	apply_bad(&st, "{\"WindowClosed\":{\"id\":1.5}}",
		"WindowClosed: id: expected an unsigned integer");
	apply_bad(&st, "{\"WindowClosed\":{\"id\":null}}",
		"WindowClosed: id: expected an unsigned integer");
	apply_bad(&st, "{\"WindowFocusChanged\":{}}",
		"WindowFocusChanged: id: expected an unsigned integer or null");
	apply_bad(&st, "{\"WindowFocusChanged\":{\"id\":true}}", "WindowFocusChanged: id:");
	apply_bad(&st, "{\"WindowOpenedOrChanged\":{}}",
		"WindowOpenedOrChanged: window: expected an object");
	apply_bad(&st, "{\"WindowOpenedOrChanged\":{\"window\":[]}}",
		"WindowOpenedOrChanged: window: expected an object");
	apply_bad(&st, "{\"WindowOpenedOrChanged\":{\"window\":{\"id\":1,\"app_id\":5}}}",
		"WindowOpenedOrChanged: window.app_id: expected a string or null");
	apply_bad(&st, "{\"WindowOpenedOrChanged\":{\"window\":{\"id\":1,\"pid\":\"1\"}}}",
		"window.pid: expected an integer or null");
	apply_bad(&st, "{\"WindowOpenedOrChanged\":{\"window\":{\"id\":1,\"is_focused\":1}}}",
		"window.is_focused: expected a boolean");
	apply_bad(&st, "{\"WindowOpenedOrChanged\":{\"window\":{\"title\":\"x\"}}}",
		"window.id: expected an unsigned integer");
	apply_bad(&st, "{\"WindowsChanged\":{}}", "WindowsChanged: windows: expected an array");
	apply_bad(&st,
		"{\"WindowsChanged\":{\"windows\":[" WINDOW(1, "\"a\"", "null",
			"false") ",{\"id\":2,\"workspace_id\":\"one\"}]}}",
		"WindowsChanged: windows[1].workspace_id: expected an unsigned integer or null");
	apply_bad(&st, "{\"WindowsChanged\":{\"windows\":[7]}}",
		"WindowsChanged: windows[0]: expected an object");
	apply_bad(&st, "{\"WorkspacesChanged\":{\"workspaces\":[{\"id\":1,\"name\":[]}]}}",
		"WorkspacesChanged: workspaces[0].name: expected a string or null");
	apply_bad(&st, "{\"WorkspaceActivated\":{\"id\":1}}",
		"WorkspaceActivated: focused: expected a boolean");
	apply_bad(&st, "{\"WorkspaceActiveWindowChanged\":{\"workspace_id\":1}}",
		"active_window_id: expected an unsigned integer or null");
	apply_bad(&st,
		"{\"KeyboardLayoutsChanged\":{\"keyboard_layouts\":{\"names\":[1],\"current_idx\":0}}}",
		"KeyboardLayoutsChanged: keyboard_layouts.names[0]: expected a string");
	apply_bad(&st, "{\"KeyboardLayoutsChanged\":{}}",
		"KeyboardLayoutsChanged: keyboard_layouts: expected an object");
	apply_bad(&st, "{\"KeyboardLayoutSwitched\":{\"idx\":-2}}", "KeyboardLayoutSwitched: idx:");
	apply_bad(&st, "{\"ConfigLoaded\":{\"failed\":\"no\"}}",
		"ConfigLoaded: failed: expected a boolean");
	apply_bad(&st, "{\"ConfigLoaded\":{}}", "ConfigLoaded: failed: expected a boolean");

	/* None of that touched the state. */
	assert_int_equal(st.n_windows, 3);
	assert_int_equal(st.focused_id, 11);
	assert_string_equal(pn_niri_state_window(&st, 10)->app_id, "foot");
	pn_niri_state_finish(&st);
}

static void test_embedded_nul_and_length(void **unused)
{
	struct pn_niri_state st;
	pn_niri_state_init(&st);
	/* len, not the NUL terminator, bounds the line. */
	const char line[] = "{\"WindowClosed\":{\"id\":1}}GARBAGE";
	unsigned changed;
	char err[128];
	assert_int_equal(pn_niri_state_apply(&st, line, 25, &changed, err, sizeof(err)), 0);
	assert_int_equal(pn_niri_state_apply(&st, line, 26, &changed, err, sizeof(err)), -EINVAL);
	const char nul[] = "{\"WindowClosed\":{\"id\":1}}\0";
	assert_int_equal(pn_niri_state_apply(&st, nul, sizeof(nul) - 1, &changed, err, sizeof(err)),
		-EINVAL);
	pn_niri_state_finish(&st);
}

int main(void)
{
	pn_log_init("test-niri", PN_LOG_NOTICE);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_windows_changed),
		cmocka_unit_test(test_window_opened_or_changed),
		cmocka_unit_test(test_window_closed),
		cmocka_unit_test(test_window_focus_changed),
		cmocka_unit_test(test_workspaces),
		cmocka_unit_test(test_layouts_and_config),
		cmocka_unit_test(test_unknown_events_ignored),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_embedded_nul_and_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
