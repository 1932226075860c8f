#ifndef PANTHER_DBUS_H
#define PANTHER_DBUS_H

/*
 * D-Bus on libdbus-1, driven by struct pn_loop: connections, exported
 * objects described by tables, asynchronous calls with timeouts, name owner
 * watches and signal subscriptions.
 *
 * Exported methods have their input signature checked before the handler
 * runs: a call with the wrong argument types gets
 * org.freedesktop.DBus.Error.InvalidArgs and never reaches the handler.
 */

#include <dbus/dbus.h>
#include <stdbool.h>

#include "panther/loop.h"

/* Default timeout of every outgoing call, in milliseconds. */
#define PN_DBUS_TIMEOUT_MS 5000

struct pn_bus;
struct pn_pending;
struct pn_name_watch;
struct pn_match;

enum pn_bus_kind { PN_BUS_SESSION, PN_BUS_SYSTEM };

/* Called once when the connection is lost (bus gone). */
typedef void (*pn_bus_lost_fn)(void *data, struct pn_bus *bus);

/*
 * err is filled with one line on failure (NULL allowed). A session bus is
 * opened with pn_bus_only_own_user.
 */
struct pn_bus *pn_bus_open(struct pn_loop *loop, enum pn_bus_kind kind, char *err, size_t errlen);
struct pn_bus *pn_bus_open_address(struct pn_loop *loop, const char *address, char *err,
	size_t errlen);
void pn_bus_close(struct pn_bus *bus);
void pn_bus_set_lost_handler(struct pn_bus *bus, pn_bus_lost_fn fn, void *data);
DBusConnection *pn_bus_connection(struct pn_bus *bus);
const char *pn_bus_unique_name(struct pn_bus *bus);

/* 0, -EEXIST when someone else owns it, or another negative errno. */
int pn_bus_request_name(struct pn_bus *bus, const char *name, char *err, size_t errlen);

/* ---- exporting objects ---- */

/*
 * A method handler returns the reply to send (method return or error),
 * or NULL to reply later: it then keeps a reference to msg
 * (dbus_message_ref) and sends the reply with pn_bus_send().
 */
typedef DBusMessage *(*pn_method_fn)(void *data, struct pn_bus *bus, DBusMessage *msg);
/* Appends the property's value (of exactly the declared signature). */
typedef bool (*pn_prop_get_fn)(void *data, DBusMessageIter *iter);
/*
 * iter points at a value already checked against the declared signature.
 * Returns NULL on success or an error reply built with
 * dbus_message_new_error(msg, ...).
 */
typedef DBusMessage *(*pn_prop_set_fn)(void *data, DBusMessage *msg, DBusMessageIter *iter);

struct pn_method {
	const char *name;
	const char *in_sig; /* "" for none */
	const char *in_names; /* comma separated, for introspection */
	const char *out_sig;
	const char *out_names;
	pn_method_fn fn;
};

struct pn_property {
	const char *name;
	const char *sig;
	pn_prop_get_fn get;
	pn_prop_set_fn set; /* NULL: read-only */
};

struct pn_signal {
	const char *name;
	const char *sig;
	const char *names;
};

/* Tables end with an entry whose name is NULL. Any table may be NULL. */
struct pn_interface {
	const char *name;
	const struct pn_method *methods;
	const struct pn_property *properties;
	const struct pn_signal *signals;
};

/*
 * Exports iface at path (Introspectable, Properties and Peer are answered
 * too). Several interfaces may share a path. 0 or a negative errno.
 */
int pn_bus_export(struct pn_bus *bus, const char *path, const struct pn_interface *iface,
	void *data);
void pn_bus_unexport(struct pn_bus *bus, const char *path);

/* PropertiesChanged with the current values of names (NULL-terminated). */
int pn_bus_emit_properties_changed(struct pn_bus *bus, const char *path, const char *iface,
	const char *const *names);
/* Arguments as for dbus_message_append_args, ending in DBUS_TYPE_INVALID. */
int pn_bus_emit_signal(struct pn_bus *bus, const char *path, const char *iface, const char *name,
	int first_type, ...);

/* Sends and unrefs nothing: the caller keeps its reference. */
int pn_bus_send(struct pn_bus *bus, DBusMessage *msg);

