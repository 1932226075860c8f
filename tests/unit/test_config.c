#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "panther/config.h"
#include "panther/daemon.h"
#include "panther/loop.h"

#include "config-defaults.h"

/* Every document that must be refused, with the exact line the user sees. */
static const struct bad_doc {
	const char *name;
	const char *doc;
	const char *error;
} bad_docs[] = {
	{"unknown profile", "{\"power\":{\"on_battery\":\"turbo\"}}",
		"config.json: power.on_battery: unknown profile \"turbo\" (expected one of "
		"power-saver, balanced, performance)"},
	{"unknown top-level key", "{\"power\":{},\"pwer\":{}}",
		"config.json: unknown key \"pwer\" (expected one of power, polkit, session)"},
	{"unknown power key", "{\"power\":{\"on_ac\":\"balanced\",\"ac\":1}}",
		"config.json: power: unknown key \"ac\" (expected one of host, on_ac, on_battery, "
		"low_battery, idle, cycle, manual, notify, app_rules)"},
	{"unknown nested key", "{\"polkit\":{\"onepassword\":{\"enabled\":true}}}",
		"config.json: polkit.onepassword: unknown key \"enabled\" (expected one of enable, "
		"op, references, timeout_s, skip_actions, mode, token_file, account, keep_authorized, fingerprint_first)"},
	{"keep_authorized not a boolean", "{\"polkit\":{\"onepassword\":{\"keep_authorized\":1}}}",
		"config.json: polkit.onepassword.keep_authorized: expected true or false, got a number"},
	{"unknown key with control characters", "{\"po\\u001bwer\":{}}",
		"config.json: unknown key \"po?wer\" (expected one of power, polkit, session)"},
	{"number for a string", "{\"power\":{\"on_ac\":1}}",
		"config.json: power.on_ac: expected a string, got a number"},
	{"array for an object", "{\"power\":[]}",
		"config.json: power: expected an object, got an array"},
	{"null for an object", "{\"session\":null}",
		"config.json: session: expected an object, got null"},
	{"string for a boolean", "{\"power\":{\"notify\":\"yes\"}}",
		"config.json: power.notify: expected true or false, got a string"},
	{"unknown host", "{\"power\":{\"host\":\"thinkpad\"}}",
		"config.json: power.host: unknown host \"thinkpad\" (expected one of zephyrus, yoga)"},
	{"percent above 100", "{\"power\":{\"low_battery\":{\"percent\":101}}}",
		"config.json: power.low_battery.percent: 101 is out of range (expected 1..100 percent)"},
	{"percent 0", "{\"power\":{\"low_battery\":{\"percent\":0}}}",
		"config.json: power.low_battery.percent: 0 is out of range (expected 1..100 percent)"},
	{"fractional percent", "{\"power\":{\"low_battery\":{\"percent\":20.5}}}",
		"config.json: power.low_battery.percent: expected a whole number, got 20.5"},
	{"idle after 0 s", "{\"power\":{\"idle\":{\"after_s\":0}}}",
		"config.json: power.idle.after_s: 0 is out of range (expected 1..86400 seconds)"},
	{"idle after more than a day", "{\"power\":{\"idle\":{\"after_s\":86401}}}",
		"config.json: power.idle.after_s: 86401 is out of range (expected 1..86400 seconds)"},
	{"idle after a huge number", "{\"power\":{\"idle\":{\"after_s\":-99999999999999999999}}}",
		"config.json: line 1, column 29: -99999999999999999999 is out of range "
		"(no setting takes a number that large)"},
	{"timeout beyond 64 bits",
		"{\"polkit\":{\"onepassword\":{\"timeout_s\":18446744073709551616}}}",
		"config.json: line 1, column 39: 18446744073709551616 is out of range "
		"(no setting takes a number that large)"},
	{"timeout just beyond int64",
		"{\"polkit\":{\"onepassword\":{\"timeout_s\":9223372036854775808}}}",
		"config.json: line 1, column 39: 9223372036854775808 is out of range "
		"(no setting takes a number that large)"},
	{"timeout as a huge fraction", "{\"polkit\":{\"onepassword\":{\"timeout_s\":1e999}}}",
		"config.json: line 1, column 39: 1e999 is out of range "
		"(no setting takes a number that large)"},
	{"huge number before a syntax error",
		"{\"power\":{\"idle\":{\"after_s\":\n99999999999999999999}},}",
		"config.json: line 2, column 1: 99999999999999999999 is out of range "
		"(no setting takes a number that large)"},
	{"syntax error before a huge number", "{\"power\":{\"idle\":,\"x\":99999999999999999999}}",
		"config.json: line 1, column 18: invalid JSON: unexpected character"},
	{"huge digits in a string are text",
		"{\"power\":{\"idle\":{\"after_s\":\"99999999999999999999\"}}}",
		"config.json: power.idle.after_s: expected a whole number, got a string"},
	{"int64 limit is only out of the setting's range",
		"{\"power\":{\"idle\":{\"after_s\":-9223372036854775808}}}",
		"config.json: power.idle.after_s: -9223372036854775808 is out of range "
		"(expected 1..86400 seconds)"},
	{"idle without after_s", "{\"power\":{\"idle\":{\"profile\":\"balanced\"}}}",
		"config.json: power.idle: missing \"after_s\" (seconds without input, 1..86400)"},
	{"idle true", "{\"power\":{\"idle\":true}}",
		"config.json: power.idle: expected an object or false, got true"},
	{"timeout 0", "{\"polkit\":{\"onepassword\":{\"timeout_s\":0}}}",
		"config.json: polkit.onepassword.timeout_s: 0 is out of range (expected 1..3600 seconds)"},
	{"timeout above an hour", "{\"polkit\":{\"onepassword\":{\"timeout_s\":3601}}}",
		"config.json: polkit.onepassword.timeout_s: 3601 is out of range "
		"(expected 1..3600 seconds)"},
	{"bad regex",
		"{\"power\":{\"app_rules\":[{\"app_id\":\"^steam(\",\"profile\":\"performance\"}]}}",
		"config.json: power.app_rules[0].app_id: invalid regular expression \"^steam(\" "
		"(Unmatched ( or \\()"},
	{"regex that would take gigabytes to compile",
		"{\"power\":{\"app_rules\":[{\"app_id\":\"((a{99}){99}){99}\",\"profile\":\"performance\"}]}}",
		"config.json: power.app_rules[0].app_id: regular expression \"((a{99}){99}){99}\" is too "
		"large (at most 256 bytes and 1000 characters with its repetitions written out)"},
	{"app rule without profile", "{\"power\":{\"app_rules\":[{\"app_id\":\"x\"}]}}",
		"config.json: power.app_rules[0]: missing \"profile\" (the profile to hold)"},
	{"app rule with unknown profile",
		"{\"power\":{\"app_rules\":[{\"app_id\":\"a\",\"profile\":\"balanced\"},"
		"{\"app_id\":\"b\",\"profile\":\"fast\"}]}}",
		"config.json: power.app_rules[1].profile: unknown profile \"fast\" (expected one of "
		"power-saver, balanced, performance)"},
	{"relative op path", "{\"polkit\":{\"onepassword\":{\"op\":\"op\"}}}",
		"config.json: polkit.onepassword.op: \"op\" is not an absolute path (expected the path "
		"of op, such as /run/wrappers/bin/op)"},
	{"reference without op://",
		"{\"polkit\":{\"onepassword\":{\"references\":{\"alice\":\"vault/item/password\"}}}}",
		"config.json: polkit.onepassword.references.alice: \"vault/item/password\" is not a "
		"1Password secret reference (expected op://vault/item/field)"},
	{"reference without field",
		"{\"polkit\":{\"onepassword\":{\"references\":{\"alice\":\"op://vault/item\"}}}}",
		"config.json: polkit.onepassword.references.alice: \"op://vault/item\" is not a "
		"1Password secret reference (expected op://vault/item/field)"},
	{"empty user name", "{\"polkit\":{\"onepassword\":{\"references\":{\"\":\"op://v/i/f\"}}}}",
		"config.json: polkit.onepassword.references[\"\"]: empty user name "
		"(expected a login name)"},
	{"always_type entry not a string", "{\"polkit\":{\"always_type\":[\"org.x.*\",true]}}",
		"config.json: polkit.always_type[1]: expected a string, got true"},
	{"always_type not a list", "{\"polkit\":{\"always_type\":\"org.x.*\"}}",
		"config.json: polkit.always_type: expected an array, got a string"},
	{"fingerprint_first entry empty",
		"{\"polkit\":{\"onepassword\":{\"fingerprint_first\":[\"\"]}}}",
		"config.json: polkit.onepassword.fingerprint_first[0]: empty string (expected a "
		"pattern such as com.example.*)"},
	{"skip_actions entry not a string",
		"{\"polkit\":{\"onepassword\":{\"skip_actions\":[\"com.x.*\",1]}}}",
		"config.json: polkit.onepassword.skip_actions[1]: expected a string, got a number"},
	{"empty cycle", "{\"power\":{\"cycle\":[]}}",
		"config.json: power.cycle: empty (expected at least one profile)"},
	{"cycle with unknown profile", "{\"power\":{\"cycle\":[\"balanced\",\"turbo\"]}}",
		"config.json: power.cycle[1]: unknown profile \"turbo\" (expected one of power-saver, "
		"balanced, performance)"},
	{"cycle with duplicate",
		"{\"power\":{\"cycle\":[\"balanced\",\"performance\",\"balanced\"]}}",
		"config.json: power.cycle[2]: \"balanced\" is already in the cycle (expected each "
		"profile at most once)"},
	{"unknown manual", "{\"power\":{\"manual\":\"sometimes\"}}",
		"config.json: power.manual: unknown value \"sometimes\" (expected one of "
		"until-power-change, until-auto, never)"},
	{"unknown 1Password mode", "{\"polkit\":{\"onepassword\":{\"mode\":\"connect\"}}}",
		"config.json: polkit.onepassword.mode: unknown mode \"connect\" (expected one of app, "
		"service-account)"},
	{"service account without a token file",
		"{\"polkit\":{\"onepassword\":{\"mode\":\"service-account\"}}}",
		"config.json: polkit.onepassword: missing \"token_file\" (mode \"service-account\" "
		"reads the service account's token from it)"},
	{"token file in app mode", "{\"polkit\":{\"onepassword\":{\"token_file\":\"/t\"}}}",
		"config.json: polkit.onepassword.token_file: only used with mode \"service-account\" "
		"(the mode is \"app\")"},
	{"relative token file",
		"{\"polkit\":{\"onepassword\":{\"mode\":\"service-account\",\"token_file\":\"op-token\"}}}",
		"config.json: polkit.onepassword.token_file: \"op-token\" is not an absolute path "
		"(expected /PATH or $CREDENTIALS_DIRECTORY/NAME)"},
	{"other variable in the token file",
		"{\"polkit\":{\"onepassword\":{\"mode\":\"service-account\","
		"\"token_file\":\"$HOME/op-token\"}}}",
		"config.json: polkit.onepassword.token_file: \"$HOME/op-token\" is not an absolute path "
		"(expected /PATH or $CREDENTIALS_DIRECTORY/NAME)"},
	{"credential without a name",
		"{\"polkit\":{\"onepassword\":{\"mode\":\"service-account\","
		"\"token_file\":\"$CREDENTIALS_DIRECTORY/\"}}}",
		"config.json: polkit.onepassword.token_file: \"$CREDENTIALS_DIRECTORY/\" does not name "
		"a credential (expected $CREDENTIALS_DIRECTORY/NAME, NAME without \"/\")"},
	{"credential in a subdirectory",
		"{\"polkit\":{\"onepassword\":{\"mode\":\"service-account\","
		"\"token_file\":\"$CREDENTIALS_DIRECTORY/../x\"}}}",
		"config.json: polkit.onepassword.token_file: \"$CREDENTIALS_DIRECTORY/../x\" does not "
		"name a credential (expected $CREDENTIALS_DIRECTORY/NAME, NAME without \"/\")"},
	{"token file not a string",
		"{\"polkit\":{\"onepassword\":{\"mode\":\"service-account\",\"token_file\":true}}}",
		"config.json: polkit.onepassword.token_file: expected a string, got true"},
	{"empty account", "{\"polkit\":{\"onepassword\":{\"account\":\"\"}}}",
		"config.json: polkit.onepassword.account: \"\" is not an account (expected a sign-in "
		"address such as my.1password.com, an email address or an account ID)"},
	{"account like an option", "{\"polkit\":{\"onepassword\":{\"account\":\"--help\"}}}",
		"config.json: polkit.onepassword.account: \"--help\" is not an account (expected a "
		"sign-in address such as my.1password.com, an email address or an account ID)"},
	{"account with a space", "{\"polkit\":{\"onepassword\":{\"account\":\"my 1password\"}}}",
		"config.json: polkit.onepassword.account: \"my 1password\" is not an account (expected "
		"a sign-in address such as my.1password.com, an email address or an account ID)"},
	{"unknown prompt type", "{\"polkit\":{\"prompt\":{\"type\":\"gtk\"}}}",
		"config.json: polkit.prompt.type: unknown prompt type \"gtk\" (expected one of "
		"wayland, command)"},
	{"command prompt without argv", "{\"polkit\":{\"prompt\":{\"type\":\"command\"}}}",
		"config.json: polkit.prompt: type \"command\" needs \"argv\" (the program that prints "
		"the password, and its arguments)"},
	{"command prompt with empty argv",
		"{\"polkit\":{\"prompt\":{\"argv\":[],\"type\":\"command\"}}}",
		"config.json: polkit.prompt.argv: empty (expected the program and its arguments)"},
	{"argv for the wayland prompt, empty", "{\"polkit\":{\"prompt\":{\"argv\":[]}}}",
		"config.json: polkit.prompt.argv: empty (expected the program and its arguments)"},
	{"unknown session mode", "{\"session\":{\"mode\":\"manual\"}}",
		"config.json: session.mode: unknown mode \"manual\" (expected one of auto, systemd, "
		"direct)"},
	{"empty service name", "{\"session\":{\"services\":[{\"name\":\"\",\"argv\":[\"x\"]}]}}",
		"config.json: session.services[0].name: empty name"},
	{"duplicate service name",
		"{\"session\":{\"services\":[{\"name\":\"a\",\"argv\":[\"x\"]},"
		"{\"name\":\"a\",\"argv\":[\"y\"]}]}}",
		"config.json: session.services[1].name: duplicate service \"a\""},
	{"service name with a slash",
		"{\"session\":{\"services\":[{\"name\":\"a/b\",\"argv\":[\"x\"]}]}}",
		"config.json: session.services[0].name: invalid name \"a/b\" (expected no '/', spaces "
		"or control characters)"},
	{"service name with a space",
		"{\"session\":{\"services\":[{\"name\":\"my app\",\"argv\":[\"x\"]}]}}",
		"config.json: session.services[0].name: invalid name \"my app\" (expected no '/', "
		"spaces or control characters)"},
	{"service without argv", "{\"session\":{\"services\":[{\"name\":\"a\"}]}}",
		"config.json: session.services[0]: missing \"argv\" (the program and its arguments)"},
	{"service with empty argv", "{\"session\":{\"services\":[{\"name\":\"a\",\"argv\":[]}]}}",
		"config.json: session.services[0].argv: empty (expected the program and its arguments)"},
	{"service with empty program",
		"{\"session\":{\"services\":[{\"name\":\"a\",\"argv\":[\"\"]}]}}",
		"config.json: session.services[0].argv[0]: empty program name"},
	{"unknown restart",
		"{\"session\":{\"services\":[{\"name\":\"a\",\"argv\":[\"x\"],\"restart\":\"sometimes\"}]}}",
		"config.json: session.services[0].restart: unknown restart policy \"sometimes\" "
		"(expected one of on-failure, always, never)"},
	{"after an unknown service",
		"{\"session\":{\"services\":[{\"name\":\"a\",\"argv\":[\"x\"],\"after\":[\"b\"]}]}}",
		"config.json: session.services[0].after[0]: unknown service \"b\" (expected the name "
		"of another service in session.services)"},
	{"after cycle",
		"{\"session\":{\"services\":[{\"name\":\"a\",\"argv\":[\"x\"],\"after\":[\"c\"]},"
		"{\"name\":\"b\",\"argv\":[\"x\"],\"after\":[\"a\"]},"
		"{\"name\":\"c\",\"argv\":[\"x\"],\"after\":[\"b\"]}]}}",
		"config.json: session.services[0].after: services wait for each other: "
		"a -> c -> b -> a (each waits for the next)"},
	{"after itself",
		"{\"session\":{\"services\":[{\"name\":\"a\",\"argv\":[\"x\"]},"
		"{\"name\":\"b\",\"argv\":[\"x\"],\"after\":[\"a\",\"b\"]}]}}",
		"config.json: session.services[1].after: services wait for each other: "
		"b -> b (each waits for the next)"},
	{"invalid env name",
		"{\"session\":{\"services\":[{\"name\":\"a\",\"argv\":[\"x\"],\"env\":{\"1A\":\"x\"}}]}}",
		"config.json: session.services[0].env: invalid variable name \"1A\" (expected letters, "
		"digits and _, not starting with a digit)"},
	{"env value not a string",
		"{\"session\":{\"services\":[{\"name\":\"a\",\"argv\":[\"x\"],\"env\":{\"A\":1}}]}}",
		"config.json: session.services[0].env.A: expected a string, got a number"},
	{"unknown ready key",
		"{\"session\":{\"services\":[{\"name\":\"a\",\"argv\":[\"x\"],\"ready\":{\"bus\":\"x\"}}]}}",
		"config.json: session.services[0].ready: unknown key \"bus\" (expected one of dbus_name)"},
	{"bad dbus_name",
		"{\"session\":{\"services\":[{\"name\":\"a\",\"argv\":[\"x\"],"
		"\"ready\":{\"dbus_name\":\"org..x\"}}]}}",
		"config.json: session.services[0].ready.dbus_name: \"org..x\" is not a valid D-Bus name "
		"(expected a well-known name such as org.example.App)"},
	{"invalid import_env name",
		"{\"session\":{\"import_env\":[\"WAYLAND_DISPLAY\",\"BAD-NAME\"]}}",
		"config.json: session.import_env[1]: invalid variable name \"BAD-NAME\" (expected "
		"letters, digits and _, not starting with a digit)"},
	{"target not a .target", "{\"session\":{\"target\":\"panther-session.service\"}}",
		"config.json: session.target: \"panther-session.service\" is not a target unit name "
		"(expected a name ending in .target)"},
	{"niri timeout 0", "{\"session\":{\"niri_timeout_s\":0}}",
		"config.json: session.niri_timeout_s: 0 is out of range (expected 1..3600 seconds)"},
	{"NUL in a string", "{\"power\":{\"host\":\"a\\u0000b\"}}",
		"config.json: line 1, column 20: \\u0000 is not allowed (a string cannot hold a "
		"NUL character)"},
	{"NUL in a key",
		"{\"session\":{\"services\":[{\"name\":\"a\",\"argv\":[\"x\"],"
		"\"env\":{\"A\\\\\\u0000B\":\"x\"}}]}}",
		"config.json: line 1, column 61: \\u0000 is not allowed (a string cannot hold a "
		"NUL character)"},
	{"invalid JSON", "{\n  \"power\": {\n    \"on_ac\": balanced\n  }\n}",
		"config.json: line 3, column 14: invalid JSON: unexpected character"},
	{"trailing comma", "{\"power\":{},}",
		"config.json: line 1, column 13: invalid JSON: unexpected character"},
	{"truncated document", "{\"power\": {",
		"config.json: line 1, column 12: invalid JSON: unexpected end of data"},
	{"invalid UTF-8", "{\"power\":{\"host\":\"\xff\"}}",
		"config.json: line 1, column 19: invalid JSON: invalid UTF-8"},
	{"trailing garbage", "{}\n{}",
		"config.json: line 2, column 1: invalid JSON: unexpected data after the end of the "
		"document"},
	{"top level array", "[]",
		"config.json: expected a JSON object at the top level, got an array"},
	{"empty document", " \n", "config.json: empty file (expected a JSON object)"},
	{"too deep", "{\"power\":{\"app_rules\":[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]}}",
		"config.json: line 1, column 37: invalid JSON: nesting too deep"},
};

