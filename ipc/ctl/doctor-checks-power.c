/*
 * doctor: power. Reads the outside facts itself (ppd and asusd on the
 * system bus, DMS's settings.json, asusd.ron), then panther-powerd.
 */
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dms.h"
#include "doctor.h"
#include "panther/bus-names.h"
#include "panther/util.h"
#include "ppd.h"

/* A ppd property; the reply (unref it) with *value inside, or NULL. */
static DBusMessage *ppd_property(struct doctor *d, const char *prop, DBusMessageIter *value)
{
	if (!d->ppd_name[0])
		return NULL;
	DBusError err;
	dbus_error_init(&err);
	DBusMessage *reply = doctor_get_property(d, doctor_system_bus(d), d->ppd_name, d->ppd_path,
		d->ppd_name, prop, value, &err);
	dbus_error_free(&err);
	return reply;
}

static void probe_backend(struct doctor *d)
{
	DBusConnection *bus = doctor_system_bus(d);
	if (!bus) {
		doctor_say(d, DOCTOR_FAIL, "is dbus running? (systemctl status dbus)",
			"no system bus");
		return;
	}
	for (size_t i = 0; i < PPD_N_NAMES && !d->ppd_name[0]; i++) {
		if (doctor_has_owner(d, bus, ppd_names[i].name)) {
			snprintf(d->ppd_name, sizeof(d->ppd_name), "%s", ppd_names[i].name);
			snprintf(d->ppd_path, sizeof(d->ppd_path), "%s", ppd_names[i].path);
		}
	}
	d->asusd_present = doctor_has_owner(d, bus, PN_ASUSD_NAME);
	if (d->ppd_name[0]) {
		char version[64];
		DBusError err;
		dbus_error_init(&err);
		if (!doctor_get_string(d, bus, d->ppd_name, d->ppd_path, d->ppd_name, "Version",
			    version, sizeof(version), &err))
			snprintf(version, sizeof(version), "before 0.20");
		dbus_error_free(&err);
		doctor_say(d, DOCTOR_OK, NULL, "power-profiles-daemon %s as %s%s", version,
			d->ppd_name, d->asusd_present ? "; asusd runs too" : "");
	} else if (d->asusd_present) {
		doctor_say(d, DOCTOR_OK, NULL, "asusd as %s (no power-profiles-daemon)",
			PN_ASUSD_NAME);
	} else {
		doctor_say(d, DOCTOR_FAIL, NULL,
			"neither power-profiles-daemon nor asusd is on the system bus: profiles cannot change");
	}
}

/* The string value of key in the a{sv} at item, or NULL. */
static const char *dict_string(DBusMessageIter *item, const char *key)
{
	DBusMessageIter dict, entry, v;
	dbus_message_iter_recurse(item, &dict);
	for (; dbus_message_iter_get_arg_type(&dict) == DBUS_TYPE_DICT_ENTRY;
		dbus_message_iter_next(&dict)) {
		const char *name, *s;
		dbus_message_iter_recurse(&dict, &entry);
		if (dbus_message_iter_get_arg_type(&entry) != DBUS_TYPE_STRING)
			continue;
		dbus_message_iter_get_basic(&entry, &name);
		dbus_message_iter_next(&entry);
		dbus_message_iter_recurse(&entry, &v);
		if (strcmp(name, key) != 0 ||
			dbus_message_iter_get_arg_type(&v) != DBUS_TYPE_STRING)
			continue;
		dbus_message_iter_get_basic(&v, &s);
		return s;
	}
	return NULL;
}

/* Appends "KEY (EXTRA)" of each a{sv} in an aa{sv} to out, comma separated. */
static void list_field(DBusMessageIter *value, const char *key, const char *extra, char *out,
	size_t len)
{
	DBusMessageIter array;
	size_t o = strlen(out);
	if (dbus_message_iter_get_arg_type(value) != DBUS_TYPE_ARRAY)
		return;
	dbus_message_iter_recurse(value, &array);
	for (; dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_ARRAY;
		dbus_message_iter_next(&array)) {
		const char *found = dict_string(&array, key);
		const char *more = extra ? dict_string(&array, extra) : NULL;
		if (o + 80 < len)
			o += (size_t)snprintf(out + o, len - o, "%s%s%s%s%s", o ? ", " : "",
				found ? found : "?", more ? " (" : "", more ? more : "",
				more ? ")" : "");
	}
}

