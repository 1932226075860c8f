#include "panther/config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "panther/secret.h"
#include "panther/util.h"

/*
 * Defaults point at static data so that pn_config_init() allocates nothing:
 * a config that was only initialised needs no pn_config_finish(), and
 * pn_config_finish() frees only what a parse allocated.
 */
static char default_op_path[] = "/run/wrappers/bin/op";
static char default_skip_action[] = "com.1password.*";
static char *default_skip_actions[] = {default_skip_action, NULL};
static char default_env_wayland[] = "WAYLAND_DISPLAY";
static char default_env_display[] = "DISPLAY";
static char default_env_niri[] = "NIRI_SOCKET";
static char default_env_desktop[] = "XDG_CURRENT_DESKTOP";
static char default_env_type[] = "XDG_SESSION_TYPE";
static char *default_import_env[] = {
	default_env_wayland,
	default_env_display,
	default_env_niri,
	default_env_desktop,
	default_env_type,
	NULL,
};
static char default_target[] = "panther-session.target";

static const char *const profile_names[] = {"power-saver", "balanced", "performance", NULL};
static const char *const host_names[] = {"none", "zephyrus", "yoga", NULL};
static const char *const manual_names[] = {"until-power-change", "until-auto", "never", NULL};
static const char *const prompt_names[] = {"wayland", "command", NULL};
static const char *const op_mode_names[] = {"app", "service-account", NULL};
static const char *const mode_names[] = {"auto", "systemd", "direct", NULL};
static const char *const restart_names[] = {"on-failure", "always", "never", NULL};

static const char *const top_keys[] = {"power", "polkit", "session", NULL};
static const char *const power_keys[] = {"host", "on_ac", "on_battery", "low_battery", "idle",
	"cycle", "manual", "notify", "app_rules", NULL};
static const char *const low_battery_keys[] = {"percent", "profile", NULL};
static const char *const idle_keys[] = {"after_s", "profile", NULL};
static const char *const app_rule_keys[] = {"app_id", "profile", NULL};
static const char *const polkit_keys[] = {"onepassword", "prompt", NULL};
static const char *const onepassword_keys[] = {"enable", "op", "references", "timeout_s",
	"skip_actions", "mode", "token_file", "account", NULL};
static const char *const prompt_keys[] = {"type", "argv", NULL};
static const char *const session_keys[] = {"mode", "import_env", "target", "niri_timeout_s",
	"services", NULL};
static const char *const service_keys[] = {"name", "argv", "restart", "after", "env", "ready",
	NULL};
static const char *const ready_keys[] = {"dbus_name", NULL};

#define PATH_LEN 320
#define SHOW_MAX 64
#define SHOW_SLOTS 4
#define MAX_DEPTH 16

struct parser {
	const char *name;
	char *err;
	size_t errlen;
	/* Copies of file text quoted in the error message, made printable. */
	char shown[SHOW_SLOTS][SHOW_MAX + 8];
	int n_shown;
};

const char *pn_profile_name(enum pn_profile profile)
{
	if (profile < 0 || profile >= PN_PROFILE_COUNT)
		return "none";
	return profile_names[profile];
}

static int name_index(const char *const *names, const char *s)
{
	for (int i = 0; names[i]; i++) {
		if (strcmp(names[i], s) == 0)
			return i;
	}
	return -1;
}

enum pn_profile pn_profile_from_name(const char *name)
{
	int i = name ? name_index(profile_names, name) : -1;
	return i < 0 ? PN_PROFILE_NONE : (enum pn_profile)i;
}

void pn_config_init(struct pn_config *cfg)
{
	*cfg = (struct pn_config){
		.power = {
			.host = PN_HOST_NONE,
			.on_ac = PN_PROFILE_BALANCED,
			.on_battery = PN_PROFILE_POWER_SAVER,
			.low_battery_percent = 20,
			.low_battery_profile = PN_PROFILE_POWER_SAVER,
			.idle_after_s = 0,
			.idle_profile = PN_PROFILE_POWER_SAVER,
			.cycle_len = 0,
			.manual = PN_MANUAL_UNTIL_POWER_CHANGE,
			.notify = true,
		},
		.polkit = {
			.op_enable = true,
			.op_path = default_op_path,
			.op_timeout_s = 60,
			.skip_actions = default_skip_actions,
			.prompt_type = PN_PROMPT_WAYLAND,
		},
		.session = {
			.mode = PN_SESSION_AUTO,
			.import_env = default_import_env,
			.target = default_target,
			.niri_timeout_s = 10,
		},
	};
	for (size_t i = 0; i < PN_PROFILE_COUNT; i++)
		cfg->power.cycle[i] = PN_PROFILE_NONE;
}

void pn_config_finish(struct pn_config *cfg)
{
	struct pn_power_config *power = &cfg->power;
	for (size_t i = 0; i < power->n_app_rules; i++) {
		free(power->app_rules[i].app_id);
		regfree(&power->app_rules[i].re);
	}
	free(power->app_rules);

	struct pn_polkit_config *polkit = &cfg->polkit;
	if (polkit->op_path != default_op_path)
		free(polkit->op_path);
	for (size_t i = 0; i < polkit->n_references; i++) {
		free(polkit->references[i].user);
		free(polkit->references[i].reference);
	}
	free(polkit->references);
	if (polkit->skip_actions != default_skip_actions)
		pn_strv_free(polkit->skip_actions);
	pn_strv_free(polkit->prompt_argv);
	free(polkit->op_token_file);
	free(polkit->op_token_path);
	free(polkit->op_account);

	struct pn_session_config *session = &cfg->session;
	if (session->import_env != default_import_env)
		pn_strv_free(session->import_env);
	if (session->target != default_target)
		free(session->target);
	for (size_t i = 0; i < session->n_services; i++) {
		struct pn_service_config *service = &session->services[i];
		free(service->name);
		pn_strv_free(service->argv);
		pn_strv_free(service->after);
		pn_strv_free(service->env);
		free(service->ready_dbus_name);
	}
	free(session->services);

	pn_config_init(cfg);
}