static void test_bad_document(void **state)
{
	const struct bad_doc *bad = *state;
	struct pn_config cfg;
	char err[512] = "";
	int r = pn_config_parse(&cfg, "config.json", bad->doc, strlen(bad->doc), err, sizeof(err));
	assert_int_equal(r, -EINVAL);
	assert_string_equal(err, bad->error);
	assert_null(strchr(err, '\n'));
	assert_defaults(&cfg);
	pn_config_finish(&cfg);
}

static int parse_ok(struct pn_config *cfg, const char *doc)
{
	char err[512] = "";
	int r = pn_config_parse(cfg, "config.json", doc, strlen(doc), err, sizeof(err));
	if (r != 0)
		print_error("unexpected error: %s\n", err);
	return r;
}

static char *read_whole(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char *buf = malloc(PN_CONFIG_MAX_SIZE + 1);
	assert_non_null(buf);
	*len = fread(buf, 1, PN_CONFIG_MAX_SIZE, f);
	fclose(f);
	return buf;
}

static void example_path(char *buf, size_t len)
{
	const char *src = getenv("PANTHER_SOURCE_DIR");
	snprintf(buf, len, "%s/tests/configs/example.json", src ? src : ".");
}

/* The example of DESIGN.md 3, kept in tests/configs/example.json. */
static void test_design_example(void **state)
{
	char path[PATH_MAX], err[512] = "";
	size_t len;
	example_path(path, sizeof(path));
	char *text = read_whole(path, &len);
	struct pn_config cfg;
	int r = pn_config_parse(&cfg, "example.json", text, len, err, sizeof(err));
	free(text);
	assert_string_equal(err, "");
	assert_int_equal(r, 0);

	const struct pn_power_config *power = &cfg.power;
	assert_int_equal(power->host, PN_HOST_ZEPHYRUS);
	assert_int_equal(power->on_ac, PN_PROFILE_PERFORMANCE);
	assert_int_equal(power->on_battery, PN_PROFILE_BALANCED);
	assert_int_equal(power->low_battery_percent, 20);
	assert_int_equal(power->low_battery_profile, PN_PROFILE_POWER_SAVER);
	assert_int_equal(power->idle_after_s, 300);
	assert_int_equal(power->idle_profile, PN_PROFILE_POWER_SAVER);
	assert_int_equal(power->cycle_len, 3);
	assert_int_equal(power->cycle[0], PN_PROFILE_POWER_SAVER);
	assert_int_equal(power->cycle[1], PN_PROFILE_BALANCED);
	assert_int_equal(power->cycle[2], PN_PROFILE_PERFORMANCE);
	assert_int_equal(power->manual, PN_MANUAL_UNTIL_POWER_CHANGE);
	assert_true(power->notify);
	assert_int_equal(power->n_app_rules, 1);
	assert_string_equal(power->app_rules[0].app_id, "^steam_app_");
	assert_int_equal(power->app_rules[0].profile, PN_PROFILE_PERFORMANCE);
	assert_int_equal(regexec(&power->app_rules[0].re, "steam_app_1091500", 0, NULL, 0), 0);
	assert_int_equal(regexec(&power->app_rules[0].re, "firefox", 0, NULL, 0), REG_NOMATCH);

	const struct pn_polkit_config *polkit = &cfg.polkit;
	assert_true(polkit->op_enable);
	assert_string_equal(polkit->op_path, "/run/wrappers/bin/op");
	assert_int_equal(polkit->n_references, 1);
	assert_string_equal(polkit->references[0].user, "alice");
	assert_string_equal(polkit->references[0].reference,
		"op://pantherOS/zephyrus-login/password");
	assert_int_equal(polkit->op_timeout_s, 60);
	assert_string_equal(polkit->skip_actions[0], "com.1password.*");
	assert_null(polkit->skip_actions[1]);
	assert_int_equal(polkit->prompt_type, PN_PROMPT_WAYLAND);

	const struct pn_session_config *session = &cfg.session;
	assert_int_equal(session->mode, PN_SESSION_AUTO);
	assert_string_equal(session->import_env[2], "NIRI_SOCKET");
	assert_null(session->import_env[5]);
	assert_string_equal(session->target, "panther-session.target");
	assert_int_equal(session->n_services, 2);
	const struct pn_service_config *dms = &session->services[0],
				       *powerd = &session->services[1];
	assert_string_equal(dms->name, "dms");
	assert_string_equal(dms->argv[0], "dms");
	assert_string_equal(dms->argv[2], "--session");
	assert_null(dms->argv[3]);
	assert_int_equal(dms->restart, PN_RESTART_ON_FAILURE);
	assert_null(dms->after[0]);
	assert_string_equal(dms->env[0], "DMS_DISABLE_POLKIT=1");
	assert_null(dms->env[1]);
	assert_null(dms->ready_dbus_name);
	assert_string_equal(powerd->name, "powerd");
	assert_int_equal(powerd->restart, PN_RESTART_ALWAYS);
	assert_string_equal(powerd->after[0], "dms");
	assert_null(powerd->after[1]);
	assert_null(powerd->env[0]);
	pn_config_finish(&cfg);
	/* finish leaves the defaults, and may be called again. */
	assert_defaults(&cfg);
	pn_config_finish(&cfg);
}

