/*
 * libpanther's Niri client (ipc/niri/client.c) against the Niri stand-in
 * (tests/harness/niri-standin.py): the replayed state, events, restarts,
 * long and broken lines, slow reading, requests and their timeouts.
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
/* ---------------------------------------------------------------- stand-in */

struct standin {
	char dir[64];
	char sock[128];
	char ctl[128];
	pid_t pid;
};

static char *standin_script(void)
{
	const char *src = getenv("PANTHER_SOURCE_DIR");
	static char path[4096];
	snprintf(path, sizeof(path), "%s/tests/harness/niri-standin.py", src ? src : ".");
	return path;
}

/* The python3 meson found (a build sandbox has no /usr/bin/python3). */
static const char *python(void)
{
	const char *p = getenv("PANTHER_PYTHON");
	return p && p[0] ? p : "/usr/bin/python3";
}

static bool standin_available(void)
{
	return access(python(), X_OK) == 0 && access(standin_script(), R_OK) == 0;
}

static void standin_init(struct standin *s)
{
	memset(s, 0, sizeof(*s));
	strcpy(s->dir, "/tmp/panther-niri-test.XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	snprintf(s->sock, sizeof(s->sock), "%s/niri.sock", s->dir);
	snprintf(s->ctl, sizeof(s->ctl), "%s/niri.ctl", s->dir);
}

/* Starts the stand-in and waits for its "ready"; state_json preloads it. */
static void standin_start(struct standin *s, const char *state_json)
{
	/* Skipped, not failed: the stand-in needs Python. */
	if (!standin_available())
		skip();
	char state_path[160];
	snprintf(state_path, sizeof(state_path), "%s/state.json", s->dir);
	if (state_json) {
		FILE *f = fopen(state_path, "w");
		assert_non_null(f);
		fputs(state_json, f);
		fclose(f);
	}
	int pipefd[2];
	assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(pipefd[1], STDOUT_FILENO);
		char *argv[] = {(char *)python(), standin_script(), s->sock, "--control", s->ctl,
			state_json ? "--state" : NULL, state_path, NULL};
		execv(argv[0], argv);
		_exit(127);
	}
	close(pipefd[1]);
	s->pid = pid;
	char buf[64] = "";
	size_t got = 0;
	while (!strchr(buf, '\n') && got < sizeof(buf) - 1) {
		struct pollfd pfd = {.fd = pipefd[0], .events = POLLIN};
		if (poll(&pfd, 1, 10000) != 1)
			fail_msg("the niri stand-in did not print ready within 10 s");
		ssize_t n = read(pipefd[0], buf + got, sizeof(buf) - 1 - got);
		if (n <= 0)
			fail_msg("the niri stand-in exited before it was ready");
		got += (size_t)n;
		buf[got] = '\0';
	}
	close(pipefd[0]);
	assert_string_equal(buf, "ready\n");
}

static int standin_signal(struct standin *s, int signo)
{
	int status = -1;
	if (s->pid > 0) {
		kill(s->pid, signo);
		waitpid(s->pid, &status, 0);
		s->pid = 0;
	}
	return status;
}

static void standin_cleanup(struct standin *s)
{
	standin_signal(s, SIGTERM);
	char path[160];
	snprintf(path, sizeof(path), "%s/state.json", s->dir);
	unlink(path);
	unlink(s->sock);
	unlink(s->ctl);
	rmdir(s->dir);
}

/* Sends one control command; returns the reply line (malloc'd, no newline). */
static char *standin_ctl_reply(struct standin *s, const char *cmd)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	strcpy(addr.sun_path, s->ctl);
	assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	size_t len = strlen(cmd);
	assert_int_equal(write(fd, cmd, len), (ssize_t)len);
	assert_int_equal(write(fd, "\n", 1), 1);
	size_t cap = 4096, got = 0;
	char *reply = malloc(cap);
	for (;;) {
		if (got + 1 >= cap)
			reply = realloc(reply, cap *= 2);
		ssize_t n = read(fd, reply + got, cap - got - 1);
		assert_true(n > 0);
		got += (size_t)n;
		if (reply[got - 1] == '\n')
			break;
	}
	close(fd);
	reply[got - 1] = '\0';
	return reply;
}