/* Error reporting and paths. */

static int fail(struct parser *p, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct parser *p, const char *path, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (path && path[0])
		snprintf(p->err, p->errlen, "%s: %s: %s", p->name, path, msg);
	else
		snprintf(p->err, p->errlen, "%s: %s", p->name, msg);
	return -EINVAL;
}

/* Text from the file made fit for a one-line message. */
static const char *show(struct parser *p, const char *s)
{
	if (p->n_shown >= SHOW_SLOTS)
		return "...";
	char *slot = p->shown[p->n_shown++];
	char *clean = pn_sanitize_text(s, SHOW_MAX);
	snprintf(slot, SHOW_MAX + 8, "%s", clean ? clean : "?");
	free(clean);
	return slot;
}

static void join_names(char *buf, size_t len, const char *const *names)
{
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; names[i] && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? ", " : "", names[i]);
}

static bool is_plain_key(const char *key)
{
	if (!key[0])
		return false;
	for (const char *c = key; *c; c++) {
		if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-')
			return false;
	}
	return true;
}

static const char *path_key(char *out, const char *parent, const char *key)
{
	if (is_plain_key(key)) {
		snprintf(out, PATH_LEN, "%s%s%s", parent, parent[0] ? "." : "", key);
	} else {
		char *clean = pn_sanitize_text(key, SHOW_MAX);
		snprintf(out, PATH_LEN, "%s[\"%s\"]", parent, clean ? clean : "?");
		free(clean);
	}
	return out;
}

static const char *path_index(char *out, const char *parent, size_t i)
{
	/* A path cut short still reads; testing the result quiets -Wformat-truncation. */
	if (snprintf(out, PATH_LEN, "%s[%zu]", parent, i) < 0)
		out[0] = '\0';
	return out;
}

/* Typed access. Each returns 0 or -EINVAL with the message written. */

static const char *type_desc(struct json_object *o)
{
	switch (json_object_get_type(o)) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return json_object_get_boolean(o) ? "true" : "false";
	case json_type_double:
	case json_type_int:
		return "a number";
	case json_type_object:
		return "an object";
	case json_type_array:
		return "an array";
	case json_type_string:
		return "a string";
	}
	return "something else";
}

static int expect_type(struct parser *p, const char *path, struct json_object *o,
	enum json_type type, const char *expected)
{
	if (json_object_get_type(o) != type)
		return fail(p, path, "expected %s, got %s", expected, type_desc(o));
	return 0;
}

static int check_keys(struct parser *p, const char *path, struct json_object *obj,
	const char *const *keys)
{
	int r = expect_type(p, path, obj, json_type_object, "an object");
	if (r < 0)
		return r;
	json_object_object_foreach(obj, key, value) {
		(void)value;
		if (name_index(keys, key) < 0) {
			char valid[256];
			join_names(valid, sizeof(valid), keys);
			return fail(p, path, "unknown key \"%s\" (expected one of %s)",
				show(p, key), valid);
		}
	}
	return 0;
}

static int missing_key(struct parser *p, const char *path, const char *key, const char *what)
{
	return fail(p, path, "missing \"%s\" (%s)", key, what);
}

static int get_string(struct parser *p, const char *path, struct json_object *o,
	const char **out)
{
	int r = expect_type(p, path, o, json_type_string, "a string");
	if (r < 0)
		return r;
	*out = json_object_get_string(o);
	return 0;
}

static int get_bool(struct parser *p, const char *path, struct json_object *o, bool *out)
{
	int r = expect_type(p, path, o, json_type_boolean, "true or false");
	if (r == 0)
		*out = json_object_get_boolean(o);
	return r;
}

static int get_int(struct parser *p, const char *path, struct json_object *o, int min,
	int max, const char *unit, int *out)
{
	enum json_type type = json_object_get_type(o);
	if (type == json_type_double) {
		return fail(p, path, "expected a whole number, got %s",
			json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	}
	int r = expect_type(p, path, o, json_type_int, "a whole number");
	if (r < 0)
		return r;
	int64_t v = json_object_get_int64(o);
	if (v < min || v > max) {
		return fail(p, path, "%s is out of range (expected %d..%d%s%s)",
			json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN), min, max,
			unit ? " " : "", unit ? unit : "");
	}
	*out = (int)v;
	return 0;
}

static int get_choice(struct parser *p, const char *path, struct json_object *o,
	const char *const *names, const char *what, int *out)
{
	const char *s;
	int r = get_string(p, path, o, &s);
	if (r < 0)
		return r;
	int i = name_index(names, s);
	if (i < 0) {
		char valid[256];
		join_names(valid, sizeof(valid), names);
		return fail(p, path, "unknown %s \"%s\" (expected one of %s)", what, show(p, s),
			valid);
	}
	*out = i;
	return 0;
}

