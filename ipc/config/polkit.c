/* The "polkit" section of config.json. */

#include "parser.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "panther/secret.h"
#include "panther/util.h"

static const char *const prompt_names[] = {"wayland", "command", NULL};
static const char *const op_mode_names[] = {"app", "service-account", NULL};
static const char *const polkit_keys[] = {"onepassword", "prompt", "always_type", NULL};
static const char *const onepassword_keys[] = {"enable", "op", "references", "timeout_s",
	"skip_actions", "mode", "token_file", "account", "keep_authorized", "fingerprint_first",
	NULL};
static const char *const prompt_keys[] = {"type", "argv", NULL};

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
		return fail(p, path,
			"\"%s\" is not a 1Password secret reference (expected op://vault/item/field)",
			show(p, ref));
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
			return fail(p, path,
				"\"%s\" does not name a credential (expected $CREDENTIALS_DIRECTORY/NAME, NAME without \"/\")",
				show(p, file));
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
		return fail(p, path,
			"\"%s\" is not an absolute path (expected /PATH or $CREDENTIALS_DIRECTORY/NAME)",
			show(p, file));
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
		if ((r = get_choice(p, path_key(sub, path, "mode"), v, op_mode_names, "mode", &i)) <
			0)
			return r;
		polkit->op_mode = (enum pn_op_mode)i;
	}
	bool has_token = json_object_object_get_ex(o, "token_file", &v);
	if (polkit->op_mode == PN_OP_SERVICE_ACCOUNT && !has_token) {
		return missing_key(p, path, "token_file",
			"mode \"service-account\" reads the service account's token from it");
	}
	if (has_token && polkit->op_mode != PN_OP_SERVICE_ACCOUNT) {
		return fail(p, path_key(sub, path, "token_file"),
			"only used with mode \"service-account\" (the mode is \"app\")");
	}
	if (has_token &&
		(r = parse_token_file(p, path_key(sub, path, "token_file"), v, polkit)) < 0)
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
			return fail(p, sub,
				"\"%s\" is not an account (expected a sign-in address such as my.1password.com, an email address or an account ID)",
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
			return fail(p, sub,
				"\"%s\" is not an absolute path (expected the path of op, such as /run/wrappers/bin/op)",
				show(p, op));
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
	if (json_object_object_get_ex(o, "keep_authorized", &v) &&
		(r = get_bool(p, path_key(sub, path, "keep_authorized"), v,
			 &polkit->op_keep_authorized)) < 0)
		return r;
	if (json_object_object_get_ex(o, "skip_actions", &v)) {
		char **skip;
		if ((r = get_strv(p, path_key(sub, path, "skip_actions"), v, true, NULL,
			     check_nonempty, &skip)) < 0)
			return r;
		polkit->skip_actions = skip;
	}
	if (json_object_object_get_ex(o, "fingerprint_first", &v) &&
		(r = get_strv(p, path_key(sub, path, "fingerprint_first"), v, true, NULL,
			 check_nonempty, &polkit->fingerprint_first)) < 0)
		return r;
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
		return fail(p, path,
			"type \"command\" needs \"argv\" (the program that prints the password, and its arguments)");
	}
	/* With "wayland", argv is the prompter used when there is no Wayland display. */
	if (argv && (r = get_argv(p, path_key(sub, path, "argv"), argv, &polkit->prompt_argv)) < 0)
		return r;
	return 0;
}

int parse_polkit(struct parser *p, struct json_object *o, struct pn_polkit_config *polkit)
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
	/* Action-id patterns whose card always asks for typing: 1Password never fills it. */
	if (json_object_object_get_ex(o, "always_type", &v) &&
		(r = get_strv(p, path_key(sub, path, "always_type"), v, true, NULL, check_nonempty,
			 &polkit->always_type)) < 0)
		return r;
	return 0;
}