static void standin_ctl(struct standin *s, const char *cmd)
{
	char *reply = standin_ctl_reply(s, cmd);
	if (strcmp(reply, "ok") != 0)
		fail_msg("stand-in command %s: %s", cmd, reply);
	free(reply);
}

/* ---------------------------------------------------------------- client */

struct rec {
	struct pn_loop *loop;
	struct pn_niri *niri;
	int connected;
	int disconnected;
	int changed_calls;
	unsigned changed;
	char why[256];
	bool destroy_on_disconnect;
	/* Windows in the state when connected ran. */
	size_t windows_at_connect;
};

static void on_connected(void *data, struct pn_niri *niri)
{
	struct rec *r = data;
	r->connected++;
	r->windows_at_connect = pn_niri_state(niri)->n_windows;
	assert_true(pn_niri_is_connected(niri));
}

static void on_changed(void *data, struct pn_niri *niri, unsigned changed)
{
	struct rec *r = data;
	r->changed_calls++;
	r->changed |= changed;
	assert_true(changed != 0);
}

static void on_disconnected(void *data, struct pn_niri *niri, const char *why)
{
	struct rec *r = data;
	r->disconnected++;
	snprintf(r->why, sizeof(r->why), "%s", why);
	assert_false(pn_niri_is_connected(niri));
	assert_int_equal(pn_niri_state(niri)->n_windows, 0);
	if (r->destroy_on_disconnect) {
		pn_niri_destroy(niri);
		r->niri = NULL;
	}
}

static const struct pn_niri_listener rec_listener = {
	.connected = on_connected,
	.changed = on_changed,
	.disconnected = on_disconnected,
};

typedef bool (*cond_fn)(struct rec *r, const void *arg);

static bool dispatch_until(struct rec *r, cond_fn cond, const void *arg, int timeout_ms)
{
	uint64_t deadline = pn_now_ms() + (uint64_t)timeout_ms;
	while (!cond(r, arg)) {
		uint64_t now = pn_now_ms();
		if (now >= deadline)
			return false;
		assert_true(pn_loop_dispatch(r->loop, (int)(deadline - now)) >= 0);
	}
	return true;
}

static bool connected_n(struct rec *r, const void *arg)
{
	return r->connected >= *(const int *)arg;
}

static bool disconnected_n(struct rec *r, const void *arg)
{
	return r->disconnected >= *(const int *)arg;
}

static bool has_window(struct rec *r, const void *arg)
{
	return pn_niri_state_window(pn_niri_state(r->niri), *(const uint64_t *)arg) != NULL;
}

static bool lacks_window(struct rec *r, const void *arg)
{
	return !has_window(r, arg);
}

static bool focused_is(struct rec *r, const void *arg)
{
	const struct pn_niri_state *st = pn_niri_state(r->niri);
	uint64_t want = *(const uint64_t *)arg;
	if (want == 0)
		return !st->has_focus;
	return st->has_focus && st->focused_id == want;
}

static bool title_is(struct rec *r, const void *arg)
{
	const struct pn_niri_window *w = pn_niri_state_window(pn_niri_state(r->niri), 9999);
	return w && w->title && strcmp(w->title, arg) == 0;
}

static void wait_connected(struct rec *r, int n)
{
	if (!dispatch_until(r, connected_n, &n, 10000))
		fail_msg("no connected callback #%d within 10 s (why: %s)", n, r->why);
}

static void wait_disconnected(struct rec *r, int n)
{
	if (!dispatch_until(r, disconnected_n, &n, 10000))
		fail_msg("no disconnected callback #%d within 10 s", n);
}

