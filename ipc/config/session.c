/* The "session" section of config.json. */

#include "parser.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "panther/util.h"

static const char *const mode_names[] = {"auto", "systemd", "direct", NULL};
static const char *const restart_names[] = {"on-failure", "always", "never", NULL};
static const char *const session_keys[] = {"mode", "import_env", "target", "niri_timeout_s",
	"services", NULL};
static const char *const service_keys[] = {"name", "argv", "restart", "after", "env", "ready",
	NULL};
static const char *const ready_keys[] = {"dbus_name", NULL};

/* session */

/* A well-known D-Bus name: two or more dot-separated elements, at most 255 bytes. */
static bool is_bus_name(const char *s)
{
	size_t len = strlen(s), elements = 1;
	if (len == 0 || len > 255 || s[0] == '.' || s[len - 1] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '.') {
			if (s[i + 1] == '.' || isdigit((unsigned char)s[i + 1]))
				return false;
			elements++;
		} else if (!isalnum((unsigned char)c) && c != '_' && c != '-') {
			return false;
		}
	}
	return elements >= 2 && !isdigit((unsigned char)s[0]);
}

static int parse_ready(struct parser *p, const char *path, struct json_object *o,
	struct pn_service_config *service)
{
	int r = check_keys(p, path, o, ready_keys);
	if (r < 0)
		return r;
	char sub[PATH_LEN];
	struct json_object *v;
	const char *name;
	if (!json_object_object_get_ex(o, "dbus_name", &v))
		return missing_key(p, path, "dbus_name", "the bus name that signals readiness");
	path_key(sub, path, "dbus_name");
	if ((r = get_string(p, sub, v, &name)) < 0)
		return r;
	if (!is_bus_name(name)) {
		return fail(p, sub,
			"\"%s\" is not a valid D-Bus name (expected a well-known name such as org.example.App)",
			show(p, name));
	}
	service->ready_dbus_name = pn_xstrdup(name);
	return 0;
}

static int parse_env(struct parser *p, const char *path, struct json_object *o,
	struct pn_service_config *service)
{
	int r = expect_type(p, path, o, json_type_object, "an object");
	if (r < 0)
		return r;
	size_t n = 0;
	service->env = pn_xcalloc((size_t)json_object_object_length(o) + 1, sizeof(char *));
	json_object_object_foreach(o, key, value) {
		char sub[PATH_LEN];
		const char *s;
		path_key(sub, path, key);
		if ((r = check_env_name(p, path, key)) < 0)
			return r;
		if ((r = get_string(p, sub, value, &s)) < 0)
			return r;
		size_t len = strlen(key) + 1 + strlen(s) + 1;
		service->env[n] = pn_xcalloc(len, 1);
		snprintf(service->env[n++], len, "%s=%s", key, s);
	}
	return 0;
}

static int check_service_name(struct parser *p, const char *path, const char *s)
{
	if (!s[0])
		return fail(p, path, "empty name");
	if (!is_unit_word(s)) {
		return fail(p, path,
			"invalid name \"%s\" (expected no '/', spaces or control characters)",
			show(p, s));
	}
	return 0;
}

static int parse_service(struct parser *p, const char *path, struct json_object *o,
	struct pn_service_config *service)
{
	int r = check_keys(p, path, o, service_keys);
	if (r < 0)
		return r;
	char sub[PATH_LEN];
	struct json_object *v;
	const char *name;
	int i;
	if (!json_object_object_get_ex(o, "name", &v))
		return missing_key(p, path, "name", "the service's name");
	path_key(sub, path, "name");
	if ((r = get_string(p, sub, v, &name)) < 0 || (r = check_service_name(p, sub, name)) < 0)
		return r;
	service->name = pn_xstrdup(name);
	if (!json_object_object_get_ex(o, "argv", &v))
		return missing_key(p, path, "argv", "the program and its arguments");
	if ((r = get_argv(p, path_key(sub, path, "argv"), v, &service->argv)) < 0)
		return r;
	if (json_object_object_get_ex(o, "restart", &v)) {
		if ((r = get_choice(p, path_key(sub, path, "restart"), v, restart_names,
			     "restart policy", &i)) < 0)
			return r;
		service->restart = (enum pn_restart)i;
	}
	if (json_object_object_get_ex(o, "after", &v)) {
		if ((r = get_strv(p, path_key(sub, path, "after"), v, true, NULL,
			     check_service_name, &service->after)) < 0)
			return r;
	} else {
		service->after = pn_xcalloc(1, sizeof(char *));
	}
	if (json_object_object_get_ex(o, "env", &v)) {
		if ((r = parse_env(p, path_key(sub, path, "env"), v, service)) < 0)
			return r;
	} else {
		service->env = pn_xcalloc(1, sizeof(char *));
	}
	if (json_object_object_get_ex(o, "ready", &v) &&
		(r = parse_ready(p, path_key(sub, path, "ready"), v, service)) < 0)
		return r;
	return 0;
}

static int service_index(const struct pn_session_config *session, const char *name)
{
	for (size_t i = 0; i < session->n_services; i++) {
		if (strcmp(session->services[i].name, name) == 0)
			return (int)i;
	}
	return -1;
}

/*
 * Depth-first walk along "after"; state: 0 unseen, 1 on the current path,
 * 2 done. stack holds the current path for the message.
 */
