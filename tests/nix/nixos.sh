#!/bin/bash
# services.panther and the example hosts in nixpkgs' module system
# (tests/nix/nixos.nix): nixpkgs' lib and option types, Home Manager's real
# NixOS module, niri-flake's and DMS's real NixOS modules; stand-ins (typed
# like nixpkgs') only for the NixOS options outside those.
set -u
. "${PANTHER_SOURCE_DIR:?}/tests/nix/lib.sh"

out=$PN_TMP/nixos.json
nix_eval 'import ./nixos.nix' "$out"

check() {
	pn_note "$1"
	check_json "$out" "$2"
}

check "both hosts evaluate, with and without niri-flake, DMS and Home Manager, without failed assertions" '
for name, s in d.items():
    assert s["package"] == "panther-0.1.0", (name, s["package"])
    assert s["configFile"] == "panther-config.json", (name, s["configFile"])
    assert s["assertions"] == [], (name, s["assertions"])
for name in ("zephyrus", "yoga", "zephyrus-hm", "soteria-token", "without-daemons", "asusd-declared", "dms-spawned"):
    assert d[name]["warnings"] == [] or name == "zephyrus-hm", (name, d[name]["warnings"])'

check "the package's own units (systemd.packages), started with the config.json in effect" '
for name, s in d.items():
    assert s["systemdPackages"] == ["panther-0.1.0"], (name, s["systemdPackages"])
    for unit, u in s["units"].items():
        if not u["enable"]:
            continue
        assert u["wantedBy"] == ["panther-session.target"], (name, unit, u)
        start = u["serviceConfig"]["ExecStart"]
        assert start[0] == "" and start[1].endswith(unit + "-start"), (name, unit, start)
        # Type, restart and hardening come from the unit file, not from here.
        for key in ("Type", "BusName", "Restart", "NoNewPrivileges"):
            assert key not in u["serviceConfig"], (name, unit, key)
off = d["without-daemons"]["units"]
assert not off["panther-powerd"]["enable"] and not off["panther-session"]["enable"], off
assert off["panther-polkit-agent"]["enable"], off'

check "panther-session.target starts with the graphical session (niri-session and UWSM) and with niri.service" '
for name, s in d.items():
    assert "graphical-session.target" in s["targetWantedBy"] and "niri.service" in s["targetWantedBy"], (name, s["targetWantedBy"])'

check "the session has one polkit agent: niri-flake-polkit off, the dms unit told, soteria off" '
for name, s in d.items():
    assert s["niriFlakePolkit"] is False, (name, s["niriFlakePolkit"])
for name in ("zephyrus-full", "yoga-full"):
    assert d[name]["dmsEnvironment"] == {"DMS_DISABLE_POLKIT": "1"}, (name, d[name]["dmsEnvironment"])
assert d["soteria-token"]["soteria"] is False, d["soteria-token"]["soteria"]'

check "asusd: never switches on AC/battery, leaves the energy preference to ppd, through asusd after each start" '
for name in ("zephyrus", "asusd-declared"):
    s = d[name]
    assert s["asusdEnabled"] and d["zephyrus"]["ppd"], (name, "asusd or power-profiles-daemon is not enabled")
    a = s["asusdSetup"]
    assert a["wantedBy"] == ["asusd.service"] and a["after"] == ["asusd.service"] and a["partOf"] == ["asusd.service"], a
    assert a["Type"] == "oneshot", a
    for prop in ("ChangePlatformProfileOnAc b false", "ChangePlatformProfileOnBattery b false", "PlatformProfileLinkedEpp b false"):
        assert "set-property xyz.ljones.Asusd /xyz/ljones xyz.ljones.Platform " + prop + "\n" in a["script"], (name, prop, a["script"])
assert d["yoga"]["asusdSetup"] is None and not d["yoga"]["asusdEnabled"], d["yoga"]'

check "asusd.ron stays asusd's: nothing for restoreConfigs to copy back over asusctl's changes" '
z = d["zephyrus"]
assert z["restoreConfigs"] is True, "the stand-in does not model nixpkgs'"'"' default"
assert z["asusd"] is None, ("panther declares asusd.ron, which nixpkgs reinstalls before every asusd start", z["asusd"])
assert "ChargeControlEndThreshold" not in z["asusdSetup"]["script"], "the charge limit is set without being asked for"
a = d["asusd-declared"]
assert a["asusd"] == "(change_platform_profile_on_ac: true)", a["asusd"]
assert "ChargeControlEndThreshold y 80\n" in a["asusdSetup"]["script"], a["asusdSetup"]["script"]'