static void wait_window(struct rec *r, uint64_t id)
{
	if (!dispatch_until(r, has_window, &id, 5000))
		fail_msg("window %" PRIu64 " did not appear", id);
}

static void wait_focus(struct rec *r, uint64_t id)
{
	if (!dispatch_until(r, focused_is, &id, 5000))
		fail_msg("focus did not move to %" PRIu64, id);
}

static const char two_windows[] =
	"{\"windows\":[{\"id\":10,\"app_id\":\"foot\",\"title\":\"shell\",\"pid\":4242,"
	"\"workspace_id\":1,\"focused\":true},"
	"{\"id\":11,\"app_id\":\"firefox\",\"title\":\"News\",\"workspace_id\":2,\"focused\":false}]}";

struct fixture {
	struct standin standin;
	struct rec rec;
};

static int client_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	standin_init(&f->standin);
	f->rec.loop = pn_loop_create();
	assert_non_null(f->rec.loop);
	*state = f;
	return 0;
}

static int client_teardown(void **state)
{
	struct fixture *f = *state;
	pn_niri_destroy(f->rec.niri);
	pn_loop_destroy(f->rec.loop);
	standin_cleanup(&f->standin);
	free(f);
	return 0;
}

static void client_connect(struct fixture *f)
{
	/* Skipped, not failed: the stand-in needs Python. */
	if (!standin_available())
		skip();
	char err[256];
	f->rec.niri = pn_niri_connect(f->rec.loop, f->standin.sock, &rec_listener, &f->rec, err,
		sizeof(err));
	assert_non_null(f->rec.niri);
}

static void test_client_initial_replay(void **state)
{
	struct fixture *f = *state;
	standin_start(&f->standin, two_windows);
	client_connect(f);
	assert_false(pn_niri_is_connected(f->rec.niri));
	wait_connected(&f->rec, 1);
	/* The whole replay was applied before connected ran, without changed calls. */
	assert_int_equal(f->rec.windows_at_connect, 2);
	assert_int_equal(f->rec.changed_calls, 0);
	const struct pn_niri_state *st = pn_niri_state(f->rec.niri);
	assert_int_equal(st->n_windows, 2);
	assert_int_equal(st->n_workspaces, 2);
	assert_int_equal(st->n_layouts, 2);
	assert_string_equal(st->layouts[0], "English (US)");
	assert_false(st->config_failed);
	const struct pn_niri_window *w = pn_niri_state_focused(st);
	assert_non_null(w);
	assert_int_equal(w->id, 10);
	assert_string_equal(w->app_id, "foot");
	assert_int_equal(w->pid, 4242);
	assert_int_equal(pn_niri_state_window(st, 11)->workspace_id, 2);

	/* Idle: once the last replay lines are read nothing wakes the loop (no polling). */
	for (int i = 0; i < 5 && pn_loop_dispatch(f->rec.loop, 200) > 0; i++)
		;
	assert_int_equal(pn_loop_dispatch(f->rec.loop, 700), 0);
	assert_int_equal(f->rec.changed_calls, 0);
	assert_int_equal(f->rec.disconnected, 0);
}