static void test_empty_object_gives_defaults(void **state)
{
	struct pn_config cfg;
	pn_config_init(&cfg);
	assert_defaults(&cfg);
	/* A parse over an initialised config leaks nothing (checked by ASan). */
	assert_int_equal(parse_ok(&cfg, "{\"power\":{},\"polkit\":{},\"session\":{}}"), 0);
	assert_defaults(&cfg);
	pn_config_finish(&cfg);
	assert_int_equal(parse_ok(&cfg, " {} \n"), 0);
	assert_defaults(&cfg);
	pn_config_finish(&cfg);
}

/* The power policy a document gives, and what it must be. */
static const struct host_case {
	const char *doc;
	enum pn_host host;
	enum pn_profile on_ac, on_battery;
	int low_percent;
	enum pn_profile low_profile;
} host_cases[] = {
	{"{\"power\":{\"host\":\"zephyrus\"}}", PN_HOST_ZEPHYRUS, PN_PROFILE_PERFORMANCE,
		PN_PROFILE_BALANCED, 20, PN_PROFILE_POWER_SAVER},
	{"{\"power\":{\"host\":\"yoga\"}}", PN_HOST_YOGA, PN_PROFILE_BALANCED,
		PN_PROFILE_POWER_SAVER, 30, PN_PROFILE_POWER_SAVER},
	/* Keys given explicitly win over the host's defaults, before or after "host". */
	{"{\"power\":{\"on_ac\":\"power-saver\",\"low_battery\":{\"percent\":10},"
	 "\"host\":\"zephyrus\"}}",
		PN_HOST_ZEPHYRUS, PN_PROFILE_POWER_SAVER, PN_PROFILE_BALANCED, 10,
		PN_PROFILE_POWER_SAVER},
	{"{\"power\":{\"host\":\"yoga\",\"on_battery\":\"balanced\","
	 "\"low_battery\":{\"profile\":\"balanced\"}}}",
		PN_HOST_YOGA, PN_PROFILE_BALANCED, PN_PROFILE_BALANCED, 30, PN_PROFILE_BALANCED},
	{"{\"power\":{\"low_battery\":false,\"host\":\"yoga\"}}", PN_HOST_YOGA, PN_PROFILE_BALANCED,
		PN_PROFILE_POWER_SAVER, 0, PN_PROFILE_POWER_SAVER},
};

