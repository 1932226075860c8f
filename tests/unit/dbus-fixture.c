/* The fixture of the D-Bus unit tests (dbus-fixture.h). */
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

/* ---- the exported test object ---- */

DBusMessage *method_add(void *data, struct pn_bus *bus, DBusMessage *msg)
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

const struct pn_interface test_iface = {
	TEST_IFACE,
	test_methods,
	test_properties,
	test_signals,
};

const struct pn_interface extra_iface = {"org.pantheros.Extra1", NULL, NULL, NULL};

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

struct pn_bus *connect_bus(struct fixture *f)
{
	char err[256] = "";
	struct pn_bus *bus = pn_bus_open_address(f->loop, f->address, err, sizeof(err));
	if (!bus)
		fail_msg("connecting to %s: %s", f->address, err);
	return bus;
}

int setup(void **state)
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

int teardown(void **state)
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
bool wait_for(struct fixture *f, const bool *flag, int timeout_ms)
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
void spin(struct fixture *f, int ms)
{
	uint64_t deadline = pn_now_ms() + (uint64_t)ms;
	for (uint64_t now; (now = pn_now_ms()) < deadline;)
		pn_loop_dispatch(f->loop, (int)(deadline - now));
}

/* ---- replies ---- */

void on_reply(void *data, DBusMessage *reply, const DBusError *err)
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

void box_clear(struct reply_box *box)
{
	if (box->reply)
		dbus_message_unref(box->reply);
	memset(box, 0, sizeof(*box));
}

void call(struct fixture *f, const char *iface, const char *method, struct reply_box *box,
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

void on_changed(void *data, DBusMessage *msg)
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

void on_owner(void *data, const char *name, const char *owner)
{
	struct owner_box *box = data;
	assert_string_equal(name, TEST_NAME);
	box->done = true;
	box->calls++;
	box->has_owner = owner != NULL;
	snprintf(box->owner, sizeof(box->owner), "%s", owner ? owner : "");
}
