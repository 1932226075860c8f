/*
 * libpanther's D-Bus connection against a private dbus-daemon started per
 * test (dbus-fixture.c): the caller's uid, own-user-only, introspection,
 * the bus going away, closing from callbacks, the detached bus.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "panther/dbus.h"
#include "panther/loop.h"

#include "dbus-fixture.h"

static void test_sender_uid(void **state)
{
	struct fixture *f = *state;
	struct reply_box box = {0};
	call(f, TEST_IFACE, "WhoAmI", &box, DBUS_TYPE_INVALID);
	assert_string_equal(box.error, "");
	assert_int_equal(f->server.sender_uid, (long)getuid());
	box_clear(&box);
}

/*
 * With pn_bus_only_own_user, a call whose sender has left the bus before it
 * is read cannot be traced to a user: it is refused, not served. Our own
 * calls still are.
 */
static void test_own_user_unknown_sender(void **state)
{
	struct fixture *f = *state;
	pn_bus_only_own_user(f->server.bus);
	struct reply_box box = {0};
	int32_t a = 1, b = 2;
	call(f, TEST_IFACE, "Add", &box, DBUS_TYPE_INT32, &a, DBUS_TYPE_INT32, &b,
		DBUS_TYPE_INVALID);
	assert_string_equal(box.error, "");
	assert_int_equal(f->server.add_calls, 1);
	box_clear(&box);

	/* A raw connection sends Add without waiting and leaves at once. */
	DBusError error;
	dbus_error_init(&error);
	DBusConnection *gone = dbus_connection_open_private(f->address, &error);
	assert_non_null(gone);
	assert_true(dbus_bus_register(gone, &error));
	char unique[64];
	snprintf(unique, sizeof(unique), "%s", dbus_bus_get_unique_name(gone));
	DBusMessage *msg = dbus_message_new_method_call(pn_bus_unique_name(f->server.bus),
		TEST_PATH, TEST_IFACE, "Add");
	dbus_message_append_args(msg, DBUS_TYPE_INT32, &a, DBUS_TYPE_INT32, &b, DBUS_TYPE_INVALID);
	dbus_message_set_no_reply(msg, TRUE);
	assert_true(dbus_connection_send(gone, msg, NULL));
	dbus_message_unref(msg);
	dbus_connection_flush(gone);
	dbus_connection_close(gone);
	dbus_connection_unref(gone);

	/* The bus has forgotten it before the server reads the call. */
	DBusConnection *watcher = dbus_connection_open_private(f->address, &error);
	assert_non_null(watcher);
	assert_true(dbus_bus_register(watcher, &error));
	uint64_t deadline = pn_now_ms() + 5000;
	while (dbus_bus_name_has_owner(watcher, unique, NULL) && pn_now_ms() < deadline)
		usleep(1000);
	assert_false(dbus_bus_name_has_owner(watcher, unique, NULL));
	dbus_connection_close(watcher);
	dbus_connection_unref(watcher);

	spin(f, 200);
	assert_int_equal(f->server.add_calls, 1);
}

static void introspect_path(struct fixture *f, const char *path, struct reply_box *box)
{
	DBusMessage *msg = dbus_message_new_method_call(pn_bus_unique_name(f->server.bus), path,
		DBUS_INTERFACE_INTROSPECTABLE, "Introspect");
	assert_int_equal(pn_bus_call(f->client, msg, 0, on_reply, box, NULL), 0);
	dbus_message_unref(msg);
	assert_true(wait_for(f, &box->done, 5000));
	assert_string_equal(box->error, "");
}

/* A copy of the string a reply carries; the caller frees it. */
static char *reply_string(struct reply_box *box)
{
	const char *s = NULL;
	assert_true(
		dbus_message_get_args(box->reply, NULL, DBUS_TYPE_STRING, &s, DBUS_TYPE_INVALID));
	return strdup(s);
}

