#!/bin/bash
# programs.panther in Home Manager's module system with niri-flake's settings
# module and DMS's modules (tests/nix/home-manager.nix): niri's config.kdl is
# generated only for users who already use programs.niri.settings, and their
# own binds win; raw KDL gets an include of a store file with niri 25.11 and
# an assertion before; everyone else gets panther-binds.kdl and a warning
# saying to include it; DMS and other polkit agents leave the session to
# panther's; DMS's power OSD goes off; the units' PATH.
set -u
. "${PANTHER_SOURCE_DIR:?}/tests/nix/lib.sh"
pn_need_cmd jq

out=$PN_TMP/home-manager.json
nix_eval 'import ./home-manager.nix' "$out"

check() {
	pn_note "$1"
	check_json "$out" "$2"
}

check "(a) niri-flake without programs.niri.settings: no config.kdl, the include file and a warning" '
s = d["no-settings"]
assert not s["configKdl"], "a config.kdl is generated for a user without programs.niri.settings"
assert s["finalConfig"] is None, s["finalConfig"]
kdl = s["bindsKdl"]
assert kdl and "Mod+Shift+P " in kdl and "Mod+Shift+Alt+P " in kdl, kdl
assert any("include \"panther-binds.kdl\"" in w for w in s["warnings"]), s["warnings"]'

check "(b) settings in use: panther's binds join them, the user's Mod+Shift+P stays" '
s = d["settings"]
assert s["configKdl"], "no config.kdl"
kdl = s["finalConfig"]
assert "Mod+Shift+P { power-off-monitors; }" in kdl, kdl
assert kdl.count("Mod+Shift+P ") == 1, kdl
assert "Mod+Shift+Alt+P " in kdl and "\"power\" \"auto\"" in kdl, kdl
assert "Mod+T { spawn \"alacritty\"; }" in kdl, kdl
assert s["bindsKdl"] is None and s["warnings"] == [], s'

check "(c) raw programs.niri.config with niri 25.08: refused by an assertion that says what to do" '
s = d["raw-config"]
assert s["finalConfig"].strip() == "binds {\n    Mod+T { spawn \"alacritty\"; }\n}", s["finalConfig"]
assert len(s["assertions"]) == 1, s["assertions"]
a = s["assertions"][0]
assert "niri 25.08" in a and "25.11" in a and "programs.niri.settings" in a and "keybinds.included = true" in a, a
assert s["bindsKdl"] is None, s["bindsKdl"]
s = d["raw-niri-25-08-included"]
assert s["assertions"] == [] and s["finalConfig"] == "binds { }" and s["validated"], s'

check "(c) raw KDL with niri 25.11: an include of a store file, present where niri validate runs" '
import re
for name in ("raw-niri-25-11", "raw-config-include"):
    s = d[name]
    assert s["assertions"] == [] and s["warnings"] == [], (name, s["assertions"], s["warnings"])
    assert s["validated"] is True, (name, "niri validate fails", s["finalConfig"])
    inc = re.findall(r"include \"([^\"]*)\"", s["finalConfig"])
    assert len(inc) == 1 and inc[0].startswith("/nix/store/") and inc[0].endswith("-panther.kdl"), (name, s["finalConfig"])
# First, so that binds of the user (later in the file) win.
assert d["raw-niri-25-11"]["finalConfig"].startswith("include \"/nix/store/"), d["raw-niri-25-11"]["finalConfig"]
kdl = d["raw-niri-25-11"]["pantherKdl"]
assert "\"power\" \"cycle\"" in kdl and "block-out-from \"screen-capture\"" in kdl and "DMS_DISABLE_POLKIT \"1\"" in kdl, kdl
assert "Mod+T { spawn \"alacritty\"; }" in d["raw-niri-25-11"]["finalConfig"]'

check "the polkit card is kept out of screen captures: a layer rule in settings and in the include file" '
rule = "layer-rule {\n    match namespace=\"^panther-polkit$\"\n    block-out-from \"screen-capture\"\n}"
for name in ("settings", "zephyrus", "dms"):
    assert rule in d[name]["finalConfig"], (name, d[name]["finalConfig"])
for name in ("no-settings", "plain"):
    assert rule in d[name]["bindsKdl"], (name, d[name]["bindsKdl"])'

check "Home Manager alone: the include file and the units of the package" '
s = d["plain"]
assert s["bindsKdl"] and not s["configKdl"], s
units = [f for f in s["files"] if f.startswith("systemd/user/")]
for unit in ("panther-powerd.service", "panther-polkit-agent.service", "panther-session.service"):
    assert "systemd/user/" + unit in units and "systemd/user/panther-session.target.wants/" + unit in units, units
assert "systemd/user/graphical-session.target.wants/panther-session.target" in units, units'

