#ifndef PANTHER_POLKIT_AGENT_LISTENER_H
#define PANTHER_POLKIT_AGENT_LISTENER_H

/* The PolkitAgentListener subclass: each BeginAuthentication becomes a request. */

#include <polkitagent/polkitagent.h>

struct agent;

PolkitAgentListener *panther_listener_new(struct agent *agent);

#endif
