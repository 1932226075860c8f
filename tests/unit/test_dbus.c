/*
 * libpanther's D-Bus exports and calls against a private dbus-daemon started
 * per test (dbus-fixture.c): methods, properties, signals, name watches,
 * timeouts. The bus itself (who calls, introspection, losing it) is
 * test_dbus_bus.c's.
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

static void test_method_reply(void **state)
{
	struct fixture *f = *state;
	struct reply_box box = {0};
	int32_t a = 2, b = 40, sum = 0;
	call(f, TEST_IFACE, "Add", &box, DBUS_TYPE_INT32, &a, DBUS_TYPE_INT32, &b,
		DBUS_TYPE_INVALID);
	assert_string_equal(box.error, "");
	assert_true(
		dbus_message_get_args(box.reply, NULL, DBUS_TYPE_INT32, &sum, DBUS_TYPE_INVALID));
	assert_int_equal(sum, 42);
	assert_int_equal(f->server.add_calls, 1);
	box_clear(&box);

	/* Without an interface the method is found too. */
	call(f, NULL, "Add", &box, DBUS_TYPE_INT32, &a, DBUS_TYPE_INT32, &a, DBUS_TYPE_INVALID);
	assert_non_null(box.reply);
	assert_int_equal(f->server.add_calls, 2);
	box_clear(&box);

	/* pn_bus_call_method builds the same call. */
	assert_int_equal(pn_bus_call_method(f->client, pn_bus_unique_name(f->server.bus), TEST_PATH,
				 TEST_IFACE, "Add", on_reply, &box, NULL, DBUS_TYPE_INT32, &a,
				 DBUS_TYPE_INT32, &b, DBUS_TYPE_INVALID),
		0);
	assert_true(wait_for(f, &box.done, 5000));
	assert_true(
		dbus_message_get_args(box.reply, NULL, DBUS_TYPE_INT32, &sum, DBUS_TYPE_INVALID));
	assert_int_equal(sum, 42);
	box_clear(&box);
}

static void test_wrong_arguments(void **state)
{
	struct fixture *f = *state;
	struct reply_box box = {0};
	const char *text = "two";
	call(f, TEST_IFACE, "Add", &box, DBUS_TYPE_STRING, &text, DBUS_TYPE_INVALID);
	assert_null(box.reply);
	assert_string_equal(box.error, DBUS_ERROR_INVALID_ARGS);
	assert_non_null(strstr(box.message, "'ii'"));
	assert_non_null(strstr(box.message, "'s'"));
	assert_int_equal(f->server.add_calls, 0);
	box_clear(&box);

	/* Too many arguments is wrong too. */
	int32_t a = 1;
	call(f, TEST_IFACE, "Add", &box, DBUS_TYPE_INT32, &a, DBUS_TYPE_INT32, &a, DBUS_TYPE_INT32,
		&a, DBUS_TYPE_INVALID);
	assert_string_equal(box.error, DBUS_ERROR_INVALID_ARGS);
	assert_int_equal(f->server.add_calls, 0);
	box_clear(&box);
}

static void test_unknown_method(void **state)
{
	struct fixture *f = *state;
	struct reply_box box = {0};
	call(f, TEST_IFACE, "Subtract", &box, DBUS_TYPE_INVALID);
	assert_string_equal(box.error, DBUS_ERROR_UNKNOWN_METHOD);
	assert_non_null(strstr(box.message, "Subtract"));
	box_clear(&box);

	call(f, "org.pantheros.Nothing", "Add", &box, DBUS_TYPE_INVALID);
	assert_string_equal(box.error, DBUS_ERROR_UNKNOWN_INTERFACE);
	box_clear(&box);

	/* A path nobody exported is answered by libdbus. */
	DBusMessage *msg = dbus_message_new_method_call(pn_bus_unique_name(f->server.bus),
		"/nowhere", TEST_IFACE, "Add");
	assert_int_equal(pn_bus_call(f->client, msg, 0, on_reply, &box, NULL), 0);
	dbus_message_unref(msg);
	assert_true(wait_for(f, &box.done, 5000));
	assert_string_equal(box.error, DBUS_ERROR_UNKNOWN_METHOD);
	box_clear(&box);
}

