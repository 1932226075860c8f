/*
 * libpanther D-Bus glue against a private dbus-daemon started per test, with
 * a server and a client connection on one loop.
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

/* ---- the exported test object ---- */

static DBusMessage *method_add(void *data, struct pn_bus *bus, DBusMessage *msg)
{
	struct server *s = data;
	int32_t a, b;
	s->add_calls++;
	dbus_message_get_args(msg, NULL, DBUS_TYPE_INT32, &a, DBUS_TYPE_INT32, &b,
		DBUS_TYPE_INVALID);
	int32_t sum = a + b;
	DBusMessage *reply = dbus_message_new_method_return(msg);
	dbus_message_append_args(reply, DBUS_TYPE_INT32, &sum, DBUS_TYPE_INVALID);
	return reply;
}

static DBusMessage *method_never(void *data, struct pn_bus *bus, DBusMessage *msg)
{
	struct server *s = data;
	if (!s->held)
		s->held = dbus_message_ref(msg);
	return NULL;
}

static void later_fire(void *data)
{
	struct server *s = data;
	const char *text;
	dbus_message_get_args(s->later, NULL, DBUS_TYPE_STRING, &text, DBUS_TYPE_INVALID);
	DBusMessage *reply = dbus_message_new_method_return(s->later);
	dbus_message_append_args(reply, DBUS_TYPE_STRING, &text, DBUS_TYPE_INVALID);
	assert_int_equal(pn_bus_send(s->bus, reply), 0);
	dbus_message_unref(reply);
	dbus_message_unref(s->later);
	s->later = NULL;
}

static DBusMessage *method_later(void *data, struct pn_bus *bus, DBusMessage *msg)
{
	struct server *s = data;
	s->later = dbus_message_ref(msg);
	s->later_timer = pn_loop_add_timer(s->loop, later_fire, s);
	pn_timer_arm(s->later_timer, 100);
	return NULL;
}

static DBusMessage *method_whoami(void *data, struct pn_bus *bus, DBusMessage *msg)
{
	struct server *s = data;
	s->sender_uid = pn_bus_sender_uid(bus, msg);
	/* A second question is answered from the cache. */
	assert_int_equal(pn_bus_sender_uid(bus, msg), s->sender_uid);
	return dbus_message_new_method_return(msg);
}

static bool get_name(void *data, DBusMessageIter *iter)
{
	struct server *s = data;
	const char *name = s->name;
	return dbus_message_iter_append_basic(iter, DBUS_TYPE_STRING, &name);
}

static DBusMessage *set_name(void *data, DBusMessage *msg, DBusMessageIter *iter)
{
	struct server *s = data;
	const char *name;
	dbus_message_iter_get_basic(iter, &name);
	if (strcmp(name, "bad") == 0)
		return dbus_message_new_error(msg, DBUS_ERROR_INVALID_ARGS, "bad name");
	snprintf(s->name, sizeof(s->name), "%s", name);
	return NULL;
}

static bool get_count(void *data, DBusMessageIter *iter)
{
	struct server *s = data;
	return dbus_message_iter_append_basic(iter, DBUS_TYPE_UINT32, &s->count);
}

static bool get_level(void *data, DBusMessageIter *iter)
{
	struct server *s = data;
	return dbus_message_iter_append_basic(iter, DBUS_TYPE_DOUBLE, &s->level);
}

static DBusMessage *set_level(void *data, DBusMessage *msg, DBusMessageIter *iter)
{
	struct server *s = data;
	dbus_message_iter_get_basic(iter, &s->level);
	return NULL;
}

static bool get_tags(void *data, DBusMessageIter *iter)
{
	static const char *const tags[] = {"alpha", "beta"};
	DBusMessageIter array;
	if (!dbus_message_iter_open_container(iter, DBUS_TYPE_ARRAY, "s", &array))
		return false;
	for (size_t i = 0; i < 2; i++)
		dbus_message_iter_append_basic(&array, DBUS_TYPE_STRING, &tags[i]);
	return dbus_message_iter_close_container(iter, &array);
}

