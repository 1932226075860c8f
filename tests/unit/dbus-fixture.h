/*
 * Shared by test_dbus.c and test_dbus_bus.c: a private dbus-daemon per test,
 * a server connection exporting TEST_PATH and a client, on one loop.
 */
#ifndef PANTHER_TEST_DBUS_FIXTURE_H
#define PANTHER_TEST_DBUS_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "panther/dbus.h"
#include "panther/loop.h"

#define TEST_PATH "/org/pantheros/Test1"
#define TEST_IFACE "org.pantheros.Test1"
#define TEST_NAME "org.pantheros.Test1"

struct server {
	struct pn_bus *bus;
	struct pn_loop *loop;
	int add_calls;
	char name[64];
	uint32_t count;
	double level;
	DBusMessage *held; /* Never(): never answered */
	DBusMessage *later; /* Later(): answered by a timer */
	struct pn_timer *later_timer;
	long sender_uid;
};

struct fixture {
	char dir[64];
	char address[256];
	pid_t daemon;
	struct pn_loop *loop;
	struct server server;
	struct pn_bus *client;
};

struct reply_box {
	bool done;
	int calls;
	DBusMessage *reply;
	char error[128];
	char message[512];
	uint64_t at;
};

struct props_seen {
	bool name, count, level, tags, broken, invalidated;
	char name_value[64];
	uint32_t count_value;
};

struct signal_box {
	bool done;
	int calls;
	char iface[64];
	struct props_seen seen;
	char what[64];
	uint32_t count;
	char sender[64];
};

struct owner_box {
	bool done;
	int calls;
	bool has_owner;
	char owner[64];
};

extern const struct pn_interface test_iface;
/* An interface with nothing in it, for a second export at one path. */
extern const struct pn_interface extra_iface;

DBusMessage *method_add(void *data, struct pn_bus *bus, DBusMessage *msg);
struct pn_bus *connect_bus(struct fixture *f);
/* cmocka setup and teardown: the daemon, both connections, the export. */
int setup(void **state);
int teardown(void **state);
/* Runs the loop until *flag is set or timeout_ms passes. */
bool wait_for(struct fixture *f, const bool *flag, int timeout_ms);
/* Runs the loop for ms, whatever happens. */
void spin(struct fixture *f, int ms);
void on_reply(void *data, DBusMessage *reply, const DBusError *err);
void box_clear(struct reply_box *box);
/* A call from the client to TEST_PATH, waited for (5 s). */
void call(struct fixture *f, const char *iface, const char *method, struct reply_box *box,
	int first_type, ...);

/* A signal_box's callback: counts Changed signals and keeps the last one. */
void on_changed(void *data, DBusMessage *msg);
/* An owner_box's callback for pn_bus_watch_name. */
void on_owner(void *data, const char *name, const char *owner);

#endif
