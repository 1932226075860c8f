# services.panther on the Yoga with most options set: explicit values win
# over the host's defaults, the rest of the host policy stays.
{
  host = "yoga";
  power = {
    lowBattery.percent = 25;
    idle.afterSeconds = 300;
    cycle = [
      "power-saver"
      "balanced"
    ];
    manual = "until-auto";
    appRules = [
      {
        appId = "^steam_app_";
        profile = "performance";
      }
    ];
  };
  polkitAgent = {
    onePassword = {
      references.alice = "op://pantherOS/yoga-login/password";
      timeout = 30;
    };
    prompt = {
      type = "command";
      command = [
        "fuzzel"
        "--dmenu"
        "--password"
      ];
    };
  };
  session = {
    mode = "direct";
    services = [
      {
        name = "dms";
        argv = [
          "dms"
          "run"
          "--session"
        ];
        environment.DMS_DISABLE_POLKIT = "1";
      }
      {
        name = "powerd";
        argv = [ "panther-powerd" ];
        restart = "always";
        after = [ "dms" ];
      }
    ];
  };
}
