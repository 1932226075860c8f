#ifndef PANTHER_POLKIT_AGENT_GMAIN_H
#define PANTHER_POLKIT_AGENT_GMAIN_H

/*
 * libpolkit-agent-1 runs on GLib: its D-Bus object, its PAM helper's pipes
 * and its timeouts are GSources on the default GMainContext. That context is
 * driven from our loop through pn_loop_set_external().
 */

#include "panther/loop.h"

struct gmain;

/* NULL when the context is owned by another thread or memory ran out. */
struct gmain *gmain_attach(struct pn_loop *loop);
void gmain_detach(struct gmain *gmain);

#endif