static void probe_profiles(struct doctor *d)
{
	DBusMessageIter value;
	DBusMessage *reply = ppd_property(d, "Profiles", &value);
	if (!reply)
		return;
	char list[512] = "";
	list_field(&value, "Profile", "Driver", list, sizeof(list));
	dbus_message_unref(reply);
	if (!strstr(list, "performance"))
		doctor_say(d, DOCTOR_OK, NULL, "offered: %s (no performance: the driver has none)",
			list);
	else
		doctor_say(d, DOCTOR_OK, NULL, "offered: %s", list);
}

/* Holds by other programs are worth knowing; panther-powerd's own are its policy. */
static void probe_holds(struct doctor *d)
{
	DBusMessageIter value;
	DBusMessage *reply = ppd_property(d, "ActiveProfileHolds", &value);
	if (!reply)
		return;
	char others[512] = "", profiles[512] = "", own[512] = "";
	size_t n_others = 0, n_profiles = 0, n_own = 0;
	DBusMessageIter array;
	if (dbus_message_iter_get_arg_type(&value) == DBUS_TYPE_ARRAY) {
		dbus_message_iter_recurse(&value, &array);
		for (; dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_ARRAY;
			dbus_message_iter_next(&array)) {
			const char *app = dict_string(&array, "ApplicationId");
			const char *profile = dict_string(&array, "Profile");
			const char *reason = dict_string(&array, "Reason");
			bool ours = app && strcmp(app, "panther-powerd") == 0;
			char *out = ours ? own : others;
			size_t *o = ours ? &n_own : &n_others;
			const char *who = ours ? profile : app;
			if (*o + 80 < sizeof(others))
				*o += (size_t)snprintf(out + *o, sizeof(others) - *o, "%s%s%s%s%s",
					*o ? ", " : "", who ? who : "?", reason ? " (" : "",
					reason ? reason : "", reason ? ")" : "");
			if (!ours && n_profiles + 40 < sizeof(profiles))
				n_profiles += (size_t)snprintf(profiles + n_profiles,
					sizeof(profiles) - n_profiles, "%s%s",
					n_profiles ? ", " : "", profile ? profile : "?");
		}
	}
	dbus_message_unref(reply);
	if (others[0])
		doctor_say(d, DOCTOR_WARN, NULL, "held: %s by %s%s%s", profiles, others,
			own[0] ? "; panther-powerd holds " : "", own);
	else if (own[0])
		doctor_say(d, DOCTOR_OK, NULL, "panther-powerd holds %s", own);
	else
		doctor_say(d, DOCTOR_OK, NULL, "no program holds a profile");
}

static void probe_degraded(struct doctor *d)
{
	DBusMessageIter value;
	DBusMessage *reply = ppd_property(d, "PerformanceDegraded", &value);
	if (!reply)
		return;
	const char *why = "";
	if (dbus_message_iter_get_arg_type(&value) == DBUS_TYPE_STRING)
		dbus_message_iter_get_basic(&value, &why);
	if (why[0])
		doctor_say(d, DOCTOR_WARN, NULL, "performance is degraded: %s", why);
	else
		doctor_say(d, DOCTOR_OK, NULL, "performance is not degraded");
	dbus_message_unref(reply);
}

