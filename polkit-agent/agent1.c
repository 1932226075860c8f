#include "agent1.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "op-control.h"
#include "op-session.h"
#include "registration.h"
#include "request.h"
#include "panther/bus-names.h"
#include "panther/dbus.h"
#include "panther/log.h"
#include "panther/util.h"

struct agent1 {
	struct agent *agent;
	struct pn_bus *bus;
	struct pn_timer *emit; /* gathers changes into one PropertiesChanged */
	struct pn_name_watch *waiting; /* for the name, while another agent has it */
	bool lost;
};

static bool append_string(DBusMessageIter *iter, const char *s)
{
	if (!s)
		s = "";
	return dbus_message_iter_append_basic(iter, DBUS_TYPE_STRING, &s);
}

static bool get_version(void *data, DBusMessageIter *iter)
{
	return append_string(iter, PANTHER_VERSION);
}

static bool get_subject(void *data, DBusMessageIter *iter)
{
	struct agent1 *agent1 = data;
	struct registration *reg = agent1->agent->reg;
	return append_string(iter, reg ? registration_subject(reg) : "");
}

static bool get_state(void *data, DBusMessageIter *iter)
{
	struct agent1 *agent1 = data;
	struct registration *reg = agent1->agent->reg;
	return append_string(iter,
		registration_state_name(reg ? registration_state(reg) : REG_STARTING));
}

static bool get_requests(void *data, DBusMessageIter *iter)
{
	struct agent1 *agent1 = data;
	DBusMessageIter array, entry;
	if (!dbus_message_iter_open_container(iter, DBUS_TYPE_ARRAY, "(ussss)", &array))
		return false;
	for (struct request *req = agent1->agent->requests; req; req = req->next) {
		if (req->finished)
			continue;
		dbus_uint32_t id = req->id;
		if (!dbus_message_iter_open_container(&array, DBUS_TYPE_STRUCT, NULL, &entry) ||
			!dbus_message_iter_append_basic(&entry, DBUS_TYPE_UINT32, &id) ||
			!append_string(&entry, req->action_id) ||
			!append_string(&entry, req->program) ||
			!append_string(&entry, req->n_users ? request_user(req) : "") ||
			!append_string(&entry, request_status(req)) ||
			!dbus_message_iter_close_container(&array, &entry)) {
			dbus_message_iter_abandon_container(iter, &array);
			return false;
		}
	}
	return dbus_message_iter_close_container(iter, &array);
}

static bool get_onepassword(void *data, DBusMessageIter *iter)
{
	struct agent1 *agent1 = data;
	return append_string(iter, op_control_state(agent1->agent));
}

static bool get_onepassword_until(void *data, DBusMessageIter *iter)
{
	struct agent1 *agent1 = data;
	dbus_int64_t until = op_session_until_wall(agent1->agent->op_session);
	return dbus_message_iter_append_basic(iter, DBUS_TYPE_INT64, &until);
}

/* A method call waiting for its op. */
struct pending {
	struct pn_bus *bus;
	DBusMessage *call;
};

static void on_control_done(void *data, const char *error, const bool asked[2])
{
	struct pending *p = data;
	DBusMessage *reply;
	if (error) {
		reply = dbus_message_new_error(p->call, PN_AGENT1_IFACE ".Error.Failed", error);
	} else {
		reply = dbus_message_new_method_return(p->call);
		dbus_bool_t first = asked[0], second = asked[1];
		if (reply && strcmp(dbus_message_get_member(p->call), "TryOnePassword") == 0 &&
			!dbus_message_append_args(reply, DBUS_TYPE_BOOLEAN, &first,
				DBUS_TYPE_BOOLEAN, &second, DBUS_TYPE_INVALID)) {
			dbus_message_unref(reply);
			reply = NULL;
		}
	}
	if (reply) {
		pn_bus_send(p->bus, reply);
		dbus_message_unref(reply);
	}
	dbus_message_unref(p->call);
	free(p);
}

static DBusMessage *control(struct agent1 *agent1, struct pn_bus *bus, DBusMessage *msg,
	int (*fn)(struct agent *, op_control_fn, void *, char *, size_t))
{
	struct pending *p = pn_xcalloc(1, sizeof(*p));
	*p = (struct pending){.bus = bus, .call = dbus_message_ref(msg)};
	char err[512];
	if (fn(agent1->agent, on_control_done, p, err, sizeof(err)) < 0) {
		dbus_message_unref(msg);
		free(p);
		return dbus_message_new_error(msg, PN_AGENT1_IFACE ".Error.Failed", err);
	}
	return NULL;
}

