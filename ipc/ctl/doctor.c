/*
 * pantherctl doctor: runs the check tables of doctor-checks-*.c and prints
 * one line per finding. Everything a probe reads is bounded: D-Bus calls
 * give up after DOCTOR_CALL_MS and a peer that timed out is not asked
 * again, so a stuck peer costs one timeout, not one per question.
 */
#include "doctor.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "panther/proc.h"
#include "panther/util.h"

static const char doctor_usage[] = "doctor [--json] [--try-1password]";
static const char *const verdict_names[] = {"ok", "warn", "fail"};

static const struct doctor_check *const tables[] = {
	doctor_session_checks,
	doctor_polkit_checks,
	doctor_onepassword_checks,
	doctor_power_checks,
	doctor_dms_checks,
};

void doctor_say(struct doctor *d, enum doctor_verdict v, const char *fix, const char *fmt, ...)
{
	char text[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	char *detail = pn_sanitize_text(text, sizeof(text));
	if (!fix)
		fix = d->current->fix;
	/* --json promises a fix with every warn and fail. */
	if (!fix)
		fix = "see the program's log: journalctl --user -e";
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(d->current->name));
	json_object_object_add(o, "verdict", json_object_new_string(verdict_names[v]));
	json_object_object_add(o, "detail", json_object_new_string(detail));
	json_object_object_add(o, "fix",
		v != DOCTOR_OK && fix ? json_object_new_string(fix) : NULL);
	json_object_array_add(d->results, o);
	d->counts[v]++;
	free(detail);
}

/* ---- sockets and D-Bus ---- */

int doctor_unix_request(const char *socket_path, const char *request, size_t request_len, char *buf,
	size_t len)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	size_t n = strlen(socket_path);
	if (n >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	memcpy(addr.sun_path, socket_path, n);
	if (socket_path[0] == '@')
		addr.sun_path[0] = '\0';
	socklen_t addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
		(socket_path[0] == '@' ? 0 : 1));
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	int r = 0;
	size_t have = 0;
	buf[0] = '\0';
	if (connect(fd, (struct sockaddr *)&addr, addr_len) < 0 ||
		send(fd, request, request_len, MSG_NOSIGNAL) != (ssize_t)request_len) {
		r = errno == EAGAIN ? -ETIMEDOUT : -errno;
		goto out;
	}
	int64_t deadline = doctor_now_ms() + DOCTOR_CALL_MS;
	while (!memchr(buf, '\n', have)) {
		int64_t left = deadline - doctor_now_ms();
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (left <= 0 || poll(&p, 1, (int)left) == 0) {
			r = -ETIMEDOUT;
			goto out;
		}
		ssize_t got = read(fd, buf + have, len - 1 - have);
		if (got < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (got <= 0 || have + (size_t)got >= len - 1) {
			r = got < 0 ? -errno : -EPROTO;
			goto out;
		}
		have += (size_t)got;
		buf[have] = '\0';
	}
	*strchr(buf, '\n') = '\0';
out:
	close(fd);
	return r;
}

/*
 * Whether the bus at a unix address answers the first line of the D-Bus
 * handshake within DOCTOR_CALL_MS: libdbus itself waits without a limit
 * while it authenticates. Addresses it cannot read are left to libdbus.
 */
static bool bus_answers(const char *address)
{
	char socket_path[128];
	const char *p = strstr(address, "path="), *at = "";
	if (!p && (p = strstr(address, "abstract=")))
		at = "@";
	if (strncmp(address, "unix:", 5) != 0 || !p || strchr(address, '%'))
		return true;
	p = strchr(p, '=') + 1;
	snprintf(socket_path, sizeof(socket_path), "%s%.*s", at, (int)strcspn(p, ",;"), p);
	char reply[512];
	/* A NUL byte, then AUTH without a mechanism: the bus lists its mechanisms. */
	return doctor_unix_request(socket_path, "\0AUTH\r\n", 7, reply, sizeof(reply)) == 0;
}

