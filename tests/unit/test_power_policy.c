#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "panther/config.h"
#include "policy.h"

#define PS PN_PROFILE_POWER_SAVER
#define BAL PN_PROFILE_BALANCED
#define PERF PN_PROFILE_PERFORMANCE
#define NONE PN_PROFILE_NONE
#define ALL (POLICY_BIT(PS) | POLICY_BIT(BAL) | POLICY_BIT(PERF))

struct fixture {
	struct pn_config cfg;
	struct policy p;
};

/* The zephyrus defaults: AC performance, battery balanced, below 20% power-saver. */
static int setup(void **state)
{
	struct fixture *f = test_calloc(1, sizeof(*f));
	pn_config_init(&f->cfg);
	f->cfg.power.on_ac = PERF;
	f->cfg.power.on_battery = BAL;
	f->cfg.power.low_battery_percent = 20;
	f->cfg.power.low_battery_profile = PS;
	policy_init(&f->p, &f->cfg.power);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	pn_config_finish(&f->cfg);
	test_free(f);
	return 0;
}

/*
 * Carries out an action as main.c does: the backend switches and reports
 * it. Returns the profile set, or NONE.
 */
static enum pn_profile apply(struct policy *p, struct policy_action a)
{
	if (a.set != NONE)
		policy_backend_switched(p, a.set);
	return a.set;
}

/* Backend with every profile on "balanced", on AC. */
static struct policy *started(void **state, bool on_battery)
{
	struct fixture *f = *state;
	apply(&f->p, policy_set_backend(&f->p, ALL, BAL));
	apply(&f->p, policy_set_on_battery(&f->p, on_battery));
	return &f->p;
}

static void test_start_applies_source_profile(void **state)
{
	struct fixture *f = *state;
	/* Nothing happens until both the backend and the power source are known. */
	struct policy_action a = policy_set_backend(&f->p, ALL, BAL);
	assert_int_equal(a.set, NONE);
	a = policy_set_on_battery(&f->p, false);
	assert_int_equal(a.set, PERF);
	assert_int_equal(a.reason, POLICY_REASON_AC);
	assert_int_equal(f->p.mode, POLICY_AUTO);
}

static void test_start_source_first(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(policy_set_on_battery(&f->p, true).set, NONE);
	struct policy_action a = policy_set_backend(&f->p, ALL, PERF);
	assert_int_equal(a.set, BAL);
	assert_int_equal(a.reason, POLICY_REASON_BATTERY);
}

static void test_start_already_right(void **state)
{
	struct fixture *f = *state;
	apply(&f->p, policy_set_backend(&f->p, ALL, PERF));
	assert_int_equal(policy_set_on_battery(&f->p, false).set, NONE);
}

static void test_plug_changes(void **state)
{
	struct policy *p = started(state, false);
	assert_int_equal(p->active, PERF);
	assert_int_equal(apply(p, policy_set_on_battery(p, true)), BAL);
	assert_int_equal(apply(p, policy_set_on_battery(p, true)), NONE);
	assert_int_equal(apply(p, policy_set_on_battery(p, false)), PERF);
}

static void test_manual_until_power_change(void **state)
{
	struct policy *p = started(state, false);
	struct policy_action a = policy_choose(p, PS);
	assert_int_equal(a.set, PS);
	assert_int_equal(a.reason, POLICY_REASON_MANUAL);
	apply(p, a);
	assert_int_equal(p->mode, POLICY_MANUAL);
	/* Battery readings and repeated source reports do not undo it. */
	assert_int_equal(apply(p, policy_set_percent(p, 80)), NONE);
	assert_int_equal(apply(p, policy_set_on_battery(p, false)), NONE);
	assert_int_equal(p->active, PS);
	/* Unplugging does. */
	assert_int_equal(apply(p, policy_set_on_battery(p, true)), BAL);
	assert_int_equal(p->mode, POLICY_AUTO);
}