static void test_ping(void **state)
{
	struct fixture *f = *state;
	struct reply_box box = {0};
	call(f, DBUS_INTERFACE_PEER, "Ping", &box, DBUS_TYPE_INVALID);
	assert_string_equal(box.error, "");
	assert_non_null(box.reply);
	box_clear(&box);
}

static void collect_prop(void *data, const char *name, DBusMessageIter *value)
{
	struct props_seen *seen = data;
	if (!value) {
		seen->invalidated = true;
		return;
	}
	if (strcmp(name, "Name") == 0) {
		const char *s;
		assert_int_equal(dbus_message_iter_get_arg_type(value), DBUS_TYPE_STRING);
		dbus_message_iter_get_basic(value, &s);
		snprintf(seen->name_value, sizeof(seen->name_value), "%s", s);
		seen->name = true;
	} else if (strcmp(name, "Count") == 0) {
		assert_int_equal(dbus_message_iter_get_arg_type(value), DBUS_TYPE_UINT32);
		dbus_message_iter_get_basic(value, &seen->count_value);
		seen->count = true;
	} else if (strcmp(name, "Level") == 0) {
		double d;
		assert_int_equal(dbus_message_iter_get_arg_type(value), DBUS_TYPE_DOUBLE);
		dbus_message_iter_get_basic(value, &d);
		assert_true(d == 0.5);
		seen->level = true;
	} else if (strcmp(name, "Tags") == 0) {
		DBusMessageIter array;
		const char *s;
		assert_int_equal(dbus_message_iter_get_arg_type(value), DBUS_TYPE_ARRAY);
		assert_int_equal(dbus_message_iter_get_element_count(value), 2);
		dbus_message_iter_recurse(value, &array);
		dbus_message_iter_get_basic(&array, &s);
		assert_string_equal(s, "alpha");
		seen->tags = true;
	} else if (strcmp(name, "Broken") == 0) {
		seen->broken = true;
	}
}

static void test_property_get(void **state)
{
	struct fixture *f = *state;
	struct reply_box box = {0};
	const char *dest = pn_bus_unique_name(f->server.bus);
	assert_int_equal(pn_bus_get_property(f->client, dest, TEST_PATH, TEST_IFACE, "Name",
				 on_reply, &box, NULL),
		0);
	assert_true(wait_for(f, &box.done, 5000));
	DBusMessageIter value;
	const char *name;
	assert_true(pn_reply_variant(box.reply, &value));
	assert_int_equal(dbus_message_iter_get_arg_type(&value), DBUS_TYPE_STRING);
	dbus_message_iter_get_basic(&value, &name);
	assert_string_equal(name, "initial");
	box_clear(&box);

	/* A getter that appends the wrong type yields an error, not a corrupt value. */
	pn_bus_get_property(f->client, dest, TEST_PATH, TEST_IFACE, "Broken", on_reply, &box, NULL);
	assert_true(wait_for(f, &box.done, 5000));
	assert_string_equal(box.error, DBUS_ERROR_FAILED);
	box_clear(&box);

	pn_bus_get_property(f->client, dest, TEST_PATH, TEST_IFACE, "Missing", on_reply, &box,
		NULL);
	assert_true(wait_for(f, &box.done, 5000));
	assert_string_equal(box.error, DBUS_ERROR_UNKNOWN_PROPERTY);
	box_clear(&box);

	assert_int_equal(pn_bus_get_all_properties(f->client, dest, TEST_PATH, TEST_IFACE, on_reply,
				 &box, NULL),
		0);
	assert_true(wait_for(f, &box.done, 5000));
	struct props_seen seen = {0};
	assert_true(pn_reply_foreach_property(box.reply, collect_prop, &seen));
	assert_true(seen.name && seen.count && seen.level && seen.tags);
	assert_false(seen.broken);
	assert_string_equal(seen.name_value, "initial");
	assert_int_equal(seen.count_value, 3);
	box_clear(&box);

	pn_bus_get_all_properties(f->client, dest, TEST_PATH, "org.pantheros.Nothing", on_reply,
		&box, NULL);
	assert_true(wait_for(f, &box.done, 5000));
	assert_string_equal(box.error, DBUS_ERROR_UNKNOWN_INTERFACE);
	box_clear(&box);
}

