#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "environment.h"
#include "niri-watch.h"
#include "panther/bus-names.h"
#include "panther/dbus.h"
#include "panther/log.h"
#include "panther/util.h"
#include "panther/loop.h"
#include "session1.h"

/* org.pantheros.Session1 on a detached bus, and the small parsers next to it. */

struct fixture {
	struct pn_loop *loop;
	struct pn_bus *bus;
	struct session_object *object;
	struct supervisor *sup; /* NULL: systemd mode */
	const char *mode;
	bool stopping;
	int stops;
	int up;
};

static const char *ops_mode(void *data)
{
	return ((struct fixture *)data)->mode;
}

static struct supervisor *ops_supervisor(void *data)
{
	return ((struct fixture *)data)->sup;
}

static bool ops_stopping(void *data)
{
	return ((struct fixture *)data)->stopping;
}

static void ops_stop(void *data)
{
	((struct fixture *)data)->stops++;
}

static const struct session_ops ops = {
	.mode = ops_mode,
	.supervisor = ops_supervisor,
	.stopping = ops_stopping,
	.stop = ops_stop,
};

static void on_up(void *data)
{
	((struct fixture *)data)->up++;
}

static const struct supervisor_listener listener = {.up = on_up};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	f->loop = pn_loop_create();
	f->bus = pn_bus_create_detached();
	f->mode = "systemd";
	int r = 0;
	f->object = session1_export(f->bus, &ops, f, &r);
	assert_non_null(f->object);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	session1_destroy(f->object);
	supervisor_destroy(f->sup);
	pn_bus_close(f->bus);
	pn_loop_destroy(f->loop);
	free(f);
	return 0;
}

static DBusMessage *call(struct fixture *f, const char *iface, const char *method, int first_type,
	...)
{
	DBusMessage *msg = dbus_message_new_method_call(PN_SESSION1_NAME, PN_SESSION1_PATH, iface,
		method);
	dbus_message_set_serial(msg, 7);
	va_list ap;
	va_start(ap, first_type);
	assert_true(dbus_message_append_args_valist(msg, first_type, ap));
	va_end(ap);
	DBusMessage *reply = pn_bus_dispatch_message_for_test(f->bus, msg);
	dbus_message_unref(msg);
	assert_non_null(reply);
	return reply;
}

static void assert_error(DBusMessage *reply, const char *name)
{
	assert_int_equal(dbus_message_get_type(reply), DBUS_MESSAGE_TYPE_ERROR);
	assert_string_equal(dbus_message_get_error_name(reply), name);
	dbus_message_unref(reply);
}

static void test_systemd_mode(void **state)
{
	struct fixture *f = *state;
	DBusMessage *reply = call(f, PN_SESSION1_IFACE, "ListServices", DBUS_TYPE_INVALID);
	assert_string_equal(dbus_message_get_signature(reply), "a(ssuu)");
	DBusMessageIter iter, array;
	dbus_message_iter_init(reply, &iter);
	dbus_message_iter_recurse(&iter, &array);
	assert_int_equal(dbus_message_iter_get_arg_type(&array), DBUS_TYPE_INVALID);
	dbus_message_unref(reply);

	const char *name = "dms";
	assert_error(call(f, PN_SESSION1_IFACE, "Restart", DBUS_TYPE_STRING, &name,
			     DBUS_TYPE_INVALID),
		PN_SESSION1_ERROR_NOT_SUPPORTED);

	const char *iface = PN_SESSION1_IFACE, *prop = "Mode";
	reply = call(f, DBUS_INTERFACE_PROPERTIES, "Get", DBUS_TYPE_STRING, &iface,
		DBUS_TYPE_STRING, &prop, DBUS_TYPE_INVALID);
	DBusMessageIter variant;
	assert_true(pn_reply_variant(reply, &variant));
	const char *mode;
	dbus_message_iter_get_basic(&variant, &mode);
	assert_string_equal(mode, "systemd");
	dbus_message_unref(reply);

	reply = call(f, PN_SESSION1_IFACE, "Stop", DBUS_TYPE_INVALID);
	assert_int_equal(dbus_message_get_type(reply), DBUS_MESSAGE_TYPE_METHOD_RETURN);
	dbus_message_unref(reply);
	assert_int_equal(f->stops, 1);
}