/* The bus's address, as libdbus would find it (without X11 autolaunch). */
static bool bus_address(DBusBusType type, char *buf, size_t len)
{
	const char *env = getenv(
		type == DBUS_BUS_SYSTEM ? "DBUS_SYSTEM_BUS_ADDRESS" : "DBUS_SESSION_BUS_ADDRESS");
	if (env && env[0])
		return snprintf(buf, len, "%s", env) < (int)len;
	if (type == DBUS_BUS_SYSTEM)
		return snprintf(buf, len, "unix:path=/run/dbus/system_bus_socket") < (int)len;
	const char *runtime = getenv("XDG_RUNTIME_DIR");
	return ctl_have_session_bus() && runtime &&
		snprintf(buf, len, "unix:path=%s/bus", runtime) < (int)len;
}

/*
 * Connects and says Hello within DOCTOR_CALL_MS (dbus_bus_get_private
 * would wait 25 s for a stuck bus daemon).
 */
static DBusConnection *open_bus(DBusBusType type, bool *tried, DBusConnection **conn)
{
	if (*tried)
		return *conn;
	*tried = true;
	char address[1024];
	if (!bus_address(type, address, sizeof(address)) || !bus_answers(address))
		return NULL;
	DBusError err;
	dbus_error_init(&err);
	DBusConnection *c = dbus_connection_open_private(address, &err);
	if (!c) {
		dbus_error_free(&err);
		return NULL;
	}
	dbus_connection_set_exit_on_disconnect(c, FALSE);
	DBusMessage *msg = dbus_message_new_method_call(DBUS_SERVICE_DBUS, DBUS_PATH_DBUS,
		DBUS_INTERFACE_DBUS, "Hello");
	DBusMessage *reply = msg
		? dbus_connection_send_with_reply_and_block(c, msg, DOCTOR_CALL_MS, &err)
		: NULL;
	const char *name;
	if (msg)
		dbus_message_unref(msg);
	if (!reply ||
		!dbus_message_get_args(reply, NULL, DBUS_TYPE_STRING, &name, DBUS_TYPE_INVALID) ||
		!dbus_bus_set_unique_name(c, name)) {
		dbus_error_free(&err);
		if (reply)
			dbus_message_unref(reply);
		dbus_connection_close(c);
		dbus_connection_unref(c);
		return NULL;
	}
	dbus_message_unref(reply);
	*conn = c;
	return c;
}

DBusConnection *doctor_session_bus(struct doctor *d)
{
	return open_bus(DBUS_BUS_SESSION, &d->session_tried, &d->session_bus);
}

DBusConnection *doctor_system_bus(struct doctor *d)
{
	return open_bus(DBUS_BUS_SYSTEM, &d->system_tried, &d->system_bus);
}

static struct doctor_peer *find_silent(struct doctor *d, const char *name)
{
	for (size_t i = 0; i < d->n_silent; i++) {
		if (strcmp(d->silent[i].name, name) == 0)
			return &d->silent[i];
	}
	return NULL;
}

DBusMessage *doctor_call(struct doctor *d, DBusConnection *bus, DBusMessage *msg, DBusError *err)
{
	if (!msg) {
		dbus_set_error_const(err, DBUS_ERROR_NO_MEMORY, "out of memory");
		return NULL;
	}
	const char *dest = dbus_message_get_destination(msg);
	char peer[128];
	snprintf(peer, sizeof(peer), "%s%s",
		bus == d->system_bus ? "system:" : "session:", dest ? dest : "");
	if (find_silent(d, peer)) {
		dbus_message_unref(msg);
		dbus_set_error_const(err, DBUS_ERROR_NO_REPLY, "did not answer before");
		return NULL;
	}
	dbus_message_set_auto_start(msg, FALSE);
	DBusMessage *reply = dbus_connection_send_with_reply_and_block(bus, msg, DOCTOR_CALL_MS,
		err);
	dbus_message_unref(msg);
	if (!reply &&
		(dbus_error_has_name(err, DBUS_ERROR_NO_REPLY) ||
			dbus_error_has_name(err, DBUS_ERROR_TIMEOUT)) &&
		d->n_silent < PN_ARRAY_LEN(d->silent))
		snprintf(d->silent[d->n_silent++].name, sizeof(d->silent[0].name), "%s", peer);
	return reply;
}