/* Declared 'u', appends 's': must never reach a peer. */
static bool get_broken(void *data, DBusMessageIter *iter)
{
	const char *oops = "oops";
	return dbus_message_iter_append_basic(iter, DBUS_TYPE_STRING, &oops);
}

static const struct pn_method test_methods[] = {
	{"Add", "ii", "a,b", "i", "sum", method_add},
	{"Never", "", NULL, "", NULL, method_never},
	{"Later", "s", "text", "s", "text", method_later},
	{"WhoAmI", "", NULL, "", NULL, method_whoami},
	{NULL},
};

static const struct pn_property test_properties[] = {
	{"Name", "s", get_name, set_name},
	{"Count", "u", get_count, NULL},
	{"Level", "d", get_level, set_level},
	{"Tags", "as", get_tags, NULL},
	{"Broken", "u", get_broken, NULL},
	{NULL},
};

static const struct pn_signal test_signals[] = {
	{"Changed", "su", "what,count"},
	{NULL},
};

static const struct pn_interface test_iface = {
	TEST_IFACE,
	test_methods,
	test_properties,
	test_signals,
};

static const struct pn_interface extra_iface = {"org.pantheros.Extra1", NULL, NULL, NULL};

/* ---- private bus ---- */

static pid_t start_daemon(const char *dir, char *address, size_t size)
{
	char config[128];
	snprintf(config, sizeof(config), "%s/bus.conf", dir);
	FILE *f = fopen(config, "w");
	assert_non_null(f);
	fprintf(f,
		"<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN\"\n"
		" \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
		"<busconfig>\n"
		"  <type>session</type>\n"
		"  <listen>unix:path=%s/bus</listen>\n"
		"  <auth>EXTERNAL</auth>\n"
		"  <policy context=\"default\">\n"
		"    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
		"    <allow eavesdrop=\"true\"/>\n"
		"    <allow own=\"*\"/>\n"
		"  </policy>\n"
		"</busconfig>\n",
		dir);
	fclose(f);

	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char config_arg[160], print_arg[32];
		snprintf(config_arg, sizeof(config_arg), "--config-file=%s", config);
		snprintf(print_arg, sizeof(print_arg), "--print-address=%d", fds[1]);
		close(fds[0]);
		/* Never outlive the test, even when it crashes. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		int null = open("/dev/null", O_RDWR);
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		execlp("dbus-daemon", "dbus-daemon", config_arg, "--nofork", "--nopidfile",
			print_arg, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	size_t len = 0;
	struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
	while (len + 1 < size && (len == 0 || address[len - 1] != '\n')) {
		if (poll(&pfd, 1, 5000) <= 0)
			break;
		ssize_t n = read(fds[0], address + len, size - len - 1);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fds[0]);
	address[len] = '\0';
	address[strcspn(address, "\n")] = '\0';
	if (len == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		fail_msg("dbus-daemon did not start");
	}
	return pid;
}

static void stop_daemon(struct fixture *f)
{
	if (f->daemon > 0) {
		kill(f->daemon, SIGTERM);
		waitpid(f->daemon, NULL, 0);
		f->daemon = 0;
	}
}

static struct pn_bus *connect_bus(struct fixture *f)
{
	char err[256] = "";
	struct pn_bus *bus = pn_bus_open_address(f->loop, f->address, err, sizeof(err));
	if (!bus)
		fail_msg("connecting to %s: %s", f->address, err);
	return bus;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/pn-test-dbus-XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	f->daemon = start_daemon(f->dir, f->address, sizeof(f->address));
	f->loop = pn_loop_create();
	f->server.loop = f->loop;
	snprintf(f->server.name, sizeof(f->server.name), "initial");
	f->server.count = 3;
	f->server.level = 0.5;
	f->server.sender_uid = -2;
	f->server.bus = connect_bus(f);
	f->client = connect_bus(f);
	assert_int_equal(pn_bus_export(f->server.bus, TEST_PATH, &test_iface, &f->server), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	pn_bus_close(f->client);
	pn_bus_close(f->server.bus);
	if (f->server.held)
		dbus_message_unref(f->server.held);
	if (f->server.later)
		dbus_message_unref(f->server.later);
	pn_loop_destroy(f->loop);
	stop_daemon(f);
	char path[128];
	snprintf(path, sizeof(path), "%s/bus.conf", f->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/bus", f->dir);
	unlink(path);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Runs the loop until *flag is set or timeout_ms passes. */
static bool wait_for(struct fixture *f, const bool *flag, int timeout_ms)
{
	uint64_t deadline = pn_now_ms() + (uint64_t)timeout_ms;
	while (!*flag) {
		uint64_t now = pn_now_ms();
		if (now >= deadline)
			return false;
		assert_true(pn_loop_dispatch(f->loop, (int)(deadline - now)) >= 0);
	}
	return true;
}

/* Runs the loop for ms, whatever happens. */
static void spin(struct fixture *f, int ms)
{
	uint64_t deadline = pn_now_ms() + (uint64_t)ms;
	for (uint64_t now; (now = pn_now_ms()) < deadline;)
		pn_loop_dispatch(f->loop, (int)(deadline - now));
}

/* ---- replies ---- */

struct reply_box {
	bool done;
	int calls;
	DBusMessage *reply;
	char error[128];
	char message[512];
	uint64_t at;
};

static void on_reply(void *data, DBusMessage *reply, const DBusError *err)
{
	struct reply_box *box = data;
	box->done = true;
	box->calls++;
	box->at = pn_now_ms();
	if (reply)
		box->reply = dbus_message_ref(reply);
	if (err) {
		snprintf(box->error, sizeof(box->error), "%s", err->name);
		snprintf(box->message, sizeof(box->message), "%s",
			err->message ? err->message : "");
	}
}

static void box_clear(struct reply_box *box)
{
	if (box->reply)
		dbus_message_unref(box->reply);
	memset(box, 0, sizeof(*box));
}

static void call(struct fixture *f, const char *iface, const char *method, struct reply_box *box,
	int first_type, ...)
{
	DBusMessage *msg = dbus_message_new_method_call(pn_bus_unique_name(f->server.bus),
		TEST_PATH, iface, method);
	va_list ap;
	va_start(ap, first_type);
	assert_true(dbus_message_append_args_valist(msg, first_type, ap));
	va_end(ap);
	assert_int_equal(pn_bus_call(f->client, msg, 0, on_reply, box, NULL), 0);
	dbus_message_unref(msg);
	assert_true(wait_for(f, &box->done, 5000));
}

/* ---- tests ---- */

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

struct props_seen {
	bool name, count, level, tags, broken, invalidated;
	char name_value[64];
	uint32_t count_value;
};

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

struct signal_box {
	bool done;
	int calls;
	char iface[64];
	struct props_seen seen;
	char what[64];
	uint32_t count;
	char sender[64];
};

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

static void on_changed(void *data, DBusMessage *msg)
{
	struct signal_box *box = data;
	const char *what;
	box->calls++;
	box->done = true;
	assert_true(dbus_message_get_args(msg, NULL, DBUS_TYPE_STRING, &what, DBUS_TYPE_UINT32,
		&box->count, DBUS_TYPE_INVALID));
	snprintf(box->what, sizeof(box->what), "%s", what);
	snprintf(box->sender, sizeof(box->sender), "%s", dbus_message_get_sender(msg));
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

struct owner_box {
	bool done;
	int calls;
	bool has_owner;
	char owner[64];
};

static void on_owner(void *data, const char *name, const char *owner)
{
	struct owner_box *box = data;
	assert_string_equal(name, TEST_NAME);
	box->done = true;
	box->calls++;
	box->has_owner = owner != NULL;
	snprintf(box->owner, sizeof(box->owner), "%s", owner ? owner : "");
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
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	dbus_shutdown();
	return failed;
}
