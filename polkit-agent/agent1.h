#ifndef PANTHER_POLKIT_AGENT_AGENT1_H
#define PANTHER_POLKIT_AGENT_AGENT1_H

/*
 * org.pantheros.PolkitAgent1 on the session bus, at /org/pantheros/PolkitAgent1:
 * the registered subject, the registration state and the pending requests
 * (for `pantherctl polkit status`). Never any cookie or secret.
 */

struct agent;
struct agent1;

/* NULL (with a logged line) when there is no session bus or the name is taken. */
struct agent1 *agent1_start(struct agent *agent);
void agent1_stop(struct agent1 *agent1);
/* Emits PropertiesChanged for the state and the requests. */
void agent1_changed(struct agent1 *agent1);

#endif