static void test_host_defaults(void **state)
{
	for (size_t i = 0; i < sizeof(host_cases) / sizeof(host_cases[0]); i++) {
		const struct host_case *c = &host_cases[i];
		struct pn_config cfg;
		assert_int_equal(parse_ok(&cfg, c->doc), 0);
		assert_int_equal(cfg.power.host, c->host);
		assert_int_equal(cfg.power.on_ac, c->on_ac);
		assert_int_equal(cfg.power.on_battery, c->on_battery);
		assert_int_equal(cfg.power.low_battery_percent, c->low_percent);
		assert_int_equal(cfg.power.low_battery_profile, c->low_profile);
		/* Hosts change nothing else. */
		assert_int_equal(cfg.power.idle_after_s, 0);
		assert_int_equal(cfg.power.cycle_len, 0);
		pn_config_finish(&cfg);
	}
}

static void test_power_options(void **state)
{
	struct pn_config cfg;
	assert_int_equal(
		parse_ok(&cfg,
			"{\"power\":{\"low_battery\":false,\"idle\":false,"
			"\"cycle\":[\"performance\",\"power-saver\"],\"manual\":\"never\",\"notify\":false,"
			"\"app_rules\":[]}}"),
		0);
	assert_int_equal(cfg.power.low_battery_percent, 0);
	assert_int_equal(cfg.power.idle_after_s, 0);
	assert_int_equal(cfg.power.cycle_len, 2);
	assert_int_equal(cfg.power.cycle[0], PN_PROFILE_PERFORMANCE);
	assert_int_equal(cfg.power.cycle[1], PN_PROFILE_POWER_SAVER);
	assert_int_equal(cfg.power.manual, PN_MANUAL_NEVER);
	assert_false(cfg.power.notify);
	assert_int_equal(cfg.power.n_app_rules, 0);
	pn_config_finish(&cfg);

	assert_int_equal(parse_ok(&cfg,
				 "{\"power\":{\"idle\":{\"after_s\":86400,"
				 "\"profile\":\"balanced\"},\"manual\":\"until-auto\"}}"),
		0);
	assert_int_equal(cfg.power.idle_after_s, 86400);
	assert_int_equal(cfg.power.idle_profile, PN_PROFILE_BALANCED);
	assert_int_equal(cfg.power.manual, PN_MANUAL_UNTIL_AUTO);
	pn_config_finish(&cfg);
}