/* panther-powerd's own check (power/dms.c), so the two cannot disagree. */
static void probe_dms_settings(struct doctor *d)
{
	char path[PATH_MAX], problem[512], switching[256];
	bool missing;
	if (!dms_settings_path(path, sizeof(path)))
		return;
	struct json_object *settings = dms_read_settings(path, &missing, problem, sizeof(problem));
	if (!settings) {
		if (!missing)
			doctor_say(d, DOCTOR_WARN, "let DMS write it again (change a setting)",
				"%s", problem);
		return;
	}
	dms_describe_switching(settings, switching, sizeof(switching));
	json_object_put(settings);
	if (switching[0])
		doctor_say(d, DOCTOR_FAIL, NULL,
			"DMS switches profiles itself (%s): it fights panther-powerd", switching);
	else
		doctor_say(d, DOCTOR_OK, NULL, "DMS leaves power profiles alone");
}

/* Which power OSD shows: panther-powerd's bubble, or DMS's (power/dms.c decides). */
static void probe_dms_osd(struct doctor *d)
{
	char path[PATH_MAX], problem[512];
	bool missing;
	struct json_object *settings = dms_settings_path(path, sizeof(path))
		? dms_read_settings(path, &missing, problem, sizeof(problem))
		: NULL;
	if (!settings)
		return; /* missing: no DMS OSD to stand in; unreadable: power.dms says so */
	bool osd = dms_settings_osd(settings);
	json_object_put(settings);
	if (osd && d->config.power.notify)
		doctor_say(d, DOCTOR_WARN, dms_osd_fix,
			"DMS shows its own power profile OSD (osdPowerProfileEnabled in %s): "
			"panther-powerd sends no bubble",
			path);
	else if (osd)
		doctor_say(d, DOCTOR_OK, NULL,
			"DMS's OSD shows profile changes (power.notify is off)");
	else if (d->config.power.notify)
		doctor_say(d, DOCTOR_OK, NULL, "panther-powerd's bubble is the power OSD");
	else
		doctor_say(d, DOCTOR_OK, NULL, "no power OSD (power.notify is off, and DMS's too)");
}

/* A boolean key of asusd.ron: 1, 0, or -1 when absent. */
static int ron_bool(const char *text, const char *key)
{
	size_t n = strlen(key);
	for (const char *p = strstr(text, key); p; p = strstr(p + 1, key)) {
		const char *line = p;
		while (line > text && line[-1] != '\n')
			line--;
		if (strstr(line, "//") && strstr(line, "//") < p)
			continue;
		if ((p > text && (p[-1] == '_' || (p[-1] >= 'a' && p[-1] <= 'z'))) || p[n] == '_')
			continue;
		const char *v = p + n + strspn(p + n, " \t:");
		if (strncmp(v, "true", 4) == 0)
			return 1;
		if (strncmp(v, "false", 5) == 0)
			return 0;
	}
	return -1;
}

static void probe_asusd(struct doctor *d)
{
	char path[PATH_MAX], *text;
	size_t len;
	snprintf(path, sizeof(path), "%s/asusd/asusd.ron", d->etc);
	if (pn_read_file(path, DOCTOR_FILE_MAX, &text, &len) < 0) {
		if (d->asusd_present)
			doctor_say(d, DOCTOR_WARN,
				"write asusd.ron (the NixOS module does on the zephyrus host)",
				"asusd runs but %s cannot be read: it may switch profiles on AC/battery itself",
				path);
		return;
	}
	int ac = ron_bool(text, "change_platform_profile_on_ac");
	int battery = ron_bool(text, "change_platform_profile_on_battery");
	int epp = ron_bool(text, "platform_profile_linked_epp");
	free(text);
	if (ac == 1 || battery == 1)
		doctor_say(d, DOCTOR_FAIL, NULL,
			"asusd switches profiles itself on %s: it fights panther-powerd",
			ac == 1 && battery == 1 ? "AC and battery"
				: ac == 1       ? "AC"
						: "battery");
	else
		doctor_say(d, DOCTOR_OK, NULL, "asusd leaves switching to panther-powerd");
	if (epp == 1 && d->ppd_name[0])
		doctor_say(d, DOCTOR_WARN,
			"set platform_profile_linked_epp: false in asusd.ron, or stop one of the two",
			"asusd sets the CPU's EPP with each profile, and power-profiles-daemon does too");
	else if (epp == 1)
		doctor_say(d, DOCTOR_OK, NULL,
			"the CPU's EPP follows asusd's profile (platform_profile_linked_epp)");
}