static int get_profile(struct parser *p, const char *path, struct json_object *o,
	enum pn_profile *out)
{
	int i;
	int r = get_choice(p, path, o, profile_names, "profile", &i);
	if (r == 0)
		*out = (enum pn_profile)i;
	return r;
}

/* A non-empty array; its length in *n. */
static int get_array(struct parser *p, const char *path, struct json_object *o,
	const char *expected, size_t *n)
{
	int r = expect_type(p, path, o, json_type_array, "an array");
	if (r < 0)
		return r;
	*n = json_object_array_length(o);
	if (*n == 0)
		return fail(p, path, "empty (expected %s)", expected);
	return 0;
}

static bool is_env_name(const char *s)
{
	if (!isalpha((unsigned char)s[0]) && s[0] != '_')
		return false;
	for (const char *c = s; *c; c++) {
		if (!isalnum((unsigned char)*c) && *c != '_')
			return false;
	}
	return true;
}

static int check_env_name(struct parser *p, const char *path, const char *s)
{
	if (!is_env_name(s)) {
		return fail(p, path, "invalid variable name \"%s\" (expected letters, digits "
			"and _, not starting with a digit)", show(p, s));
	}
	return 0;
}

/* Strings that are names: no '/', no whitespace or control characters. */
static bool is_unit_word(const char *s)
{
	for (const char *c = s; *c; c++) {
		if (*c == '/' || isspace((unsigned char)*c) || iscntrl((unsigned char)*c))
			return false;
	}
	return s[0] != '\0';
}

/*
 * A list of strings, each checked by check (may be NULL); non-empty, or
 * may_be_empty. On success *out is a new NULL-terminated vector.
 */
static int get_strv(struct parser *p, const char *path, struct json_object *o,
	bool may_be_empty, const char *expected,
	int (*check)(struct parser *p, const char *path, const char *s), char ***out)
{
	size_t n = 0;
	int r = expect_type(p, path, o, json_type_array, "an array");
	if (r < 0)
		return r;
	n = json_object_array_length(o);
	if (n == 0 && !may_be_empty)
		return fail(p, path, "empty (expected %s)", expected);
	char **v = pn_xcalloc(n + 1, sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		char item_path[PATH_LEN];
		const char *s;
		path_index(item_path, path, i);
		r = get_string(p, item_path, json_object_array_get_idx(o, i), &s);
		if (r == 0 && check)
			r = check(p, item_path, s);
		if (r < 0) {
			pn_strv_free(v);
			return r;
		}
		v[i] = pn_xstrdup(s);
	}
	*out = v;
	return 0;
}

static int check_argv0(struct parser *p, const char *path, struct json_object *argv)
{
	const char *s = json_object_get_string(json_object_array_get_idx(argv, 0));
	if (s && !s[0]) {
		char item_path[PATH_LEN];
		return fail(p, path_index(item_path, path, 0), "empty program name");
	}
	return 0;
}

static int get_argv(struct parser *p, const char *path, struct json_object *o, char ***out)
{
	int r = get_strv(p, path, o, false, "the program and its arguments", NULL, out);
	if (r == 0 && (r = check_argv0(p, path, o)) < 0) {
		pn_strv_free(*out);
		*out = NULL;
	}
	return r;
}

/* power */

static void apply_host_defaults(struct pn_power_config *power)
{
	switch (power->host) {
	case PN_HOST_ZEPHYRUS:
		power->on_ac = PN_PROFILE_PERFORMANCE;
		power->on_battery = PN_PROFILE_BALANCED;
		power->low_battery_percent = 20;
		power->low_battery_profile = PN_PROFILE_POWER_SAVER;
		break;
	case PN_HOST_YOGA:
		power->on_ac = PN_PROFILE_BALANCED;
		power->on_battery = PN_PROFILE_POWER_SAVER;
		power->low_battery_percent = 30;
		power->low_battery_profile = PN_PROFILE_POWER_SAVER;
		break;
	case PN_HOST_NONE:
		break;
	}
}

/* low_battery and idle: false (off), or a threshold and the profile to switch to. */
struct trigger {
	const char *const *keys; /* the threshold's key, then "profile" */
	int min, max;
	const char *unit;
	const char *what; /* NULL: the threshold may be left out */
};

static const struct trigger low_battery_trigger = {low_battery_keys, 1, 100, "percent", NULL};
static const struct trigger idle_trigger = {idle_keys, 1, 86400, "seconds",
	"seconds without input, 1..86400"};

static int parse_trigger(struct parser *p, const char *path, struct json_object *o,
	const struct trigger *t, int *threshold, enum pn_profile *profile)
{
	if (json_object_get_type(o) == json_type_boolean && !json_object_get_boolean(o)) {
		*threshold = 0;
		return 0;
	}
	if (json_object_get_type(o) != json_type_object)
		return fail(p, path, "expected an object or false, got %s", type_desc(o));
	int r = check_keys(p, path, o, t->keys);
	if (r < 0)
		return r;
	char sub[PATH_LEN];
	struct json_object *v;
	const char *key = t->keys[0];
	if (json_object_object_get_ex(o, key, &v)) {
		if ((r = get_int(p, path_key(sub, path, key), v, t->min, t->max, t->unit,
				threshold)) < 0)
			return r;
	} else if (t->what) {
		return missing_key(p, path, key, t->what);
	}
	if (json_object_object_get_ex(o, "profile", &v) &&
		(r = get_profile(p, path_key(sub, path, "profile"), v, profile)) < 0)
		return r;
	return 0;
}

