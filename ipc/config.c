/*
 * config.json: the defaults, the document as a whole, and reading the file.
 * Each section is parsed in config/, with the readers of config/read.c.
 */

#include "config/parser.h"
#include "panther/config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
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

const char *const profile_names[] = {"power-saver", "balanced", "performance", NULL};
static const char *const top_keys[] = {"power", "polkit", "session", NULL};

const char *pn_profile_name(enum pn_profile profile)
{
	if (profile < 0 || profile >= PN_PROFILE_COUNT)
		return "none";
	return profile_names[profile];
}

int name_index(const char *const *names, const char *s)
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
	*cfg = (struct pn_config){0};
	cfg->power = (struct pn_power_config){
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
	};
	cfg->polkit = (struct pn_polkit_config){
		.op_enable = true,
		.op_path = default_op_path,
		.op_timeout_s = 60,
		.skip_actions = default_skip_actions,
		.prompt_type = PN_PROMPT_WAYLAND,
	};
	cfg->session = (struct pn_session_config){
		.mode = PN_SESSION_AUTO,
		.import_env = default_import_env,
		.target = default_target,
		.niri_timeout_s = 10,
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
	pn_strv_free(polkit->fingerprint_first);
	pn_strv_free(polkit->always_type);

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

/* The document */

/* The line and column (in characters) of text[at], counted from 1. */
static void position(const char *text, size_t len, size_t at, size_t *line, size_t *column)
{
	*line = 1, *column = 1;
	for (size_t i = 0; i < at && i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c == '\n')
			++*line, *column = 1;
		else if ((c & 0xc0) != 0x80)
			++*column;
	}
}

static int fail_syntax(struct parser *p, const char *text, size_t len, size_t at, const char *what)
{
	size_t line, column;
	position(text, len, at, &line, &column);
	if (!what) {
		return fail(p, NULL,
			"line %zu, column %zu: \\u0000 is not allowed (a string cannot hold a NUL character)",
			line, column);
	}
	return fail(p, NULL, "line %zu, column %zu: invalid JSON: %s", line, column, what);
}

/*
 * A number no C type holds is out of range for every setting; it is found
 * here because json-c clamps it or refuses it depending on its version.
 */
static int fail_huge_number(struct parser *p, const char *text, size_t len, size_t at,
	size_t number_len)
{
	char number[SHOW_MAX + 1];
	size_t line, column;
	position(text, len, at, &line, &column);
	snprintf(number, sizeof(number), "%.*s", (int)number_len, text + at);
	return fail(p, NULL,
		"line %zu, column %zu: %s%s is out of range (no setting takes a number that large)",
		line, column, show(p, number), number_len > SHOW_MAX ? "..." : "");
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
	json_tokener_set_flags(tok,
		JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8 |
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
	size_t number_len;
	size_t huge = find_huge_number(text, len, &number_len);
	/* json-c 0.19 stops at the number's end, or at its start. */
	if (huge < len && (huge < end || (!root && huge == end))) {
		json_object_put(root);
		return fail_huge_number(p, text, len, huge, number_len);
	}
	if (!root) {
		const char *what = jerr == json_tokener_error_parse_utf8_string
			? "invalid UTF-8"
			: json_tokener_error_desc(jerr);
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

int pn_config_load(struct pn_config *cfg, const char *path, bool *missing, char *err, size_t errlen)
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

	char *text;
	size_t len;
	int r = pn_read_file(path, PN_CONFIG_MAX_SIZE, &text, &len);
	if (r == -ENOENT) {
		if (missing)
			*missing = true;
		return 0;
	}
	if (r == -EISDIR || r == -EINVAL)
		snprintf(err, errlen, "%s: %s (expected a JSON file)", path,
			r == -EISDIR ? "is a directory" : "not a regular file");
	else if (r == -EFBIG && len > PN_CONFIG_MAX_SIZE)
		snprintf(err, errlen, "%s: too large (%zu bytes, at most %d)", path, len,
			PN_CONFIG_MAX_SIZE);
	else if (r == -EFBIG)
		snprintf(err, errlen, "%s: too large (more than %d bytes)", path,
			PN_CONFIG_MAX_SIZE);
	else if (r < 0)
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(-r));
	if (r < 0)
		return r;
	r = pn_config_parse(cfg, path, text, len, err, errlen);
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
		snprintf(err, errlen,
			"%s: %s: $CREDENTIALS_DIRECTORY is not set (expected the agent to run as a systemd unit with LoadCredential=)",
			name, key);
		return -ENXIO;
	}
	char why[256];
	int fd = pn_secret_file_open(polkit->op_token_path, why, sizeof(why));
	if (fd < 0) {
		char *shown = pn_sanitize_text(polkit->op_token_path, 200);
		snprintf(err, errlen, "%s: %s: %s: %s", name, key, shown, why);
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
