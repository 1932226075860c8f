/* Private to ipc/dbus/: the state of a bus and the helpers its files share. */
#ifndef PN_DBUS_BUS_H
#define PN_DBUS_BUS_H

#include "panther/dbus.h"

#include <stdbool.h>
#include <stddef.h>

/*
 * Everything a bus owns lives in singly linked lists. While the bus is
 * dispatching (depth > 0) removing an entry only marks it dead, and closing
 * the bus only marks it closing: callbacks may remove anything, close the bus
 * included, and the real work happens when the outermost dispatch returns.
 */

#define UID_CACHE_SIZE 16
#define DISPATCH_BATCH 64

struct export
{
	struct export *next;
	char *path;
	const struct pn_interface *iface;
	void *data;
	bool dead;
};

struct pn_pending {
	struct pn_pending *next;
	struct pn_bus *bus;
	DBusPendingCall *call;
	pn_reply_fn fn;
	void *data;
	bool dead;
};

struct pn_name_watch {
	struct pn_name_watch *next;
	struct pn_bus *bus;
	char *name;
	char *rule;
	char *owner;
	bool known; /* the first answer has arrived */
	struct pn_pending *initial;
	pn_owner_fn fn;
	void *data;
	bool dead;
};

struct pn_match {
	struct pn_match *next;
	struct pn_bus *bus;
	char *sender, *path, *iface, *member;
	char *rule;
	/* A well-known sender: signals carry the owner's unique name. */
	struct pn_name_watch *sender_owner;
	pn_signal_fn_msg fn;
	void *data;
	bool dead;
};

struct uid_entry {
	char *sender;
	long uid;
};

struct pn_bus {
	struct pn_loop *loop;
	DBusConnection *conn;
	struct pn_timer *dispatch_timer;

	struct export *exports;
	struct pn_pending *pendings;
	struct pn_name_watch *watches;
	struct pn_match *matches;
	bool has_dead;

	struct uid_entry uids[UID_CACHE_SIZE];
	size_t uid_next;

	pn_bus_lost_fn lost_fn;
	void *lost_data;
	bool lost;

	int depth;
	bool closing;
	bool own_user_only;
};

/* connection.c: deferred removal (see above) */
void bus_enter(struct pn_bus *bus);
void bus_leave(struct pn_bus *bus);
void bus_reap(struct pn_bus *bus);
void bus_pending_free(struct pn_pending *p);
void bus_name_watch_release(struct pn_name_watch *w);
void bus_name_watch_free(struct pn_name_watch *w);
void bus_match_release(struct pn_match *m);
void bus_match_free(struct pn_match *m);
bool bus_connected(struct pn_bus *bus);

/* A bus with no connection when loop is NULL (detached.c). */
struct pn_bus *bus_new(struct pn_loop *loop);

/* export.c: exported objects and the method calls addressed to them */
DBusMessage *bus_dispatch_method(struct pn_bus *bus, DBusMessage *msg, bool *handled);
DBusMessage *bus_no_memory(DBusMessage *msg);
/*
 * The first live export from e on (the list of bus->exports) at path with
 * interface iface (NULL or "": any): every walk over the exports uses it.
 */
struct export *bus_next_export(struct export *e, const char *path, const char *iface);
bool bus_path_exported(struct pn_bus *bus, const char *path);
/* The child of parent that path lies under ("a" for /x/a/b under /x), or NULL. */
const char *bus_child_of(const char *parent, const char *path, size_t *len);

/* sender.c: with pn_bus_only_own_user, the refusal for another user's call, else NULL. */
DBusMessage *bus_refuse_stranger(struct pn_bus *bus, DBusMessage *msg);

/* introspect.c */
DBusMessage *bus_introspect(struct pn_bus *bus, DBusMessage *msg, const char *path);
bool bus_has_children(struct pn_bus *bus, const char *path);

/* call.c: signals to name watches and matches */
void bus_deliver_signal(struct pn_bus *bus, DBusMessage *msg);
#endif