static void test_manual_until_auto(void **state)
{
	struct fixture *f = *state;
	f->cfg.power.manual = PN_MANUAL_UNTIL_AUTO;
	struct policy *p = started(state, false);
	apply(p, policy_choose(p, PS));
	assert_int_equal(apply(p, policy_set_on_battery(p, true)), NONE);
	assert_int_equal(apply(p, policy_set_on_battery(p, false)), NONE);
	assert_int_equal(p->active, PS);
	assert_int_equal(p->mode, POLICY_MANUAL);
	struct policy_action a = policy_auto(p);
	assert_int_equal(a.set, PERF);
	assert_int_equal(a.reason, POLICY_REASON_AC);
	apply(p, a);
	assert_int_equal(p->mode, POLICY_AUTO);
}

static void test_manual_never(void **state)
{
	struct fixture *f = *state;
	f->cfg.power.manual = PN_MANUAL_NEVER;
	struct policy *p = started(state, false);
	/* The choice is carried out, but the mode stays auto... */
	assert_int_equal(apply(p, policy_choose(p, PS)), PS);
	assert_int_equal(p->mode, POLICY_AUTO);
	/* ...and the next policy event overrules it. */
	assert_int_equal(apply(p, policy_set_on_battery(p, true)), BAL);
}

static void test_external_change_is_manual(void **state)
{
	struct policy *p = started(state, false);
	policy_external(p, BAL);
	assert_int_equal(p->mode, POLICY_MANUAL);
	assert_int_equal(p->active, BAL);
	assert_int_equal(apply(p, policy_set_percent(p, 90)), NONE);
	assert_int_equal(apply(p, policy_set_on_battery(p, true)), NONE);
	assert_int_equal(p->mode, POLICY_AUTO);
	assert_int_equal(apply(p, policy_set_on_battery(p, false)), PERF);
}

static void test_low_battery(void **state)
{
	struct policy *p = started(state, true);
	assert_int_equal(p->active, BAL);
	assert_int_equal(apply(p, policy_set_percent(p, 50)), NONE);
	struct policy_action a = policy_set_percent(p, 19);
	assert_int_equal(a.set, PS);
	assert_int_equal(a.reason, POLICY_REASON_LOW_BATTERY);
	apply(p, a);
	/* A reading just above the threshold is not enough to leave. */
	assert_int_equal(apply(p, policy_set_percent(p, 20.5)), NONE);
	assert_int_equal(apply(p, policy_set_percent(p, 50)), BAL);
	/* Low again, then the charger: AC wins. */
	assert_int_equal(apply(p, policy_set_percent(p, 10)), PS);
	assert_int_equal(apply(p, policy_set_on_battery(p, false)), PERF);
}

static void test_battery_removed(void **state)
{
	struct policy *p = started(state, true);
	assert_int_equal(apply(p, policy_set_percent(p, 10)), PS);
	/* UPower's display device without a battery: no level, not low. */
	assert_int_equal(apply(p, policy_set_percent(p, -1)), BAL);
	assert_int_equal(apply(p, policy_set_percent(p, 0)), PS);
}

static void test_low_battery_ignored_on_ac(void **state)
{
	struct policy *p = started(state, false);
	assert_int_equal(apply(p, policy_set_percent(p, 5)), NONE);
	assert_int_equal(p->active, PERF);
	/* Unplugged at 5%: straight to the low-battery profile. */
	struct policy_action a = policy_set_on_battery(p, true);
	assert_int_equal(a.set, PS);
	assert_int_equal(a.reason, POLICY_REASON_LOW_BATTERY);
}

static void test_low_battery_off(void **state)
{
	struct fixture *f = *state;
	f->cfg.power.low_battery_percent = 0;
	struct policy *p = started(state, true);
	assert_int_equal(apply(p, policy_set_percent(p, 3)), NONE);
}