DBusMessage *doctor_call_string(struct doctor *d, DBusConnection *bus, const char *dest,
	const char *path, const char *iface, const char *method, const char *arg, DBusError *err)
{
	DBusMessage *msg = dbus_message_new_method_call(dest, path, iface, method);
	if (msg && !dbus_message_append_args(msg, DBUS_TYPE_STRING, &arg, DBUS_TYPE_INVALID)) {
		dbus_message_unref(msg);
		msg = NULL;
	}
	return doctor_call(d, bus, msg, err);
}

bool doctor_has_owner(struct doctor *d, DBusConnection *bus, const char *name)
{
	DBusError err;
	dbus_error_init(&err);
	DBusMessage *reply = doctor_call_string(d, bus, DBUS_SERVICE_DBUS, DBUS_PATH_DBUS,
		DBUS_INTERFACE_DBUS, "NameHasOwner", name, &err);
	dbus_bool_t has = FALSE;
	if (reply &&
		!dbus_message_get_args(reply, NULL, DBUS_TYPE_BOOLEAN, &has, DBUS_TYPE_INVALID))
		has = FALSE;
	if (reply)
		dbus_message_unref(reply);
	dbus_error_free(&err);
	return has;
}

DBusMessage *doctor_get_property(struct doctor *d, DBusConnection *bus, const char *name,
	const char *path, const char *iface, const char *prop, DBusMessageIter *value,
	DBusError *err)
{
	DBusMessage *msg = dbus_message_new_method_call(name, path, DBUS_INTERFACE_PROPERTIES,
		"Get");
	if (msg &&
		!dbus_message_append_args(msg, DBUS_TYPE_STRING, &iface, DBUS_TYPE_STRING, &prop,
			DBUS_TYPE_INVALID)) {
		dbus_message_unref(msg);
		msg = NULL;
	}
	DBusMessage *reply = doctor_call(d, bus, msg, err);
	if (!reply)
		return NULL;
	DBusMessageIter iter;
	if (!dbus_message_iter_init(reply, &iter) ||
		dbus_message_iter_get_arg_type(&iter) != DBUS_TYPE_VARIANT) {
		dbus_message_unref(reply);
		dbus_set_error_const(err, DBUS_ERROR_INVALID_SIGNATURE, "unexpected reply");
		return NULL;
	}
	dbus_message_iter_recurse(&iter, value);
	return reply;
}

bool doctor_get_string(struct doctor *d, DBusConnection *bus, const char *name, const char *path,
	const char *iface, const char *prop, char *buf, size_t len, DBusError *err)
{
	DBusMessageIter value;
	buf[0] = '\0';
	DBusMessage *reply = doctor_get_property(d, bus, name, path, iface, prop, &value, err);
	if (!reply)
		return false;
	bool ok = dbus_message_iter_get_arg_type(&value) == DBUS_TYPE_STRING;
	if (ok) {
		const char *s;
		dbus_message_iter_get_basic(&value, &s);
		snprintf(buf, len, "%s", s);
	} else {
		dbus_set_error_const(err, DBUS_ERROR_INVALID_SIGNATURE, "not a string");
	}
	dbus_message_unref(reply);
	return ok;
}

const char *doctor_bus_error(const DBusError *err)
{
	if (dbus_error_has_name(err, DBUS_ERROR_SERVICE_UNKNOWN) ||
		dbus_error_has_name(err, DBUS_ERROR_NAME_HAS_NO_OWNER))
		return "not on the bus";
	return ctl_bus_error(err);
}

int64_t doctor_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- files and processes ---- */

void doctor_each_process(struct doctor *d,
	bool (*fn)(struct doctor *d, const char *pid, const char *comm, void *data), void *data)
{
	DIR *dir = opendir(d->proc_root);
	if (!dir)
		return;
	char self[16];
	snprintf(self, sizeof(self), "%d", (int)getpid());
	struct dirent *e;
	while ((e = readdir(dir))) {
		if (!isdigit((unsigned char)e->d_name[0]) || strcmp(e->d_name, self) == 0)
			continue;
		uid_t uid;
		char comm[64];
		if (!pn_proc_read(d->proc_root, e->d_name, &uid, comm, sizeof(comm)) ||
			uid != d->uid)
			continue;
		if (!fn(d, e->d_name, comm, data))
			break;
	}
	closedir(dir);
}