static void test_property_set(void **state)
{
	struct fixture *f = *state;
	struct reply_box box = {0};
	const char *dest = pn_bus_unique_name(f->server.bus);
	const char *value = "renamed";
	assert_int_equal(pn_bus_set_property_basic(f->client, dest, TEST_PATH, TEST_IFACE, "Name",
				 DBUS_TYPE_STRING, &value, on_reply, &box, NULL),
		0);
	assert_true(wait_for(f, &box.done, 5000));
	assert_string_equal(box.error, "");
	assert_string_equal(f->server.name, "renamed");
	box_clear(&box);

	double level = 0.25;
	pn_bus_set_property_basic(f->client, dest, TEST_PATH, TEST_IFACE, "Level", DBUS_TYPE_DOUBLE,
		&level, on_reply, &box, NULL);
	assert_true(wait_for(f, &box.done, 5000));
	assert_string_equal(box.error, "");
	assert_true(f->server.level == 0.25);
	box_clear(&box);

	/* The setter's own error reaches the caller. */
	value = "bad";
	pn_bus_set_property_basic(f->client, dest, TEST_PATH, TEST_IFACE, "Name", DBUS_TYPE_STRING,
		&value, on_reply, &box, NULL);
	assert_true(wait_for(f, &box.done, 5000));
	assert_string_equal(box.error, DBUS_ERROR_INVALID_ARGS);
	assert_string_equal(box.message, "bad name");
	assert_string_equal(f->server.name, "renamed");
	box_clear(&box);
}

static void test_property_set_errors(void **state)
{
	struct fixture *f = *state;
	struct reply_box box = {0};
	const char *dest = pn_bus_unique_name(f->server.bus);

	int32_t number = 7;
	pn_bus_set_property_basic(f->client, dest, TEST_PATH, TEST_IFACE, "Name", DBUS_TYPE_INT32,
		&number, on_reply, &box, NULL);
	assert_true(wait_for(f, &box.done, 5000));
	assert_string_equal(box.error, DBUS_ERROR_INVALID_ARGS);
	assert_non_null(strstr(box.message, "'s'"));
	assert_non_null(strstr(box.message, "'i'"));
	assert_string_equal(f->server.name, "initial");
	box_clear(&box);

	uint32_t count = 9;
	pn_bus_set_property_basic(f->client, dest, TEST_PATH, TEST_IFACE, "Count", DBUS_TYPE_UINT32,
		&count, on_reply, &box, NULL);
	assert_true(wait_for(f, &box.done, 5000));
	assert_string_equal(box.error, DBUS_ERROR_PROPERTY_READ_ONLY);
	assert_int_equal(f->server.count, 3);
	box_clear(&box);

	pn_bus_set_property_basic(f->client, dest, TEST_PATH, TEST_IFACE, "Missing",
		DBUS_TYPE_UINT32, &count, on_reply, &box, NULL);
	assert_true(wait_for(f, &box.done, 5000));
	assert_string_equal(box.error, DBUS_ERROR_UNKNOWN_PROPERTY);
	box_clear(&box);

	/* Set with the wrong argument types altogether. */
	const char *iface = TEST_IFACE;
	call(f, DBUS_INTERFACE_PROPERTIES, "Set", &box, DBUS_TYPE_STRING, &iface,
		DBUS_TYPE_INVALID);
	assert_string_equal(box.error, DBUS_ERROR_INVALID_ARGS);
	box_clear(&box);
}

static void on_properties_changed(void *data, DBusMessage *msg)
{
	struct signal_box *box = data;
	const char *iface;
	box->calls++;
	box->done = true;
	assert_true(pn_properties_changed_foreach(msg, &iface, collect_prop, &box->seen));
	snprintf(box->iface, sizeof(box->iface), "%s", iface);
}