static int parse_cycle(struct parser *p, const char *path, struct json_object *o,
	struct pn_power_config *power)
{
	size_t n;
	int r = get_array(p, path, o, "at least one profile", &n);
	if (r < 0)
		return r;
	if (n > PN_PROFILE_COUNT) {
		return fail(p, path, "%zu entries (expected each profile at most once)", n);
	}
	for (size_t i = 0; i < n; i++) {
		char item_path[PATH_LEN];
		enum pn_profile profile = PN_PROFILE_NONE;
		path_index(item_path, path, i);
		r = get_profile(p, item_path, json_object_array_get_idx(o, i), &profile);
		if (r < 0)
			return r;
		for (size_t j = 0; j < i; j++) {
			if (power->cycle[j] == profile) {
				return fail(p, item_path, "\"%s\" is already in the cycle "
					"(expected each profile at most once)", pn_profile_name(profile));
			}
		}
		power->cycle[i] = profile;
	}
	power->cycle_len = n;
	return 0;
}

#define REGEX_MAX_LEN 256
#define REGEX_MAX_EXPANDED 1000
#define REGEX_MAX_DEPTH 32

/*
 * regcomp copies a subexpression for each repetition it implies ("x+" is
 * "xx*", "x{3}" is "xxx"), so stacked or nested repetitions multiply:
 * "(a{999}){999}" or "a++++...+" take gigabytes. This sizes the expansion
 * the same way: a group is the sum of its pieces, a repetition multiplies
 * the piece before it. Compiling takes memory quadratic in that size
 * ("(a?){9000}": 640 MB); 1000 keeps it near 10 MB.
 */
static bool regex_too_big(const char *pattern)
{
	if (strlen(pattern) > REGEX_MAX_LEN)
		return true;
	/* Per open group: the size of its finished pieces, and of its last one. */
	unsigned long sum[REGEX_MAX_DEPTH + 1] = {0}, last[REGEX_MAX_DEPTH + 1] = {0};
	int depth = 0;
	for (const char *c = pattern; *c; c++) {
		unsigned long times = 1;
		if (*c == '(') {
			if (++depth > REGEX_MAX_DEPTH)
				return true;
			sum[depth] = last[depth] = 0;
			continue;
		} else if (*c == ')' && depth > 0) {
			unsigned long inner = sum[depth] + last[depth];
			depth--;
			sum[depth] += last[depth];
			last[depth] = inner ? inner : 1;
		} else if (*c == '|') {
			sum[depth] += last[depth];
			last[depth] = 0;
		} else if (*c == '+') {
			times = 2;
		} else if (*c == '{') {
			unsigned long count = 0, n = 0;
			for (c++; *c && *c != '}'; c++) {
				if (*c >= '0' && *c <= '9') {
					if (n <= REGEX_MAX_EXPANDED)
						n = n * 10 + (unsigned long)(*c - '0');
				} else {
					n = 0;
				}
				if (n > count)
					count = n;
			}
			if (!*c)
				break;
			times = count ? count : 1;
		} else if (*c != '*' && *c != '?') {
			/* An atom: a character, an escaped one, or a bracket expression. */
			if (*c == '\\' && c[1]) {
				c++;
			} else if (*c == '[') {
				/* A ']' right after '[' or '[^' is a member, not the end. */
				c += c[1] == '^' ? 2 : 1;
				if (*c == ']')
					c++;
				while (*c && *c != ']')
					c++;
				if (!*c)
					break;
			}
			sum[depth] += last[depth];
			last[depth] = 1;
		}
		last[depth] *= times;
		if (sum[depth] + last[depth] > REGEX_MAX_EXPANDED)
			return true;
	}
	return false;
}

static int parse_app_rule(struct parser *p, const char *path, struct json_object *o,
	struct pn_app_rule *rule)
{
	int r = check_keys(p, path, o, app_rule_keys);
	if (r < 0)
		return r;
	char sub[PATH_LEN];
	struct json_object *v;
	const char *pattern;
	if (!json_object_object_get_ex(o, "app_id", &v))
		return missing_key(p, path, "app_id", "a regular expression for the window's app_id");
	if (!json_object_object_get_ex(o, "profile", &v))
		return missing_key(p, path, "profile", "the profile to hold");
	if ((r = get_profile(p, path_key(sub, path, "profile"), v, &rule->profile)) < 0)
		return r;
	json_object_object_get_ex(o, "app_id", &v);
	path_key(sub, path, "app_id");
	if ((r = get_string(p, sub, v, &pattern)) < 0)
		return r;
	if (!pattern[0])
		return fail(p, sub, "empty pattern (expected a POSIX extended regular expression)");
	if (regex_too_big(pattern))
		return fail(p, sub, "regular expression \"%s\" is too large (at most %d bytes and "
			"%d characters with its repetitions written out)", show(p, pattern), REGEX_MAX_LEN,
			REGEX_MAX_EXPANDED);
	int rc = regcomp(&rule->re, pattern, REG_EXTENDED | REG_NOSUB);
	if (rc != 0) {
		char why[128];
		regerror(rc, &rule->re, why, sizeof(why));
		regfree(&rule->re);
		return fail(p, sub, "invalid regular expression \"%s\" (%s)", show(p, pattern), why);
	}
	rule->app_id = pn_xstrdup(pattern);
	return 0;
}