static void test_introspect(void **state)
{
	struct fixture *f = *state;
	struct reply_box box = {0};
	assert_int_equal(pn_bus_export(f->server.bus, TEST_PATH "/Child", &extra_iface, NULL), 0);
	assert_int_equal(pn_bus_export(f->server.bus, TEST_PATH "/Child/Deeper", &extra_iface,
				 NULL),
		0);
	assert_int_equal(pn_bus_export(f->server.bus, TEST_PATH, &test_iface, NULL), -EEXIST);

	introspect_path(f, TEST_PATH, &box);
	char *xml = reply_string(&box);
	static const char *const expected[] = {
		"<interface name=\"org.pantheros.Test1\">",
		"<method name=\"Add\">",
		"<arg type=\"i\" name=\"a\" direction=\"in\"/>",
		"<arg type=\"i\" name=\"b\" direction=\"in\"/>",
		"<arg type=\"i\" name=\"sum\" direction=\"out\"/>",
		"<property name=\"Name\" type=\"s\" access=\"readwrite\"/>",
		"<property name=\"Count\" type=\"u\" access=\"read\"/>",
		"<property name=\"Tags\" type=\"as\" access=\"read\"/>",
		"<signal name=\"Changed\">",
		"<arg type=\"s\" name=\"what\"/>",
		"<interface name=\"org.freedesktop.DBus.Properties\">",
		"<interface name=\"org.freedesktop.DBus.Introspectable\">",
		"<interface name=\"org.freedesktop.DBus.Peer\">",
		"<node name=\"Child\"/>",
	};
	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
		if (!strstr(xml, expected[i]))
			fail_msg("introspection lacks %s:\n%s", expected[i], xml);
	}
	/* Deeper is Child's child, not ours. */
	assert_null(strstr(xml, "Deeper"));
	free(xml);
	box_clear(&box);

	introspect_path(f, "/", &box);
	xml = reply_string(&box);
	assert_non_null(strstr(xml, "<node name=\"org\"/>"));
	assert_null(strstr(xml, "<interface"));
	free(xml);
	box_clear(&box);

	introspect_path(f, "/org/pantheros", &box);
	xml = reply_string(&box);
	assert_non_null(strstr(xml, "<node name=\"Test1\"/>"));
	/* Named once though two exports lie beneath it. */
	const char *first = strstr(xml, "<node name=\"Test1\"/>");
	assert_null(strstr(first + 1, "<node name=\"Test1\"/>"));
	free(xml);
	box_clear(&box);

	pn_bus_unexport(f->server.bus, TEST_PATH "/Child");
	introspect_path(f, TEST_PATH "/Child", &box);
	xml = reply_string(&box);
	assert_non_null(strstr(xml, "<node name=\"Deeper\"/>"));
	assert_null(strstr(xml, "org.pantheros.Extra1"));
	free(xml);
	box_clear(&box);
}

struct lost_box {
	bool done;
	int calls;
	struct pn_bus **close_me;
};

static void on_lost(void *data, struct pn_bus *bus)
{
	struct lost_box *box = data;
	box->calls++;
	box->done = true;
	if (box->close_me) {
		/* Closing from inside the handler is allowed. */
		pn_bus_close(*box->close_me);
		*box->close_me = NULL;
	}
}

static void test_bus_lost(void **state)
{
	struct fixture *f = *state;
	struct lost_box client_lost = {0}, server_lost = {.close_me = &f->server.bus};
	pn_bus_set_lost_handler(f->client, on_lost, &client_lost);
	pn_bus_set_lost_handler(f->server.bus, on_lost, &server_lost);

	/* A call in flight when the bus goes gets an error, not silence. */
	struct reply_box box = {0};
	DBusMessage *msg = dbus_message_new_method_call(pn_bus_unique_name(f->server.bus),
		TEST_PATH, TEST_IFACE, "Never");
	assert_int_equal(pn_bus_call(f->client, msg, 0, on_reply, &box, NULL), 0);
	dbus_message_unref(msg);
	spin(f, 50);
	assert_non_null(f->server.held);

	kill(f->daemon, SIGKILL);
	waitpid(f->daemon, NULL, 0);
	f->daemon = 0;
	assert_true(wait_for(f, &client_lost.done, 5000));
	assert_true(wait_for(f, &server_lost.done, 5000));
	assert_true(wait_for(f, &box.done, 5000));
	assert_null(box.reply);
	assert_string_equal(box.error, DBUS_ERROR_DISCONNECTED);
	spin(f, 100);
	assert_int_equal(client_lost.calls, 1);
	assert_int_equal(server_lost.calls, 1);
	assert_null(f->server.bus);
	assert_int_equal(box.calls, 1);
	box_clear(&box);

	/* A lost bus refuses new work instead of crashing. */
	msg = dbus_message_new_method_call("org.example", "/", NULL, "X");
	assert_int_equal(pn_bus_call(f->client, msg, 0, on_reply, &box, NULL), -ENOTCONN);
	dbus_message_unref(msg);
}

