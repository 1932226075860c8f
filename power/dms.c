#include "dms.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "panther/config.h"
#include "panther/log.h"
#include "panther/util.h"

#define SETTINGS_REST "DankMaterialShell/settings.json"
#define WARNING_MAX 512

struct dms {
	char *path;
	char warning[WARNING_MAX];
	char problem[WARNING_MAX]; /* the last line about a file that could not be read */
	bool osd;
};

const char dms_osd_fix[] =
	"turn off \"Power Profile\" in DMS's Settings, OSD (osdPowerProfileEnabled "
	"false; Home Manager's programs.panther does this), or set power.notify false "
	"to keep DMS's";

bool dms_settings_osd(struct json_object *settings)
{
	struct json_object *v;
	/* DMS 1.5 (Common/settings/SettingsSpec.js): a missing key is false. */
	return json_object_object_get_ex(settings, "osdPowerProfileEnabled", &v) &&
		json_object_get_boolean(v);
}

/* Quickshell's PowerProfile enum, as DMS stores it. */
static const char *profile_of(const char *value)
{
	static const char *const names[] = {"power-saver", "balanced", "performance"};
	if (value[0] >= '0' && value[0] <= '2' && value[1] == '\0')
		return names[value[0] - '0'];
	return "an unknown profile";
}

/* Adds item to the list in buf, after ", " when it is not the first. */
static void append(char *buf, size_t len, const char *item)
{
	size_t used = strlen(buf);
	if (used < len)
		snprintf(buf + used, len - used, "%s%s", used ? ", " : "", item);
}

void dms_describe_switching(struct json_object *settings, char *buf, size_t len)
{
	static const char *const profile_keys[] = {"acProfileName", "batteryProfileName"};
	struct json_object *v;
	buf[0] = '\0';
	for (size_t i = 0; i < PN_ARRAY_LEN(profile_keys); i++) {
		if (!json_object_object_get_ex(settings, profile_keys[i], &v) ||
			!json_object_is_type(v, json_type_string))
			continue;
		const char *value = json_object_get_string(v);
		if (!value[0])
			continue;
		char *shown = pn_sanitize_text(value, 16);
		char item[128];
		snprintf(item, sizeof(item), "%s \"%s\" (%s)", profile_keys[i], shown,
			profile_of(value));
		free(shown);
		append(buf, len, item);
	}
	if (json_object_object_get_ex(settings, "batteryAutoPowerSaver", &v) &&
		json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v))
		append(buf, len, "batteryAutoPowerSaver true");
}

/* Says a problem with the file once (again only when it changes). */
static void say_problem(struct dms *dms, const char *text)
{
	if (strcmp(text, dms->problem) == 0)
		return;
	snprintf(dms->problem, sizeof(dms->problem), "%s", text);
	if (text[0])
		pn_warn("%s", text);
}

struct json_object *dms_read_settings(const char *path, bool *missing, char *problem, size_t len)
{
	static const char what[] = "cannot check DMS's power profile settings";
	*missing = false;
	problem[0] = '\0';
	char *text;
	size_t size;
	int r = pn_read_file(path, PN_CONFIG_MAX_SIZE, &text, &size);
	if (r == -ENOENT) {
		*missing = true;
		return NULL;
	}
	if (r == -EISDIR || r == -EINVAL || r == -EFBIG) {
		snprintf(problem, len, "%s: not a regular file of at most 1 MiB: %s", path, what);
		return NULL;
	}
	if (r < 0) {
		snprintf(problem, len, "%s: %s: %s", path, strerror(-r), what);
		return NULL;
	}
	enum json_tokener_error error;
	struct json_object *obj = json_tokener_parse_verbose(text, &error);
	free(text);
	if (!obj || !json_object_is_type(obj, json_type_object)) {
		snprintf(problem, len, "%s: %s: %s", path,
			obj ? "not a JSON object" : json_tokener_error_desc(error), what);
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

bool dms_settings_path(char *buf, size_t len)
{
	return pn_xdg_path(buf, len, "XDG_CONFIG_HOME", ".config", SETTINGS_REST);
}

void dms_reload(struct dms *dms)
{
	if (!dms->path)
		return;
	bool missing;
	char problem[WARNING_MAX];
	struct json_object *obj = dms_read_settings(dms->path, &missing, problem, sizeof(problem));
	say_problem(dms, problem);
	if (!obj && !missing)
		return; /* unreadable: what was found before still holds */
	char found[256] = "";
	if (obj)
		dms_describe_switching(obj, found, sizeof(found));
	/* A missing file: DMS has not saved settings yet, or there is no DMS. */
	dms->osd = obj && dms_settings_osd(obj);
	json_object_put(obj);
	char warning[WARNING_MAX] = "";
	if (found[0])
		snprintf(warning, sizeof(warning),
			"DankMaterialShell switches power profiles itself (%s in %s): each of its switches counts as a choice made by hand; set \"Profile when Plugged In (AC)\" and \"Profile when on Battery\" to \"Don't Change\" and turn \"Auto Power Saver\" off in DMS's Settings, Battery",
			found, dms->path);
	if (strcmp(warning, dms->warning) == 0)
		return;
	snprintf(dms->warning, sizeof(dms->warning), "%s", warning);
	if (warning[0])
		pn_warn("%s", warning);
	else
		pn_info("DankMaterialShell no longer switches power profiles itself");
}

const char *dms_warning(const struct dms *dms)
{
	return dms->warning;
}

bool dms_osd(const struct dms *dms)
{
	return dms->osd;
}

const char *dms_path(const struct dms *dms)
{
	return dms->path ? dms->path : "DankMaterialShell/settings.json";
}

struct dms *dms_create(const char *path)
{
	struct dms *dms = pn_xcalloc(1, sizeof(*dms));
	char buf[4096];
	if (path)
		dms->path = pn_xstrdup(path);
	else if (dms_settings_path(buf, sizeof(buf)))
		dms->path = pn_xstrdup(buf);
	return dms;
}

void dms_destroy(struct dms *dms)
{
	if (!dms)
		return;
	free(dms->path);
	free(dms);
}
