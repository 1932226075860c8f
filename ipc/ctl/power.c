/*
 * pantherctl power: through org.pantheros.Power1 on the session bus when
 * panther-powerd runs (so a choice is recorded as manual), else straight to
 * power-profiles-daemon on the system bus. Blocking libdbus calls with short
 * timeouts: this runs from keybinds.
 */
#include <dbus/dbus.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctl.h"
#include "panther/bus-names.h"
#include "panther/config.h"
#include "policy.h"
#include "ppd.h"

#define CALL_TIMEOUT_MS 3000

struct power {
	struct ctl *ctl;
	DBusConnection *session;
	DBusConnection *system; /* connected on first use: only without panther-powerd */
	bool system_tried;
	bool powerd; /* org.pantheros.Power1 answered */
	bool powerd_asked;
	const struct ppd_name *ppd; /* the ppd name that answered */
};

/* What a reading command shows. */
struct power_info {
	enum pn_profile active;
	unsigned offered;
	bool manual;
	bool on_battery;
	char backend[64];
	bool custom; /* asusd's Custom: none of the three */
	/* Only for status (extra set): JSON arrays, freed by info_finish(). */
	bool extra;
	struct json_object *holds; /* [{"profile", "application_id", "reason"}] */
	struct json_object *warnings; /* ["..."] */
	char degraded[128];
};

static void info_init(struct power_info *info)
{
	*info = (struct power_info){.active = PN_PROFILE_NONE};
}

static void info_finish(struct power_info *info)
{
	json_object_put(info->holds);
	json_object_put(info->warnings);
}

/* ---- calls ---- */

static DBusConnection *connect_bus(DBusBusType type)
{
	DBusError err;
	dbus_error_init(&err);
	DBusConnection *conn = dbus_bus_get_private(type, &err);
	dbus_error_free(&err);
	if (conn)
		dbus_connection_set_exit_on_disconnect(conn, FALSE);
	return conn;
}

static void disconnect_bus(DBusConnection *conn)
{
	if (!conn)
		return;
	dbus_connection_close(conn);
	dbus_connection_unref(conn);
}

static bool absent(const DBusError *err)
{
	return dbus_error_has_name(err, DBUS_ERROR_SERVICE_UNKNOWN) ||
		dbus_error_has_name(err, DBUS_ERROR_NAME_HAS_NO_OWNER);
}

/* Sends msg (consumed) and waits; NULL with err set on failure. */
static DBusMessage *call(DBusConnection *conn, DBusMessage *msg, DBusError *err)
{
	if (!msg) {
		dbus_set_error_const(err, DBUS_ERROR_NO_MEMORY, "out of memory");
		return NULL;
	}
	dbus_message_set_auto_start(msg, FALSE);
	DBusMessage *reply = dbus_connection_send_with_reply_and_block(conn, msg, CALL_TIMEOUT_MS,
		err);
	dbus_message_unref(msg);
	return reply;
}

/*
 * A Power1 method call. Returns the reply; NULL with err set on failure,
 * and with p->powerd false when panther-powerd is not running.
 */
static DBusMessage *powerd_call(struct power *p, DBusMessage *msg, DBusError *err)
{
	if (!p->session || (p->powerd_asked && !p->powerd)) {
		if (msg)
			dbus_message_unref(msg);
		dbus_set_error_const(err, DBUS_ERROR_SERVICE_UNKNOWN, "no session bus");
		p->powerd = false;
		return NULL;
	}
	DBusMessage *reply = call(p->session, msg, err);
	p->powerd = reply || !absent(err);
	p->powerd_asked = true;
	return reply;
}

/* panther-powerd's own errors already say what is available; others name it. */
static void powerd_error(const DBusError *err)
{
	if (err->name && strncmp(err->name, PN_POWER1_NAME ".", strlen(PN_POWER1_NAME ".")) == 0)
		ctl_error("power: %s", err->message);
	else
		ctl_error("power: panther-powerd: %s", ctl_bus_error(err));
}

static DBusMessage *new_get_all(const char *dest, const char *path, const char *iface)
{
	DBusMessage *msg = dbus_message_new_method_call(dest, path, DBUS_INTERFACE_PROPERTIES,
		"GetAll");
	if (msg && !dbus_message_append_args(msg, DBUS_TYPE_STRING, &iface, DBUS_TYPE_INVALID)) {
		dbus_message_unref(msg);
		return NULL;
	}
	return msg;
}

