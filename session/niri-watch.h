#ifndef PANTHER_SESSION_NIRI_WATCH_H
#define PANTHER_SESSION_NIRI_WATCH_H

/*
 * Niri's presence: waits until Niri answers "Version" on $NIRI_SOCKET and
 * its event stream is open, then reports Niri's end: the end of that stream
 * with Niri no longer answering (a stream Niri dropped is opened again).
 */

#include <stddef.h>

#include "panther/loop.h"

struct niri_watch_listener {
	/* Niri answered; version is what it said. */
	void (*ready)(void *data, const char *version);
	/* Niri did not answer within the timeout; why says what was last seen. */
	void (*timeout)(void *data, const char *why);
	/* After ready: Niri's event stream ended and Niri no longer answers. */
	void (*gone)(void *data, const char *why);
};

struct niri_watch;

/*
 * socket_path NULL means $NIRI_SOCKET. Returns NULL with err filled when
 * there is no socket to wait for.
 */
struct niri_watch *niri_watch_start(struct pn_loop *loop, const char *socket_path, int timeout_s,
	const struct niri_watch_listener *listener, void *data, char *err, size_t errlen);
void niri_watch_destroy(struct niri_watch *watch);

/* Parses a reply to "Version": the version string, or NULL. Caller frees. */
char *niri_watch_parse_version(const char *reply);

#endif
