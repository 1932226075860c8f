#!/bin/bash
# doc/install-nixos.md as the owner will follow it: every ```nix block
# parses, and its flake.nix and configuration.nix, copied out as written,
# evaluate for both laptops (tests/nix/install-guide.nix) with the real
# module systems: no failed assertion (nixpkgs' ppd one about TLP and
# auto-cpufreq included), no warning, the 1Password packages allowed as
# unfree, each host's own setup and 1Password item, panther's niri part in
# alice's config.kdl.
set -u
. "${PANTHER_SOURCE_DIR:?}/tests/nix/lib.sh"

guide=$src/doc/install-nixos.md
dir=$PN_TMP/guide
mkdir -p "$dir/zephyrus" "$dir/yoga"

pn_note "every nix block of the guide parses; flake.nix and configuration.nix are copied out"
"$PN_PYTHON" - "$guide" "$dir" <<'PY' || pn_fail "the guide's code blocks cannot be read"
import os, re, sys
guide, out = sys.argv[1:3]
blocks = re.findall(r"^```nix\n(.*?)^```", open(guide).read(), re.S | re.M)
named = 0
for i, block in enumerate(blocks):
    first = block.split("\n", 1)[0]
    name = first[2:].strip() if first.startswith("# ") and first.endswith(".nix") else "block-%d.nix" % i
    named += not name.startswith("block-")
    with open(os.path.join(out, name), "w") as f:
        f.write(block)
sys.exit(0 if named == 2 else 1)
PY
for file in "$dir"/*.nix; do
	# A fragment (`a.b = c;`) is a binding, as in a module's attribute set.
	nixi --parse "$file" >/dev/null 2>"$file.err" && continue
	{ printf '{\n' && cat "$file" && printf '}\n'; } >"$file.wrapped"
	nixi --parse "$file.wrapped" >/dev/null 2>"$file.err" ||
		pn_fail "a nix block of the guide does not parse: $(head -n 3 "$file.err")"
done
# hardware-configuration.nix is the machine's own (nixos-generate-config).
for host in zephyrus yoga; do
	printf '{ }\n' >"$dir/$host/hardware-configuration.nix"
done

out=$PN_TMP/guide.json
nix_eval "import ./install-guide.nix $dir" "$out"
check_json "$out" '
assert sorted(d) == ["yoga", "zephyrus"], sorted(d)
for host, s in d.items():
    assert s["assertions"] == [], (host, s["assertions"])
    assert s["warnings"] == [], (host, s["warnings"])
    assert s["host"] == host and s["hostName"] == host, (host, s["host"], s["hostName"])
    assert s["reference"] == "op://Private/%s-login/password" % host, s["reference"]
    assert s["unfree"] == [True, True, False], (host, "unfree packages allowed", s["unfree"])
    assert s["onePasswordGui"] and s["owners"] == ["alice"], (host, s["owners"])
    assert s["ppd"] and s["homePanther"], (host, s)
    assert "\"power\" \"cycle\"" in s["finalConfig"] and "block-out-from \"screen-capture\"" in s["finalConfig"], s["finalConfig"]
    assert "DMS_DISABLE_POLKIT" in s["finalConfig"] and s["dmsUnit"] == {"DMS_DISABLE_POLKIT": "1"}, (host, s["dmsUnit"])
assert d["zephyrus"]["asusdSetup"] and not d["yoga"]["asusdSetup"]'

pn_note "the guide names what it must (unfree, the app settings, TLP, niri versions, reloads)"
for text in "Integrate with 1Password CLI" "Unlock using system authentication" "services.tlp.enable = false" \
	"services.auto-cpufreq.enable = false" "nixosConfigurations.yoga" "25.11" "restoreConfigs" \
	"When a change needs a reload" "nixosModules.default" "allowUnfreePredicate"; do
	grep -qF -- "$text" "$guide" || pn_fail "the install guide does not mention $text"
done
pn_pass