static void test_client_events(void **state)
{
	struct fixture *f = *state;
	standin_start(&f->standin, two_windows);
	client_connect(f);
	wait_connected(&f->rec, 1);

	standin_ctl(&f->standin,
		"{\"cmd\":\"open_window\",\"id\":20,\"app_id\":\"steam_app_42\","
		"\"title\":\"Game\",\"pid\":77,\"focused\":true}");
	wait_focus(&f->rec, 20);
	assert_true(f->rec.changed & PN_NIRI_CHANGE_WINDOWS);
	assert_true(f->rec.changed & PN_NIRI_CHANGE_FOCUS);
	assert_string_equal(pn_niri_state_focused(pn_niri_state(f->rec.niri))->app_id,
		"steam_app_42");
	assert_false(pn_niri_state_window(pn_niri_state(f->rec.niri), 10)->is_focused);

	standin_ctl(&f->standin, "{\"cmd\":\"focus\",\"id\":11}");
	wait_focus(&f->rec, 11);
	standin_ctl(&f->standin, "{\"cmd\":\"focus\",\"id\":null}");
	wait_focus(&f->rec, 0);

	/* An unknown event, a malformed line and a badly typed one: skipped. */
	standin_ctl(&f->standin, "{\"cmd\":\"unknown\"}");
	standin_ctl(&f->standin, "{\"cmd\":\"raw\",\"line\":\"this is not json\"}");
	standin_ctl(&f->standin,
		"{\"cmd\":\"raw\",\"line\":\"{\\\"WindowClosed\\\":{\\\"id\\\":\\\"20\\\"}}\"}");
	standin_ctl(&f->standin, "{\"cmd\":\"close\",\"id\":20}");
	uint64_t id = 20;
	assert_true(dispatch_until(&f->rec, lacks_window, &id, 5000));
	assert_int_equal(pn_niri_state(f->rec.niri)->n_windows, 2);

	f->rec.changed = 0;
	standin_ctl(&f->standin, "{\"cmd\":\"config_loaded\",\"failed\":true}");
	standin_ctl(&f->standin, "{\"cmd\":\"switch_layout\",\"idx\":1}");
	standin_ctl(&f->standin, "{\"cmd\":\"activate_workspace\",\"id\":2}");
	standin_ctl(&f->standin, "{\"cmd\":\"open_window\",\"id\":21}");
	wait_window(&f->rec, 21);
	const struct pn_niri_state *st = pn_niri_state(f->rec.niri);
	assert_true(st->config_failed);
	assert_int_equal(st->current_layout, 1);
	assert_true(st->workspaces[1].is_focused);
	assert_false(st->workspaces[0].is_focused);
	assert_int_equal(f->rec.changed,
		PN_NIRI_CHANGE_CONFIG | PN_NIRI_CHANGE_LAYOUTS | PN_NIRI_CHANGE_WORKSPACES |
			PN_NIRI_CHANGE_WINDOWS | PN_NIRI_CHANGE_FOCUS);
	assert_int_equal(f->rec.disconnected, 0);
}

static void test_client_server_restart(void **state)
{
	struct fixture *f = *state;
	standin_start(&f->standin, two_windows);
	client_connect(f);
	wait_connected(&f->rec, 1);

	/* niri exits cleanly. */
	standin_signal(&f->standin, SIGTERM);
	wait_disconnected(&f->rec, 1);
	assert_non_null(strstr(f->rec.why, "closed the event stream"));
	assert_false(pn_niri_is_connected(f->rec.niri));
	assert_int_equal(pn_niri_state(f->rec.niri)->n_windows, 0);

	/* ...and comes back with other windows: the client resyncs by itself. */
	standin_start(&f->standin,
		"{\"windows\":[{\"id\":30,\"app_id\":\"mpv\",\"focused\":true}]}");
	wait_connected(&f->rec, 2);
	const struct pn_niri_state *st = pn_niri_state(f->rec.niri);
	assert_int_equal(st->n_windows, 1);
	assert_int_equal(pn_niri_state_focused(st)->id, 30);

	/* niri crashes (its socket file stays behind), then comes back. */
	standin_signal(&f->standin, SIGKILL);
	wait_disconnected(&f->rec, 2);
	assert_int_equal(pn_niri_state(f->rec.niri)->n_windows, 0);
	/* The stale socket refuses connections for a while: retries go on. */
	assert_int_equal(pn_loop_dispatch(f->rec.loop, 500) >= 0, 1);
	assert_int_equal(f->rec.connected, 2);
	standin_start(&f->standin, two_windows);
	wait_connected(&f->rec, 3);
	assert_int_equal(pn_niri_state(f->rec.niri)->n_windows, 2);
	assert_int_equal(f->rec.disconnected, 2);
}