static void test_polkit_options(void **state)
{
	struct pn_config cfg;
	assert_int_equal(
		parse_ok(&cfg,
			"{\"polkit\":{\"onepassword\":{\"enable\":false,"
			"\"op\":\"/usr/bin/op\",\"references\":{\"alice\":\"op://a/b/c\","
			"\"root\":\"op://Private/root login/section/password\"},\"timeout_s\":5,"
			"\"skip_actions\":[]},\"prompt\":{\"type\":\"command\",\"argv\":[\"fuzzel\","
			"\"--dmenu\",\"--password\"]}}}"),
		0);
	assert_false(cfg.polkit.op_enable);
	assert_string_equal(cfg.polkit.op_path, "/usr/bin/op");
	assert_int_equal(cfg.polkit.n_references, 2);
	assert_string_equal(cfg.polkit.references[1].user, "root");
	assert_string_equal(cfg.polkit.references[1].reference,
		"op://Private/root login/section/password");
	assert_int_equal(cfg.polkit.op_timeout_s, 5);
	assert_null(cfg.polkit.skip_actions[0]);
	assert_int_equal(cfg.polkit.prompt_type, PN_PROMPT_COMMAND);
	assert_string_equal(cfg.polkit.prompt_argv[0], "fuzzel");
	assert_string_equal(cfg.polkit.prompt_argv[2], "--password");
	assert_null(cfg.polkit.prompt_argv[3]);
	assert_int_equal(cfg.polkit.op_mode, PN_OP_APP);
	assert_null(cfg.polkit.op_token_file);
	/* Neither key given: 1Password fills every card it has a reference for. */
	assert_null(cfg.polkit.always_type);
	assert_null(cfg.polkit.fingerprint_first);
	pn_config_finish(&cfg);
	assert_int_equal(
		parse_ok(&cfg,
			"{\"polkit\":{\"always_type\":[\"org.freedesktop.systemd1.*\","
			"\"*.policykit.exec\"],\"onepassword\":{\"fingerprint_first\":[\"*\"]}}}"),
		0);
	assert_string_equal(cfg.polkit.always_type[0], "org.freedesktop.systemd1.*");
	assert_string_equal(cfg.polkit.always_type[1], "*.policykit.exec");
	assert_null(cfg.polkit.always_type[2]);
	assert_string_equal(cfg.polkit.fingerprint_first[0], "*");
	assert_null(cfg.polkit.fingerprint_first[1]);
	pn_config_finish(&cfg);
	assert_int_equal(
		parse_ok(&cfg,
			"{\"polkit\":{\"onepassword\":{\"mode\":"
			"\"service-account\",\"token_file\":\"$CREDENTIALS_DIRECTORY/op-token\","
			"\"account\":\"alice@example.com\"}}}"),
		0);
	assert_int_equal(cfg.polkit.op_mode, PN_OP_SERVICE_ACCOUNT);
	assert_string_equal(cfg.polkit.op_token_file, "$CREDENTIALS_DIRECTORY/op-token");
	assert_string_equal(cfg.polkit.op_account, "alice@example.com");
	pn_config_finish(&cfg);
}

