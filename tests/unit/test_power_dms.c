/*
 * power/dms.c's reading of DankMaterialShell's settings.json: whether DMS
 * shows its own power-profile OSD (DMS 1.5's SettingsSpec.js: a missing
 * key is false), as panther-powerd and pantherctl doctor both judge it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dms.h"

static bool osd_of(const char *text)
{
	struct json_object *settings = json_tokener_parse(text);
	assert_non_null(settings);
	bool osd = dms_settings_osd(settings);
	json_object_put(settings);
	return osd;
}

static void test_osd_key(void **state)
{
	(void)state;
	assert_true(osd_of("{\"osdPowerProfileEnabled\": true}"));
	assert_false(osd_of("{\"osdPowerProfileEnabled\": false}"));
	/* Saved by DMS without the key: its default, off. */
	assert_false(osd_of("{\"osdVolumeEnabled\": true, \"currentThemeName\": \"blue\"}"));
	assert_false(osd_of("{}"));
}

/* The file: missing is not a problem, a broken one is one line naming it. */
static void test_read_file(void **state)
{
	(void)state;
	char dir[] = "/tmp/test-power-dms-XXXXXX", path[256], problem[512];
	bool missing;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/settings.json", dir);

	assert_null(dms_read_settings(path, &missing, problem, sizeof(problem)));
	assert_true(missing);
	assert_string_equal(problem, "");

	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"osdPowerProfileEnabled\": tr", f);
	fclose(f);
	assert_null(dms_read_settings(path, &missing, problem, sizeof(problem)));
	assert_false(missing);
	assert_non_null(strstr(problem, path));
	assert_null(strchr(problem, '\n'));

	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"osdPowerProfileEnabled\": true}", f);
	fclose(f);
	struct json_object *settings = dms_read_settings(path, &missing, problem, sizeof(problem));
	assert_non_null(settings);
	assert_true(dms_settings_osd(settings));
	json_object_put(settings);

	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_osd_key),
		cmocka_unit_test(test_read_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