static void test_client_long_line(void **state)
{
	struct fixture *f = *state;
	standin_start(&f->standin, two_windows);
	client_connect(f);
	wait_connected(&f->rec, 1);
	standin_ctl(&f->standin, "{\"cmd\":\"long_line\",\"bytes\":2097152}");
	wait_disconnected(&f->rec, 1);
	assert_non_null(strstr(f->rec.why, "longer than 1048576 bytes"));
	wait_connected(&f->rec, 2);
	assert_int_equal(pn_niri_state(f->rec.niri)->n_windows, 2);
	/* A line just under the limit is fine (an unknown event, ignored). */
	standin_ctl(&f->standin, "{\"cmd\":\"long_line\",\"bytes\":1000000}");
	standin_ctl(&f->standin, "{\"cmd\":\"open_window\",\"id\":40}");
	wait_window(&f->rec, 40);
	assert_int_equal(f->rec.disconnected, 1);
}

static void test_client_midline_close(void **state)
{
	struct fixture *f = *state;
	standin_start(&f->standin, two_windows);
	client_connect(f);
	wait_connected(&f->rec, 1);
	standin_ctl(&f->standin, "{\"cmd\":\"close_midline\"}");
	wait_disconnected(&f->rec, 1);
	assert_non_null(strstr(f->rec.why, "middle of a line"));
	/* The half line was not applied: window 1 never existed, 10 and 11 are back. */
	wait_connected(&f->rec, 2);
	assert_int_equal(pn_niri_state(f->rec.niri)->n_windows, 2);

	standin_ctl(&f->standin, "{\"cmd\":\"drop_streams\"}");
	wait_disconnected(&f->rec, 2);
	wait_connected(&f->rec, 3);
}

static void test_client_slow_reader(void **state)
{
	struct fixture *f = *state;
	standin_start(&f->standin, two_windows);
	client_connect(f);
	wait_connected(&f->rec, 1);
	/* The client does not read while niri sends 5000 events: niri drops it. */
	standin_ctl(&f->standin, "{\"cmd\":\"burst\",\"n\":5000}");
	char *dump = standin_ctl_reply(&f->standin, "{\"cmd\":\"dump\"}");
	assert_non_null(strstr(dump, "\"dropped_slow\": 1"));
	free(dump);
	/* It reads what was buffered, sees the end, reconnects and resyncs. */
	wait_disconnected(&f->rec, 1);
	wait_connected(&f->rec, 2);
	assert_true(title_is(&f->rec, "burst 5000"));
	/* A reader that keeps up with niri's pace (an update a frame) is not dropped. */
	standin_ctl(&f->standin,
		"{\"cmd\":\"burst\",\"n\":300,\"interval_ms\":2,\"background\":true}");
	assert_true(dispatch_until(&f->rec, title_is, "burst 300", 5000));
	assert_int_equal(f->rec.disconnected, 1);
}

static void test_client_destroy_in_callback(void **state)
{
	struct fixture *f = *state;
	standin_start(&f->standin, two_windows);
	client_connect(f);
	wait_connected(&f->rec, 1);
	f->rec.destroy_on_disconnect = true;
	standin_ctl(&f->standin, "{\"cmd\":\"quit\"}");
	wait_disconnected(&f->rec, 1);
	assert_null(f->rec.niri);
	/* Nothing of the client is left in the loop. */
	assert_int_equal(pn_loop_dispatch(f->rec.loop, 300), 0);
}

/* ---- requests ---- */

struct reply {
	int calls;
	char text[4][512];
	char why[4][128];
};

static void on_reply(void *data, const char *reply, const char *why)
{
	struct reply *r = data;
	if (r->calls < 4) {
		snprintf(r->text[r->calls], sizeof(r->text[0]), "%s", reply ? reply : "");
		snprintf(r->why[r->calls], sizeof(r->why[0]), "%s", why ? why : "");
	}
	r->calls++;
}

static struct reply *g_reply;

static bool replies_n(struct rec *r, const void *arg)
{
	return g_reply->calls >= *(const int *)arg;
}

