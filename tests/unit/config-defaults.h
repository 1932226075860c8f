/* Shared by test_config.c and test_config_load.c. */
#ifndef PANTHER_TEST_CONFIG_DEFAULTS_H
#define PANTHER_TEST_CONFIG_DEFAULTS_H

#include "panther/config.h"

/* What pn_config_init() gives, checked field by field. */
static void assert_defaults(const struct pn_config *cfg)
{
	assert_int_equal(cfg->power.host, PN_HOST_NONE);
	assert_int_equal(cfg->power.on_ac, PN_PROFILE_BALANCED);
	assert_int_equal(cfg->power.on_battery, PN_PROFILE_POWER_SAVER);
	assert_int_equal(cfg->power.low_battery_percent, 20);
	assert_int_equal(cfg->power.low_battery_profile, PN_PROFILE_POWER_SAVER);
	assert_int_equal(cfg->power.idle_after_s, 0);
	assert_int_equal(cfg->power.cycle_len, 0);
	assert_int_equal(cfg->power.manual, PN_MANUAL_UNTIL_POWER_CHANGE);
	assert_true(cfg->power.notify);
	assert_int_equal(cfg->power.n_app_rules, 0);
	assert_true(cfg->polkit.op_enable);
	assert_string_equal(cfg->polkit.op_path, "/run/wrappers/bin/op");
	assert_int_equal(cfg->polkit.n_references, 0);
	assert_int_equal(cfg->polkit.op_timeout_s, 60);
	assert_false(cfg->polkit.op_keep_authorized);
	assert_string_equal(cfg->polkit.skip_actions[0], "com.1password.*");
	assert_null(cfg->polkit.skip_actions[1]);
	assert_int_equal(cfg->polkit.prompt_type, PN_PROMPT_WAYLAND);
	assert_null(cfg->polkit.prompt_argv);
	assert_int_equal(cfg->session.mode, PN_SESSION_AUTO);
	const char *env[] = {"WAYLAND_DISPLAY", "DISPLAY", "NIRI_SOCKET", "XDG_CURRENT_DESKTOP",
		"XDG_SESSION_TYPE", NULL};
	for (size_t i = 0; i < 6; i++) {
		if (env[i])
			assert_string_equal(cfg->session.import_env[i], env[i]);
		else
			assert_null(cfg->session.import_env[i]);
	}
	assert_string_equal(cfg->session.target, "panther-session.target");
	assert_int_equal(cfg->session.niri_timeout_s, 10);
	assert_int_equal(cfg->session.n_services, 0);
	assert_null(cfg->session.services);
}

#endif
