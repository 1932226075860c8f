#!/bin/bash
# Inside the sid root (bench/dms-polkit starts it through tests/newest/run.sh):
# panther's Wayland card and DMS's own polkit dialog, both on the same
# headless sway, requests taken in turns so both see the same load.
# - request to card on screen: pkcheck's start until the middle of the
#   screen changes, seen by bench/screen-watch.py (grim captures one after
#   another; both peers carry the same capture delay, printed too);
# - memory (VmRSS): panther's agent idle and, with the card open, the agent
#   plus the card's program; DMS's whole shell (Quickshell: bar, wallpaper,
#   notifications, its agent and dialog) idle and with the dialog open.
set -u
. "$PANTHER_SOURCE_DIR/tests/newest/dms-lib.sh"
. "$PANTHER_SOURCE_DIR/tests/harness/prompt.sh"

rounds=${ROUNDS:-15}
[ -n "$rounds" ] || rounds=15
action=org.freedesktop.policykit.exec
median() {
	sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ms() {
	awk -v us="$1" 'BEGIN { printf "%.1f", us / 1000 }'
}
mib() {
	awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'
}

pn_prompt_setup
pn_prompt_theme dark
dms_settings '{"osdPowerProfileEnabled": false}'
dms_start
pn_wait_for -t 30 grep -q "PolkitService.*Initialized successfully" "$DMS_LOG" ||
	pn_fail "DMS's polkit service did not start (see $DMS_LOG)"
sleep 3
grep -q "failed to register listener" "$DMS_LOG" && pn_fail "DMS's agent did not register"
pk_subject
pk_wayland_agent --process "$PK_SUBJECT"
sleep 2
dms_idle=$(pn_rss_kib "$DMS_PID")
pan_idle=$(pn_rss_kib "$PK_AGENT_PID")

# One capture's cost, the resolution of both measurements.
t0=$EPOCHREALTIME
for ((i = 0; i < 10; i++)); do pn_as_user grim -t ppm -g "440,300 400x200" - >/dev/null; done
capture_ms=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", (b - a) * 100 }')

watch="exec $(printf '%q ' "${PN_AS_USER[@]}") $PN_PYTHON $PANTHER_SOURCE_DIR/bench/screen-watch.py '440,300 400x200'"
card_time() {
	local name=$1
	shift
	"$PN_PYTHON" "$PANTHER_SOURCE_DIR/bench/card-timer.py" --rounds 1 --events "$watch" \
		--shown '^shown' --gone '^gone' -- "$@" >>"$PN_TMP/$name.us" 2>"$PN_TMP/$name.err" ||
		pn_fail "card-timer ($name) failed: $(tail -n 3 "$PN_TMP/$name.err")"
}
pk_mode op dismiss
for ((i = 0; i < rounds; i++)); do
	card_time panther "${PN_AS_USER[@]}" pkcheck -a "$action" -p "$PK_SUBJECT" -u
	card_time dms "${PN_IN_SESSION[@]}" "${PN_AS_USER[@]}" sh -c 'exec pkcheck -a '"$action"' -p $$ -u'
done
# panther's card as its own log stamps the first frame: what the capture adds.
for ((i = 0; i < rounds; i++)); do
	"$PN_PYTHON" "$PANTHER_SOURCE_DIR/bench/card-timer.py" --rounds 1 \
		--events "exec tail -n 0 -F $PK_AGENT_LOG" --shown "the prompt is on screen" \
		--gone "request [0-9]+: .* cancelled" -- "${PN_AS_USER[@]}" pkcheck -a "$action" -p "$PK_SUBJECT" -u \
		>>"$PN_TMP/panther-log.us" 2>"$PN_TMP/panther-log.err" ||
		pn_fail "card-timer (panther-log) failed: $(tail -n 3 "$PN_TMP/panther-log.err")"
done
pan_log=$(median <"$PN_TMP/panther-log.us")
pan_card=$(median <"$PN_TMP/panther.us")
dms_card=$(median <"$PN_TMP/dms.us")

# Memory with each open.
pn_spawn_as_user open-panther pkcheck -a "$action" -p "$PK_SUBJECT" -u
open=$PN_PID
pk_prompt_shown $((2 * rounds + 1))
sleep 1
prompt_pid=$(pgrep -P "$PK_AGENT_PID" -x panther-polkit-)
pan_open=$(($(pn_rss_kib "$PK_AGENT_PID") + $(pn_rss_kib "$prompt_pid")))
shot dms-bench-panther-card
keep dms-bench-panther-card
pn_stop "$open"
sleep 1
pn_spawn_in_session open-dms sh -c 'exec pkcheck -a '"$action"' -p $$ -u'
open=$PN_PID
sleep 2
dms_open=$(pn_rss_kib "$DMS_PID")
shot dms-bench-dms-dialog
keep dms-bench-dms-dialog
pn_stop "$open"

echo "request to card on screen, median of $rounds (taken in turns; one grim capture of the region: $capture_ms ms, in both):"
echo "  panther's Wayland card                    $(ms "$pan_card") ms"
echo "  DMS's polkit dialog (Quickshell)          $(ms "$dms_card") ms"
echo "  ratio panther / DMS                       $(awk -v a="$pan_card" -v b="$dms_card" 'BEGIN { printf "%.2f", a / b }')"
echo "  panther's card, first frame by its log    $(ms "$pan_log") ms (no capture; DMS logs nothing to time it by)"
echo "memory (VmRSS):"
echo "  panther's agent idle                      $(mib "$pan_idle")"
echo "  panther's agent + card, card open         $(mib "$pan_open")"
echo "  DMS's whole shell idle                    $(mib "$dms_idle")"
echo "  DMS's whole shell, dialog open            $(mib "$dms_open")"
echo "versions: polkit $(dpkg-query -W -f '${Version}' polkitd), quickshell $(dpkg-query -W -f '${Version}' quickshell), sway $(dpkg-query -W -f '${Version}' sway), DMS 1.5.3"
pk_stop_agent
pn_pass