static void test_low_battery_restores_manual(void **state)
{
	struct policy *p = started(state, true);
	apply(p, policy_choose(p, PERF));
	assert_int_equal(apply(p, policy_set_percent(p, 15)), PS);
	/* The manual choice is what was there before. */
	assert_int_equal(apply(p, policy_set_percent(p, 60)), PERF);
	assert_int_equal(p->mode, POLICY_MANUAL);
}

static void test_manual_during_low_battery_wins(void **state)
{
	struct policy *p = started(state, true);
	assert_int_equal(apply(p, policy_set_percent(p, 15)), PS);
	assert_int_equal(apply(p, policy_choose(p, PERF)), PERF);
	/* Further low readings, or the backend restarting, do not take it back. */
	assert_int_equal(apply(p, policy_set_percent(p, 14)), NONE);
	policy_backend_gone(p);
	assert_int_equal(apply(p, policy_set_backend(p, ALL, PERF)), NONE);
	assert_int_equal(apply(p, policy_set_percent(p, 60)), NONE);
	assert_int_equal(p->active, PERF);
}

static void test_idle(void **state)
{
	struct fixture *f = *state;
	f->cfg.power.idle_after_s = 300;
	f->cfg.power.idle_profile = PS;
	struct policy *p = started(state, false);
	struct policy_action a = policy_set_idle(p, true);
	assert_int_equal(a.set, PS);
	assert_int_equal(a.reason, POLICY_REASON_IDLE);
	apply(p, a);
	a = policy_set_idle(p, false);
	assert_int_equal(a.set, PERF);
	assert_int_equal(a.reason, POLICY_REASON_AC);
}

static void test_idle_restores_manual(void **state)
{
	struct fixture *f = *state;
	f->cfg.power.idle_after_s = 300;
	struct policy *p = started(state, false);
	apply(p, policy_choose(p, BAL));
	assert_int_equal(apply(p, policy_set_idle(p, true)), PS);
	assert_int_equal(apply(p, policy_set_idle(p, false)), BAL);
}

static void test_idle_off_in_config(void **state)
{
	struct policy *p = started(state, false);
	assert_int_equal(apply(p, policy_set_idle(p, true)), NONE);
}

static void test_unplugged_while_idle(void **state)
{
	struct fixture *f = *state;
	f->cfg.power.idle_after_s = 60;
	struct policy *p = started(state, false);
	assert_int_equal(apply(p, policy_set_idle(p, true)), PS);
	/* The idle hold stays on top; the source profile underneath changed. */
	assert_int_equal(apply(p, policy_set_on_battery(p, true)), NONE);
	assert_int_equal(apply(p, policy_set_idle(p, false)), BAL);
}

static void test_app_rule(void **state)
{
	struct policy *p = started(state, true);
	struct policy_action a = policy_set_app(p, PERF);
	assert_int_equal(a.set, PERF);
	assert_int_equal(a.reason, POLICY_REASON_APP);
	apply(p, a);
	assert_int_equal(apply(p, policy_set_app(p, PERF)), NONE);
	assert_int_equal(apply(p, policy_set_app(p, NONE)), BAL);
}

static void test_manual_during_app_rule_wins(void **state)
{
	struct policy *p = started(state, true);
	assert_int_equal(apply(p, policy_set_app(p, PERF)), PERF);
	assert_int_equal(apply(p, policy_choose(p, PS)), PS);
	/* Focus leaves: the choice made meanwhile stays. */
	assert_int_equal(apply(p, policy_set_app(p, NONE)), NONE);
	assert_int_equal(p->active, PS);
	/* Focusing a matching window again holds again. */
	assert_int_equal(apply(p, policy_set_app(p, PERF)), PERF);
	assert_int_equal(apply(p, policy_set_app(p, NONE)), PS);
}

