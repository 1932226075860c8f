/* Reading typed values out of config.json: the checks and error lines every section uses. */

#include "parser.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "panther/util.h"

/* Error reporting and paths. */

int fail(struct parser *p, const char *path, const char *fmt, ...)
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
const char *show(struct parser *p, const char *s)
{
	if (p->n_shown >= SHOW_SLOTS)
		return "...";
	char *slot = p->shown[p->n_shown++];
	char *clean = pn_sanitize_text(s, SHOW_MAX);
	snprintf(slot, SHOW_MAX + 8, "%s", clean);
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

const char *path_key(char *out, const char *parent, const char *key)
{
	if (is_plain_key(key)) {
		snprintf(out, PATH_LEN, "%s%s%s", parent, parent[0] ? "." : "", key);
	} else {
		char *clean = pn_sanitize_text(key, SHOW_MAX);
		snprintf(out, PATH_LEN, "%s[\"%s\"]", parent, clean);
		free(clean);
	}
	return out;
}

const char *path_index(char *out, const char *parent, size_t i)
{
	/* A path cut short still reads; testing the result quiets -Wformat-truncation. */
	if (snprintf(out, PATH_LEN, "%s[%zu]", parent, i) < 0)
		out[0] = '\0';
	return out;
}

/* Typed access. Each returns 0 or -EINVAL with the message written. */

const char *type_desc(struct json_object *o)
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

int expect_type(struct parser *p, const char *path, struct json_object *o, enum json_type type,
	const char *expected)
{
	if (json_object_get_type(o) != type)
		return fail(p, path, "expected %s, got %s", expected, type_desc(o));
	return 0;
}

int check_keys(struct parser *p, const char *path, struct json_object *obj, const char *const *keys)
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

int missing_key(struct parser *p, const char *path, const char *key, const char *what)
{
	return fail(p, path, "missing \"%s\" (%s)", key, what);
}

int get_string(struct parser *p, const char *path, struct json_object *o, const char **out)
{
	int r = expect_type(p, path, o, json_type_string, "a string");
	if (r < 0)
		return r;
	*out = json_object_get_string(o);
	return 0;
}

int get_bool(struct parser *p, const char *path, struct json_object *o, bool *out)
{
	int r = expect_type(p, path, o, json_type_boolean, "true or false");
	if (r == 0)
		*out = json_object_get_boolean(o);
	return r;
}

int get_int(struct parser *p, const char *path, struct json_object *o, int min, int max,
	const char *unit, int *out)
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

int get_choice(struct parser *p, const char *path, struct json_object *o, const char *const *names,
	const char *what, int *out)
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

int get_profile(struct parser *p, const char *path, struct json_object *o, enum pn_profile *out)
{
	int i;
	int r = get_choice(p, path, o, profile_names, "profile", &i);
	if (r == 0)
		*out = (enum pn_profile)i;
	return r;
}

/* A non-empty array; its length in *n. */
int get_array(struct parser *p, const char *path, struct json_object *o, const char *expected,
	size_t *n)
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

int check_env_name(struct parser *p, const char *path, const char *s)
{
	if (!is_env_name(s)) {
		return fail(p, path,
			"invalid variable name \"%s\" (expected letters, digits and _, not starting with a digit)",
			show(p, s));
	}
	return 0;
}

/* Strings that are names: no '/', no whitespace or control characters. */
bool is_unit_word(const char *s)
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
int get_strv(struct parser *p, const char *path, struct json_object *o, bool may_be_empty,
	const char *expected, int (*check)(struct parser *p, const char *path, const char *s),
	char ***out)
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

int get_argv(struct parser *p, const char *path, struct json_object *o, char ***out)
{
	int r = get_strv(p, path, o, false, "the program and its arguments", NULL, out);
	if (r == 0 && (r = check_argv0(p, path, o)) < 0) {
		pn_strv_free(*out);
		*out = NULL;
	}
	return r;
}
