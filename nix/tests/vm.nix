# A NixOS VM with alice logged in on tty1: polkitd, power-profiles-daemon,
# panther-powerd and panther-polkit-agent, whose `op` is a stand-in that
# knows alice's password. pkexec run by alice must be answered from
# "1Password" without a prompt; `pantherctl power cycle` must switch the
# profile through panther-powerd.
{ pkgs, module }:
let
  password = "alice-vm-password";
  reference = "op://Test/alice-login/password";

  fakeOp = pkgs.writeShellScript "op" ''
    echo "$*" >> /tmp/panther-op.log
    if [ "$*" = "read -n ${reference}" ]; then
      printf %s '${password}'
    else
      echo "[ERROR] 2026/01/01 00:00:00 unexpected arguments" >&2
      exit 1
    fi
  '';

  # Reached only when 1Password did not answer: the test fails on it.
  failPrompt = pkgs.writeShellScript "prompt" ''
    touch /tmp/panther-prompted
    exit 1
  '';
in
pkgs.testers.runNixOSTest {
  name = "panther";

  nodes.machine = {
    imports = [ module ];

    users.users.alice = {
      isNormalUser = true;
      uid = 1000;
      extraGroups = [ "wheel" ];
      inherit password;
    };
    services.getty.autologinUser = "alice";

    services.panther = {
      enable = true;
      # No Niri here: the test starts panther-session.target by hand.
      session.enable = false;
      polkitAgent.onePassword = {
        op = "${fakeOp}";
        references.alice = reference;
        enablePrograms = false;
      };
      polkitAgent.prompt = {
        type = "command";
        command = [ "${failPrompt}" ];
      };
    };

    # panther-powerd runs in alice's user manager, outside the tty session
    # that makes her "active"; on the laptops the graphical session is.
    # What is checked here is panther's switching, not ppd's policy.
    security.polkit.extraConfig = ''
      polkit.addRule(function(action, subject) {
        if (action.id.indexOf("PowerProfiles.switch-profile") >= 0 && subject.user == "alice")
          return polkit.Result.YES;
      });
    '';
  };

  testScript = ''
    def as_alice(command):
        return (
            "su alice -c 'XDG_RUNTIME_DIR=/run/user/1000 "
            "DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1000/bus " + command + "'"
        )

    machine.wait_for_unit("multi-user.target")
    machine.wait_for_unit("user@1000.service")
    machine.wait_until_tty_matches("1", "alice@machine")

    machine.succeed("systemctl --user -M alice@ start panther-session.target")
    machine.wait_until_succeeds(
        "systemctl --user -M alice@ is-active panther-powerd.service panther-polkit-agent.service"
    )

    with subtest("the units are the package's, with the module's drop-in"):
        for unit in ("panther-powerd.service", "panther-polkit-agent.service"):
            shown = machine.succeed(
                f"systemctl --user -M alice@ show -p Type -p FragmentPath -p DropInPaths {unit}"
            )
            assert "Type=notify" in shown, shown
            assert "/etc/systemd/user/" in shown and "overrides.conf" in shown, shown
        # session.enable = false: masked, so the target cannot start it.
        machine.succeed(
            "systemctl --user -M alice@ show -p LoadState panther-session.service | grep -qx LoadState=masked"
        )

    with subtest("pkexec is answered from 1Password, without a prompt"):
        machine.send_chars(
            "pkexec --disable-internal-agent /run/current-system/sw/bin/touch /tmp/pkexec-ran\n"
        )
        machine.wait_for_file("/tmp/pkexec-ran")
        machine.succeed("grep -qx 'read -n ${reference}' /tmp/panther-op.log")
        machine.fail("test -e /tmp/panther-prompted")

    with subtest("pantherctl power cycle switches the profile"):
        machine.wait_until_succeeds(as_alice("pantherctl power get"))
        before = machine.succeed("powerprofilesctl get").strip()
        machine.succeed(as_alice("pantherctl power cycle"))
        machine.wait_until_succeeds(f'test "$(powerprofilesctl get)" != "{before}"')
        after = machine.succeed("powerprofilesctl get").strip()
        assert after in machine.succeed(as_alice("pantherctl power get")), after
  '';
}