static void test_external_during_app_rule_wins(void **state)
{
	struct policy *p = started(state, false);
	apply(p, policy_choose(p, BAL));
	assert_int_equal(apply(p, policy_set_app(p, PERF)), PERF);
	policy_external(p, PS);
	assert_int_equal(apply(p, policy_set_app(p, NONE)), NONE);
	assert_int_equal(p->active, PS);
	assert_int_equal(p->manual, PS);
}

static void test_hold_priority(void **state)
{
	struct fixture *f = *state;
	f->cfg.power.idle_after_s = 60;
	f->cfg.power.idle_profile = BAL;
	struct policy *p = started(state, true);
	assert_int_equal(apply(p, policy_set_app(p, PERF)), PERF);
	/* Low battery beats the app rule, idle beats both. */
	assert_int_equal(apply(p, policy_set_percent(p, 10)), PS);
	assert_int_equal(apply(p, policy_set_idle(p, true)), BAL);
	assert_int_equal(apply(p, policy_set_idle(p, false)), PS);
	assert_int_equal(apply(p, policy_set_percent(p, 90)), PERF);
	assert_int_equal(apply(p, policy_set_app(p, NONE)), BAL);
}

static void test_unavailable_profile_skipped(void **state)
{
	struct fixture *f = *state;
	unsigned offered = POLICY_BIT(PS) | POLICY_BIT(BAL);
	apply(&f->p, policy_set_backend(&f->p, offered, PS));
	struct policy_action a = policy_set_on_battery(&f->p, false);
	assert_int_equal(a.set, NONE);
	assert_int_equal(a.unavailable, PERF);
	/* Only said once while nothing changes. */
	a = policy_set_percent(&f->p, 70);
	assert_int_equal(a.unavailable, NONE);
	assert_int_equal(apply(&f->p, policy_set_on_battery(&f->p, true)), BAL);
	assert_false(policy_offers(&f->p, PERF));
	assert_int_equal(policy_choose(&f->p, PERF).unavailable, PERF);
	assert_int_equal(f->p.mode, POLICY_AUTO);
}

static void test_backend_restart(void **state)
{
	struct policy *p = started(state, false);
	policy_backend_gone(p);
	assert_false(policy_offers(p, BAL));
	assert_int_equal(apply(p, policy_set_on_battery(p, true)), NONE);
	/* It comes back with its saved profile: the policy applies again. */
	assert_int_equal(apply(p, policy_set_backend(p, ALL, PERF)), BAL);
}

static void test_backend_restart_keeps_manual(void **state)
{
	struct policy *p = started(state, false);
	apply(p, policy_choose(p, PS));
	policy_backend_gone(p);
	assert_int_equal(apply(p, policy_set_backend(p, ALL, BAL)), PS);
	assert_int_equal(p->mode, POLICY_MANUAL);
}

static void test_config_reload(void **state)
{
	struct fixture *f = *state;
	struct policy *p = started(state, true);
	struct pn_config fresh;
	pn_config_init(&fresh);
	fresh.power.on_battery = PS;
	assert_int_equal(apply(p, policy_set_config(p, &fresh.power)), PS);
	assert_ptr_equal(p->cfg, &fresh.power);
	policy_set_config(p, &f->cfg.power);
	pn_config_finish(&fresh);
}

static void test_cycle(void **state)
{
	struct policy *p = started(state, false);
	assert_int_equal(p->active, PERF);
	assert_int_equal(policy_cycle_next(p), PS);
	policy_backend_switched(p, PS);
	assert_int_equal(policy_cycle_next(p), BAL);
	policy_backend_switched(p, BAL);
	assert_int_equal(policy_cycle_next(p), PERF);
}

static void test_cycle_skips_unoffered(void **state)
{
	struct fixture *f = *state;
	apply(&f->p, policy_set_backend(&f->p, POLICY_BIT(PS) | POLICY_BIT(BAL), BAL));
	assert_int_equal(policy_cycle_next(&f->p), PS);
	policy_backend_switched(&f->p, PS);
	assert_int_equal(policy_cycle_next(&f->p), BAL);
}