int doctor_process_env(struct doctor *d, const char *pid, const char *name, char *value, size_t len)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s/environ", d->proc_root, pid);
	/* The environment is at most a few pages. */
	char *buf;
	size_t have;
	int r = pn_read_file(path, 256 * 1024, &buf, &have);
	if (r < 0)
		return r;
	size_t name_len = strlen(name);
	for (size_t i = 0; r == 0 && i < have; i += strlen(buf + i) + 1) {
		if (strncmp(buf + i, name, name_len) == 0 && buf[i + name_len] == '=') {
			snprintf(value, len, "%s", buf + i + name_len + 1);
			r = 1;
		}
	}
	free(buf);
	return r;
}

/* ---- the run ---- */

static void load_config(struct doctor *d)
{
	const char *path = d->ctl->config_path;
	pn_config_init(&d->config);
	if (!path) {
		if (pn_config_default_path(d->config_path, sizeof(d->config_path)) < 0) {
			d->config_bad = true;
			snprintf(d->config_error, sizeof(d->config_error),
				"cannot find the config directory (XDG_CONFIG_HOME and HOME are unset)");
			return;
		}
	} else {
		snprintf(d->config_path, sizeof(d->config_path), "%s", path);
	}
	if (pn_config_load(&d->config, d->config_path, &d->config_missing, d->config_error,
		    sizeof(d->config_error)) < 0) {
		d->config_bad = true;
		pn_config_init(&d->config);
	}
}

static void print_text(struct doctor *d)
{
	size_t n = json_object_array_length(d->results);
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(d->results, i), *v;
		const char *f[4] = {"", "", "", NULL};
		const char *keys[] = {"verdict", "name", "detail", "fix"};
		for (size_t k = 0; k < 4; k++) {
			if (json_object_object_get_ex(o, keys[k], &v) && v)
				f[k] = json_object_get_string(v);
		}
		printf("%-5s %-24s %s\n", f[0], f[1], f[2]);
		if (f[3])
			printf("%-5s %-24s fix: %s\n", "", "", f[3]);
	}
	printf("%d ok, %d warn, %d fail\n", d->counts[DOCTOR_OK], d->counts[DOCTOR_WARN],
		d->counts[DOCTOR_FAIL]);
}

static void print_json(struct doctor *d)
{
	struct json_object *o = json_object_new_object(), *counts = json_object_new_object();
	for (int v = DOCTOR_OK; v <= DOCTOR_FAIL; v++)
		json_object_object_add(counts, verdict_names[v], json_object_new_int(d->counts[v]));
	json_object_object_add(o, "ok", json_object_new_boolean(d->counts[DOCTOR_FAIL] == 0));
	json_object_object_add(o, "counts", counts);
	json_object_object_add(o, "checks", json_object_get(d->results));
	puts(json_object_to_json_string_ext(o,
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static void close_bus(DBusConnection *conn)
{
	if (!conn)
		return;
	dbus_connection_close(conn);
	dbus_connection_unref(conn);
}

int ctl_doctor(struct ctl *ctl, int argc, char **argv)
{
	struct doctor d = {.ctl = ctl,
		.uid = getuid(),
		.proc_root = "/proc",
		.etc = "/etc",
		.root = ""};
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--try-1password") == 0) {
			d.try_onepassword = true;
		} else {
			ctl_error("doctor: unknown argument \"%s\" (usage: pantherctl %s)", argv[i],
				doctor_usage);
			return CTL_USAGE;
		}
	}
	/* Tests point these at their own trees; nothing else sets them. */
	const char *etc = getenv("PANTHER_DOCTOR_ETC");
	if (etc && etc[0] == '/')
		d.etc = etc;
	const char *root = getenv("PANTHER_DOCTOR_ROOT");
	if (root && root[0] == '/')
		d.root = root;

	d.results = json_object_new_array();
	load_config(&d);
	for (size_t t = 0; t < PN_ARRAY_LEN(tables); t++) {
		for (d.current = tables[t]; d.current->name; d.current++)
			d.current->probe(&d);
	}
	if (ctl->json)
		print_json(&d);
	else
		print_text(&d);
	int status = d.counts[DOCTOR_FAIL] ? CTL_FAILED : CTL_OK;
	json_object_put(d.results);
	pn_config_finish(&d.config);
	close_bus(d.session_bus);
	close_bus(d.system_bus);
	dbus_shutdown();
	return status;
}