static DBusConnection *system_bus(struct power *p)
{
	if (!p->system_tried) {
		p->system_tried = true;
		p->system = connect_bus(DBUS_BUS_SYSTEM);
	}
	return p->system;
}

/* GetAll on ppd, trying the new name first. */
static DBusMessage *ppd_get_all(struct power *p, DBusError *err)
{
	if (!system_bus(p)) {
		dbus_set_error_const(err, DBUS_ERROR_NO_SERVER, "cannot connect to the system bus");
		return NULL;
	}
	for (size_t i = 0; i < PPD_N_NAMES; i++) {
		if (p->ppd && p->ppd != &ppd_names[i])
			continue;
		dbus_error_free(err);
		DBusMessage *reply = call(p->system,
			new_get_all(ppd_names[i].name, ppd_names[i].path, ppd_names[i].name), err);
		if (reply) {
			p->ppd = &ppd_names[i];
			return reply;
		}
		if (!absent(err))
			return NULL;
	}
	return NULL;
}

/* ---- reading replies ---- */

static const char *iter_string(DBusMessageIter *value)
{
	if (dbus_message_iter_get_arg_type(value) != DBUS_TYPE_STRING)
		return NULL;
	const char *s;
	dbus_message_iter_get_basic(value, &s);
	return s;
}

/* as (Power1) or aa{sv} with "Profile" entries (ppd). */
static unsigned read_profiles(DBusMessageIter *value)
{
	unsigned offered = 0;
	DBusMessageIter items;
	if (dbus_message_iter_get_arg_type(value) != DBUS_TYPE_ARRAY)
		return 0;
	dbus_message_iter_recurse(value, &items);
	for (; dbus_message_iter_get_arg_type(&items) != DBUS_TYPE_INVALID;
		dbus_message_iter_next(&items)) {
		const char *name = iter_string(&items);
		if (dbus_message_iter_get_arg_type(&items) == DBUS_TYPE_ARRAY) {
			DBusMessageIter entries;
			dbus_message_iter_recurse(&items, &entries);
			for (; dbus_message_iter_get_arg_type(&entries) == DBUS_TYPE_DICT_ENTRY;
				dbus_message_iter_next(&entries)) {
				DBusMessageIter entry, v;
				dbus_message_iter_recurse(&entries, &entry);
				const char *key = iter_string(&entry);
				if (!key || strcmp(key, "Profile") != 0 ||
					!dbus_message_iter_next(&entry))
					continue;
				dbus_message_iter_recurse(&entry, &v);
				name = iter_string(&v);
			}
		}
		enum pn_profile profile = pn_profile_from_name(name);
		if (profile != PN_PROFILE_NONE)
			offered |= POLICY_BIT(profile);
	}
	return offered;
}

static void add_hold(struct power_info *info, const char *profile, const char *app_id,
	const char *reason)
{
	struct json_object *hold = json_object_new_object();
	json_object_object_add(hold, "profile", json_object_new_string(profile ? profile : ""));
	json_object_object_add(hold, "application_id",
		json_object_new_string(app_id ? app_id : ""));
	json_object_object_add(hold, "reason", json_object_new_string(reason ? reason : ""));
	json_object_array_add(info->holds, hold);
}

/* Power1's Holds a(sss) or ppd's ActiveProfileHolds aa{sv}. */
static void read_holds(DBusMessageIter *value, struct power_info *info)
{
	DBusMessageIter items;
	if (dbus_message_iter_get_arg_type(value) != DBUS_TYPE_ARRAY)
		return;
	dbus_message_iter_recurse(value, &items);
	for (; dbus_message_iter_get_arg_type(&items) != DBUS_TYPE_INVALID;
		dbus_message_iter_next(&items)) {
		const char *field[3] = {NULL, NULL, NULL}; /* profile, app id, reason */
		DBusMessageIter inner;
		int type = dbus_message_iter_get_arg_type(&items);
		if (type != DBUS_TYPE_STRUCT && type != DBUS_TYPE_ARRAY)
			continue;
		dbus_message_iter_recurse(&items, &inner);
		for (size_t i = 0; type == DBUS_TYPE_STRUCT && i < 3; i++) {
			field[i] = iter_string(&inner);
			dbus_message_iter_next(&inner);
		}
		for (; type == DBUS_TYPE_ARRAY &&
			dbus_message_iter_get_arg_type(&inner) == DBUS_TYPE_DICT_ENTRY;
			dbus_message_iter_next(&inner)) {
			static const char *const keys[3] = {"Profile", "ApplicationId", "Reason"};
			DBusMessageIter entry, v;
			dbus_message_iter_recurse(&inner, &entry);
			const char *key = iter_string(&entry);
			if (!key || !dbus_message_iter_next(&entry))
				continue;
			dbus_message_iter_recurse(&entry, &v);
			for (size_t i = 0; i < 3; i++) {
				if (strcmp(key, keys[i]) == 0)
					field[i] = iter_string(&v);
			}
		}
		add_hold(info, field[0], field[1], field[2]);
	}
}