static void test_cycle_config_order(void **state)
{
	struct fixture *f = *state;
	f->cfg.power.cycle[0] = PERF;
	f->cfg.power.cycle[1] = BAL;
	f->cfg.power.cycle_len = 2;
	apply(&f->p, policy_set_backend(&f->p, ALL, PS));
	/* The active profile is not in the cycle: its first entry. */
	assert_int_equal(policy_cycle_next(&f->p), PERF);
	policy_backend_switched(&f->p, PERF);
	assert_int_equal(policy_cycle_next(&f->p), BAL);
	policy_backend_switched(&f->p, BAL);
	assert_int_equal(policy_cycle_next(&f->p), PERF);
	/* Nothing offered in the cycle. */
	apply(&f->p, policy_set_backend(&f->p, POLICY_BIT(PS), PS));
	assert_int_equal(policy_cycle_next(&f->p), NONE);
}

static void test_names(void **state)
{
	char buf[64];
	policy_format_profiles(POLICY_BIT(PS) | POLICY_BIT(PERF), buf, sizeof(buf));
	assert_string_equal(buf, "power-saver, performance");
	policy_format_profiles(0, buf, sizeof(buf));
	assert_string_equal(buf, "none");
	assert_string_equal(policy_mode_name(POLICY_AUTO), "auto");
	assert_string_equal(policy_mode_name(POLICY_MANUAL), "manual");
	assert_string_equal(policy_reason_text(POLICY_REASON_BATTERY), "on battery");
}

/* A backend that takes holds (ppd), every profile on balanced. */
static struct policy *started_holds(void **state, bool on_battery)
{
	struct fixture *f = *state;
	policy_set_can_hold(&f->p, true);
	policy_backend_reported(&f->p, BAL, false);
	apply(&f->p, policy_set_backend(&f->p, ALL, BAL));
	apply(&f->p, policy_set_on_battery(&f->p, on_battery));
	return &f->p;
}

static void test_holds_temporary_profiles(void **state)
{
	struct fixture *f = *state;
	f->cfg.power.idle_after_s = 60;
	f->cfg.power.idle_profile = PS;
	struct policy *p = started_holds(state, true);
	assert_int_equal(p->selected, BAL);
	/* An app rule is held, not set: ActiveProfile stays what it returns to. */
	assert_int_equal(policy_set_app(p, PERF).set, NONE);
	assert_int_equal(p->hold, PERF);
	assert_int_equal(p->hold_reason, POLICY_REASON_APP);
	/* Idle wins over the app rule: its hold replaces the app's. */
	policy_backend_reported(p, PERF, true);
	assert_int_equal(policy_set_idle(p, true).set, NONE);
	assert_int_equal(p->hold, PS);
	policy_backend_reported(p, PS, true);
	assert_int_equal(policy_set_idle(p, false).set, NONE);
	assert_int_equal(p->hold, PERF);
	assert_int_equal(policy_set_app(p, NONE).set, NONE);
	assert_int_equal(p->hold, NONE);
	/* Without holds the backend is back where it was: nothing to set. */
	policy_backend_reported(p, BAL, false);
	assert_int_equal(p->selected, BAL);
	/* A power source change still sets ActiveProfile, under a hold too. */
	assert_int_equal(policy_set_app(p, PERF).set, NONE);
	assert_int_equal(apply(p, policy_set_on_battery(p, false)), PERF);
	assert_int_equal(p->hold, PERF);
}

static void test_holds_balanced_is_set(void **state)
{
	struct fixture *f = *state;
	f->cfg.power.on_battery = PS;
	struct policy *p = started_holds(state, true);
	/* ppd holds only performance and power-saver: balanced is set, and restored. */
	assert_int_equal(apply(p, policy_set_app(p, BAL)), BAL);
	assert_int_equal(p->hold, NONE);
	assert_int_equal(apply(p, policy_set_app(p, NONE)), PS);
}

