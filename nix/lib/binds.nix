# The niri key bindings panther adds (DESIGN.md 5.1), as niri-flake
# settings and as a KDL file to include. Builtins only, like config.nix.
let
  # A second key for `pantherctl power cycle`. On the Zephyrus, asus-nb-wmi
  # reports the Armoury Crate key (scancode 0x38) as KEY_PROG3, XF86Launch3.
  # Fn+F5 (0xAE) sends no key: asus-wmi switches the platform profile in the
  # kernel, and panther-powerd takes that change as a manual choice.
  extraKeyFor = host: if host == "zephyrus" then "XF86Launch3" else null;

  # Keys left at null get no binding.
  binds =
    {
      pantherctl,
      cycle,
      auto,
      extraKey,
    }:
    builtins.filter (bind: bind.key != null) [
      {
        key = cycle;
        title = "Cycle power profile";
        argv = [
          pantherctl
          "power"
          "cycle"
        ];
      }
      {
        key = extraKey;
        title = "Cycle power profile";
        argv = [
          pantherctl
          "power"
          "cycle"
        ];
      }
      {
        key = auto;
        title = "Power profile: automatic again";
        argv = [
          pantherctl
          "power"
          "auto"
        ];
      }
    ];

  quote = s: "\"" + builtins.replaceStrings [ "\\" "\"" ] [ "\\\\" "\\\"" ] s + "\"";

  toKdl =
    list:
    "binds {\n"
    + builtins.concatStringsSep "" (
      map (
        bind:
        "    ${bind.key} hotkey-overlay-title=${quote bind.title} { spawn ${
          builtins.concatStringsSep " " (map quote bind.argv)
        }; }\n"
      ) list
    )
    + "}\n";

  toNiriFlake =
    list:
    builtins.listToAttrs (
      map (bind: {
        name = bind.key;
        value = {
          action.spawn = bind.argv;
          hotkey-overlay.title = bind.title;
        };
      }) list
    );
in
{
  inherit
    extraKeyFor
    binds
    toKdl
    toNiriFlake
    ;
}
