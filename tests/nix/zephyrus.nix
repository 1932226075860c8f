# services.panther as the person sets it on the Zephyrus: the host and a
# 1Password reference, everything else left at its default.
{
  host = "zephyrus";
  polkitAgent.onePassword.references.alice = "op://pantherOS/zephyrus-login/password";
}