static int parse_app_rules(struct parser *p, const char *path, struct json_object *o,
	struct pn_power_config *power)
{
	int r = expect_type(p, path, o, json_type_array, "an array");
	if (r < 0)
		return r;
	size_t n = json_object_array_length(o);
	power->app_rules = pn_xcalloc(n, sizeof(*power->app_rules));
	for (size_t i = 0; i < n; i++) {
		char item_path[PATH_LEN];
		r = parse_app_rule(p, path_index(item_path, path, i),
			json_object_array_get_idx(o, i), &power->app_rules[i]);
		if (r < 0)
			return r;
		power->n_app_rules++;
	}
	return 0;
}

static int parse_power(struct parser *p, struct json_object *o, struct pn_power_config *power)
{
	const char *path = "power";
	int r = check_keys(p, path, o, power_keys);
	if (r < 0)
		return r;
	char sub[PATH_LEN];
	struct json_object *v;
	int i;

	/* The host's defaults first, so that explicit keys override them. */
	if (json_object_object_get_ex(o, "host", &v)) {
		if ((r = get_choice(p, path_key(sub, path, "host"), v, host_names + 1, "host",
				&i)) < 0)
			return r;
		power->host = (enum pn_host)(i + 1);
		apply_host_defaults(power);
	}
	if (json_object_object_get_ex(o, "on_ac", &v) &&
		(r = get_profile(p, path_key(sub, path, "on_ac"), v, &power->on_ac)) < 0)
		return r;
	if (json_object_object_get_ex(o, "on_battery", &v) &&
		(r = get_profile(p, path_key(sub, path, "on_battery"), v, &power->on_battery)) < 0)
		return r;
	if (json_object_object_get_ex(o, "low_battery", &v) &&
		(r = parse_trigger(p, path_key(sub, path, "low_battery"), v, &low_battery_trigger,
			&power->low_battery_percent, &power->low_battery_profile)) < 0)
		return r;
	if (json_object_object_get_ex(o, "idle", &v) &&
		(r = parse_trigger(p, path_key(sub, path, "idle"), v, &idle_trigger,
			&power->idle_after_s, &power->idle_profile)) < 0)
		return r;
	if (json_object_object_get_ex(o, "cycle", &v) &&
		(r = parse_cycle(p, path_key(sub, path, "cycle"), v, power)) < 0)
		return r;
	if (json_object_object_get_ex(o, "manual", &v)) {
		if ((r = get_choice(p, path_key(sub, path, "manual"), v, manual_names, "value",
				&i)) < 0)
			return r;
		power->manual = (enum pn_manual)i;
	}
	if (json_object_object_get_ex(o, "notify", &v) &&
		(r = get_bool(p, path_key(sub, path, "notify"), v, &power->notify)) < 0)
		return r;
	if (json_object_object_get_ex(o, "app_rules", &v) &&
		(r = parse_app_rules(p, path_key(sub, path, "app_rules"), v, power)) < 0)
		return r;
	return 0;
}

/* polkit */

static int check_op_reference(struct parser *p, const char *path, const char *ref)
{
	/* op://vault/item/field, or op://vault/item/section/field */
	const char *rest = strncmp(ref, "op://", 5) == 0 ? ref + 5 : NULL;
	size_t parts = 0;
	bool empty_part = false;
	for (const char *c = rest; c; c = strchr(c, '/') ? strchr(c, '/') + 1 : NULL) {
		const char *end = strchr(c, '/');
		if ((end ? (size_t)(end - c) : strlen(c)) == 0)
			empty_part = true;
		parts++;
	}
	if (!rest || parts < 3 || empty_part) {
		return fail(p, path, "\"%s\" is not a 1Password secret reference "
			"(expected op://vault/item/field)", show(p, ref));
	}
	return 0;
}

static int parse_references(struct parser *p, const char *path, struct json_object *o,
	struct pn_polkit_config *polkit)
{
	int r = expect_type(p, path, o, json_type_object, "an object");
	if (r < 0)
		return r;
	size_t n = (size_t)json_object_object_length(o);
	polkit->references = pn_xcalloc(n, sizeof(*polkit->references));
	json_object_object_foreach(o, user, value) {
		char sub[PATH_LEN];
		const char *ref;
		path_key(sub, path, user);
		if (!user[0])
			return fail(p, sub, "empty user name (expected a login name)");
		if (!is_unit_word(user))
			return fail(p, sub, "invalid user name (expected a login name)");
		if ((r = get_string(p, sub, value, &ref)) < 0)
			return r;
		if ((r = check_op_reference(p, sub, ref)) < 0)
			return r;
		struct pn_op_reference *entry = &polkit->references[polkit->n_references++];
		entry->user = pn_xstrdup(user);
		entry->reference = pn_xstrdup(ref);
	}
	return 0;
}

static int check_nonempty(struct parser *p, const char *path, const char *s)
{
	if (!s[0])
		return fail(p, path, "empty string (expected a pattern such as com.example.*)");
	return 0;
}

/*
 * token_file: an absolute path, or $CREDENTIALS_DIRECTORY/NAME (a systemd
 * LoadCredential=), resolved now when that variable is set.
 */