static void test_peer_vanishes_mid_call(void **state)
{
	struct fixture *f = *state;
	struct reply_box box = {0};
	DBusMessage *msg = dbus_message_new_method_call(pn_bus_unique_name(f->server.bus),
		TEST_PATH, TEST_IFACE, "Never");
	uint64_t start = pn_now_ms();
	assert_int_equal(pn_bus_call(f->client, msg, 0, on_reply, &box, NULL), 0);
	dbus_message_unref(msg);
	spin(f, 50);
	assert_non_null(f->server.held);
	pn_bus_close(f->server.bus);
	f->server.bus = NULL;
	assert_true(wait_for(f, &box.done, 5000));
	assert_string_equal(box.error, DBUS_ERROR_NO_REPLY);
	/* Well before the call's own timeout. */
	assert_true(box.at - start < PN_DBUS_TIMEOUT_MS / 2);
	box_clear(&box);
}

static void test_idle_no_wakeups(void **state)
{
	struct fixture *f = *state;
	struct reply_box box = {0};
	struct owner_box owner = {0};
	struct pn_name_watch *watch = pn_bus_watch_name(f->client, TEST_NAME, on_owner, &owner);
	call(f, DBUS_INTERFACE_PEER, "Ping", &box, DBUS_TYPE_INVALID);
	box_clear(&box);
	assert_true(wait_for(f, &owner.done, 5000));
	spin(f, 50);
	/* Nothing left to do: the loop sleeps the whole time and runs nothing. */
	uint64_t start = pn_now_ms();
	assert_int_equal(pn_loop_dispatch(f->loop, 300), 0);
	assert_true(pn_now_ms() - start >= 290);
	pn_name_watch_remove(watch);
}

static void test_open_session_bus(void **state)
{
	struct fixture *f = *state;
	char err[256] = "";
	setenv("DBUS_SESSION_BUS_ADDRESS", f->address, 1);
	struct pn_bus *bus = pn_bus_open(f->loop, PN_BUS_SESSION, err, sizeof(err));
	unsetenv("DBUS_SESSION_BUS_ADDRESS");
	if (!bus)
		fail_msg("%s", err);
	assert_non_null(pn_bus_unique_name(bus));
	pn_bus_close(bus);

	bus = pn_bus_open_address(f->loop, "unix:path=/nonexistent/bus", err, sizeof(err));
	assert_null(bus);
	assert_non_null(strstr(err, "/nonexistent/bus"));
}

/* Closing a bus from inside one of its own callbacks must be safe. */
static void close_on_reply(void *data, DBusMessage *reply, const DBusError *err)
{
	struct fixture *f = data;
	pn_bus_close(f->client);
	f->client = NULL;
}

static void test_close_from_callback(void **state)
{
	struct fixture *f = *state;
	struct reply_box box = {0};
	/* Two calls: the second's reply must not reach a closed bus. */
	assert_int_equal(pn_bus_call_method(f->client, pn_bus_unique_name(f->server.bus), TEST_PATH,
				 DBUS_INTERFACE_PEER, "Ping", close_on_reply, f, NULL,
				 DBUS_TYPE_INVALID),
		0);
	assert_int_equal(pn_bus_call_method(f->client, pn_bus_unique_name(f->server.bus), TEST_PATH,
				 DBUS_INTERFACE_PEER, "Ping", on_reply, &box, NULL,
				 DBUS_TYPE_INVALID),
		0);
	spin(f, 200);
	assert_null(f->client);
	assert_int_equal(box.calls, 0);
}