static void test_properties_changed(void **state)
{
	struct fixture *f = *state;
	struct signal_box box = {0};
	/* Subscribing by well-known name: signals carry the unique name. */
	assert_int_equal(pn_bus_request_name(f->server.bus, TEST_NAME, NULL, 0), 0);
	struct pn_match *match = pn_bus_subscribe(f->client, TEST_NAME, TEST_PATH,
		DBUS_INTERFACE_PROPERTIES, "PropertiesChanged", on_properties_changed, &box);
	assert_non_null(match);
	spin(f, 50); /* let the owner lookup and AddMatch land */

	snprintf(f->server.name, sizeof(f->server.name), "changed");
	f->server.count = 11;
	const char *const names[] = {"Name", "Count", "Broken", NULL};
	assert_int_equal(pn_bus_emit_properties_changed(f->server.bus, TEST_PATH, TEST_IFACE,
				 names),
		0);
	assert_true(wait_for(f, &box.done, 5000));
	assert_string_equal(box.iface, TEST_IFACE);
	assert_true(box.seen.name && box.seen.count);
	assert_false(box.seen.level);
	assert_string_equal(box.seen.name_value, "changed");
	assert_int_equal(box.seen.count_value, 11);
	/* An unreadable property goes out as invalidated. */
	assert_true(box.seen.invalidated);

	/* A signal of the same shape from someone else is not delivered. */
	struct pn_bus *other = connect_bus(f);
	assert_int_equal(pn_bus_export(other, TEST_PATH, &test_iface, &f->server), 0);
	struct signal_box mine = {0};
	struct pn_match *any = pn_bus_subscribe(f->client, NULL, TEST_PATH,
		DBUS_INTERFACE_PROPERTIES, "PropertiesChanged", on_properties_changed, &mine);
	spin(f, 50);
	box.calls = 0;
	const char *const one[] = {"Count", NULL};
	assert_int_equal(pn_bus_emit_properties_changed(other, TEST_PATH, TEST_IFACE, one), 0);
	assert_true(wait_for(f, &mine.done, 5000));
	spin(f, 50);
	assert_int_equal(box.calls, 0);
	pn_match_remove(any);
	pn_bus_close(other);

	assert_int_equal(pn_bus_emit_properties_changed(f->server.bus, TEST_PATH, TEST_IFACE,
				 (const char *const[]){"Nope", NULL}),
		-EINVAL);
	pn_match_remove(match);
}

static void test_custom_signal(void **state)
{
	struct fixture *f = *state;
	struct signal_box box = {0}, other = {0};
	const char *server = pn_bus_unique_name(f->server.bus);
	struct pn_match *match = pn_bus_subscribe(f->client, server, NULL, TEST_IFACE, "Changed",
		on_changed, &box);
	struct pn_match *unrelated = pn_bus_subscribe(f->client, NULL, NULL, TEST_IFACE, "Other",
		on_changed, &other);
	assert_non_null(match);
	assert_non_null(unrelated);
	spin(f, 50);

	const char *what = "profile";
	uint32_t count = 7;
	assert_int_equal(pn_bus_emit_signal(f->server.bus, TEST_PATH, TEST_IFACE, "Changed",
				 DBUS_TYPE_STRING, &what, DBUS_TYPE_UINT32, &count,
				 DBUS_TYPE_INVALID),
		0);
	assert_true(wait_for(f, &box.done, 5000));
	assert_string_equal(box.what, "profile");
	assert_int_equal(box.count, 7);
	assert_string_equal(box.sender, server);
	assert_int_equal(other.calls, 0);

	/* After removal nothing more arrives. */
	pn_match_remove(match);
	box.done = false;
	pn_bus_emit_signal(f->server.bus, TEST_PATH, TEST_IFACE, "Changed", DBUS_TYPE_STRING, &what,
		DBUS_TYPE_UINT32, &count, DBUS_TYPE_INVALID);
	spin(f, 100);
	assert_int_equal(box.calls, 1);
	pn_match_remove(unrelated);

	assert_int_equal(pn_bus_emit_signal(f->server.bus, "not a path", TEST_IFACE, "Changed",
				 DBUS_TYPE_INVALID),
		-EINVAL);
}