static void wait_replies(struct rec *r, struct reply *rep, int n, int timeout_ms)
{
	g_reply = rep;
	if (!dispatch_until(r, replies_n, &n, timeout_ms))
		fail_msg("got %d of %d replies", rep->calls, n);
}

static void test_client_requests(void **state)
{
	struct fixture *f = *state;
	standin_start(&f->standin, two_windows);
	client_connect(f);
	pn_niri_set_reconnect(f->rec.niri, false);

	/* Requests work before (and without) the event stream. */
	struct reply rep = {0};
	assert_int_equal(pn_niri_request(f->rec.niri, "\"Version\"", on_reply, &rep), 0);
	assert_int_equal(pn_niri_request(f->rec.niri, "{\"Action\":{\"PowerOffMonitors\":{}}}",
				 on_reply, &rep),
		0);
	assert_int_equal(pn_niri_request(f->rec.niri, "{\"Action\":\"PowerOffMonitors\"}", on_reply,
				 &rep),
		0);
	assert_int_equal(pn_niri_request(f->rec.niri, "\"FocusedWindow\"", on_reply, &rep), 0);
	wait_replies(&f->rec, &rep, 4, 5000);
	/* In order, whole lines. */
	assert_string_equal(rep.text[0], "{\"Ok\":{\"Version\":\"25.11 (b35bcae)\"}}");
	assert_string_equal(rep.text[1], "{\"Ok\":\"Handled\"}");
	assert_string_equal(rep.text[2], "{\"Err\":\"error parsing request\"}");
	assert_non_null(strstr(rep.text[3], "\"FocusedWindow\":{\"id\":10,"));
	assert_string_equal(rep.why[0], "");
	char *dump = standin_ctl_reply(&f->standin, "{\"cmd\":\"dump\"}");
	assert_non_null(strstr(dump, "\"monitors_off\": true"));
	free(dump);

	/* Spawn really starts the program. */
	char marker[160], req[400];
	snprintf(marker, sizeof(marker), "%s/spawned", f->standin.dir);
	snprintf(req, sizeof(req), "{\"Action\":{\"Spawn\":{\"command\":[\"touch\",\"%s\"]}}}",
		marker);
	memset(&rep, 0, sizeof(rep));
	assert_int_equal(pn_niri_request(f->rec.niri, req, on_reply, &rep), 0);
	wait_replies(&f->rec, &rep, 1, 5000);
	assert_string_equal(rep.text[0], "{\"Ok\":\"Handled\"}");
	for (int i = 0; i < 100 && access(marker, F_OK) != 0; i++)
		usleep(20000);
	assert_int_equal(access(marker, F_OK), 0);
	unlink(marker);

	/* A request is one line. */
	assert_int_equal(pn_niri_request(f->rec.niri, "\"Version\"\n\"Version\"", on_reply, &rep),
		-EINVAL);

	/* Quit: niri answers, then goes away; the next request cannot connect. */
	memset(&rep, 0, sizeof(rep));
	assert_int_equal(pn_niri_request(f->rec.niri,
				 "{\"Action\":{\"Quit\":{\"skip_confirmation\":true}}}", on_reply,
				 &rep),
		0);
	wait_replies(&f->rec, &rep, 1, 5000);
	assert_string_equal(rep.text[0], "{\"Ok\":\"Handled\"}");
	int status;
	assert_int_equal(waitpid(f->standin.pid, &status, 0), f->standin.pid);
	f->standin.pid = 0;
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(access(f->standin.sock, F_OK), -1);
	int ret = 0;
	for (int i = 0; i < 50 && ret == 0; i++) {
		/* The old connection may still be open until its EOF is seen. */
		pn_loop_dispatch(f->rec.loop, 20);
		memset(&rep, 0, sizeof(rep));
		ret = pn_niri_request(f->rec.niri, "\"Version\"", on_reply, &rep);
		if (ret == 0) {
			wait_replies(&f->rec, &rep, 1, 5000);
			assert_string_equal(rep.text[0], "");
			assert_string_not_equal(rep.why[0], "");
		}
	}
	assert_int_equal(ret, -ENOENT);
}