static int find_cycle(struct parser *p, const struct pn_session_config *session, size_t i,
	char *state, size_t *stack, size_t depth)
{
	stack[depth] = i;
	state[i] = 1;
	for (char **a = session->services[i].after; *a; a++) {
		size_t j = (size_t)service_index(session, *a);
		if (state[j] == 2)
			continue;
		if (state[j] == 1) {
			char chain[256];
			size_t o = 0, from = 0;
			while (stack[from] != j)
				from++;
			for (size_t k = from; k <= depth && o < sizeof(chain); k++) {
				o += (size_t)snprintf(chain + o, sizeof(chain) - o, "%s -> ",
					session->services[stack[k]].name);
			}
			if (o < sizeof(chain))
				snprintf(chain + o, sizeof(chain) - o, "%s",
					session->services[j].name);
			char path[PATH_LEN], after_path[PATH_LEN];
			path_index(path, "session.services", stack[from]);
			return fail(p, path_key(after_path, path, "after"),
				"services wait for each other: %s (each waits for the next)",
				chain);
		}
		int r = find_cycle(p, session, j, state, stack, depth + 1);
		if (r < 0)
			return r;
	}
	state[i] = 2;
	return 0;
}

static int check_services(struct parser *p, const struct pn_session_config *session)
{
	for (size_t i = 0; i < session->n_services; i++) {
		char **after = session->services[i].after;
		for (size_t k = 0; after[k]; k++) {
			char item_path[PATH_LEN];
			snprintf(item_path, sizeof(item_path), "session.services[%zu].after[%zu]",
				i, k);
			if (service_index(session, after[k]) < 0) {
				return fail(p, item_path,
					"unknown service \"%s\" (expected the name of another service in session.services)",
					show(p, after[k]));
			}
			for (size_t m = 0; m < k; m++) {
				if (strcmp(after[m], after[k]) == 0)
					return fail(p, item_path, "\"%s\" is listed twice",
						show(p, after[k]));
			}
		}
	}
	char *state = pn_xcalloc(session->n_services, 1);
	size_t *stack = pn_xcalloc(session->n_services, sizeof(*stack));
	int r = 0;
	for (size_t i = 0; i < session->n_services && r == 0; i++) {
		if (state[i] == 0)
			r = find_cycle(p, session, i, state, stack, 0);
	}
	free(state);
	free(stack);
	return r;
}

static int parse_services(struct parser *p, const char *path, struct json_object *o,
	struct pn_session_config *session)
{
	int r = expect_type(p, path, o, json_type_array, "an array");
	if (r < 0)
		return r;
	size_t n = json_object_array_length(o);
	session->services = pn_xcalloc(n, sizeof(*session->services));
	for (size_t i = 0; i < n; i++) {
		char item_path[PATH_LEN];
		struct pn_service_config *service = &session->services[i];
		path_index(item_path, path, i);
		/* Counted before parsing so that a half-filled entry is freed too. */
		session->n_services++;
		if ((r = parse_service(p, item_path, json_object_array_get_idx(o, i), service)) < 0)
			return r;
		if (service_index(session, service->name) != (int)i) {
			char sub[PATH_LEN];
			return fail(p, path_key(sub, item_path, "name"), "duplicate service \"%s\"",
				show(p, service->name));
		}
	}
	return check_services(p, session);
}

static int check_import_env(struct parser *p, const char *path, const char *s)
{
	return check_env_name(p, path, s);
}

static int check_target(struct parser *p, const char *path, const char *s)
{
	size_t len = strlen(s);
	if (len <= 7 || strcmp(s + len - 7, ".target") != 0 || !is_unit_word(s)) {
		return fail(p, path,
			"\"%s\" is not a target unit name (expected a name ending in .target)",
			show(p, s));
	}
	return 0;
}

int parse_session(struct parser *p, struct json_object *o, struct pn_session_config *session)
{
	const char *path = "session";
	int r = check_keys(p, path, o, session_keys);
	if (r < 0)
		return r;
	char sub[PATH_LEN];
	struct json_object *v;
	int i;
	if (json_object_object_get_ex(o, "mode", &v)) {
		if ((r = get_choice(p, path_key(sub, path, "mode"), v, mode_names, "mode", &i)) < 0)
			return r;
		session->mode = (enum pn_session_mode)i;
	}
	if (json_object_object_get_ex(o, "import_env", &v)) {
		char **names;
		path_key(sub, path, "import_env");
		if ((r = get_strv(p, sub, v, true, NULL, check_import_env, &names)) < 0)
			return r;
		session->import_env = names;
		for (size_t k = 0; names[k]; k++) {
			for (size_t m = 0; m < k; m++) {
				if (strcmp(names[k], names[m]) == 0) {
					char item_path[PATH_LEN];
					return fail(p, path_index(item_path, sub, k),
						"\"%s\" is listed twice", names[k]);
				}
			}
		}
	}
	if (json_object_object_get_ex(o, "target", &v)) {
		const char *target;
		path_key(sub, path, "target");
		if ((r = get_string(p, sub, v, &target)) < 0 ||
			(r = check_target(p, sub, target)) < 0)
			return r;
		session->target = pn_xstrdup(target);
	}
	if (json_object_object_get_ex(o, "niri_timeout_s", &v) &&
		(r = get_int(p, path_key(sub, path, "niri_timeout_s"), v, 1, 3600, "seconds",
			 &session->niri_timeout_s)) < 0)
		return r;
	if (json_object_object_get_ex(o, "services", &v) &&
		(r = parse_services(p, path_key(sub, path, "services"), v, session)) < 0)
		return r;
	return 0;
}
