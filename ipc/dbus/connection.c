/* A bus connection: opening and closing it, libdbus in the loop, deferred removal. */

#include "bus.h"
#include "panther/loop.h"
#include "panther/util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static void bus_free(struct pn_bus *bus);

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || errlen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- deferred removal ---- */

void bus_pending_free(struct pn_pending *p)
{
	if (p->call) {
		dbus_pending_call_cancel(p->call);
		dbus_pending_call_unref(p->call);
	}
	free(p);
}

void bus_name_watch_release(struct pn_name_watch *w)
{
	struct pn_bus *bus = w->bus;
	if (w->initial)
		pn_pending_cancel(w->initial);
	if (bus->conn && !bus->closing && dbus_connection_get_is_connected(bus->conn))
		dbus_bus_remove_match(bus->conn, w->rule, NULL);
}

void bus_name_watch_free(struct pn_name_watch *w)
{
	free(w->name);
	free(w->rule);
	free(w->owner);
	free(w);
}

void bus_match_release(struct pn_match *m)
{
	struct pn_bus *bus = m->bus;
	pn_name_watch_remove(m->sender_owner);
	if (bus->conn && !bus->closing && dbus_connection_get_is_connected(bus->conn))
		dbus_bus_remove_match(bus->conn, m->rule, NULL);
}

void bus_match_free(struct pn_match *m)
{
	free(m->sender);
	free(m->path);
	free(m->iface);
	free(m->member);
	free(m->rule);
	free(m);
}

/*
 * Frees dead entries. Matches first: releasing one removes its name watch,
 * releasing a watch cancels its pending call.
 */
void bus_reap(struct pn_bus *bus)
{
	if (bus->depth > 0 || !bus->has_dead)
		return;
	bus->has_dead = false;
	for (struct pn_match **p = &bus->matches; *p;) {
		struct pn_match *m = *p;
		if (m->dead) {
			*p = m->next;
			bus_match_free(m);
		} else {
			p = &m->next;
		}
	}
	for (struct pn_name_watch **p = &bus->watches; *p;) {
		struct pn_name_watch *w = *p;
		if (w->dead) {
			*p = w->next;
			bus_name_watch_free(w);
		} else {
			p = &w->next;
		}
	}
	for (struct pn_pending **p = &bus->pendings; *p;) {
		struct pn_pending *q = *p;
		if (q->dead) {
			*p = q->next;
			bus_pending_free(q);
		} else {
			p = &q->next;
		}
	}
	for (struct export **p = &bus->exports; *p;) {
		struct export *e = *p;
		if (e->dead) {
			*p = e->next;
			free(e->path);
			free(e);
		} else {
			p = &e->next;
		}
	}
}

void bus_enter(struct pn_bus *bus)
{
	bus->depth++;
}

void bus_leave(struct pn_bus *bus)
{
	if (--bus->depth > 0)
		return;
	if (bus->closing)
		bus_free(bus);
	else
		bus_reap(bus);
}

/* ---- libdbus main loop integration ---- */

static short watch_events(DBusWatch *watch)
{
	if (!dbus_watch_get_enabled(watch))
		return 0; /* the loop then leaves the fd out of poll() */
	unsigned int flags = dbus_watch_get_flags(watch);
	short events = 0;
	if (flags & DBUS_WATCH_READABLE)
		events |= POLLIN;
	if (flags & DBUS_WATCH_WRITABLE)
		events |= POLLOUT;
	return events;
}

static void watch_ready(void *data, int fd, short revents)
{
	DBusWatch *watch = data;
	unsigned int flags = 0;
	if (revents & POLLIN)
		flags |= DBUS_WATCH_READABLE;
	if (revents & POLLOUT)
		flags |= DBUS_WATCH_WRITABLE;
	if (revents & POLLHUP)
		flags |= DBUS_WATCH_HANGUP;
	if (revents & (POLLERR | POLLNVAL))
		flags |= DBUS_WATCH_ERROR;
	/* May remove this watch and others: touch nothing afterwards. */
	dbus_watch_handle(watch, flags);
}

static void remove_fd_source(void *source)
{
	pn_fd_remove(source);
}

/* One loop source per watch: libdbus's read and write watches share an fd. */
static dbus_bool_t add_watch(DBusWatch *watch, void *data)
{
	struct pn_bus *bus = data;
	struct pn_fd *source = pn_loop_add_fd(bus->loop, dbus_watch_get_unix_fd(watch),
		watch_events(watch), watch_ready, watch);
	dbus_watch_set_data(watch, source, remove_fd_source);
	return TRUE;
}

static void remove_watch(DBusWatch *watch, void *data)
{
	dbus_watch_set_data(watch, NULL, NULL);
}

static void toggle_watch(DBusWatch *watch, void *data)
{
	struct pn_fd *source = dbus_watch_get_data(watch);
	if (source)
		pn_fd_set_events(source, watch_events(watch));
}