static int parse_token_file(struct parser *p, const char *path, struct json_object *o,
	struct pn_polkit_config *polkit)
{
	const char *file;
	int r = get_string(p, path, o, &file);
	if (r < 0)
		return r;
	size_t prefix_len = strlen(PN_CREDENTIALS_PREFIX);
	if (strncmp(file, PN_CREDENTIALS_PREFIX, prefix_len) == 0) {
		const char *cred = file + prefix_len;
		if (!is_unit_word(cred) || strcmp(cred, ".") == 0 || strcmp(cred, "..") == 0) {
			return fail(p, path, "\"%s\" does not name a credential (expected "
				"$CREDENTIALS_DIRECTORY/NAME, NAME without \"/\")", show(p, file));
		}
		const char *dir = getenv("CREDENTIALS_DIRECTORY");
		if (dir && dir[0] == '/') {
			size_t len = strlen(dir) + strlen(cred) + 2;
			polkit->op_token_path = pn_xcalloc(1, len);
			snprintf(polkit->op_token_path, len, "%s/%s", dir, cred);
		}
	} else if (file[0] == '/') {
		polkit->op_token_path = pn_xstrdup(file);
	} else {
		return fail(p, path, "\"%s\" is not an absolute path (expected /PATH or "
			"$CREDENTIALS_DIRECTORY/NAME)", show(p, file));
	}
	polkit->op_token_file = pn_xstrdup(file);
	return 0;
}

/* mode, token_file and account: how op signs in. */
static int parse_op_signin(struct parser *p, const char *path, struct json_object *o,
	struct pn_polkit_config *polkit)
{
	char sub[PATH_LEN];
	struct json_object *v;
	int r, i;
	if (json_object_object_get_ex(o, "mode", &v)) {
		if ((r = get_choice(p, path_key(sub, path, "mode"), v, op_mode_names, "mode",
				&i)) < 0)
			return r;
		polkit->op_mode = (enum pn_op_mode)i;
	}
	bool has_token = json_object_object_get_ex(o, "token_file", &v);
	if (polkit->op_mode == PN_OP_SERVICE_ACCOUNT && !has_token) {
		return missing_key(p, path, "token_file", "mode \"service-account\" reads the "
			"service account's token from it");
	}
	if (has_token && polkit->op_mode != PN_OP_SERVICE_ACCOUNT) {
		return fail(p, path_key(sub, path, "token_file"), "only used with mode "
			"\"service-account\" (the mode is \"app\")");
	}
	if (has_token && (r = parse_token_file(p, path_key(sub, path, "token_file"), v,
			polkit)) < 0)
		return r;
	if (json_object_object_get_ex(o, "account", &v)) {
		const char *account;
		path_key(sub, path, "account");
		if ((r = get_string(p, sub, v, &account)) < 0)
			return r;
		bool plain = account[0] != '-';
		for (const char *c = account; *c; c++)
			plain = plain && !isspace((unsigned char)*c) && !iscntrl((unsigned char)*c);
		if (!account[0] || !plain) {
			return fail(p, sub, "\"%s\" is not an account (expected a sign-in address "
				"such as my.1password.com, an email address or an account ID)",
				show(p, account));
		}
		polkit->op_account = pn_xstrdup(account);
	}
	return 0;
}

static int parse_onepassword(struct parser *p, const char *path, struct json_object *o,
	struct pn_polkit_config *polkit)
{
	int r = check_keys(p, path, o, onepassword_keys);
	if (r < 0)
		return r;
	char sub[PATH_LEN];
	struct json_object *v;
	if (json_object_object_get_ex(o, "enable", &v) &&
		(r = get_bool(p, path_key(sub, path, "enable"), v, &polkit->op_enable)) < 0)
		return r;
	if (json_object_object_get_ex(o, "op", &v)) {
		const char *op;
		path_key(sub, path, "op");
		if ((r = get_string(p, sub, v, &op)) < 0)
			return r;
		if (op[0] != '/') {
			return fail(p, sub, "\"%s\" is not an absolute path (expected the path of "
				"op, such as /run/wrappers/bin/op)", show(p, op));
		}
		polkit->op_path = pn_xstrdup(op);
	}
	if (json_object_object_get_ex(o, "references", &v) &&
		(r = parse_references(p, path_key(sub, path, "references"), v, polkit)) < 0)
		return r;
	if (json_object_object_get_ex(o, "timeout_s", &v) &&
		(r = get_int(p, path_key(sub, path, "timeout_s"), v, 1, 3600, "seconds",
			&polkit->op_timeout_s)) < 0)
		return r;
	if (json_object_object_get_ex(o, "skip_actions", &v)) {
		char **skip;
		if ((r = get_strv(p, path_key(sub, path, "skip_actions"), v, true, NULL,
				check_nonempty, &skip)) < 0)
			return r;
		polkit->skip_actions = skip;
	}
	return parse_op_signin(p, path, o, polkit);
}

static int parse_prompt(struct parser *p, const char *path, struct json_object *o,
	struct pn_polkit_config *polkit)
{
	int r = check_keys(p, path, o, prompt_keys);
	if (r < 0)
		return r;
	char sub[PATH_LEN];
	struct json_object *v, *argv = NULL;
	int i;
	if (json_object_object_get_ex(o, "type", &v)) {
		if ((r = get_choice(p, path_key(sub, path, "type"), v, prompt_names, "prompt type",
				&i)) < 0)
			return r;
		polkit->prompt_type = (enum pn_prompt_type)i;
	}
	json_object_object_get_ex(o, "argv", &argv);
	if (polkit->prompt_type == PN_PROMPT_COMMAND && !argv) {
		return fail(p, path, "type \"command\" needs \"argv\" (the program that prints "
			"the password, and its arguments)");
	}
	/* With "wayland", argv is the prompter used when there is no Wayland display. */
	if (argv && (r = get_argv(p, path_key(sub, path, "argv"), argv,
			&polkit->prompt_argv)) < 0)
		return r;
	return 0;
}