static void test_onepassword_modes(void **state)
{
	struct pn_config cfg;
	pn_config_init(&cfg);
	assert_int_equal(cfg.polkit.op_mode, PN_OP_APP);
	assert_null(cfg.polkit.op_token_file);
	assert_null(cfg.polkit.op_account);

	assert_int_equal(parse_ok(&cfg,
				 "{\"polkit\":{\"onepassword\":{\"mode\":\"app\","
				 "\"account\":\"alice@example.com\"}}}"),
		0);
	assert_int_equal(cfg.polkit.op_mode, PN_OP_APP);
	assert_string_equal(cfg.polkit.op_account, "alice@example.com");
	pn_config_finish(&cfg);

	assert_int_equal(parse_ok(&cfg,
				 "{\"polkit\":{\"onepassword\":{\"mode\":"
				 "\"service-account\",\"token_file\":\"/run/agenix/op-token\"}}}"),
		0);
	assert_int_equal(cfg.polkit.op_mode, PN_OP_SERVICE_ACCOUNT);
	assert_string_equal(cfg.polkit.op_token_file, "/run/agenix/op-token");
	assert_string_equal(cfg.polkit.op_token_path, "/run/agenix/op-token");
	pn_config_finish(&cfg);

	/* A systemd credential: resolved when the file is read, if the unit has one. */
	const char *doc = "{\"polkit\":{\"onepassword\":{\"mode\":\"service-account\","
			  "\"token_file\":\"$CREDENTIALS_DIRECTORY/op-token\"}}}";
	setenv("CREDENTIALS_DIRECTORY", "/run/user/1000/credentials/panther-polkit-agent.service",
		1);
	assert_int_equal(parse_ok(&cfg, doc), 0);
	assert_string_equal(cfg.polkit.op_token_file, "$CREDENTIALS_DIRECTORY/op-token");
	assert_string_equal(cfg.polkit.op_token_path,
		"/run/user/1000/credentials/panther-polkit-agent.service/op-token");
	pn_config_finish(&cfg);
	unsetenv("CREDENTIALS_DIRECTORY");
	assert_int_equal(parse_ok(&cfg, doc), 0);
	assert_string_equal(cfg.polkit.op_token_file, "$CREDENTIALS_DIRECTORY/op-token");
	assert_null(cfg.polkit.op_token_path);
	pn_config_finish(&cfg);
}