static void test_foreign_hold_blocks_setting(void **state)
{
	struct policy *p = started_holds(state, false);
	assert_int_equal(p->active, PERF);
	/* Another program holds power-saver: unplugging does not set ActiveProfile. */
	policy_backend_reported(p, PS, true);
	assert_int_equal(policy_set_foreign_hold(p, true).set, NONE);
	assert_int_equal(policy_set_on_battery(p, true).set, NONE);
	assert_int_equal(p->mode, POLICY_AUTO);
	/* Its end: ppd returns to performance, and the battery profile applies now. */
	policy_backend_reported(p, PERF, false);
	struct policy_action a = policy_set_foreign_hold(p, false);
	assert_int_equal(a.set, BAL);
	assert_int_equal(a.reason, POLICY_REASON_BATTERY);
	/* A key still sets, whatever holds (setting ends them: the user's choice). */
	policy_set_foreign_hold(p, true);
	assert_int_equal(policy_choose(p, PS).set, PS);
}

static void test_holds_ended_elsewhere(void **state)
{
	struct policy *p = started_holds(state, true);
	assert_int_equal(policy_set_app(p, PERF).set, NONE);
	policy_backend_reported(p, PERF, true);
	/* Plugged in: on_ac (performance) is set; ppd, already there, ignores it. */
	assert_int_equal(apply(p, policy_set_on_battery(p, false)), PERF);
	/* The game closes: ppd returns to balanced, set before the hold. */
	assert_int_equal(policy_set_app(p, NONE).set, NONE);
	policy_backend_reported(p, BAL, false);
	struct policy_action a = policy_holds_ended(p);
	assert_int_equal(a.set, PERF);
	assert_int_equal(a.reason, POLICY_REASON_AC);
}

/* The reason in force, as Power1's Reason and pantherctl doctor show it. */
static void test_reason_now(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(policy_reason_now(&f->p), POLICY_REASON_NONE);
	struct policy *p = started_holds(state, true);
	assert_int_equal(policy_reason_now(p), POLICY_REASON_BATTERY);
	/* A held temporary profile comes first, though ppd keeps balanced underneath. */
	policy_set_percent(p, 10);
	assert_int_equal(policy_reason_now(p), POLICY_REASON_LOW_BATTERY);
	policy_set_percent(p, 80);
	apply(p, policy_set_on_battery(p, false));
	assert_int_equal(policy_reason_now(p), POLICY_REASON_AC);
	apply(p, policy_choose(p, PS));
	assert_int_equal(policy_reason_now(p), POLICY_REASON_MANUAL);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_start_applies_source_profile),
		T(test_reason_now),
		T(test_start_source_first),
		T(test_start_already_right),
		T(test_plug_changes),
		T(test_manual_until_power_change),
		T(test_manual_until_auto),
		T(test_manual_never),
		T(test_external_change_is_manual),
		T(test_low_battery),
		T(test_battery_removed),
		T(test_low_battery_ignored_on_ac),
		T(test_low_battery_off),
		T(test_low_battery_restores_manual),
		T(test_manual_during_low_battery_wins),
		T(test_idle),
		T(test_idle_restores_manual),
		T(test_idle_off_in_config),
		T(test_unplugged_while_idle),
		T(test_app_rule),
		T(test_manual_during_app_rule_wins),
		T(test_external_during_app_rule_wins),
		T(test_hold_priority),
		T(test_unavailable_profile_skipped),
		T(test_backend_restart),
		T(test_backend_restart_keeps_manual),
		T(test_config_reload),
		T(test_cycle),
		T(test_cycle_skips_unoffered),
		T(test_cycle_config_order),
		T(test_names),
		T(test_holds_temporary_profiles),
		T(test_holds_balanced_is_set),
		T(test_foreign_hold_blocks_setting),
		T(test_holds_ended_elsewhere),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
