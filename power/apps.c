#include "apps.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "panther/log.h"
#include "panther/niri.h"
#include "panther/util.h"

struct apps {
	struct pn_loop *loop;
	const struct pn_power_config *cfg;
	const struct apps_listener *listener;
	void *data;
	struct pn_niri *niri;
	enum pn_profile profile;
	char *app_id;
	/* The window last reported (focused), kept through a focus on no window. */
	uint64_t window_id;
	bool have_window;
	bool said_no_socket;
};

enum pn_profile apps_match(const struct pn_power_config *cfg, const char *app_id)
{
	if (!app_id)
		return PN_PROFILE_NONE;
	for (size_t i = 0; i < cfg->n_app_rules; i++) {
		if (regexec(&cfg->app_rules[i].re, app_id, 0, NULL, 0) == 0)
			return cfg->app_rules[i].profile;
	}
	return PN_PROFILE_NONE;
}

static void report(struct apps *apps, const char *app_id)
{
	enum pn_profile profile = apps_match(apps->cfg, app_id);
	free(apps->app_id);
	apps->app_id = app_id ? pn_xstrdup(app_id) : NULL;
	if (profile == apps->profile)
		return;
	apps->profile = profile;
	apps->listener->changed(apps->data, profile, apps->app_id);
}

/*
 * Follows the last focused window. Niri focuses no window (id null) while a
 * layer surface (a launcher, DMS's spotlight, a lock screen) has the
 * keyboard: the window underneath is still the one in use, so its rule
 * stays until another window takes focus or it closes.
 */
static void focused_changed(struct apps *apps)
{
	if (!apps->niri) {
		apps->have_window = false;
		report(apps, NULL);
		return;
	}
	/* Reconnecting: the state is empty until the replay; the rule in force stays. */
	if (!pn_niri_is_connected(apps->niri))
		return;
	const struct pn_niri_state *state = pn_niri_state(apps->niri);
	const struct pn_niri_window *window = pn_niri_state_focused(state);
	if (!window && apps->have_window) {
		/* Focus on no window, or on one not announced yet. */
		window = pn_niri_state_window(state, apps->window_id);
		if (window)
			return;
	}
	apps->have_window = window != NULL;
	apps->window_id = window ? window->id : 0;
	report(apps, window ? window->app_id : NULL);
}

static void on_connected(void *data, struct pn_niri *niri)
{
	struct apps *apps = data;
	pn_debug("niri: connected; following the focused window for app_rules");
	focused_changed(apps);
}

static void on_changed(void *data, struct pn_niri *niri, unsigned changed)
{
	struct apps *apps = data;
	if (changed & (PN_NIRI_CHANGE_WINDOWS | PN_NIRI_CHANGE_FOCUS))
		focused_changed(apps);
}

static void on_disconnected(void *data, struct pn_niri *niri, const char *why)
{
	/*
	 * niri drops a reader that falls behind, and restarts: the windows
	 * are most likely still there, so the rule in force stays until the
	 * replay after reconnecting says otherwise.
	 */
	pn_notice("niri: event stream ended (%s): keeping the app rule in force until it is back",
		why);
}

static const struct pn_niri_listener niri_listener = {
	.connected = on_connected,
	.changed = on_changed,
	.disconnected = on_disconnected,
};

static void connect_niri(struct apps *apps)
{
	char err[256];
	apps->niri = pn_niri_connect(apps->loop, NULL, &niri_listener, apps, err, sizeof(err));
	if (!apps->niri) {
		if (!apps->said_no_socket)
			pn_notice("app_rules are off: %s", err);
		apps->said_no_socket = true;
		return;
	}
	pn_niri_set_reconnect(apps->niri, true);
}

void apps_set_config(struct apps *apps, const struct pn_power_config *cfg)
{
	apps->cfg = cfg;
	if (cfg->n_app_rules && !apps->niri)
		connect_niri(apps);
	else if (!cfg->n_app_rules && apps->niri) {
		pn_niri_destroy(apps->niri);
		apps->niri = NULL;
	}
	/* The rules changed: the same window may match another one now. */
	focused_changed(apps);
}

struct apps *apps_create(struct pn_loop *loop, const struct pn_power_config *cfg,
	const struct apps_listener *listener, void *data)
{
	struct apps *apps = pn_xcalloc(1, sizeof(*apps));
	apps->loop = loop;
	apps->cfg = cfg;
	apps->listener = listener;
	apps->data = data;
	apps->profile = PN_PROFILE_NONE;
	if (cfg->n_app_rules)
		connect_niri(apps);
	return apps;
}

void apps_destroy(struct apps *apps)
{
	if (!apps)
		return;
	if (apps->niri)
		pn_niri_destroy(apps->niri);
	free(apps->app_id);
	free(apps);
}