static void test_name_watch(void **state)
{
	struct fixture *f = *state;
	struct owner_box box = {0};
	struct pn_name_watch *watch = pn_bus_watch_name(f->client, TEST_NAME, on_owner, &box);
	assert_non_null(watch);
	assert_true(wait_for(f, &box.done, 5000));
	assert_int_equal(box.calls, 1);
	assert_false(box.has_owner);

	box.done = false;
	char err[128];
	assert_int_equal(pn_bus_request_name(f->server.bus, TEST_NAME, err, sizeof(err)), 0);
	assert_true(wait_for(f, &box.done, 5000));
	assert_true(box.has_owner);
	assert_string_equal(box.owner, pn_bus_unique_name(f->server.bus));

	/* Someone else cannot take it. */
	assert_int_equal(pn_bus_request_name(f->client, TEST_NAME, err, sizeof(err)), -EEXIST);

	box.done = false;
	pn_bus_close(f->server.bus);
	f->server.bus = NULL;
	assert_true(wait_for(f, &box.done, 5000));
	assert_false(box.has_owner);
	assert_int_equal(box.calls, 3);

	/* A watch made while the name is owned starts with the owner. */
	struct owner_box second = {0};
	assert_int_equal(pn_bus_request_name(f->client, TEST_NAME, err, sizeof(err)), 0);
	struct pn_name_watch *watch2 = pn_bus_watch_name(f->client, TEST_NAME, on_owner, &second);
	assert_true(wait_for(f, &second.done, 5000));
	assert_true(second.has_owner);
	assert_string_equal(second.owner, pn_bus_unique_name(f->client));
	pn_name_watch_remove(watch2);
	pn_name_watch_remove(watch);
}

static void test_call_timeout(void **state)
{
	struct fixture *f = *state;
	struct reply_box box = {0};
	DBusMessage *msg = dbus_message_new_method_call(pn_bus_unique_name(f->server.bus),
		TEST_PATH, TEST_IFACE, "Never");
	uint64_t start = pn_now_ms();
	assert_int_equal(pn_bus_call(f->client, msg, 300, on_reply, &box, NULL), 0);
	dbus_message_unref(msg);
	assert_true(wait_for(f, &box.done, 5000));
	assert_string_equal(box.error, DBUS_ERROR_NO_REPLY);
	assert_null(box.reply);
	assert_true(box.at - start >= 250);
	assert_true(box.at - start < 2000);
	assert_non_null(f->server.held);

	/* The late answer, if it ever comes, reaches no one. */
	DBusMessage *reply = dbus_message_new_method_return(f->server.held);
	pn_bus_send(f->server.bus, reply);
	dbus_message_unref(reply);
	spin(f, 100);
	assert_int_equal(box.calls, 1);
	box_clear(&box);
}

static void test_reply_later(void **state)
{
	struct fixture *f = *state;
	struct reply_box box = {0};
	const char *text = "later", *got;
	uint64_t start = pn_now_ms();
	call(f, TEST_IFACE, "Later", &box, DBUS_TYPE_STRING, &text, DBUS_TYPE_INVALID);
	assert_string_equal(box.error, "");
	assert_true(box.at - start >= 90);
	assert_true(
		dbus_message_get_args(box.reply, NULL, DBUS_TYPE_STRING, &got, DBUS_TYPE_INVALID));
	assert_string_equal(got, "later");
	box_clear(&box);
}

static void test_cancel(void **state)
{
	struct fixture *f = *state;
	struct reply_box box = {0};
	const char *text = "x";
	struct pn_pending *pending = NULL;
	DBusMessage *msg = dbus_message_new_method_call(pn_bus_unique_name(f->server.bus),
		TEST_PATH, TEST_IFACE, "Later");
	dbus_message_append_args(msg, DBUS_TYPE_STRING, &text, DBUS_TYPE_INVALID);
	assert_int_equal(pn_bus_call(f->client, msg, 0, on_reply, &box, &pending), 0);
	dbus_message_unref(msg);
	assert_non_null(pending);
	spin(f, 20);
	pn_pending_cancel(pending);
	spin(f, 250);
	assert_null(f->server.later); /* it did answer */
	assert_int_equal(box.calls, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_method_reply),
		T(test_wrong_arguments),
		T(test_unknown_method),
		T(test_ping),
		T(test_property_get),
		T(test_property_set),
		T(test_property_set_errors),
		T(test_properties_changed),
		T(test_custom_signal),
		T(test_name_watch),
		T(test_call_timeout),
		T(test_reply_later),
		T(test_cancel),
#undef T
	};
	int failed = cmocka_run_group_tests_name("dbus", tests, NULL, NULL);
	dbus_shutdown();
	return failed;
}