static int parse_polkit(struct parser *p, struct json_object *o, struct pn_polkit_config *polkit)
{
	const char *path = "polkit";
	int r = check_keys(p, path, o, polkit_keys);
	if (r < 0)
		return r;
	char sub[PATH_LEN];
	struct json_object *v;
	if (json_object_object_get_ex(o, "onepassword", &v) &&
		(r = parse_onepassword(p, path_key(sub, path, "onepassword"), v, polkit)) < 0)
		return r;
	if (json_object_object_get_ex(o, "prompt", &v) &&
		(r = parse_prompt(p, path_key(sub, path, "prompt"), v, polkit)) < 0)
		return r;
	return 0;
}

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
		return fail(p, sub, "\"%s\" is not a valid D-Bus name (expected a well-known "
			"name such as org.example.App)", show(p, name));
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
		return fail(p, path, "invalid name \"%s\" (expected no '/', spaces or control "
			"characters)", show(p, s));
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
				snprintf(chain + o, sizeof(chain) - o, "%s", session->services[j].name);
			char path[PATH_LEN], after_path[PATH_LEN];
			path_index(path, "session.services", stack[from]);
			return fail(p, path_key(after_path, path, "after"),
				"services wait for each other: %s (each waits for the next)", chain);
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
			snprintf(item_path, sizeof(item_path), "session.services[%zu].after[%zu]", i, k);
			if (service_index(session, after[k]) < 0) {
				return fail(p, item_path, "unknown service \"%s\" (expected the name of "
					"another service in session.services)", show(p, after[k]));
			}
			for (size_t m = 0; m < k; m++) {
				if (strcmp(after[m], after[k]) == 0)
					return fail(p, item_path, "\"%s\" is listed twice", show(p, after[k]));
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
		return fail(p, path, "\"%s\" is not a target unit name (expected a name ending "
			"in .target)", show(p, s));
	}
	return 0;
}

static int parse_session(struct parser *p, struct json_object *o,
	struct pn_session_config *session)
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
		if ((r = get_string(p, sub, v, &target)) < 0 || (r = check_target(p, sub, target)) < 0)
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

/* The document */

static int fail_syntax(struct parser *p, const char *text, size_t len, size_t at,
	const char *what)
{
	size_t line = 1, column = 1;
	for (size_t i = 0; i < at && i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c == '\n')
			line++, column = 1;
		else if ((c & 0xc0) != 0x80)
			column++;
	}
	if (!what) {
		return fail(p, NULL, "line %zu, column %zu: \\u0000 is not allowed (a string "
			"cannot hold a NUL character)", line, column);
	}
	return fail(p, NULL, "line %zu, column %zu: invalid JSON: %s", line, column, what);
}

/*
 * The offset of the first "\u0000" escape, or len. json-c would cut keys
 * and strings there, silently, so it is refused.
 */
static size_t find_nul_escape(const char *text, size_t len)
{
	for (size_t i = 0; i + 6 <= len; i++) {
		if (memcmp(text + i, "\\u0000", 6) != 0)
			continue;
		size_t backslashes = 0;
		while (backslashes < i && text[i - 1 - backslashes] == '\\')
			backslashes++;
		if (backslashes % 2 == 0)
			return i;
	}
	return len;
}

static int parse_json(struct parser *p, const char *text, size_t len, struct json_object **out)
{
	size_t start = 0;
	while (start < len && isspace((unsigned char)text[start]))
		start++;
	if (start == len)
		return fail(p, NULL, "empty file (expected a JSON object)");
	if (len > PN_CONFIG_MAX_SIZE)
		return fail(p, NULL, "too large (%zu bytes, at most %d)", len, PN_CONFIG_MAX_SIZE);
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		return fail_syntax(p, text, len, 0, "byte order mark (expected plain UTF-8)");

	struct json_tokener *tok = json_tokener_new_ex(MAX_DEPTH);
	if (!tok)
		return fail(p, NULL, "out of memory");
	/* Trailing data is allowed here only to report it with a clearer message. */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8 |
		JSON_TOKENER_ALLOW_TRAILING_CHARS);
	struct json_object *root = json_tokener_parse_ex(tok, text, (int)len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	size_t end = json_tokener_get_parse_end(tok);
	if (!root && jerr == json_tokener_continue) {
		/* The input ended: a terminating NUL completes or fails what is open. */
		root = json_tokener_parse_ex(tok, "", 1);
		jerr = json_tokener_get_error(tok);
		end = len;
	}
	json_tokener_free(tok);
	if (!root) {
		const char *what = jerr == json_tokener_error_parse_utf8_string ?
			"invalid UTF-8" : json_tokener_error_desc(jerr);
		return fail_syntax(p, text, len, end, what);
	}
	size_t rest = end;
	while (rest < len && isspace((unsigned char)text[rest]))
		rest++;
	if (rest < len) {
		json_object_put(root);
		return fail_syntax(p, text, len, rest,
			"unexpected data after the end of the document");
	}
	size_t nul = find_nul_escape(text, len);
	if (nul < len) {
		json_object_put(root);
		return fail_syntax(p, text, len, nul, NULL);
	}
	if (json_object_get_type(root) != json_type_object) {
		int r = fail(p, NULL, "expected a JSON object at the top level, got %s",
			type_desc(root));
		json_object_put(root);
		return r;
	}
	*out = root;
	return 0;
}