/* A server that accepts and reads but never answers. */
static void test_client_request_timeout(void **state)
{
	struct fixture *f = *state;
	int srv = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	strcpy(addr.sun_path, f->standin.sock);
	assert_int_equal(bind(srv, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(listen(srv, 4), 0);

	client_connect(f);
	struct reply rep = {0};
	uint64_t start = pn_now_ms();
	assert_int_equal(pn_niri_request(f->rec.niri, "\"Version\"", on_reply, &rep), 0);
	assert_int_equal(pn_niri_request(f->rec.niri, "\"Windows\"", on_reply, &rep), 0);
	wait_replies(&f->rec, &rep, 2, 8000);
	uint64_t took = pn_now_ms() - start;
	assert_true(took >= 4900 && took < 7000);
	assert_non_null(strstr(rep.why[0], "did not answer within 5 s"));
	assert_non_null(strstr(rep.why[1], "did not answer within 5 s"));
	/* The event stream never started either: no connected call. */
	assert_int_equal(f->rec.connected, 0);
	close(srv);
}

static void test_client_no_niri(void **unused)
{
	char err[256] = "";
	struct pn_loop *loop = pn_loop_create();
	char *saved = getenv("NIRI_SOCKET") ? strdup(getenv("NIRI_SOCKET")) : NULL;
	unsetenv("NIRI_SOCKET");
	struct rec r = {.loop = loop};
	assert_null(pn_niri_connect(loop, NULL, &rec_listener, &r, err, sizeof(err)));
	assert_non_null(strstr(err, "NIRI_SOCKET"));

	/* A path where nothing listens, reconnect off: one disconnected call, then quiet. */
	setenv("NIRI_SOCKET", "/nonexistent/niri.sock", 1);
	r.niri = pn_niri_connect(loop, NULL, &rec_listener, &r, err, sizeof(err));
	assert_non_null(r.niri);
	pn_niri_set_reconnect(r.niri, false);
	wait_disconnected(&r, 1);
	assert_non_null(strstr(r.why, "/nonexistent/niri.sock"));
	assert_int_equal(pn_loop_dispatch(loop, 300), 0);
	assert_int_equal(r.disconnected, 1);

	/* With reconnect on, failed attempts are retried quietly, with backoff. */
	struct rec q = {.loop = loop};
	q.niri = pn_niri_connect(loop, NULL, &rec_listener, &q, err, sizeof(err));
	int wakeups = 0;
	uint64_t end = pn_now_ms() + 1000;
	while (pn_now_ms() < end)
		wakeups += pn_loop_dispatch(loop, (int)(end - pn_now_ms())) > 0;
	/* 0, 100, 200, 400 ms: a handful, not a busy loop. */
	assert_true(wakeups >= 3 && wakeups <= 5);
	assert_int_equal(q.disconnected, 0);
	pn_niri_destroy(q.niri);
	pn_niri_destroy(r.niri);
	pn_loop_destroy(loop);
	if (saved)
		setenv("NIRI_SOCKET", saved, 1);
	else
		unsetenv("NIRI_SOCKET");
	free(saved);
}

#define CLIENT_TEST(fn) cmocka_unit_test_setup_teardown(fn, client_setup, client_teardown)

int main(void)
{
	pn_log_init("test-niri-client", PN_LOG_NOTICE);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_client_no_niri),
		CLIENT_TEST(test_client_initial_replay),
		CLIENT_TEST(test_client_events),
		CLIENT_TEST(test_client_server_restart),
		CLIENT_TEST(test_client_long_line),
		CLIENT_TEST(test_client_midline_close),
		CLIENT_TEST(test_client_slow_reader),
		CLIENT_TEST(test_client_destroy_in_callback),
		CLIENT_TEST(test_client_requests),
		CLIENT_TEST(test_client_request_timeout),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