static void read_strings(DBusMessageIter *value, struct json_object *array)
{
	DBusMessageIter items;
	if (dbus_message_iter_get_arg_type(value) != DBUS_TYPE_ARRAY)
		return;
	dbus_message_iter_recurse(value, &items);
	for (; dbus_message_iter_get_arg_type(&items) == DBUS_TYPE_STRING;
		dbus_message_iter_next(&items))
		json_object_array_add(array, json_object_new_string(iter_string(&items)));
}

/* Fills info from a GetAll reply of Power1 or ppd. */
static bool read_info(DBusMessage *reply, struct power_info *info)
{
	DBusMessageIter args, dict;
	if (!dbus_message_iter_init(reply, &args) ||
		dbus_message_iter_get_arg_type(&args) != DBUS_TYPE_ARRAY)
		return false;
	dbus_message_iter_recurse(&args, &dict);
	for (; dbus_message_iter_get_arg_type(&dict) == DBUS_TYPE_DICT_ENTRY;
		dbus_message_iter_next(&dict)) {
		DBusMessageIter entry, value;
		dbus_message_iter_recurse(&dict, &entry);
		const char *key = iter_string(&entry);
		if (!key || !dbus_message_iter_next(&entry) ||
			dbus_message_iter_get_arg_type(&entry) != DBUS_TYPE_VARIANT)
			continue;
		dbus_message_iter_recurse(&entry, &value);
		const char *s = iter_string(&value);
		if (strcmp(key, "ActiveProfile") == 0) {
			info->active = pn_profile_from_name(s);
			info->custom = s && strcmp(s, "custom") == 0;
		} else if (info->extra &&
			(strcmp(key, "Holds") == 0 || strcmp(key, "ActiveProfileHolds") == 0)) {
			read_holds(&value, info);
		} else if (info->extra && strcmp(key, "Warnings") == 0) {
			read_strings(&value, info->warnings);
		} else if (strcmp(key, "PerformanceDegraded") == 0 && s) {
			snprintf(info->degraded, sizeof(info->degraded), "%s", s);
		} else if (strcmp(key, "Profiles") == 0) {
			info->offered = read_profiles(&value);
		} else if (strcmp(key, "Mode") == 0 && s) {
			info->manual = strcmp(s, "manual") == 0;
		} else if (strcmp(key, "Backend") == 0 && s) {
			snprintf(info->backend, sizeof(info->backend), "%s", s);
		} else if (strcmp(key, "OnBattery") == 0 &&
			dbus_message_iter_get_arg_type(&value) == DBUS_TYPE_BOOLEAN) {
			dbus_bool_t b;
			dbus_message_iter_get_basic(&value, &b);
			info->on_battery = b;
		}
	}
	return true;
}

/*
 * The state, from panther-powerd or else from ppd. 0, or CTL_FAILED after
 * printing why.
 */
static int fetch_info(struct power *p, struct power_info *info)
{
	DBusError err;
	dbus_error_init(&err);
	DBusMessage *reply = powerd_call(p,
		new_get_all(PN_POWER1_NAME, PN_POWER1_PATH, PN_POWER1_NAME), &err);
	if (!reply && !p->powerd) {
		dbus_error_free(&err);
		reply = ppd_get_all(p, &err);
		if (reply)
			snprintf(info->backend, sizeof(info->backend), "power-profiles-daemon");
	}
	if (!reply) {
		if (p->powerd)
			ctl_error("power: panther-powerd: %s", ctl_bus_error(&err));
		else if (absent(&err))
			ctl_error(
				"power: neither panther-powerd nor power-profiles-daemon is running");
		else
			ctl_error("power: power-profiles-daemon: %s", ctl_bus_error(&err));
		dbus_error_free(&err);
		return CTL_FAILED;
	}
	bool ok = read_info(reply, info);
	dbus_message_unref(reply);
	if (!ok) {
		ctl_error("power: unexpected reply to GetAll");
		return CTL_FAILED;
	}
	return CTL_OK;
}

