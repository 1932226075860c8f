#ifndef POWER_DMS_H
#define POWER_DMS_H

/*
 * DankMaterialShell switches power profiles itself when its settings.json
 * ($XDG_CONFIG_HOME/DankMaterialShell/settings.json) sets acProfileName or
 * batteryProfileName ("0" power-saver, "1" balanced, "2" performance; ""
 * leaves the profile alone) or batteryAutoPowerSaver (power-saver on low
 * battery): 500 ms after DMS starts, on every plug and unplug, and when the
 * battery runs low. Each such switch reaches panther as a choice made by
 * hand. This reads the file and says so, with the fix.
 *
 * DMS also shows its own power-profile OSD on every profile change when
 * osdPowerProfileEnabled is true (Modules/OSD/PowerProfileOSD.qml; a key
 * missing from the file is false). panther's bubble is the one power OSD
 * (it says why the profile changed and keeps holds quiet): while DMS's is
 * on, panther-powerd sends none, so the two never both show.
 */

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

struct json_object;

/* The default path of DMS's settings.json; false when there is no home. */
bool dms_settings_path(char *buf, size_t len);
/*
 * Reads settings.json: its object, or NULL with *missing set (no file:
 * DMS's defaults) or with problem set to one line saying why it cannot be
 * read ("" otherwise). The daemon and pantherctl doctor both read it so.
 */
struct json_object *dms_read_settings(const char *path, bool *missing, char *problem, size_t len);
/*
 * What in DMS's settings switches power profiles, as items joined by ", "
 * ("acProfileName \"2\" (performance)", "batteryAutoPowerSaver true"); ""
 * when nothing does.
 */
void dms_describe_switching(struct json_object *settings, char *buf, size_t len);

/* The fix for DMS's OSD being on, for the log, Power1's Warnings and the doctor. */
extern const char dms_osd_fix[];
/* Whether these settings show DMS's power-profile OSD. */
bool dms_settings_osd(struct json_object *settings);

struct dms;

/* path NULL: the default path. */
struct dms *dms_create(const char *path);
void dms_destroy(struct dms *dms);
/*
 * Reads the file again (at start and on SIGHUP). A setting that switches
 * profiles is logged once as a warning (again only when it changes); a
 * missing file is silent; an unreadable or broken one is one line.
 */
void dms_reload(struct dms *dms);
/* The warning in force ("" when none). */
const char *dms_warning(const struct dms *dms);
/* Whether DMS's power-profile OSD is on, as of the last reload. */
bool dms_osd(const struct dms *dms);
const char *dms_path(const struct dms *dms);

#endif