static void timeout_expired(void *data)
{
	DBusTimeout *timeout = data;
	/* libdbus timeouts repeat until disabled or removed. */
	pn_timer_arm(dbus_timeout_get_data(timeout), (uint64_t)dbus_timeout_get_interval(timeout));
	dbus_timeout_handle(timeout);
}

static void remove_timer(void *timer)
{
	pn_timer_remove(timer);
}

static void toggle_timeout(DBusTimeout *timeout, void *data)
{
	struct pn_timer *timer = dbus_timeout_get_data(timeout);
	if (!timer)
		return;
	if (dbus_timeout_get_enabled(timeout))
		pn_timer_arm(timer, (uint64_t)dbus_timeout_get_interval(timeout));
	else
		pn_timer_disarm(timer);
}

static dbus_bool_t add_timeout(DBusTimeout *timeout, void *data)
{
	struct pn_bus *bus = data;
	struct pn_timer *timer = pn_loop_add_timer(bus->loop, timeout_expired, timeout);
	dbus_timeout_set_data(timeout, timer, remove_timer);
	toggle_timeout(timeout, data);
	return TRUE;
}

static void remove_timeout(DBusTimeout *timeout, void *data)
{
	dbus_timeout_set_data(timeout, NULL, NULL);
}

static void dispatch_status_changed(DBusConnection *conn, DBusDispatchStatus status, void *data)
{
	struct pn_bus *bus = data;
	if (status == DBUS_DISPATCH_DATA_REMAINS)
		pn_timer_arm(bus->dispatch_timer, 0);
}

static void dispatch_ready(void *data)
{
	struct pn_bus *bus = data;
	bus_enter(bus);
	DBusDispatchStatus status = DBUS_DISPATCH_COMPLETE;
	for (int i = 0; i < DISPATCH_BATCH && !bus->closing; i++) {
		status = dbus_connection_dispatch(bus->conn);
		if (status != DBUS_DISPATCH_DATA_REMAINS)
			break;
	}
	/* Still more after a full batch: come back after the other sources. */
	if (!bus->closing && status == DBUS_DISPATCH_DATA_REMAINS)
		pn_timer_arm(bus->dispatch_timer, 0);
	bus_leave(bus);
}

static void connection_lost(struct pn_bus *bus)
{
	if (bus->lost)
		return;
	bus->lost = true;
	/*
	 * libdbus forgets pending calls on disconnect without completing
	 * them: answer each one here, before the lost handler.
	 */
	DBusError error;
	dbus_error_init(&error);
	dbus_set_error_const(&error, DBUS_ERROR_DISCONNECTED, "Connection to the bus was lost");
	for (struct pn_pending *p = bus->pendings; p && !bus->closing; p = p->next) {
		if (p->dead)
			continue;
		p->dead = true;
		bus->has_dead = true;
		p->fn(p->data, NULL, &error);
	}
	if (bus->lost_fn && !bus->closing)
		bus->lost_fn(bus->lost_data, bus);
}

static DBusHandlerResult filter(DBusConnection *conn, DBusMessage *msg, void *data)
{
	struct pn_bus *bus = data;
	if (bus->closing)
		return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
	DBusHandlerResult result = DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
	bus_enter(bus);
	int type = dbus_message_get_type(msg);
	if (type == DBUS_MESSAGE_TYPE_SIGNAL) {
		if (dbus_message_is_signal(msg, DBUS_INTERFACE_LOCAL, "Disconnected") &&
			dbus_message_has_path(msg, DBUS_PATH_LOCAL))
			connection_lost(bus);
		else
			bus_deliver_signal(bus, msg);
	} else if (type == DBUS_MESSAGE_TYPE_METHOD_CALL) {
		bool handled;
		DBusMessage *reply = bus_dispatch_method(bus, msg, &handled);
		if (reply) {
			if (!dbus_message_get_no_reply(msg) && !bus->closing)
				dbus_connection_send(conn, reply, NULL);
			dbus_message_unref(reply);
		}
		if (handled)
			result = DBUS_HANDLER_RESULT_HANDLED;
	}
	bus_leave(bus);
	return result;
}

/* ---- connections ---- */

struct pn_bus *bus_new(struct pn_loop *loop)
{
	struct pn_bus *bus = pn_xcalloc(1, sizeof(*bus));
	bus->loop = loop;
	return bus;
}

static struct pn_bus *bus_attach(struct pn_loop *loop, DBusConnection *conn, char *err,
	size_t errlen)
{
	struct pn_bus *bus = bus_new(loop);
	bus->conn = conn;
	bus->dispatch_timer = pn_loop_add_timer(loop, dispatch_ready, bus);
	dbus_connection_set_exit_on_disconnect(conn, FALSE);
	if (!dbus_connection_add_filter(conn, filter, bus, NULL))
		goto fail;
	if (!dbus_connection_set_watch_functions(conn, add_watch, remove_watch, toggle_watch, bus,
		    NULL))
		goto fail;
	if (!dbus_connection_set_timeout_functions(conn, add_timeout, remove_timeout,
		    toggle_timeout, bus, NULL))
		goto fail;
	dbus_connection_set_dispatch_status_function(conn, dispatch_status_changed, bus, NULL);
	/* Messages may have arrived while connecting. */
	if (dbus_connection_get_dispatch_status(conn) == DBUS_DISPATCH_DATA_REMAINS)
		pn_timer_arm(bus->dispatch_timer, 0);
	return bus;
fail:
	set_err(err, errlen, "out of memory");
	bus_free(bus);
	return NULL;
}

