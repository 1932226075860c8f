#!/bin/bash
# The Nix side, as far as it runs without nixpkgs: every .nix file parses;
# nix/lib/config.nix turns the option values in tests/nix/HOST.nix into the
# expected config.json (tests/nix/expected-HOST.json), which pantherctl
# check-config accepts; the niri key bindings come out as DESIGN.md writes
# them. Building the package and the VM test need nixpkgs: `nix flake check`.
set -u
. "${PANTHER_SOURCE_DIR:?PANTHER_SOURCE_DIR is not set}/tests/harness/lib.sh"

src=$PANTHER_SOURCE_DIR
ctl=${PANTHERCTL:?PANTHERCTL is not set}
pn_need_cmd nix-instantiate "$PN_PYTHON"

# A dummy store: nothing here builds, and it works for any user.
nixi() {
	nix-instantiate --option build-users-group '' --store dummy:// "$@"
}

# nix_eval EXPR OUT: evaluates EXPR (in the source directory) to JSON in OUT.
nix_eval() {
	(cd "$src" && nixi --eval --strict --json -E "$1") >"$2" 2>"$2.err" ||
		pn_fail "evaluating $1: $(head -n 5 "$2.err")"
}

# same_json FILE EXPECTED: equal as JSON values, or fail showing both.
same_json() {
	"$PN_PYTHON" - "$1" "$2" <<'EOF' || pn_fail "$1 differs from $2"
import json, sys
got, want = (json.load(open(f)) for f in sys.argv[1:])
if got != want:
    print("# got:      " + json.dumps(got, sort_keys=True))
    print("# expected: " + json.dumps(want, sort_keys=True))
    sys.exit(1)
EOF
}

# check_config FILE: pantherctl check-config must accept FILE.
check_config_available=yes
check_config() {
	local out err status
	out=$("$ctl" check-config "$1" 2>"$PN_TMP/check.err")
	status=$?
	err=$(cat "$PN_TMP/check.err")
	if [[ $err == *"not available in this build"* ]]; then
		check_config_available=no
		return
	fi
	[ "$status" -eq 0 ] || pn_fail "pantherctl check-config refuses $1 ($status): $err"
	[ "$out" = "$1: ok" ] || pn_fail "pantherctl check-config $1 printed '$out'"
}

pn_note "every .nix file parses"
mapfile -t files < <(find "$src" \( -path "$src/.git" -o -path "$src/build*" -o -name 'result*' \) \
	-prune -o -name '*.nix' -type f -print | sort)
for f in "$src/flake.nix" "$src/nix/lib/config.nix" "$src/nix/nixos-module.nix" \
	"$src/nix/hm-module.nix" "$src/nix/tests/vm.nix"; do
	[[ " ${files[*]} " == *" $f "* ]] || pn_fail "$f is missing"
done
for f in "${files[@]}"; do
	nixi --parse "$f" >/dev/null 2>"$PN_TMP/parse.err" ||
		pn_fail "${f#"$src"/} does not parse: $(head -n 5 "$PN_TMP/parse.err")"
done
pn_note "${#files[@]} files parse"

lib='(import ./nix/lib/config.nix)'
for host in zephyrus yoga; do
	pn_note "config.json for $host"
	doc=$PN_TMP/$host.json
	nix_eval "$lib.settingsFor (import ./tests/nix/$host.nix)" "$doc"
	same_json "$doc" "$src/tests/nix/expected-$host.json"
	check_config "$doc"
done

pn_note "no host, all defaults"
nix_eval "$lib.settingsFor { }" "$PN_TMP/defaults.json"
"$PN_PYTHON" - "$PN_TMP/defaults.json" <<'EOF' || pn_fail "defaults document is wrong"
import json, sys
power = json.load(open(sys.argv[1]))["power"]
assert "host" not in power, power
assert (power["on_ac"], power["on_battery"]) == ("balanced", "power-saver"), power
assert power["low_battery"] == {"percent": 20, "profile": "power-saver"}, power
assert "idle" not in power and "cycle" not in power, power
EOF
check_config "$PN_TMP/defaults.json"

pn_note "a threshold of 0 turns the trigger off"
nix_eval "$lib.settingsFor { host = \"yoga\"; power.idle.afterSeconds = 0; power.lowBattery.percent = 0; }" \
	"$PN_TMP/off.json"
"$PN_PYTHON" - "$PN_TMP/off.json" <<'EOF' || pn_fail "0 does not turn idle/low_battery off"
import json, sys
power = json.load(open(sys.argv[1]))["power"]
assert power["idle"] is False and power["low_battery"] is False, power
EOF
check_config "$PN_TMP/off.json"

pn_note "an unknown host is refused by name"
if (cd "$src" && nixi --eval --strict --json -E "$lib.settingsFor { host = \"turbo\"; }") \
	>/dev/null 2>"$PN_TMP/host.err"; then
	pn_fail "host \"turbo\" was accepted"
fi
grep -q 'unknown host "turbo"' "$PN_TMP/host.err" ||
	pn_fail "unknown host error does not name it: $(head -n 3 "$PN_TMP/host.err")"

pn_note "niri key bindings"
binds='let b = import ./nix/lib/binds.nix; in host: b.toKdl (b.binds {
	pantherctl = "pantherctl"; cycle = "Mod+Shift+P"; auto = "Mod+Shift+Alt+P";
	extraKey = b.extraKeyFor host; })'
nix_eval "($binds) \"zephyrus\"" "$PN_TMP/zephyrus.kdl.json"
nix_eval "($binds) \"yoga\"" "$PN_TMP/yoga.kdl.json"
"$PN_PYTHON" - "$PN_TMP/zephyrus.kdl.json" "$PN_TMP/yoga.kdl.json" <<'EOF' || pn_fail "key bindings are wrong"
import json, sys
zephyrus, yoga = (json.load(open(f)) for f in sys.argv[1:])
cycle = 'Mod+Shift+P hotkey-overlay-title="Cycle power profile" { spawn "pantherctl" "power" "cycle"; }'
auto = '{ spawn "pantherctl" "power" "auto"; }'
for kdl in (zephyrus, yoga):
    assert kdl.startswith("binds {\n") and kdl.endswith("\n}\n"), kdl
    assert cycle in kdl, kdl
    assert "Mod+Shift+Alt+P " in kdl and auto in kdl, kdl
# The Armoury Crate key (KEY_PROG3); XF86Launch4 is the AURA key, and Fn+F5 sends none.
assert 'XF86Launch3 ' in zephyrus and '"power" "cycle"' in zephyrus.split("XF86Launch3")[1], zephyrus
assert "XF86Launch" not in yoga, yoga
EOF

if [ "$check_config_available" = no ]; then
	echo "check-config step skipped: pantherctl check-config is not available in this build"
fi
pn_pass
