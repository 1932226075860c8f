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
 */

#include <stdbool.h>
#include <stddef.h>

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

#endif
