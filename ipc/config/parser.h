/* Private to the config parser: the state of one parse and what its files share. */
#ifndef PN_CONFIG_PARSER_H
#define PN_CONFIG_PARSER_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "panther/config.h"

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

/* config.c */
extern const char *const profile_names[];
int name_index(const char *const *names, const char *s);

/* read.c: error lines and paths */
int fail(struct parser *p, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
const char *show(struct parser *p, const char *s);
const char *type_desc(struct json_object *o);
const char *path_key(char *out, const char *parent, const char *key);
const char *path_index(char *out, const char *parent, size_t i);

/* number.c: the offset of the first number literal no C type holds, or len */
size_t find_huge_number(const char *text, size_t len, size_t *number_len);

/* read.c: typed values */
int expect_type(struct parser *p, const char *path, struct json_object *o, enum json_type type,
	const char *expected);
int check_keys(struct parser *p, const char *path, struct json_object *obj,
	const char *const *keys);
int missing_key(struct parser *p, const char *path, const char *key, const char *what);
int get_string(struct parser *p, const char *path, struct json_object *o, const char **out);
int get_bool(struct parser *p, const char *path, struct json_object *o, bool *out);
int get_int(struct parser *p, const char *path, struct json_object *o, int min, int max,
	const char *unit, int *out);
int get_choice(struct parser *p, const char *path, struct json_object *o, const char *const *names,
	const char *what, int *out);
int get_profile(struct parser *p, const char *path, struct json_object *o, enum pn_profile *out);
int get_array(struct parser *p, const char *path, struct json_object *o, const char *expected,
	size_t *n);
int check_env_name(struct parser *p, const char *path, const char *s);
bool is_unit_word(const char *s);
int get_strv(struct parser *p, const char *path, struct json_object *o, bool may_be_empty,
	const char *expected, int (*check)(struct parser *p, const char *path, const char *s),
	char ***out);
int get_argv(struct parser *p, const char *path, struct json_object *o, char ***out);

/* the sections: power.c, polkit.c, session.c */
int parse_power(struct parser *p, struct json_object *o, struct pn_power_config *power);
int parse_polkit(struct parser *p, struct json_object *o, struct pn_polkit_config *polkit);
int parse_session(struct parser *p, struct json_object *o, struct pn_session_config *session);

#endif
