/* The connection to Niri: the event stream (with reconnects) and requests. */

#include "line.h"
#include "panther/niri.h"

#include <errno.h>
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
	STREAM_REPLAY, /* applying the initial state */
	STREAM_LIVE, /* connected has been called */
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
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
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
	return 0;
}

static void conn_queue(struct conn *c, const char *text, size_t len)
{
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	c->out = pn_xrealloc(c->out, c->out_len + len);
	memcpy(c->out + c->out_len, text, len);
	c->out_len += len;
}

/* Writes what it can; 0 or a negative errno. */
static int conn_flush(struct conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
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
		c->in = pn_xrealloc(c->in, cap);
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
		"WorkspacesChanged",
		"WindowsChanged",
		"KeyboardLayoutsChanged",
		"OverviewOpenedOrClosed",
		"ConfigLoaded",
		"CastsChanged",
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
	json_object *reply = niri_parse_line(line, len, "reply", err, sizeof(err));
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
			snprintf(why, sizeof(why), "niri refused the event stream: %s", shown);
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
		pn_timer_arm(niri->stream_timer,
			niri->replay_has_windows ? REPLAY_SETTLE_MS : STREAM_START_TIMEOUT_MS);
		return true;
	}
	if (changed && niri->listener->changed)
		niri->listener->changed(niri->data, niri, changed);
	return !niri->destroyed && niri->phase == STREAM_LIVE;
}

enum io_result {
	IO_OK,
	IO_STOPPED, /* the line handler said stop: the connection may be gone */
	IO_FAILED, /* why says what happened */
	IO_BAD_PEER, /* niri sent a line that is too long; why says so */
};

typedef bool (*line_fn)(struct pn_niri *niri, const char *line, size_t len);

/* Connects, writes and reads c as revents allow; hands each line to fn. */
static enum io_result conn_io(struct pn_niri *niri, struct conn *c, short revents, const char *name,
	line_fn fn, char *why, size_t whylen)
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
	enum io_result res = conn_io(niri, &niri->stream, revents, "event stream", stream_line, why,
		sizeof(why));
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
		snprintf(why, sizeof(why), "cannot connect to niri at %s: %s", niri->socket_path,
			strerror(-ret));
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
	enum io_result res = conn_io(niri, &niri->req, revents, "request connection", req_line, why,
		sizeof(why));
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

int pn_niri_request(struct pn_niri *niri, const char *request, pn_niri_reply_fn fn, void *data)
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
