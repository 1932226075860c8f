#include "niri-watch.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "panther/log.h"
#include "panther/niri.h"
#include "panther/util.h"

#define RETRY_MS 100

struct niri_watch {
	struct pn_loop *loop;
	struct pn_niri *niri;
	struct niri_watch_listener listener;
	void *data;
	struct pn_timer *deadline;
	struct pn_timer *retry;
	int timeout_s;
	char *version;
	bool connected;
	bool ready;
	bool request_pending;
	char last_error[256];
};

char *niri_watch_parse_version(const char *reply)
{
	struct json_object *root = json_tokener_parse(reply);
	struct json_object *ok, *version;
	char *result = NULL;
	if (root && json_object_object_get_ex(root, "Ok", &ok) &&
		json_object_is_type(ok, json_type_object) &&
		json_object_object_get_ex(ok, "Version", &version) &&
		json_object_is_type(version, json_type_string))
		result = pn_xstrdup(json_object_get_string(version));
	json_object_put(root);
	return result;
}

static void check_ready(struct niri_watch *w)
{
	if (w->ready || !w->version || !w->connected)
		return;
	w->ready = true;
	pn_timer_disarm(w->deadline);
	pn_timer_disarm(w->retry);
	/* From here on the end of the event stream is the end of the session. */
	pn_niri_set_reconnect(w->niri, false);
	w->listener.ready(w->data, w->version);
}

static void send_version(struct niri_watch *w);

static void version_reply(void *data, const char *reply, const char *why)
{
	struct niri_watch *w = data;
	w->request_pending = false;
	if (w->ready || w->version)
		return;
	if (reply)
		w->version = niri_watch_parse_version(reply);
	if (!w->version) {
		snprintf(w->last_error, sizeof(w->last_error), "%s",
			reply         ? "unexpected reply to Version"
				: why ? why
				      : "no reply");
		pn_debug("niri: %s; trying again", w->last_error);
		pn_timer_arm(w->retry, RETRY_MS);
		return;
	}
	pn_debug("niri: version %s", w->version);
	check_ready(w);
}

static void send_version(struct niri_watch *w)
{
	if (w->request_pending || w->version)
		return;
	w->request_pending = true;
	int r = pn_niri_request(w->niri, "\"Version\"", version_reply, w);
	if (r < 0) {
		w->request_pending = false;
		snprintf(w->last_error, sizeof(w->last_error), "%s", strerror(-r));
		pn_timer_arm(w->retry, RETRY_MS);
	}
}

static void retry_timer(void *data)
{
	send_version(data);
}

static void deadline_timer(void *data)
{
	struct niri_watch *w = data;
	if (w->ready) {
		w->listener.gone(w->data, "the event stream could not be opened again");
		return;
	}
	const char *why = w->last_error[0] ? w->last_error
		: !w->version              ? "no answer to Version"
					   : "the event stream did not open";
	w->listener.timeout(w->data, why);
}

static void niri_connected(void *data, struct pn_niri *niri)
{
	struct niri_watch *w = data;
	w->connected = true;
	if (w->ready) {
		/* Back after niri dropped the stream (see niri_disconnected). */
		pn_timer_disarm(w->deadline);
		pn_niri_set_reconnect(w->niri, false);
		pn_info("niri: reading the event stream again");
		return;
	}
	check_ready(w);
}

static void recheck_reply(void *data, const char *reply, const char *why)
{
	struct niri_watch *w = data;
	char *version = reply ? niri_watch_parse_version(reply) : NULL;
	if (!version) {
		w->listener.gone(w->data, w->last_error);
		return;
	}
	free(version);
	pn_warn("niri closed the event stream (%s) but still answers: opening it again",
		w->last_error);
	pn_niri_set_reconnect(w->niri, true);
	pn_timer_arm(w->deadline, (uint64_t)w->timeout_s * 1000);
}

static void niri_disconnected(void *data, struct pn_niri *niri, const char *why)
{
	struct niri_watch *w = data;
	w->connected = false;
	snprintf(w->last_error, sizeof(w->last_error), "%s",
		why                ? why
			: w->ready ? "the event stream ended"
				   : "disconnected");
	if (!w->ready)
		return;
	/*
	 * niri also drops a reader that falls 64 events behind (a burst): only a
	 * niri that no longer answers is gone.
	 */
	if (pn_niri_request(w->niri, "\"Version\"", recheck_reply, w) < 0)
		w->listener.gone(w->data, w->last_error);
}

static const struct pn_niri_listener niri_listener = {
	.connected = niri_connected,
	.disconnected = niri_disconnected,
};

struct niri_watch *niri_watch_start(struct pn_loop *loop, const char *socket_path, int timeout_s,
	const struct niri_watch_listener *listener, void *data, char *err, size_t errlen)
{
	struct niri_watch *w = pn_xcalloc(1, sizeof(*w));
	w->loop = loop;
	w->listener = *listener;
	w->data = data;
	w->timeout_s = timeout_s;
	w->deadline = pn_loop_add_timer(loop, deadline_timer, w);
	w->retry = pn_loop_add_timer(loop, retry_timer, w);
	w->niri = pn_niri_connect(loop, socket_path, &niri_listener, w, err, errlen);
	if (!w->niri) {
		niri_watch_destroy(w);
		return NULL;
	}
	pn_timer_arm(w->deadline, (uint64_t)timeout_s * 1000);
	send_version(w);
	return w;
}

void niri_watch_destroy(struct niri_watch *w)
{
	if (!w)
		return;
	if (w->niri)
		pn_niri_destroy(w->niri);
	if (w->deadline)
		pn_timer_remove(w->deadline);
	if (w->retry)
		pn_timer_remove(w->retry);
	free(w->version);
	free(w);
}