struct pn_bus *pn_bus_open(struct pn_loop *loop, enum pn_bus_kind kind, char *err, size_t errlen)
{
	DBusError error;
	dbus_error_init(&error);
	DBusConnection *conn = dbus_bus_get_private(kind == PN_BUS_SYSTEM ? DBUS_BUS_SYSTEM
									  : DBUS_BUS_SESSION,
		&error);
	if (!conn) {
		set_err(err, errlen, "%s bus: %s", kind == PN_BUS_SYSTEM ? "system" : "session",
			error.message ? error.message : "cannot connect");
		dbus_error_free(&error);
		return NULL;
	}
	/* dbus_bus_get_private would have a lost bus exit() the process. */
	dbus_connection_set_exit_on_disconnect(conn, FALSE);
	struct pn_bus *bus = bus_attach(loop, conn, err, errlen);
	if (bus && kind == PN_BUS_SESSION)
		pn_bus_only_own_user(bus);
	return bus;
}

struct pn_bus *pn_bus_open_address(struct pn_loop *loop, const char *address, char *err,
	size_t errlen)
{
	DBusError error;
	dbus_error_init(&error);
	DBusConnection *conn = dbus_connection_open_private(address, &error);
	if (conn && !dbus_bus_register(conn, &error)) {
		dbus_connection_close(conn);
		dbus_connection_unref(conn);
		conn = NULL;
	}
	if (!conn) {
		set_err(err, errlen, "bus %s: %s", address,
			error.message ? error.message : "cannot connect");
		dbus_error_free(&error);
		return NULL;
	}
	return bus_attach(loop, conn, err, errlen);
}

static void bus_free(struct pn_bus *bus)
{
	bus->closing = true;
	bus->depth = 0;
	for (struct pn_match *m = bus->matches; m; m = m->next)
		m->dead = true;
	for (struct pn_name_watch *w = bus->watches; w; w = w->next)
		w->dead = true;
	for (struct pn_pending *p = bus->pendings; p; p = p->next)
		p->dead = true;
	for (struct export *e = bus->exports; e; e = e->next)
		e->dead = true;
	bus->has_dead = true;
	bus_reap(bus);

	DBusConnection *conn = bus->conn;
	if (conn) {
		dbus_connection_remove_filter(conn, filter, bus);
		dbus_connection_set_dispatch_status_function(conn, NULL, NULL, NULL);
		dbus_connection_close(conn);
		dbus_connection_set_watch_functions(conn, NULL, NULL, NULL, NULL, NULL);
		dbus_connection_set_timeout_functions(conn, NULL, NULL, NULL, NULL, NULL);
		dbus_connection_unref(conn);
	}
	pn_timer_remove(bus->dispatch_timer);
	for (size_t i = 0; i < UID_CACHE_SIZE; i++)
		free(bus->uids[i].sender);
	free(bus);
}

void pn_bus_close(struct pn_bus *bus)
{
	if (!bus || bus->closing)
		return;
	bus->closing = true;
	if (bus->depth == 0)
		bus_free(bus);
}

void pn_bus_set_lost_handler(struct pn_bus *bus, pn_bus_lost_fn fn, void *data)
{
	bus->lost_fn = fn;
	bus->lost_data = data;
}

DBusConnection *pn_bus_connection(struct pn_bus *bus)
{
	return bus->conn;
}

const char *pn_bus_unique_name(struct pn_bus *bus)
{
	return bus->conn ? dbus_bus_get_unique_name(bus->conn) : NULL;
}

bool bus_connected(struct pn_bus *bus)
{
	return bus->conn && !bus->closing && dbus_connection_get_is_connected(bus->conn);
}

int pn_bus_request_name(struct pn_bus *bus, const char *name, char *err, size_t errlen)
{
	if (!bus_connected(bus)) {
		set_err(err, errlen, "%s: not connected to a bus", name);
		return -ENOTCONN;
	}
	if (!dbus_validate_bus_name(name, NULL) || name[0] == ':') {
		set_err(err, errlen, "%s: not a valid bus name", name);
		return -EINVAL;
	}
	DBusError error;
	dbus_error_init(&error);
	int r = dbus_bus_request_name(bus->conn, name, DBUS_NAME_FLAG_DO_NOT_QUEUE, &error);
	if (r < 0) {
		set_err(err, errlen, "%s: %s", name, error.message);
		dbus_error_free(&error);
		return -EIO;
	}
	if (r == DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER ||
		r == DBUS_REQUEST_NAME_REPLY_ALREADY_OWNER)
		return 0;
	set_err(err, errlen, "%s: owned by another connection", name);
	return -EEXIST;
}