static DBusMessage *method_forget(void *data, struct pn_bus *bus, DBusMessage *msg)
{
	return control(data, bus, msg, op_control_forget);
}

static DBusMessage *method_try(void *data, struct pn_bus *bus, DBusMessage *msg)
{
	return control(data, bus, msg, op_control_try);
}

static const struct pn_method methods[] = {
	{"ForgetOnePassword", "", "", "", "", method_forget},
	{"TryOnePassword", "", "", "bb", "first_asked,second_asked", method_try},
	{NULL},
};

static const struct pn_property properties[] = {
	{"Version", "s", get_version, NULL},
	{"Subject", "s", get_subject, NULL},
	{"State", "s", get_state, NULL},
	{"Requests", "a(ussss)", get_requests, NULL},
	{"OnePassword", "s", get_onepassword, NULL},
	{"OnePasswordUntil", "x", get_onepassword_until, NULL},
	{NULL},
};

static const struct pn_interface interface = {
	.name = PN_AGENT1_IFACE,
	.methods = methods,
	.properties = properties,
};

static bool busy(const struct agent *agent)
{
	for (const struct request *req = agent->requests; req; req = req->next) {
		if (!req->finished)
			return true;
	}
	return false;
}

static void on_emit(void *data)
{
	struct agent1 *agent1 = data;
	if (agent1->lost) {
		if (!busy(agent1->agent)) {
			pn_info("no request in progress: exiting, to be started again on the new bus");
			pn_loop_quit(agent1->agent->loop, 1);
		}
		return;
	}
	static const char *const changed[] = {"Subject", "State", "Requests", "OnePassword",
		"OnePasswordUntil", NULL};
	pn_bus_emit_properties_changed(agent1->bus, PN_AGENT1_PATH, PN_AGENT1_IFACE, changed);
}

/*
 * The service manager restarts us on the new bus (exit status 1); requests
 * in progress are finished first, since they need only the system bus.
 */
static void on_bus_lost(void *data, struct pn_bus *bus)
{
	struct agent1 *agent1 = data;
	pn_warn("lost the session bus: stopping once the requests in progress end");
	agent1->lost = true;
	pn_timer_arm(agent1->emit, 0);
}

/* The other agent that had the name left: take it over, as the slot. */
static void on_name_owner(void *data, const char *name, const char *owner)
{
	struct agent1 *agent1 = data;
	if (owner || agent1->lost)
		return;
	char err[256];
	if (pn_bus_request_name(agent1->bus, PN_AGENT1_NAME, err, sizeof(err)) == 0) {
		pn_info("%s is ours now", PN_AGENT1_NAME);
		pn_name_watch_remove(agent1->waiting);
		agent1->waiting = NULL;
	}
}

struct agent1 *agent1_start(struct agent *agent)
{
	char err[256];
	struct pn_bus *bus = pn_bus_open(agent->loop, PN_BUS_SESSION, err, sizeof(err));
	if (!bus) {
		pn_info("no session bus (%s): `pantherctl polkit status` will not see this agent",
			err);
		return NULL;
	}
	struct agent1 *agent1 = pn_xcalloc(1, sizeof(*agent1));
	agent1->agent = agent;
	agent1->bus = bus;
	int r = pn_bus_export(bus, PN_AGENT1_PATH, &interface, agent1);
	if (r == 0)
		r = pn_bus_request_name(bus, PN_AGENT1_NAME, err, sizeof(err));
	if (r == -EEXIST) {
		pn_warn("%s is taken on the session bus (another panther-polkit-agent?): taking it when it is free",
			PN_AGENT1_NAME);
		agent1->waiting = pn_bus_watch_name(bus, PN_AGENT1_NAME, on_name_owner, agent1);
	} else if (r < 0) {
		pn_warn("cannot offer %s: %s", PN_AGENT1_NAME, err);
		pn_bus_close(bus);
		free(agent1);
		return NULL;
	}
	agent1->emit = pn_loop_add_timer(agent->loop, on_emit, agent1);
	pn_bus_set_lost_handler(bus, on_bus_lost, agent1);
	return agent1;
}

void agent1_changed(struct agent1 *agent1)
{
	if (!pn_timer_armed(agent1->emit))
		pn_timer_arm(agent1->emit, 0);
}

void agent1_stop(struct agent1 *agent1)
{
	if (!agent1)
		return;
	pn_timer_remove(agent1->emit);
	pn_name_watch_remove(agent1->waiting);
	pn_bus_close(agent1->bus);
	free(agent1);
}