static int get_info(struct power *p, struct power_info *info)
{
	info_init(info);
	return fetch_info(p, info);
}

/* get_info() with the holds, warnings and degradation that status shows. */
static int get_info_extra(struct power *p, struct power_info *info)
{
	info_init(info);
	info->extra = true;
	info->holds = json_object_new_array();
	info->warnings = json_object_new_array();
	return fetch_info(p, info);
}

/* ---- output ---- */

static struct json_object *profiles_json(unsigned offered)
{
	struct json_object *array = json_object_new_array();
	for (int i = 0; i < PN_PROFILE_COUNT; i++) {
		if (offered & POLICY_BIT(i)) {
			json_object_array_add(array,
				json_object_new_string(pn_profile_name((enum pn_profile)i)));
		}
	}
	return array;
}

static struct json_object *profile_json(enum pn_profile profile)
{
	const char *name = pn_profile_name(profile);
	return name ? json_object_new_string(name) : NULL;
}

static void print_json(struct json_object *obj)
{
	puts(json_object_to_json_string_ext(obj,
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(obj);
}

static const char *profile_or_unknown(enum pn_profile profile)
{
	const char *name = pn_profile_name(profile);
	return name ? name : "unknown";
}

/* The active profile's name: asusd's Custom is "custom". */
static const char *active_name(const struct power_info *info)
{
	return info->custom ? "custom" : profile_or_unknown(info->active);
}

/* get and list need a profile to show. */
static int get_profile_info(struct power *p, struct power_info *info)
{
	int r = get_info(p, info);
	if (r == CTL_OK && !info->offered) {
		ctl_error(
			"power: no power profile backend: neither power-profiles-daemon nor asusd is running");
		return CTL_FAILED;
	}
	return r;
}

/* One profile: its name, or {"profile": NAME} with --json. */
static void print_profile_name(struct power *p, const char *name)
{
	if (p->ctl->json) {
		struct json_object *obj = json_object_new_object();
		json_object_object_add(obj, "profile", json_object_new_string(name));
		print_json(obj);
	} else {
		puts(name);
	}
}

static void print_profile(struct power *p, enum pn_profile profile)
{
	print_profile_name(p, profile_or_unknown(profile));
}

static int cmd_get(struct power *p)
{
	struct power_info info;
	int r = get_profile_info(p, &info);
	if (r == CTL_OK)
		print_profile_name(p, active_name(&info));
	return r;
}

static int cmd_list(struct power *p)
{
	struct power_info info;
	int r = get_profile_info(p, &info);
	if (r != CTL_OK)
		return r;
	if (p->ctl->json) {
		struct json_object *obj = json_object_new_object();
		json_object_object_add(obj, "profiles", profiles_json(info.offered));
		json_object_object_add(obj, "active", profile_json(info.active));
		print_json(obj);
		return CTL_OK;
	}
	for (int i = 0; i < PN_PROFILE_COUNT; i++) {
		if (info.offered & POLICY_BIT(i))
			printf("%s %s\n", info.active == (enum pn_profile)i ? "*" : " ",
				pn_profile_name((enum pn_profile)i));
	}
	return CTL_OK;
}

/* "holds: PROFILE by APP (REASON)", one line per hold, or nothing. */
static void print_holds(struct json_object *holds)
{
	for (size_t i = 0; i < json_object_array_length(holds); i++) {
		struct json_object *hold = json_object_array_get_idx(holds, i), *v;
		const char *field[3] = {"", "", ""};
		static const char *const keys[3] = {"profile", "application_id", "reason"};
		for (size_t k = 0; k < 3; k++) {
			if (json_object_object_get_ex(hold, keys[k], &v))
				field[k] = json_object_get_string(v);
		}
		printf("%s%s held by %s%s%s%s\n", i ? "       " : "holds: ", field[0],
			field[1][0] ? field[1] : "a program", field[2][0] ? " (" : "", field[2],
			field[2][0] ? ")" : "");
	}
}

static int cmd_status(struct power *p)
{
	struct power_info info;
	int r = get_info_extra(p, &info);
	if (r != CTL_OK) {
		info_finish(&info);
		return r;
	}
	char list[64];
	policy_format_profiles(info.offered, list, sizeof(list));
	if (p->ctl->json) {
		struct json_object *obj = json_object_new_object();
		json_object_object_add(obj, "profile", json_object_new_string(active_name(&info)));
		json_object_object_add(obj, "profiles", profiles_json(info.offered));
		json_object_object_add(obj, "backend", json_object_new_string(info.backend));
		json_object_object_add(obj, "powerd", json_object_new_boolean(p->powerd));
		if (p->powerd) {
			json_object_object_add(obj, "mode",
				json_object_new_string(info.manual ? "manual" : "auto"));
			json_object_object_add(obj, "on_battery",
				json_object_new_boolean(info.on_battery));
		}
		json_object_object_add(obj, "holds", json_object_get(info.holds));
		json_object_object_add(obj, "performance_degraded",
			json_object_new_string(info.degraded));
		if (p->powerd)
			json_object_object_add(obj, "warnings", json_object_get(info.warnings));
		print_json(obj);
		info_finish(&info);
		return CTL_OK;
	}
	printf("profile: %s\n", active_name(&info));
	printf("profiles: %s\n", list);
	printf("backend: %s\n", info.backend[0] ? info.backend : "none");
	if (p->powerd) {
		printf("mode: %s\n", info.manual ? "manual" : "auto");
		printf("power: %s\n", info.on_battery ? "battery" : "AC");
	}
	print_holds(info.holds);
	if (info.degraded[0])
		printf("performance degraded: %s\n", info.degraded);
	if (p->powerd) {
		printf("panther-powerd: running\n");
		for (size_t i = 0; i < json_object_array_length(info.warnings); i++)
			printf("warning: %s\n",
				json_object_get_string(
					json_object_array_get_idx(info.warnings, i)));
	} else {
		printf("panther-powerd: not running (talking to %s)\n", p->ppd->name);
	}
	info_finish(&info);
	return CTL_OK;
}

/* ---- switching ---- */

/* Prints the one line for a profile that is not offered. */
static void not_offered(const char *name, unsigned offered)
{
	char list[64];
	policy_format_profiles(offered, list, sizeof(list));
	ctl_error("power: %s profile \"%s\" (available: %s)",
		pn_profile_from_name(name) == PN_PROFILE_NONE ? "unknown" : "unavailable", name,
		list);
}

/* Sets ActiveProfile on ppd directly; info says what it offers. */
static int ppd_set(struct power *p, enum pn_profile profile, const struct power_info *info)
{
	const char *name = pn_profile_name(profile);
	if (!(info->offered & POLICY_BIT(profile))) {
		not_offered(name, info->offered);
		return CTL_FAILED;
	}
	DBusMessage *msg = dbus_message_new_method_call(p->ppd->name, p->ppd->path,
		DBUS_INTERFACE_PROPERTIES, "Set");
	if (!msg)
		return CTL_FAILED;
	const char *iface = p->ppd->name, *prop = "ActiveProfile";
	DBusMessageIter args, variant;
	dbus_message_iter_init_append(msg, &args);
	dbus_message_iter_append_basic(&args, DBUS_TYPE_STRING, &iface);
	dbus_message_iter_append_basic(&args, DBUS_TYPE_STRING, &prop);
	dbus_message_iter_open_container(&args, DBUS_TYPE_VARIANT, "s", &variant);
	dbus_message_iter_append_basic(&variant, DBUS_TYPE_STRING, &name);
	dbus_message_iter_close_container(&args, &variant);
	DBusError err;
	dbus_error_init(&err);
	DBusMessage *reply = call(p->system, msg, &err);
	if (!reply) {
		ctl_error("power: power-profiles-daemon refused %s: %s", name, ctl_bus_error(&err));
		dbus_error_free(&err);
		return CTL_FAILED;
	}
	dbus_message_unref(reply);
	return CTL_OK;
}

/* The next profile of the cycle for ppd alone: power.cycle from the config, else ppd's order. */
static enum pn_profile next_in_cycle(struct power *p, const struct power_info *info)
{
	struct pn_config cfg;
	char err[256];
	if (pn_config_load(&cfg, p->ctl->config_path, NULL, err, sizeof(err)) < 0)
		return policy_next_in_cycle(NULL, info->offered, info->active);
	enum pn_profile next = policy_next_in_cycle(&cfg.power, info->offered, info->active);
	pn_config_finish(&cfg);
	return next;
}

/* Set(profile) or Cycle() on Power1; false when panther-powerd is not running. */
static bool powerd_switch(struct power *p, const char *method, const char *name, int *status)
{
	DBusMessage *msg = dbus_message_new_method_call(PN_POWER1_NAME, PN_POWER1_PATH,
		PN_POWER1_NAME, method);
	if (msg && name)
		dbus_message_append_args(msg, DBUS_TYPE_STRING, &name, DBUS_TYPE_INVALID);
	DBusError err;
	dbus_error_init(&err);
	DBusMessage *reply = powerd_call(p, msg, &err);
	if (!p->powerd) {
		dbus_error_free(&err);
		return false;
	}
	if (!reply) {
		powerd_error(&err);
		dbus_error_free(&err);
		*status = CTL_FAILED;
		return true;
	}
	const char *profile;
	if (strcmp(method, "Cycle") == 0 &&
		dbus_message_get_args(reply, NULL, DBUS_TYPE_STRING, &profile, DBUS_TYPE_INVALID))
		print_profile(p, pn_profile_from_name(profile));
	dbus_message_unref(reply);
	*status = CTL_OK;
	return true;
}

static int cmd_set(struct power *p, const char *name)
{
	int status;
	if (powerd_switch(p, "Set", name, &status))
		return status;
	struct power_info info;
	if ((status = get_info(p, &info)) != CTL_OK)
		return status;
	enum pn_profile profile = pn_profile_from_name(name);
	if (profile == PN_PROFILE_NONE) {
		not_offered(name, info.offered);
		return CTL_FAILED;
	}
	return ppd_set(p, profile, &info);
}

static int cmd_cycle(struct power *p)
{
	int status;
	if (powerd_switch(p, "Cycle", NULL, &status))
		return status;
	struct power_info info;
	if ((status = get_info(p, &info)) != CTL_OK)
		return status;
	enum pn_profile next = next_in_cycle(p, &info);
	if (next == PN_PROFILE_NONE) {
		char list[64];
		policy_format_profiles(info.offered, list, sizeof(list));
		ctl_error("power: no profile of the cycle is available (available: %s)", list);
		return CTL_FAILED;
	}
	if ((status = ppd_set(p, next, &info)) != CTL_OK)
		return status;
	print_profile(p, next);
	return CTL_OK;
}

static int cmd_auto(struct power *p)
{
	DBusError err;
	dbus_error_init(&err);
	DBusMessage *reply = powerd_call(p,
		dbus_message_new_method_call(PN_POWER1_NAME, PN_POWER1_PATH, PN_POWER1_NAME,
			"Auto"),
		&err);
	if (reply) {
		dbus_message_unref(reply);
		return CTL_OK;
	}
	if (p->powerd)
		powerd_error(&err);
	else
		ctl_error("power: auto needs panther-powerd, which is not running");
	dbus_error_free(&err);
	return CTL_FAILED;
}

static const char power_usage[] =
	"usage: pantherctl power get | list | set PROFILE | cycle | auto | status [--json]";

int ctl_power(struct ctl *ctl, int argc, char **argv)
{
	if (argc < 2) {
		ctl_error("%s", power_usage);
		return CTL_USAGE;
	}
	const char *cmd = argv[1];
	int want_args = strcmp(cmd, "set") == 0 ? 3 : 2;
	static const char *const commands[] = {"get", "list", "set", "cycle", "auto", "status",
		NULL};
	bool known = false;
	for (size_t i = 0; commands[i]; i++)
		known = known || strcmp(cmd, commands[i]) == 0;
	if (!known) {
		ctl_error("power: unknown command \"%s\" (%s)", cmd, power_usage);
		return CTL_USAGE;
	}
	if (argc != want_args) {
		ctl_error("power %s: %s", cmd,
			want_args == 3 ? "needs one PROFILE (power-saver, balanced, performance)"
				       : "takes no arguments");
		return CTL_USAGE;
	}

	struct power p = {.ctl = ctl};
	p.session = ctl_have_session_bus() ? connect_bus(DBUS_BUS_SESSION) : NULL;
	int status;
	if (strcmp(cmd, "get") == 0)
		status = cmd_get(&p);
	else if (strcmp(cmd, "list") == 0)
		status = cmd_list(&p);
	else if (strcmp(cmd, "status") == 0)
		status = cmd_status(&p);
	else if (strcmp(cmd, "set") == 0)
		status = cmd_set(&p, argv[2]);
	else if (strcmp(cmd, "cycle") == 0)
		status = cmd_cycle(&p);
	else
		status = cmd_auto(&p);
	disconnect_bus(p.session);
	disconnect_bus(p.system);
	return status;
}
