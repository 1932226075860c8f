# The niri key bindings panther adds (DESIGN.md 5.1), as niri-flake
# settings and as a KDL file to include. Builtins only, like config.nix.
let
  # On the Zephyrus the fan key (Fn+F5) arrives as XF86Launch4.
  fanKeyFor = host: if host == "zephyrus" then "XF86Launch4" else null;

  # Keys left at null get no binding.
  binds =
    {
      pantherctl,
      cycle,
      auto,
      fanKey,
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
        key = fanKey;
        title = "Cycle power profile (fan key)";
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
    fanKeyFor
    binds
    toKdl
    toNiriFlake
    ;
}
