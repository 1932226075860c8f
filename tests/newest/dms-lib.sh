# shellcheck shell=bash
# What dms.sh and dms-osd.sh share: the real DankMaterialShell
# (../shared/upstream/dms-shell-1.5.3) on real Quickshell under headless
# sway as the test user in a (fake) logind session, the real ppd 0.30 and
# polkitd 128, panther-powerd, and screenshots compared by region
# (tests/harness/png.py), kept in the suite's log folder.
#
# Where DMS 1.5.3 draws on the 1280x800 output: notification popups at the
# top right, under its bar, one below the other (about 115 px high each);
# its OSDs (the power-profile one among them) in a small box at the bottom
# centre.
. "$PANTHER_SOURCE_DIR/tests/integration/power-lib.sh"
. "$PANTHER_SOURCE_DIR/tests/harness/polkit-agent.sh"

DMS=${PN_DMS_SHELL:-}
[ -n "$DMS" ] && [ -d "$DMS/quickshell" ] ||
	pn_missing "DMS's shell is not here (expected ../shared/upstream/dms-shell-1.5.3 beside the clone, or PN_DMS_SHELL)"
pn_need_cmd qs grim
LOGS=${PN_NEWEST_LOGS:-$PN_TMP}
POPUPS=(640 45 1279 560)
OSD=(440 600 840 799)

pk_setup 5
pn_ppd_real --fake-driver
pn_fake_logind_session
pn_sway
# DMS's settings.json lives here, for DMS and panther-powerd. DMS gets a
# home of its own per run: it keeps a notification history in ~/.cache and
# restores it at start, and a new notification whose id is in that history
# gets no popup (Quickshell numbers them from 1 again).
DMS_CONFIG_HOME=$PN_TMP/config
DMS_HOME=$PN_TMP/dms-home
install -d -m 0755 -o "$PN_TEST_USER" -g "$PN_TEST_USER" "$DMS_CONFIG_HOME" \
	"$DMS_CONFIG_HOME/DankMaterialShell" "$DMS_HOME"

# dms_settings JSON: DMS's settings.json (read by DMS at start, and by panther-powerd).
dms_settings() {
	printf '%s\n' "$1" >"$DMS_CONFIG_HOME/DankMaterialShell/settings.json"
	chown "$PN_TEST_USER:" "$DMS_CONFIG_HOME/DankMaterialShell/settings.json"
}

# dms_start [VAR=VALUE...]: DMS's shell in the session; returns once it owns
# org.freedesktop.Notifications and has drawn. DMS_PID, DMS_LOG.
dms_start() {
	pn_spawn_in_session dms env "$@" HOME="$DMS_HOME" XDG_CACHE_HOME="$DMS_HOME/.cache" \
		XDG_STATE_HOME="$DMS_HOME/.local/state" XDG_CONFIG_HOME="$DMS_CONFIG_HOME" \
		QT_QPA_PLATFORM=wayland QT_QUICK_BACKEND=software LIBGL_ALWAYS_SOFTWARE=1 \
		DBUS_SESSION_BUS_ADDRESS="$DBUS_SESSION_BUS_ADDRESS" WAYLAND_DISPLAY="$WAYLAND_DISPLAY" \
		qs -p "$DMS/quickshell"
	DMS_PID=$PN_PID
	DMS_LOG=$PN_LOG
	pn_wait_for -t 60 busctl --user status org.freedesktop.Notifications ||
		pn_fail "DMS did not take org.freedesktop.Notifications (see $DMS_LOG)"
	# Its bar and wallpaper fade in after that.
	sleep 3
}

dms_stop() {
	pn_stop "$DMS_PID"
	pn_wait_for pn__dms_gone || pn_fail "DMS's name stayed on the session bus"
}
pn__dms_gone() {
	! busctl --user status org.freedesktop.Notifications
}

# powerd_start: panther-powerd in the session, with DMS's config folder.
powerd_start() {
	# Not config.json: that is the agent's ($PK_CONFIG).
	printf '%s\n' '{"power": {"on_ac": "balanced", "on_battery": "power-saver"}}' >"$PN_TMP/powerd.json"
	chmod 0644 "$PN_TMP/powerd.json"
	power_start_in_session "$PN_TMP/powerd.json" XDG_CONFIG_HOME="$DMS_CONFIG_HOME"
}

# switch PROFILE: pantherctl power set, as the user in the session.
switch() {
	pn_in_session "$PANTHERCTL" power set "$1" >/dev/null 2>"$PN_TMP/ctl.err" ||
		pn_fail "pantherctl power set $1: $(cat "$PN_TMP/ctl.err")"
}

# shot NAME: a screenshot (PPM: read ten times faster than PNG) in $SHOTS;
# keep NAME: kept in the log folder as NAME.png.
SHOTS=$PN_TMP/shots
mkdir -p "$SHOTS"
shot() {
	pn_as_user grim -t ppm - >"$SHOTS/$1.ppm" || pn_fail "grim could not take a screenshot"
}
keep() {
	"$PN_PYTHON" "$PN_HARNESS_DIR/png.py" topng "$SHOTS/$1.ppm" "$LOGS/$1.png"
}
# region_changed A B X0 Y0 X1 Y1: "N COLORS [box]" of pixels that differ there.
region_changed() {
	"$PN_PYTHON" "$PN_HARNESS_DIR/png.py" changed "$SHOTS/$1.ppm" "$SHOTS/$2.ppm" "${@:3}"
}
# popups NAME [BASE]: "N x0 y0 x1 y1" of what differs from BASE (default
# "base") where DMS puts notification popups; osd NAME [BASE]: the same
# where it puts its OSDs.
popups() {
	region_changed "$1" "${2:-base}" "${POPUPS[@]}"
}
osd() {
	region_changed "$1" "${2:-base}" "${OSD[@]}"
}
# shows WHAT NAME: a popup or the OSD is drawn on screenshot NAME: many
# pixels changed, in many colors (text). sway's pixman output may show a
# stale flat area where a surface was just unmapped: one or two colors.
shows() {
	local n colors
	read -r n colors _ < <("$1" "$2")
	[ "$n" -gt 300 ] && [ "$colors" -ge 16 ]
}
# shot_until NAME CONDITION...: screenshots as NAME until CONDITION (given
# the shot's name as its last word) holds; 1 after 8 s. The last shot is kept.
shot_until() {
	local name=$1 deadline=$((SECONDS + 8))
	shift
	while :; do
		shot "$name"
		if "$@" "$name"; then
			keep "$name"
			return 0
		fi
		[ "$SECONDS" -lt "$deadline" ] || break
		sleep 0.1
	done
	keep "$name"
	return 1
}
no_popup() {
	! shows popups "$1"
}
