/*
 * Who calls: the sender's uid (asked of the bus once per unique name, then
 * cached) and, with pn_bus_only_own_user, the refusal of other users' calls.
 */
#include <dbus/dbus.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus.h"
#include "panther/log.h"
#include "panther/util.h"

void pn_bus_only_own_user(struct pn_bus *bus)
{
	bus->own_user_only = true;
}

long pn_bus_sender_uid(struct pn_bus *bus, DBusMessage *msg)
{
	const char *sender = dbus_message_get_sender(msg);
	if (!sender || !bus_connected(bus))
		return -1;
	for (size_t i = 0; i < UID_CACHE_SIZE; i++) {
		if (bus->uids[i].sender && strcmp(bus->uids[i].sender, sender) == 0)
			return bus->uids[i].uid;
	}
	DBusError error;
	dbus_error_init(&error);
	unsigned long uid = dbus_bus_get_unix_user(bus->conn, sender, &error);
	if (dbus_error_is_set(&error)) {
		pn_debug("D-Bus: uid of %s: %s", sender, error.message);
		dbus_error_free(&error);
		return -1;
	}
	/* Only unique names: a well-known name can change hands. */
	if (sender[0] == ':') {
		struct uid_entry *slot = &bus->uids[bus->uid_next];
		bus->uid_next = (bus->uid_next + 1) % UID_CACHE_SIZE;
		free(slot->sender);
		slot->sender = pn_xstrdup(sender);
		slot->uid = (long)uid;
	}
	return (long)uid;
}

/* With pn_bus_only_own_user: the refusal for a caller of another user. */
DBusMessage *bus_refuse_stranger(struct pn_bus *bus, DBusMessage *msg)
{
	if (!bus->own_user_only)
		return NULL;
	long uid = pn_bus_sender_uid(bus, msg);
	if (uid == (long)getuid() || uid == 0)
		return NULL;
	/* A caller that left the bus already, or one the bus will not name. */
	if (uid < 0)
		return pn_error_reply(msg, DBUS_ERROR_ACCESS_DENIED,
			"cannot tell which user calls %s: refused", dbus_message_get_path(msg));
	return pn_error_reply(msg, DBUS_ERROR_ACCESS_DENIED, "only uid %ld and root may call %s",
		(long)getuid(), dbus_message_get_path(msg));
}