/* Whatever is still open when a bus closes is freed, with no callback. */
static void test_close_with_work_open(void **state)
{
	struct fixture *f = *state;
	struct reply_box box = {0};
	struct signal_box signals = {0};
	struct owner_box owner = {0};
	assert_non_null(pn_bus_subscribe(f->client, TEST_NAME, NULL, TEST_IFACE, "Changed",
		on_changed, &signals));
	assert_non_null(pn_bus_watch_name(f->client, TEST_NAME, on_owner, &owner));
	assert_int_equal(pn_bus_call_method(f->client, pn_bus_unique_name(f->server.bus), TEST_PATH,
				 TEST_IFACE, "Never", on_reply, &box, NULL, DBUS_TYPE_INVALID),
		0);
	/* Also while replies are already queued for the closed bus. */
	assert_int_equal(pn_bus_call_method(f->client, pn_bus_unique_name(f->server.bus), TEST_PATH,
				 DBUS_INTERFACE_PEER, "Ping", on_reply, &box, NULL,
				 DBUS_TYPE_INVALID),
		0);
	spin(f, 50);
	assert_int_equal(box.calls, 1);
	assert_int_equal(pn_bus_call_method(f->client, pn_bus_unique_name(f->server.bus), TEST_PATH,
				 DBUS_INTERFACE_PEER, "Ping", on_reply, &box, NULL,
				 DBUS_TYPE_INVALID),
		0);
	pn_bus_close(f->client);
	f->client = NULL;
	spin(f, 50);
	assert_int_equal(box.calls, 1);
	box_clear(&box);
}

static void test_detached_dispatch(void **state)
{
	struct fixture *f = *state;
	struct pn_bus *bus = pn_bus_create_detached();
	assert_int_equal(pn_bus_export(bus, TEST_PATH, &test_iface, &f->server), 0);
	static const struct pn_method bad_methods[] = {{"Bad", "(", NULL, NULL, NULL, method_add},
		{NULL}};
	static const struct pn_interface bad = {"org.pantheros.Bad", bad_methods, NULL, NULL};
	assert_int_equal(pn_bus_export(bus, TEST_PATH, &bad, NULL), -EINVAL);

	DBusMessage *msg = dbus_message_new_method_call(NULL, TEST_PATH, TEST_IFACE, "Add");
	dbus_message_set_serial(msg, 1);
	int32_t a = 1;
	dbus_message_append_args(msg, DBUS_TYPE_INT32, &a, DBUS_TYPE_INVALID);
	DBusMessage *reply = pn_bus_dispatch_message_for_test(bus, msg);
	assert_non_null(reply);
	assert_string_equal(dbus_message_get_error_name(reply), DBUS_ERROR_INVALID_ARGS);
	assert_int_equal(f->server.add_calls, 0);
	dbus_message_unref(reply);
	dbus_message_unref(msg);

	/* Not ours: no answer. */
	msg = dbus_message_new_method_call(NULL, "/elsewhere", TEST_IFACE, "Add");
	dbus_message_set_serial(msg, 2);
	assert_null(pn_bus_dispatch_message_for_test(bus, msg));
	dbus_message_unref(msg);
	pn_bus_close(bus);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_sender_uid),
		T(test_own_user_unknown_sender),
		T(test_introspect),
		T(test_bus_lost),
		T(test_peer_vanishes_mid_call),
		T(test_idle_no_wakeups),
		T(test_open_session_bus),
		T(test_close_from_callback),
		T(test_close_with_work_open),
		T(test_detached_dispatch),
#undef T
	};
	int failed = cmocka_run_group_tests_name("dbus_bus", tests, NULL, NULL);
	dbus_shutdown();
	return failed;
}
