# What panther adds to niri's config (DESIGN.md 5.1): the key bindings, the
# layer rule that keeps the polkit card out of screen captures, and
# DMS_DISABLE_POLKIT in the environment of what niri spawns; as niri-flake
# settings and as KDL for an include. Builtins only, like config.nix.
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

  # The card's layer-shell namespace (polkit-agent/card/wayland.c). Screen
  # capture tools (wlr-screencopy, the screencast portal) then see a black
  # box where the card is; niri's own screenshot action still sees it.
  cardLayerRule = {
    matches = [ { namespace = "^panther-polkit$"; } ];
    block-out-from = "screen-capture";
  };

  # DMS starts its own polkit agent unless this is set where it runs.
  dmsEnvironment = {
    DMS_DISABLE_POLKIT = "1";
  };

  # The whole KDL: binds (a list from `binds`, possibly empty), and with
  # `agent` the layer rule and the environment. "" when there is nothing.
  toKdlFile =
    { binds, agent }:
    (if binds == [ ] then "" else toKdl binds)
    + (
      if agent then
        ''
          layer-rule {
              match namespace=${quote (builtins.head cardLayerRule.matches).namespace}
              block-out-from ${quote cardLayerRule.block-out-from}
          }
          environment {
              DMS_DISABLE_POLKIT ${quote dmsEnvironment.DMS_DISABLE_POLKIT}
          }
        ''
      else
        ""
    );

  # Whether a niri package reads `include` (since 25.11): from its version,
  # "25.08", "25.11", "26.04" (nixpkgs, niri-flake's stable) or
  # "unstable-YYYY-MM-DD-REV" (niri-flake's unstable), counted from 25.11's
  # release on 2025-11-29.
  niriHasInclude =
    version:
    let
      dated = builtins.match "unstable-([0-9]{4})-([0-9]{2})-([0-9]{2}).*" version;
      release = builtins.match "([0-9]+)\\.([0-9]+).*" version;
      number = s: builtins.fromJSON (builtins.head (builtins.match "0*([0-9]+)" s));
    in
    if dated != null then
      builtins.concatStringsSep "" dated >= "20251129"
    else if release != null then
      let
        major = number (builtins.elemAt release 0);
        minor = number (builtins.elemAt release 1);
      in
      major > 25 || (major == 25 && minor >= 11)
    else
      false;

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
    toKdlFile
    toNiriFlake
    cardLayerRule
    dmsEnvironment
    niriHasInclude
    ;
}
