#ifndef PANTHER_SESSION_SESSION_H
#define PANTHER_SESSION_SESSION_H

/* The state of panther-session, shared by main.c and start.c. */

#include <stdbool.h>

#include "panther/config.h"
#include "panther/daemon.h"
#include "panther/dbus.h"
#include "panther/loop.h"
#include "session1.h"
#include "supervisor.h"
#include "systemd.h"

enum mode { MODE_STARTING, MODE_DIRECT, MODE_SYSTEMD };

struct session {
	struct pn_daemon daemon;
	struct pn_loop *loop;
	struct pn_config cfg;
	struct pn_bus *bus;
	struct session_object *object;
	struct niri_watch *niri;
	enum mode mode;
	struct supervisor *sup;
	struct systemd_session *sd;
	bool stopping;
};

/* Niri answers: brings the services up in the mode session.mode asks for. */
void session_start(struct session *s);

/* Takes the services down, then leaves the loop; once, whatever asks again. */
void session_stop(struct session *s, const char *why);

#endif