static void test_wayland_prompt_with_fallback_command(void **state)
{
	struct pn_config cfg;
	assert_int_equal(parse_ok(&cfg,
				 "{\"polkit\":{\"prompt\":{\"type\":\"wayland\","
				 "\"argv\":[\"fuzzel\",\"--dmenu\"]}}}"),
		0);
	assert_int_equal(cfg.polkit.prompt_type, PN_PROMPT_WAYLAND);
	assert_string_equal(cfg.polkit.prompt_argv[0], "fuzzel");
	assert_null(cfg.polkit.prompt_argv[2]);
	pn_config_finish(&cfg);
}

static void test_session_options(void **state)
{
	struct pn_config cfg;
	/* "after" may name a service that comes later in the list. */
	assert_int_equal(
		parse_ok(&cfg,
			"{\"session\":{\"mode\":\"direct\",\"import_env\":[],"
			"\"target\":\"my-session.target\",\"niri_timeout_s\":30,\"services\":["
			"{\"name\":\"bar\",\"argv\":[\"waybar\"],\"after\":[\"shell\"],\"restart\":\"never\","
			"\"env\":{\"A\":\"1\",\"_b2\":\"x=y\",\"C\":\"\\\\u0000\"},"
			"\"ready\":{\"dbus_name\":\"org.example.Bar\"}},"
			"{\"name\":\"shell\",\"argv\":[\"dms\",\"run\"]}]}}"),
		0);
	const struct pn_session_config *s = &cfg.session;
	assert_int_equal(s->mode, PN_SESSION_DIRECT);
	assert_null(s->import_env[0]);
	assert_string_equal(s->target, "my-session.target");
	assert_int_equal(s->niri_timeout_s, 30);
	assert_int_equal(s->n_services, 2);
	assert_string_equal(s->services[0].after[0], "shell");
	assert_int_equal(s->services[0].restart, PN_RESTART_NEVER);
	assert_string_equal(s->services[0].env[0], "A=1");
	assert_string_equal(s->services[0].env[1], "_b2=x=y");
	/* An escaped backslash before u0000 is text, not a NUL. */
	assert_string_equal(s->services[0].env[2], "C=\\u0000");
	assert_null(s->services[0].env[3]);
	assert_string_equal(s->services[0].ready_dbus_name, "org.example.Bar");
	assert_int_equal(s->services[1].restart, PN_RESTART_ON_FAILURE);
	assert_null(s->services[1].after[0]);
	assert_null(s->services[1].env[0]);
	pn_config_finish(&cfg);

	assert_int_equal(parse_ok(&cfg, "{\"session\":{\"mode\":\"systemd\"}}"), 0);
	assert_int_equal(cfg.session.mode, PN_SESSION_SYSTEMD);
	pn_config_finish(&cfg);
}

