#include "gmain.h"

#include <errno.h>
#include <glib.h>
#include <stdlib.h>

#include "panther/log.h"
#include "panther/util.h"

/*
 * One GLib iteration split around our poll(): prepare and query before it,
 * check and dispatch after it, with the context acquired by this thread.
 */
struct gmain {
	GMainContext *ctx;
	gint max_priority;
	int n_fds;
	GPollFD fds[PN_EXTERNAL_MAX_FDS];
	struct pn_loop *loop;
	bool warned;
};

static int prepare(void *data, struct pollfd *fds, int max_fds, int *timeout_ms)
{
	struct gmain *g = data;
	g_main_context_prepare(g->ctx, &g->max_priority);
	gint timeout = -1;
	int n = g_main_context_query(g->ctx, g->max_priority, &timeout, g->fds, max_fds);
	if (n > max_fds) {
		if (!g->warned)
			pn_warn("GLib wants %d file descriptors watched, more than %d", n, max_fds);
		g->warned = true;
		n = max_fds;
	}
	for (int i = 0; i < n; i++)
		fds[i] = (struct pollfd){.fd = g->fds[i].fd, .events = (short)g->fds[i].events};
	g->n_fds = n;
	*timeout_ms = timeout;
	return n;
}

static void dispatch(void *data, struct pollfd *fds, int n_fds)
{
	struct gmain *g = data;
	for (int i = 0; i < g->n_fds && i < n_fds; i++)
		g->fds[i].revents = (gushort)fds[i].revents;
	if (g_main_context_check(g->ctx, g->max_priority, g->fds, g->n_fds))
		g_main_context_dispatch(g->ctx);
}

static const struct pn_external external = {
	.prepare = prepare,
	.dispatch = dispatch,
};

struct gmain *gmain_attach(struct pn_loop *loop)
{
	GMainContext *ctx = g_main_context_default();
	if (!g_main_context_acquire(ctx))
		return NULL;
	struct gmain *g = pn_xcalloc(1, sizeof(*g));
	if (pn_loop_set_external(loop, &external, g) < 0) {
		g_main_context_release(ctx);
		free(g);
		return NULL;
	}
	g->ctx = ctx;
	g->loop = loop;
	return g;
}

void gmain_detach(struct gmain *g)
{
	if (!g)
		return;
	pn_loop_set_external(g->loop, NULL, NULL);
	g_main_context_release(g->ctx);
	free(g);
}