check "Zephyrus: the Armoury Crate key (XF86Launch3) cycles too; XF86Launch4 is the AURA key" '
kdl = d["zephyrus"]["finalConfig"]
assert "XF86Launch3 " in kdl and "XF86Launch4" not in kdl, kdl
assert "XF86Launch" not in d["settings"]["finalConfig"]'

check "DMS: no polkit agent of its own, a warning about its AC/battery switching; other agents off" '
s = d["dms"]
assert "environment { \"DMS_DISABLE_POLKIT\" \"1\"; }" in s["finalConfig"], s["finalConfig"]
assert "spawn-at-startup \"dms\" \"run\"" in s["finalConfig"], s["finalConfig"]
assert s["dmsEnvironment"] == ["DMS_DISABLE_POLKIT=1"], s["dmsEnvironment"]
assert any("acProfileName, batteryAutoPowerSaver" in w for w in s["warnings"]), s["warnings"]
assert not any(s["agents"].values()), s["agents"]
for name in ("settings", "no-settings", "plain"):
    assert d[name]["sessionVariables"].get("DMS_DISABLE_POLKIT") == "1", (name, d[name]["sessionVariables"])
assert "environment { \"DMS_DISABLE_POLKIT\" \"1\"; }" in d["settings"]["finalConfig"]'

check "one power OSD: DMS's osdPowerProfileEnabled false while panther's bubble is on" '
s = d["dms-settings"]
assert s["dmsSettings"] == {"showWeather": False, "osdPowerProfileEnabled": False}, s["dmsSettings"]
assert s["dmsSettingsFile"], "settings.json is not written"
s = d["dms-own-settings"]
assert s["dmsSettings"] == {} and not s["dmsSettingsFile"], ("a read-only settings.json replaces DMS'"'"'s own", s)
assert ".osdPowerProfileEnabled = false" in s["activation"] and "! -L" in s["activation"], s["activation"]
s = d["dms-no-notify"]
assert s["dmsSettings"] == {"showWeather": False} and s["activation"] is None, s
assert d["dms"]["dmsSettings"]["osdPowerProfileEnabled"] is False, d["dms"]["dmsSettings"]'

pn_note "the activation step on DMS's own settings.json: the key set, the rest kept; Home Manager's file untouched"
"$PN_PYTHON" -c 'import json, sys; print(json.load(open(sys.argv[1]))["dms-own-settings"]["activation"])' "$out" |
	sed -e "s|/nix/store/[a-z0-9]*-jq/bin/jq|jq|" -e "s|/home/alice|$PN_TMP/alice|g" >"$PN_TMP/activation.sh"
settings=$PN_TMP/alice/.config/DankMaterialShell/settings.json
activate() {
	bash -eu -o pipefail "$PN_TMP/activation.sh" 2>"$PN_TMP/activation.err" ||
		pn_fail "the activation step failed ($1): $(cat "$PN_TMP/activation.err")"
}
activate "no settings.json yet"
[ "$(jq -c . "$settings")" = '{"osdPowerProfileEnabled":false}' ] || pn_fail "a new settings.json: $(cat "$settings")"
echo '{"osdPowerProfileEnabled": true, "currentThemeName": "blue"}' >"$settings"
activate "DMS's OSD on"
[ "$(jq -c . "$settings")" = '{"osdPowerProfileEnabled":false,"currentThemeName":"blue"}' ] ||
	pn_fail "DMS's settings.json after activation: $(cat "$settings")"
printf '{"broken":' >"$settings"
activate "a broken settings.json"
if [ "$(cat "$settings")" != '{"broken":' ] || [ -e "$settings.panther" ]; then
	pn_fail "a broken settings.json was changed or left a temporary file"
fi
echo '{"osdPowerProfileEnabled": true}' >"$PN_TMP/managed.json"
ln -sf "$PN_TMP/managed.json" "$settings"
activate "a settings.json from Home Manager"
if [ ! -L "$settings" ] || [ "$(cat "$PN_TMP/managed.json")" != '{"osdPowerProfileEnabled": true}' ]; then
	pn_fail "Home Manager's settings.json was written through"
fi

check "the units' PATH: a NixOS login shell's, whatever the user manager has" '
p = d["plain"]["pathDropIns"]
assert sorted(p) == ["systemd/user/panther-%s.service.d/path.conf" % u for u in ("polkit-agent", "powerd", "session")], sorted(p)
for text in p.values():
    path = text.split("PATH=")[1].split("\"")[0].split(":")
    for need in ("/run/wrappers/bin", "/etc/profiles/per-user/%u/bin", "%h/.nix-profile/bin", "/run/current-system/sw/bin", "/nix/var/nix/profiles/default/bin"):
        assert need in path, (need, path)
    assert path[0] == "/run/wrappers/bin", path'

check "1Password service account: the token file is a credential of the agent unit" '
s = d["token"]
assert s["dropIn"] == "[Service]\nLoadCredential=op-token:/run/secrets/op-token\n", s["dropIn"]
assert s["assertions"] == [], s["assertions"]'
pn_pass
