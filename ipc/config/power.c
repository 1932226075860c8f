/* The "power" section of config.json. */

#include "parser.h"

#include <stdlib.h>
#include <string.h>

#include "panther/util.h"

static const char *const host_names[] = {"none", "zephyrus", "yoga", NULL};
static const char *const manual_names[] = {"until-power-change", "until-auto", "never", NULL};
static const char *const power_keys[] = {"host", "on_ac", "on_battery", "low_battery", "idle",
	"cycle", "manual", "notify", "app_rules", NULL};
static const char *const low_battery_keys[] = {"percent", "profile", NULL};
static const char *const idle_keys[] = {"after_s", "profile", NULL};
static const char *const app_rule_keys[] = {"app_id", "profile", NULL};

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
				return fail(p, item_path,
					"\"%s\" is already in the cycle (expected each profile at most once)",
					pn_profile_name(profile));
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
		return missing_key(p, path, "app_id",
			"a regular expression for the window's app_id");
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
		return fail(p, sub,
			"regular expression \"%s\" is too large (at most %d bytes and %d characters with its repetitions written out)",
			show(p, pattern), REGEX_MAX_LEN, REGEX_MAX_EXPANDED);
	int rc = regcomp(&rule->re, pattern, REG_EXTENDED | REG_NOSUB);
	if (rc != 0) {
		char why[128];
		regerror(rc, &rule->re, why, sizeof(why));
		regfree(&rule->re);
		return fail(p, sub, "invalid regular expression \"%s\" (%s)", show(p, pattern),
			why);
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

int parse_power(struct parser *p, struct json_object *o, struct pn_power_config *power)
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