int pn_config_parse(struct pn_config *cfg, const char *name, const char *text, size_t len,
	char *err, size_t errlen)
{
	char discard[1];
	struct parser p = {
		.name = name ? name : "config",
		.err = err && errlen ? err : discard,
		.errlen = err && errlen ? errlen : sizeof(discard),
	};
	p.err[0] = '\0';
	pn_config_init(cfg);

	struct json_object *root = NULL;
	int r = parse_json(&p, text, len, &root);
	if (r < 0)
		return r;

	struct pn_config parsed;
	pn_config_init(&parsed);
	struct json_object *v;
	r = check_keys(&p, "", root, top_keys);
	if (r == 0 && json_object_object_get_ex(root, "power", &v))
		r = parse_power(&p, v, &parsed.power);
	if (r == 0 && json_object_object_get_ex(root, "polkit", &v))
		r = parse_polkit(&p, v, &parsed.polkit);
	if (r == 0 && json_object_object_get_ex(root, "session", &v))
		r = parse_session(&p, v, &parsed.session);
	json_object_put(root);
	if (r < 0) {
		pn_config_finish(&parsed);
		return r;
	}
	*cfg = parsed;
	return 0;
}

int pn_config_load(struct pn_config *cfg, const char *path, bool *missing, char *err,
	size_t errlen)
{
	char default_path[PATH_MAX];
	char discard[1];
	if (!err || !errlen)
		err = discard, errlen = sizeof(discard);
	err[0] = '\0';
	pn_config_init(cfg);
	if (missing)
		*missing = false;
	if (!path) {
		int r = pn_config_default_path(default_path, sizeof(default_path));
		if (r < 0) {
			snprintf(err, errlen, "config.json: cannot find the config directory: %s",
				strerror(-r));
			return r;
		}
		path = default_path;
	}

	/* O_NONBLOCK: opening a FIFO must not hang; it is refused below. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		int r = -errno;
		if (r == -ENOENT) {
			if (missing)
				*missing = true;
			return 0;
		}
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(-r));
		return r;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int r = -errno;
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(-r));
		close(fd);
		return r;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: %s (expected a JSON file)", path,
			S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file");
		close(fd);
		return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	}
	if (st.st_size > PN_CONFIG_MAX_SIZE) {
		snprintf(err, errlen, "%s: too large (%lld bytes, at most %d)", path,
			(long long)st.st_size, PN_CONFIG_MAX_SIZE);
		close(fd);
		return -EFBIG;
	}

	/* Read one byte more than allowed to notice a file that grew meanwhile. */
	char *text = malloc(PN_CONFIG_MAX_SIZE + 1);
	if (!text) {
		close(fd);
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	size_t len = 0;
	while (len <= PN_CONFIG_MAX_SIZE) {
		ssize_t n = read(fd, text + len, PN_CONFIG_MAX_SIZE + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int r = -errno;
			snprintf(err, errlen, "%s: cannot read: %s", path, strerror(-r));
			free(text);
			close(fd);
			return r;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	int r;
	if (len > PN_CONFIG_MAX_SIZE) {
		snprintf(err, errlen, "%s: too large (more than %d bytes)", path, PN_CONFIG_MAX_SIZE);
		r = -EFBIG;
	} else {
		r = pn_config_parse(cfg, path, text, len, err, errlen);
	}
	free(text);
	return r;
}

int pn_config_check_token_file(const struct pn_config *cfg, const char *name, char *err,
	size_t errlen)
{
	const struct pn_polkit_config *polkit = &cfg->polkit;
	const char *key = "polkit.onepassword.token_file";
	if (polkit->op_mode != PN_OP_SERVICE_ACCOUNT)
		return 0;
	if (!polkit->op_token_path) {
		snprintf(err, errlen, "%s: %s: $CREDENTIALS_DIRECTORY is not set (expected the "
			"agent to run as a systemd unit with LoadCredential=)", name, key);
		return -ENXIO;
	}
	char why[256];
	int fd = pn_secret_file_open(polkit->op_token_path, why, sizeof(why));
	if (fd < 0) {
		char *shown = pn_sanitize_text(polkit->op_token_path, 200);
		snprintf(err, errlen, "%s: %s: %s: %s", name, key, shown ? shown : "?", why);
		free(shown);
		return fd;
	}
	close(fd);
	return 0;
}

int pn_config_default_path(char *buf, size_t len)
{
	const char *base = getenv("XDG_CONFIG_HOME");
	const char *suffix = "/panther/config.json";
	/* The XDG spec says to ignore a relative XDG_CONFIG_HOME. */
	if (!base || base[0] != '/') {
		const char *home = getenv("HOME");
		if (!home || home[0] != '/') {
			struct passwd *pw = getpwuid(getuid());
			home = pw ? pw->pw_dir : NULL;
		}
		if (!home || home[0] != '/')
			return -ENOENT;
		base = home;
		suffix = "/.config/panther/config.json";
	}
	int n = snprintf(buf, len, "%s%s", base, suffix);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}