static void probe_powerd(struct doctor *d)
{
	DBusConnection *bus = doctor_session_bus(d);
	char mode[32] = "", backend[64] = "", active[32] = "", reason[64] = "";
	DBusError err;
	dbus_error_init(&err);
	if (!bus ||
		!doctor_get_string(d, bus, PN_POWER1_NAME, PN_POWER1_PATH, PN_POWER1_NAME, "Mode",
			mode, sizeof(mode), &err)) {
		doctor_say(d, DOCTOR_FAIL, NULL, "panther-powerd: %s",
			bus ? doctor_bus_error(&err) : "no session bus");
		dbus_error_free(&err);
		return;
	}
	doctor_get_string(d, bus, PN_POWER1_NAME, PN_POWER1_PATH, PN_POWER1_NAME, "Backend",
		backend, sizeof(backend), &err);
	dbus_error_free(&err);
	doctor_get_string(d, bus, PN_POWER1_NAME, PN_POWER1_PATH, PN_POWER1_NAME, "ActiveProfile",
		active, sizeof(active), &err);
	dbus_error_free(&err);
	/* Why that profile is in force; older panther-powerd has no Reason. */
	doctor_get_string(d, bus, PN_POWER1_NAME, PN_POWER1_PATH, PN_POWER1_NAME, "Reason", reason,
		sizeof(reason), &err);
	dbus_error_free(&err);
	DBusMessageIter value;
	dbus_bool_t on_battery = FALSE;
	DBusMessage *reply = doctor_get_property(d, bus, PN_POWER1_NAME, PN_POWER1_PATH,
		PN_POWER1_NAME, "OnBattery", &value, &err);
	if (reply && dbus_message_iter_get_arg_type(&value) == DBUS_TYPE_BOOLEAN)
		dbus_message_iter_get_basic(&value, &on_battery);
	if (reply)
		dbus_message_unref(reply);
	dbus_error_free(&err);
	/* "manual": a choice by hand, or a change made outside panther, holds (power.manual). */
	const char *why = "";
	if (strcmp(mode, "manual") == 0)
		why = " (a choice by hand or from outside panther holds)";
	if (strcmp(backend, "none") == 0) {
		doctor_say(d, DOCTOR_FAIL, "see power.backend above",
			"panther-powerd runs, %s mode, but has no backend", mode);
		return;
	}
	doctor_say(d, DOCTOR_OK, NULL, "panther-powerd: %s mode%s, on %s: %s through %s%s%s%s",
		mode, why, on_battery ? "battery" : "AC", active[0] ? active : "?", backend,
		reason[0] ? " (" : "", reason, reason[0] ? ")" : "");
}

const struct doctor_check doctor_power_checks[] = {
	{"power.backend", probe_backend,
		"services.power-profiles-daemon.enable = true (NixOS), or asusd on ASUS laptops"},
	{"power.profiles", probe_profiles, NULL},
	{"power.holds", probe_holds,
		"another program holds a profile (ppd HoldProfile) until it quits; pantherctl power set PROFILE ends every hold"},
	{"power.degraded", probe_degraded,
		"the firmware lowered performance (lap or heat); ppd lifts it when the cause ends"},
	{"power.dms", probe_dms_settings,
		"in DMS's power settings choose no profile on AC and on battery (acProfileName and batteryProfileName \"\") and turn off batteryAutoPowerSaver"},
	{"power.osd", probe_dms_osd, NULL},
	{"power.asusd", probe_asusd,
		"in /etc/asusd/asusd.ron set change_platform_profile_on_ac and change_platform_profile_on_battery to false (the NixOS module does on zephyrus)"},
	{"power.powerd", probe_powerd,
		"systemctl --user start panther-powerd.service (or add it to session.services)"},
	{NULL},
};