static void test_direct_mode(void **state)
{
	struct fixture *f = *state;
	f->mode = "direct";
	f->sup = supervisor_create(f->loop, NULL, &listener, f);
	char *argv[] = {"sleep", "30", NULL}, *none[] = {NULL};
	struct pn_service_config services[] = {
		{.name = "shell", .argv = argv, .after = none, .env = none},
	};
	struct pn_session_config cfg = {.services = services, .n_services = 1};
	assert_int_equal(supervisor_start(f->sup, &cfg), 0);
	assert_int_equal(f->up, 1);

	DBusMessage *reply = call(f, PN_SESSION1_IFACE, "ListServices", DBUS_TYPE_INVALID);
	DBusMessageIter iter, array, entry;
	dbus_message_iter_init(reply, &iter);
	dbus_message_iter_recurse(&iter, &array);
	assert_int_equal(dbus_message_iter_get_arg_type(&array), DBUS_TYPE_STRUCT);
	dbus_message_iter_recurse(&array, &entry);
	const char *name, *state_name;
	dbus_uint32_t pid, restarts;
	dbus_message_iter_get_basic(&entry, &name);
	dbus_message_iter_next(&entry);
	dbus_message_iter_get_basic(&entry, &state_name);
	dbus_message_iter_next(&entry);
	dbus_message_iter_get_basic(&entry, &pid);
	dbus_message_iter_next(&entry);
	dbus_message_iter_get_basic(&entry, &restarts);
	assert_string_equal(name, "shell");
	assert_string_equal(state_name, "running");
	assert_true(pid > 0);
	assert_int_equal(restarts, 0);
	dbus_message_iter_next(&array);
	assert_int_equal(dbus_message_iter_get_arg_type(&array), DBUS_TYPE_INVALID);
	dbus_message_unref(reply);

	const char *unknown = "nosuch";
	assert_error(call(f, PN_SESSION1_IFACE, "Restart", DBUS_TYPE_STRING, &unknown,
			     DBUS_TYPE_INVALID),
		PN_SESSION1_ERROR_UNKNOWN_SERVICE);
	/* Wrong argument types never reach the handler. */
	dbus_uint32_t number = 3;
	assert_error(call(f, PN_SESSION1_IFACE, "Restart", DBUS_TYPE_UINT32, &number,
			     DBUS_TYPE_INVALID),
		DBUS_ERROR_INVALID_ARGS);
	f->stopping = true;
	const char *shell = "shell";
	assert_error(call(f, PN_SESSION1_IFACE, "Restart", DBUS_TYPE_STRING, &shell,
			     DBUS_TYPE_INVALID),
		PN_SESSION1_ERROR_STOPPING);
}

static void test_environment_assignments(void **state)
{
	char *import_env[] = {"WAYLAND_DISPLAY", "DISPLAY", "NIRI_SOCKET", "EMPTY", NULL};
	char *env[] = {"HOME=/home/u", "NIRI_SOCKET=/run/niri.sock", "WAYLAND_DISPLAYX=no",
		"WAYLAND_DISPLAY=wayland-1", "EMPTY=", "SECRET_TOKEN=x", NULL};
	char **a = environment_assignments(import_env, env);
	/* In import_env's order; set ones only (empty counts as set); nothing else. */
	assert_int_equal(pn_strv_len(a), 3);
	assert_string_equal(a[0], "WAYLAND_DISPLAY=wayland-1");
	assert_string_equal(a[1], "NIRI_SOCKET=/run/niri.sock");
	assert_string_equal(a[2], "EMPTY=");
	char **names = environment_names(a);
	assert_int_equal(pn_strv_len(names), 3);
	assert_string_equal(names[0], "WAYLAND_DISPLAY");
	assert_string_equal(names[2], "EMPTY");
	pn_strv_free(a);
	pn_strv_free(names);
}

static DBusMessage *stats_reply(const char *const *keys)
{
	DBusMessage *call = dbus_message_new_method_call("org.freedesktop.DBus",
		"/org/freedesktop/DBus", "org.freedesktop.DBus.Debug.Stats", "GetStats");
	dbus_message_set_serial(call, 1);
	DBusMessage *reply = dbus_message_new_method_return(call);
	dbus_message_unref(call);
	DBusMessageIter iter, dict, entry, variant;
	dbus_message_iter_init_append(reply, &iter);
	dbus_message_iter_open_container(&iter, DBUS_TYPE_ARRAY, "{sv}", &dict);
	for (size_t i = 0; keys[i]; i++) {
		dbus_uint32_t value = 1;
		dbus_message_iter_open_container(&dict, DBUS_TYPE_DICT_ENTRY, NULL, &entry);
		dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &keys[i]);
		dbus_message_iter_open_container(&entry, DBUS_TYPE_VARIANT, "u", &variant);
		dbus_message_iter_append_basic(&variant, DBUS_TYPE_UINT32, &value);
		dbus_message_iter_close_container(&entry, &variant);
		dbus_message_iter_close_container(&dict, &entry);
	}
	dbus_message_iter_close_container(&iter, &dict);
	return reply;
}

static void test_broker_detection(void **state)
{
	/* What dbus-daemon 1.14 answers, and what dbus-broker answers. */
	const char *daemon_keys[] = {"Serial", "ActiveConnections", "BusNames", NULL};
	const char *broker_keys[] = {"org.bus1.DBus.Debug.Stats.PeerAccounting",
		"org.bus1.DBus.Debug.Stats.UserAccounting", NULL};
	DBusMessage *reply = stats_reply(daemon_keys);
	assert_false(environment_stats_are_broker(reply));
	dbus_message_unref(reply);
	reply = stats_reply(broker_keys);
	assert_true(environment_stats_are_broker(reply));
	dbus_message_unref(reply);
	assert_false(environment_stats_are_broker(NULL));
}

static void test_version_reply(void **state)
{
	char *v = niri_watch_parse_version("{\"Ok\":{\"Version\":\"26.04 (dd75865)\"}}");
	assert_non_null(v);
	assert_string_equal(v, "26.04 (dd75865)");
	free(v);
	assert_null(niri_watch_parse_version("{\"Err\":\"error parsing request\"}"));
	assert_null(niri_watch_parse_version("{\"Ok\":\"Handled\"}"));
	assert_null(niri_watch_parse_version("{\"Ok\":{\"Version\":3}}"));
	assert_null(niri_watch_parse_version("not json"));
}

int main(void)
{
	pn_log_init("test-session-service", PN_LOG_WARN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_systemd_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_direct_mode, setup, teardown),
		cmocka_unit_test(test_environment_assignments),
		cmocka_unit_test(test_broker_detection),
		cmocka_unit_test(test_version_reply),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