/* The document is taken by length: an embedded NUL is not an end. */
static void test_embedded_nul(void **state)
{
	static const char doc[] = "{}\0{\"junk\":1}";
	struct pn_config cfg;
	char err[256];
	assert_int_equal(pn_config_parse(&cfg, "c.json", doc, sizeof(doc) - 1, err, sizeof(err)),
		-EINVAL);
	assert_string_equal(err,
		"c.json: line 1, column 3: invalid JSON: unexpected data after "
		"the end of the document");
	/* No error buffer is fine too. */
	assert_int_equal(pn_config_parse(&cfg, "c.json", "[]", 2, NULL, 0), -EINVAL);
	assert_defaults(&cfg);
}

static void test_profile_names(void **state)
{
	assert_string_equal(pn_profile_name(PN_PROFILE_POWER_SAVER), "power-saver");
	assert_string_equal(pn_profile_name(PN_PROFILE_BALANCED), "balanced");
	assert_string_equal(pn_profile_name(PN_PROFILE_PERFORMANCE), "performance");
	assert_string_equal(pn_profile_name(PN_PROFILE_NONE), "none");
	assert_int_equal(pn_profile_from_name("power-saver"), PN_PROFILE_POWER_SAVER);
	assert_int_equal(pn_profile_from_name("performance"), PN_PROFILE_PERFORMANCE);
	assert_int_equal(pn_profile_from_name("Performance"), PN_PROFILE_NONE);
	assert_int_equal(pn_profile_from_name("none"), PN_PROFILE_NONE);
	assert_int_equal(pn_profile_from_name(NULL), PN_PROFILE_NONE);
}

/* Files */

int main(void)
{
	size_t n_bad = sizeof(bad_docs) / sizeof(bad_docs[0]);
	const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_design_example),
		cmocka_unit_test(test_empty_object_gives_defaults),
		cmocka_unit_test(test_host_defaults),
		cmocka_unit_test(test_power_options),
		cmocka_unit_test(test_polkit_options),
		cmocka_unit_test(test_onepassword_modes),
		cmocka_unit_test(test_wayland_prompt_with_fallback_command),
		cmocka_unit_test(test_session_options),
		cmocka_unit_test(test_embedded_nul),
		cmocka_unit_test(test_profile_names),
	};
	size_t n_fixed = sizeof(fixed) / sizeof(fixed[0]);
	struct CMUnitTest *tests = calloc(n_bad + n_fixed, sizeof(*tests));
	if (!tests)
		return 1;
	for (size_t i = 0; i < n_bad; i++) {
		tests[i] = (struct CMUnitTest){
			.name = bad_docs[i].name,
			.test_func = test_bad_document,
			.initial_state = (void *)&bad_docs[i],
		};
	}
	memcpy(tests + n_bad, fixed, sizeof(fixed));
	int failed = _cmocka_run_group_tests("config", tests, n_bad + n_fixed, NULL, NULL);
	free(tests);
	return failed;
}