check "the units' PATH: a NixOS login shell's, however niri was started" '
for name, s in d.items():
    for unit, u in s["units"].items():
        if not u["enable"]:
            continue
        path = u["environment"]["PATH"].split(":")
        for need in ("/run/wrappers/bin", "/etc/profiles/per-user/%u/bin", "%h/.nix-profile/bin", "/run/current-system/sw/bin", "/nix/var/nix/profiles/default/bin"):
            assert need in path, (name, unit, need, path)'

check "1Password not managed by the module: warnings for each missing prerequisite" '
w = d["onepassword-none"]["warnings"]
assert len(w) == 2 and "programs._1password is not enabled" in w[0] and "programs._1password-gui is not enabled" in w[1], w
assert "\"alice\"" in w[1], w
w = d["onepassword-owners"]["warnings"]
assert len(w) == 2 and "/etc/profiles/per-user/alice/bin/op" in w[0] and "/run/wrappers/bin/op" in w[0], w
assert "polkitPolicyOwners lacks alice" in w[1], w
assert d["onepassword-right"]["warnings"] == [], d["onepassword-right"]["warnings"]'

check "DMS from its NixOS module, spawned by niri: DMS_DISABLE_POLKIT in niri's environment and the session's" '
s = d["dms-spawned"]
assert "spawn-at-startup \"dms\" \"run\"" in s["home"]["finalConfig"], s["home"]["finalConfig"]
assert "environment { \"DMS_DISABLE_POLKIT\" \"1\"; }" in s["home"]["finalConfig"], s["home"]["finalConfig"]
for name, x in d.items():
    assert x["sessionVariables"].get("DMS_DISABLE_POLKIT") == "1", (name, x["sessionVariables"])
assert s["home"]["dmsActivation"], "DMS'"'"'s power OSD is left on"'

# shellcheck disable=SC2016 # $CREDENTIALS_DIRECTORY is literal: the agent resolves it
check "1Password service account: LoadCredential and \$CREDENTIALS_DIRECTORY in config.json; keepAuthorized, fingerprintFirst and alwaysType reach it, and only when set" '
s = d["soteria-token"]
assert s["units"]["panther-polkit-agent"]["serviceConfig"]["LoadCredential"] == ["op-token:/run/agenix/op-token"], s["units"]
op = s["configJson"]["polkit"]["onepassword"]
assert op["token_file"] == "$CREDENTIALS_DIRECTORY/op-token" and op["mode"] == "service-account", op
assert op["account"] == "family.1password.com", op
assert op["keep_authorized"] is True and op["fingerprint_first"] == ["org.freedesktop.policykit.exec"], op
assert s["configJson"]["polkit"]["always_type"] == ["org.freedesktop.udisks2.*"], s["configJson"]["polkit"]
z = d["zephyrus"]["configJson"]["polkit"]
assert "always_type" not in z and "keep_authorized" not in z["onepassword"] and "fingerprint_first" not in z["onepassword"], z
assert not s["onePasswordGui"], "the 1Password app is enabled for a service account"
assert "token_file" not in d["zephyrus"]["configJson"]["polkit"]["onepassword"]'

check "Home Manager users get programs.panther, and niri-flake users its binds only in settings they use" '
for name in ("zephyrus-full", "yoga-full", "zephyrus-hm"):
    s = d[name]
    assert "hm-module.nix" in s["sharedModules"], (name, s["sharedModules"])
    assert s["home"]["units"] is False, (name, "user units duplicated next to the system ones")
    assert s["home"]["host"] == name.split("-")[0], (name, s["home"])
assert "hm-niri-flake.nix" in d["zephyrus-full"]["sharedModules"]
assert "hm-niri-flake.nix" not in d["zephyrus-hm"]["sharedModules"]
z = d["zephyrus-full"]["home"]
assert z["finalConfig"] is None and z["bindsKdl"], z
assert any("alice profile: programs.panther" in w and "panther-binds.kdl" in w for w in d["zephyrus-full"]["warnings"])
# niri-stable (25.08) does not read the include the warning asks for: it says so.
assert any("programs.niri.package is niri 25.08, which does not" in w for w in d["zephyrus-full"]["warnings"]), d["zephyrus-full"]["warnings"]
y = d["yoga-full"]["home"]
assert "Mod+Shift+P { power-off-monitors; }" in y["finalConfig"] and "Mod+Shift+Alt+P " in y["finalConfig"], y
assert not y["bindsKdl"], y'
pn_pass