/* Builds an InvalidArgs (or other) error reply with a printf message. */
DBusMessage *pn_error_reply(DBusMessage *call, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Who sent msg: the sender's unix uid, or -1 if the bus would not say. The
 * first question per sender is a blocking GetConnectionUnixUser; answers are
 * cached (a unique name is never reused on a bus).
 */
long pn_bus_sender_uid(struct pn_bus *bus, DBusMessage *msg);

/*
 * From now on, calls to this bus's exports (methods, properties, Introspect)
 * from a uid the bus names as neither ours nor root's get AccessDenied, and
 * so do calls whose sender's uid the bus cannot name (it left already). A
 * session bus admits only its user; this holds when its policy does not.
 */
void pn_bus_only_own_user(struct pn_bus *bus);

/* ---- calling ---- */

/*
 * reply is the method return, or NULL on failure with err set (a D-Bus
 * error reply, a timeout as NoReply, the peer vanishing as NoReply, the bus
 * connection lost as Disconnected). Neither is to be freed.
 */
typedef void (*pn_reply_fn)(void *data, DBusMessage *reply, const DBusError *err);

/*
 * Sends msg (not consumed) and calls fn with the reply. timeout_ms <= 0
 * means PN_DBUS_TIMEOUT_MS. *out, when given, can cancel the call before
 * its reply; it is invalid once fn has run. 0 or a negative errno.
 */
int pn_bus_call(struct pn_bus *bus, DBusMessage *msg, int timeout_ms, pn_reply_fn fn, void *data,
	struct pn_pending **out);
void pn_pending_cancel(struct pn_pending *pending);

/* org.freedesktop.DBus.Properties.Get; reply's variant is read with pn_reply_variant(). */
int pn_bus_get_property(struct pn_bus *bus, const char *dest, const char *path, const char *iface,
	const char *prop, pn_reply_fn fn, void *data, struct pn_pending **out);
/* Set with a basic-typed value (type is a DBUS_TYPE_*, value points at it). */
int pn_bus_set_property_basic(struct pn_bus *bus, const char *dest, const char *path,
	const char *iface, const char *prop, int type, const void *value, pn_reply_fn fn,
	void *data, struct pn_pending **out);
/* Opens the variant of a Get reply: iter then points at the value. */
bool pn_reply_variant(DBusMessage *reply, DBusMessageIter *iter);

/*
 * Builds a method call with arguments as for dbus_message_append_args
 * (ending in DBUS_TYPE_INVALID) and sends it as pn_bus_call() with the
 * default timeout. fn may be NULL when the reply does not matter.
 */
int pn_bus_call_method(struct pn_bus *bus, const char *dest, const char *path, const char *iface,
	const char *method, pn_reply_fn fn, void *data, struct pn_pending **out, int first_type,
	...);

/* org.freedesktop.DBus.Properties.GetAll; read the reply with pn_reply_foreach_property(). */
int pn_bus_get_all_properties(struct pn_bus *bus, const char *dest, const char *path,
	const char *iface, pn_reply_fn fn, void *data, struct pn_pending **out);

/* value points at the property's value inside its variant; NULL for an invalidated one. */
typedef void (*pn_prop_fn)(void *data, const char *name, DBusMessageIter *value);
/*
 * Calls fn for every entry of the a{sv} at dict. false (and no call) when
 * dict is not an a{sv}.
 */
bool pn_iter_foreach_property(DBusMessageIter *dict, pn_prop_fn fn, void *data);
/* The same for the a{sv} of a GetAll reply. */
bool pn_reply_foreach_property(DBusMessage *reply, pn_prop_fn fn, void *data);
/*
 * Walks a PropertiesChanged signal: *iface (if given) is set to the interface,
 * fn gets each changed property, then each invalidated one with value NULL.
 * false (and no call) when msg is not a well-formed PropertiesChanged.
 */
bool pn_properties_changed_foreach(DBusMessage *msg, const char **iface, pn_prop_fn fn, void *data);

/* ---- watching ---- */

/*
 * owner is the new unique name, or NULL when the name has no owner. Called
 * once soon after the watch is made (with the current owner), then on every
 * change.
 */
typedef void (*pn_owner_fn)(void *data, const char *name, const char *owner);
struct pn_name_watch *pn_bus_watch_name(struct pn_bus *bus, const char *name, pn_owner_fn fn,
	void *data);
void pn_name_watch_remove(struct pn_name_watch *watch);

typedef void (*pn_signal_fn_msg)(void *data, DBusMessage *msg);
/* Any of sender, path, iface, member may be NULL (matches all). */
struct pn_match *pn_bus_subscribe(struct pn_bus *bus, const char *sender, const char *path,
	const char *iface, const char *member, pn_signal_fn_msg fn, void *data);
void pn_match_remove(struct pn_match *match);

/* ---- testing ---- */

/* A bus with no connection: objects can be exported and fed messages. */
struct pn_bus *pn_bus_create_detached(void);
/*
 * Runs msg through the export dispatcher as if it had arrived: returns the
 * reply (the caller unrefs it), or NULL when nothing exported handles msg,
 * the handler replies later, or msg has no serial (as no received one lacks).
 */
DBusMessage *pn_bus_dispatch_message_for_test(struct pn_bus *bus, DBusMessage *msg);

#endif
