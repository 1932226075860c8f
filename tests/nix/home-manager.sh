#!/bin/bash
# programs.panther in Home Manager's module system with niri-flake's settings
# module and DMS's modules (tests/nix/home-manager.nix): niri's config.kdl is
# generated only for users who already use programs.niri.settings, and their
# own binds win; everyone else gets panther-binds.kdl and a warning saying to
# include it; DMS and other polkit agents leave the session to panther's.
set -u
. "${PANTHER_SOURCE_DIR:?}/tests/nix/lib.sh"

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

check "(c) raw programs.niri.config: kept as written, plus the include file and a warning" '
s = d["raw-config"]
assert s["finalConfig"].strip() == "binds {\n    Mod+T { spawn \"alacritty\"; }\n}", s["finalConfig"]
assert s["bindsKdl"] and "\"power\" \"cycle\"" in s["bindsKdl"], s["bindsKdl"]
assert any("programs.niri.config replaces" in w for w in s["warnings"]), s["warnings"]
s = d["raw-config-include"]
assert s["bindsKdl"] and s["warnings"] == [], s'

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
assert "DMS_DISABLE_POLKIT" not in d["settings"]["finalConfig"]'

check "1Password service account: the token file is a credential of the agent unit" '
s = d["token"]
assert s["dropIn"] == "[Service]\nLoadCredential=op-token:/run/secrets/op-token\n", s["dropIn"]
assert s["assertions"] == [], s["assertions"]'
pn_pass
