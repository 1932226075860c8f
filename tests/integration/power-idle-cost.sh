#!/bin/bash
# An idle panther-powerd costs nothing: no wakeups (voluntary context
# switches) while nothing happens, under 3 MiB resident (VmRSS) and under
# 1 MiB of its own (anonymous) memory. PN_IDLE_SECONDS (default 5) is how
# long it is watched.
. "$PANTHER_SOURCE_DIR/tests/integration/power-lib.sh"

seconds=${PN_IDLE_SECONDS:-5}
power_mocks
power_config '{"power": {"host": "yoga", "idle": {"after_s": 600}}}'
power_start
expect_ppd balanced "start on AC (yoga)"
sleep 0.5

# All threads of the process.
switches() {
	local total=0 n f
	for f in /proc/"$POWERD_PID"/task/*/status; do
		n=$(awk '/^voluntary_ctxt_switches:/ { print $2 }' "$f")
		total=$((total + n))
	done
	echo "$total"
}
before=$(switches)
sleep "$seconds"
after=$(switches)
pn_note "voluntary context switches over ${seconds}s: $((after - before))"
[ "$after" -eq "$before" ] ||
	pn_fail "panther-powerd woke up $((after - before)) times in ${seconds}s while idle"

rss=$(pn_rss_kib "$POWERD_PID")
anon=$(awk '/^RssAnon:/ { print $2 }' "/proc/$POWERD_PID/status")
pss=$(awk '/^Pss:/ { print $2 }' "/proc/$POWERD_PID/smaps_rollup")
pn_note "memory: VmRSS ${rss} KiB, Pss ${pss} KiB, RssAnon ${anon} KiB"
if pn_built_with_asan "$POWERD"; then
	pn_note "sanitizer build: memory not checked (ASan's shadow memory dominates it)"
else
	[ "$rss" -lt 3072 ] || pn_fail "panther-powerd is ${rss} KiB resident, expected under 3 MiB"
	[ "$anon" -lt 1024 ] || pn_fail "panther-powerd holds ${anon} KiB of its own memory, expected under 1 MiB"
fi

pn_note "still answering after the quiet period"
unplug
expect_ppd power-saver "unplugged after the quiet period"
power_pass
