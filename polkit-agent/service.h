#ifndef PANTHER_POLKIT_AGENT_SERVICE_H
#define PANTHER_POLKIT_AGENT_SERVICE_H

/*
 * org.pantheros.PolkitAgent1 on the session bus, at /org/pantheros/PolkitAgent1:
 * the registered subject, the registration state and the pending requests
 * (for `pantherctl polkit status`). Never any cookie or secret.
 */

struct agent;
struct service;

/* NULL (with a logged line) when there is no session bus or the name is taken. */
struct service *service_start(struct agent *agent);
void service_stop(struct service *service);
/* Emits PropertiesChanged for the state and the requests. */
void service_changed(struct service *service);

#endif
