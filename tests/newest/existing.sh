#!/bin/bash
# panther's own tests that meet polkit, ppd, json-c and the card, run again
# in the sid root (polkit 127+: the PAM helper comes from the socket, not
# from the agent; ppd 0.30; json-c 0.19): the config parser's unit test, the
# agent end to end on the Wayland card (1Password's fill and one press, the
# typed fallback, cancel), polkitd restarting, the service account, ppd.
# Runs inside the namespace (run.sh).
set -u
tests=(config polkit-onepassword polkit-cancel polkit-service-account prompt-agent
	fault-polkitd power-ppd-real fault-ppd)
echo "# json-c $(pkg-config --modversion json-c), $(pkcheck --version), power-profiles-daemon $(dpkg-query -W -f '${Version}' power-profiles-daemon)"
meson test -C /build --no-rebuild --print-errorlogs --num-processes 1 "${tests[@]}"
rc=$?
cp /build/meson-logs/testlog.txt /build/meson-logs/testlog.json /logs/ 2>/dev/null
# Every one must have run: a skip here is a test that did not meet polkit 128.
skipped=$(/usr/bin/python3 -c 'import json, sys
for line in open(sys.argv[1]):
    t = json.loads(line)
    if t["result"] == "SKIP":
        print(t["name"], end=" ")' /logs/testlog.json)
if [ -n "$skipped" ]; then
	echo "FAIL: skipped in the sid root: $skipped"
	exit 1
fi
[ "$rc" -eq 0 ] && echo "PASS: existing tests in the sid root"
exit "$rc"
