#!/usr/bin/python3
"""Writes bench/RESULTS.md from what bench/run collected.

    report.py OUT_DIR RESULTS_MD [README_MD]

OUT_DIR holds machine.txt (key=value lines) and, per benchmark NAME,
NAME.txt (its output) and NAME.status ("EXIT SECONDS", or "missing").
With README_MD, its "Benchmarks" section (and an older "Numbers" section)
is replaced by the summary tables.
"""

import os
import re
import sys

# In the order RESULTS.md lists them.
BENCHMARKS = ["power-switch", "polkit-auth", "session-start", "daemons-idle", "idle-wakeups",
              "op-session", "dms-polkit"]
MISSING = "n/a"


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def find(text, pattern):
    """The first group of PATTERN in TEXT as a float, or None."""
    if not text:
        return None
    m = re.search(pattern, text)
    if not m:
        return None
    try:
        return float(m.group(1))
    except ValueError:
        return None


def ms(v, digits=1):
    return MISSING if v is None else f"{v:.{digits}f} ms"


def mib(kib):
    return MISSING if kib is None else f"{kib / 1024:.1f} MiB"


def in_mib(v):
    return MISSING if v is None else f"{v:.1f} MiB"


def times(a, b):
    """How many times a is of b, e.g. '38x'."""
    if a is None or b is None or b == 0:
        return MISSING
    r = a / b
    if r >= 10:
        return f"{r:.0f}x"
    return f"{r:.1f}x" if r >= 2 else f"{r:.2f}x"


class Bench:
    def __init__(self, out, name):
        self.name = name
        self.text = read(os.path.join(out, name + ".txt"))
        status = (read(os.path.join(out, name + ".status")) or "missing").split()
        self.missing = status[0] == "missing"
        self.rc = None if self.missing else int(status[0])
        self.seconds = None if self.missing or len(status) < 2 else int(status[1])
        self.ok = self.rc == 0

    def get(self, pattern):
        return find(self.text, pattern) if self.ok else None

    def state(self):
        if self.missing:
            return f"not run: bench/{self.name} does not exist in this tree"
        if self.rc == 124:
            return f"failed: stopped after {self.seconds} s (time limit)"
        if not self.ok:
            return f"failed: exit status {self.rc} after {self.seconds} s"
        return f"exit status 0, {self.seconds} s"


def description(name):
    """The comment at the top of bench/NAME, up to its usage line."""
    src = read(os.path.join(os.path.dirname(os.path.abspath(__file__)), name)) or ""
    text = ""
    for line in src.splitlines()[1:]:
        if not line.startswith("#"):
            break
        line = line[1:].strip()
        if line.startswith("sudo bench/") or line.startswith("bench/"):
            break
        if not line:
            text += "\n\n"
        elif text and not text.endswith("\n"):
            text += ("\n" if line.startswith("- ") else " ") + line
        else:
            text += line
    return text.strip()


def tables(b, m):
    ps, pa, ss, di, iw, ops, dp = (b[n] for n in BENCHMARKS)
    direct = ps.get(r"pantherctl power set \(direct\)\s+([\d.]+) ms")
    via = ps.get(r"pantherctl power set \(powerd\)\s+([\d.]+) ms")
    ppctl = ps.get(r"powerprofilesctl set\s+([\d.]+) ms")
    busctl = ps.get(r"busctl set-property\s+([\d.]+) ms")
    tty = pa.get(r"pkttyagent[^\n]*?\s([\d.]+) ms")
    ours = pa.get(r"panther-polkit-agent \(stand-in op fills, command prompt confirms\)\s+([\d.]+) ms")
    card_ours = pa.get(r"panther-polkit-agent \(Wayland card\)\s+([\d.]+) ms")
    card_mate = pa.get(r"mate-polkit \(its dialog mapped\)\s+([\d.]+) ms")
    press_ours = pa.get(r"Enter pressed \(wtype\)[^\n]*\n\s+panther-polkit-agent\s+([\d.]+) ms")
    after_press = pa.get(r"from Enter to authorized\s+([\d.]+) ms")
    n_card = int(pa.get(r"first frame\), median of (\d+)") or 0) or MISSING
    agent_idle = pa.get(r"panther-polkit-agent idle\s+([\d.]+) MiB")
    agent_prompt = pa.get(r"panther-polkit-agent after a prompt\s+([\d.]+) MiB")
    mate_idle = pa.get(r"mate-polkit idle\s+([\d.]+) MiB")
    mate_dialog = pa.get(r"mate-polkit with its dialog open\s+([\d.]+) MiB")
    s_ours = ss.get(r"panther-session:\s+([\d.]+) ms")
    s_plain = ss.get(r"plain shell:\s+([\d.]+) ms")
    s_over = ss.get(r"overhead:\s+(-?[\d.]+) ms")
    n_ps, n_pa, n_ss = (int(x.get(r"median of (\d+)") or 0) or MISSING for x in (ps, pa, ss))
    typed_n = ops.get(r"typed passwords for (\d+) requests")
    typed_before = ops.get(r"before \(op without a terminal\) (\d+)")
    typed_after = ops.get(r"after \(op in the agent's terminal session\) (\d+)")
    dms_ours = dp.get(r"panther's Wayland card\s+([\d.]+) ms")
    dms_peer = dp.get(r"DMS's polkit dialog \(Quickshell\)\s+([\d.]+) ms")
    n_dms = int(dp.get(r"median of (\d+)") or 0) or MISSING
    dms_ours_mem = dp.get(r"panther's agent \+ card, card open\s+([\d.]+) MiB")
    dms_peer_mem = dp.get(r"DMS's whole shell, dialog open\s+([\d.]+) MiB")
    rows = [
        "| what | panther | what people use today | ratio |",
        "|---|---|---|---|",
        f"| switch the power profile: one command, fork and exec included (median of {n_ps}) "
        f"| `pantherctl power set` {ms(direct, 2)} straight to ppd, {ms(via, 2)} through panther-powerd "
        f"| `powerprofilesctl set` {ms(ppctl, 2)}; `busctl set-property` {ms(busctl, 2)} "
        f"| powerprofilesctl takes {times(ppctl, direct)} as long as pantherctl, busctl {times(busctl, direct)} |",
        f"| a polkit request answered: `pkcheck` round trip (median of {n_pa}) "
        f"| panther-polkit-agent, (stand-in) 1Password fills the card, a command prompt confirms at once: {ms(ours)} "
        f"| pkttyagent, password typed on its terminal at once: {ms(tty)} "
        f"| panther takes {times(ours, tty)} pkttyagent's time |",
        f"| request to card on screen: `pkcheck`'s start to the first frame, headless sway (median of {n_card}) "
        f"| panther's Wayland card {ms(card_ours)} "
        f"| mate-polkit's dialog {ms(card_mate)} "
        f"| panther takes {times(card_ours, card_mate)} mate-polkit's time |",
        f"| round trip with the card: 1Password fills it, Enter pressed with `wtype` once the card "
        f"takes a press (0.5 s after its first frame, focus and the fill) (median of {n_card}) "
        f"| {ms(press_ours)}, of which Enter to authorized {ms(after_press)} "
        f"| mate-polkit: not measured (its GTK dialog loses a Return typed with `wtype`) | |",
        f"| polkit agent memory (VmRSS), idle | {in_mib(agent_idle)} "
        f"| mate-polkit {in_mib(mate_idle)} "
        f"| mate-polkit uses {times(mate_idle, agent_idle)} |",
        f"| polkit agent memory after a prompt | {in_mib(agent_prompt)} "
        f"| mate-polkit with its dialog open {in_mib(mate_dialog)} "
        f"| mate-polkit uses {times(mate_dialog, agent_prompt)} |",
        f"| passwords typed for {MISSING if typed_n is None else int(typed_n)} requests in 1Password's app mode "
        f"(1Password app stand-in, bench/op-session) "
        f"| op in the agent's terminal session: {MISSING if typed_after is None else int(typed_after)} "
        f"| op without a terminal (panther before; any tool that runs op from the background): "
        f"{MISSING if typed_before is None else int(typed_before)} "
        f"| {times(typed_before, typed_after)} fewer typed |",
        f"| request to card on screen in a Debian sid root (polkit 128, DMS 1.5.3 on Quickshell 0.3.2), "
        f"seen by screen capture (median of {n_dms}) "
        f"| panther's Wayland card {ms(dms_ours)} | DMS's own polkit dialog {ms(dms_peer)} "
        f"| panther takes {times(dms_ours, dms_peer)} DMS's time |",
        f"| memory with the card or dialog open (sid root) | agent and card {in_mib(dms_ours_mem)} "
        f"| DMS's whole shell (bar, notifications, its agent and dialog: one process) {in_mib(dms_peer_mem)} "
        f"| DMS uses {times(dms_peer_mem, dms_ours_mem)} |",
        f"| session start: 5 services in dependency order (median of {n_ss}) "
        f"| panther-session {ms(s_ours, 1)} | the same from a shell script {ms(s_plain, 1)} "
        f"| {ms(s_over, 1)} of overhead |",
    ]
    idle_s = int(di.get(r"(\d+) s idle") or 30)
    daemons = [
        f"| program | VmRSS idle | wakeups in {idle_s} s idle |",
        "|---|---|---|",
    ]
    for name in ("panther-session", "panther-polkit-agent", "panther-powerd"):
        w = di.get(re.escape(name) + r":\s+(\d+) voluntary")
        r = di.get(re.escape(name) + r":[^\n]*VmRSS (\d+) KiB")
        daemons.append(f"| {name} | {mib(r)} | {MISSING if w is None else int(w)} |")
    w = iw.get(r"(\d+) voluntary context switches")
    r = iw.get(r"RSS (\d+) KiB")
    daemons.append(f"| libpanther's loop alone, with a bus connection and a Niri event stream (bench/idle-wakeups) "
                   f"| {mib(r)} | {MISSING if w is None else int(w)} |")
    notes = []
    priv, pss = ss.get(r"private (\d+) KiB"), ss.get(r"PSS (\d+) KiB")
    p_pss, p_anon = ps.get(r"Pss (\d+) KiB"), ps.get(r"RssAnon (\d+) KiB")
    if priv is not None and p_anon is not None:
        notes.append(f"VmRSS counts the shared library pages too (libc, libdbus; GLib and polkit's library "
                     f"in the agent): what panther-session itself holds is {priv:.0f} KiB (PSS {pss:.0f} KiB), "
                     f"panther-powerd {p_anon:.0f} KiB (PSS {p_pss:.0f} KiB).")
    if ours is not None:
        notes.append("Most of a polkit round trip is polkit's setuid PAM helper and pkcheck itself; "
                     "panther adds the runs of `op` and of the card's program (a fork and exec each) "
                     "to it. The card's program is started for each request, so its first frame "
                     "includes loading cairo, pango and fontconfig; mate-polkit has GTK loaded "
                     "all along.")
    return "\n".join(rows), "\n".join(daemons), " ".join(notes)


def machine_line(m):
    virt = m.get("virt", "none")
    virt = "" if virt in ("none", "") else f" (systemd-detect-virt: {virt})"
    return (f"{m.get('cpu', '?')}, {m.get('cores', '?')} cores, {m.get('ram', '?')} RAM, "
            f"Linux {m.get('kernel', '?')}, Debian {m.get('debian', '?')}{virt}")


def versions_line(m):
    p = lambda n: m.get("pkg." + n, "?")
    return (f"power-profiles-daemon {p('power-profiles-daemon')} (and its powerprofilesctl), "
            f"polkit {p('polkitd')} (polkitd, pkcheck, pkttyagent), mate-polkit {p('mate-polkit')}, "
            f"sway {p('sway')}, dbus {p('dbus')}, systemd {p('systemd')} (busctl), "
            f"python3-dbusmock {p('python3-dbusmock')}")


def results_md(b, m, comparison, daemons, notes):
    out = [
        "# Benchmark results",
        "",
        f"Written by `sudo ./bench/run` on {m.get('date', '?')}, in {m.get('seconds', '?')} s.",
        "",
        f"- Machine: {machine_line(m)}.",
        f"- panther: commit {m.get('commit', '?')}, {m.get('buildtype', '?')} build with gcc {m.get('cc', '?')}.",
        f"- Compared with: {versions_line(m)}.",
        "",
        "Everything runs for real on this machine: the system bus, polkitd and PAM,",
        "power-profiles-daemon (its fake driver, so three profiles), headless sway.",
        "Only Niri and 1Password's `op` are stand-ins (tests/harness/). Times are",
        "wall-clock medians; memory is VmRSS from /proc; wakeups are voluntary",
        "context switches from /proc/PID/status (a process asleep in poll() gains none).",
        "",
        "## Summary",
        "",
        comparison,
        "",
        daemons,
        "",
        notes,
        "",
        "## Each benchmark",
    ]
    for name in BENCHMARKS:
        x = b[name]
        out += ["", f"### bench/{name}", ""]
        d = description(name)
        if d:
            out += [d, ""]
        out += [f"Command: `sudo bench/{name} build` ({x.state()}).", ""]
        if x.text:
            text = x.text.rstrip("\n")
            if not x.ok:
                text = "\n".join(text.splitlines()[-25:])
            out += ["```", text, "```"]
    return "\n".join(out) + "\n"


def readme_section(m, comparison, daemons, notes):
    return "\n".join([
        "## Benchmarks",
        "",
        f"Measured with `sudo ./bench/run` on {m.get('date', '?')}: {machine_line(m)};",
        f"{m.get('buildtype', '?')} gcc build. Compared with {versions_line(m)}.",
        f"`sudo ./bench/run` runs every benchmark in one go ({m.get('seconds', '?')} s here) and writes",
        "[bench/RESULTS.md](bench/RESULTS.md): the commands, every number, and how each is measured.",
        "",
        comparison,
        "",
        "Every panther daemon idle, in a whole session (bench/daemons-idle):",
        "",
        daemons,
        "",
        notes,
        "",
    ])


def replace_sections(readme, section):
    """README with its Benchmarks and Numbers sections replaced by SECTION,
    at the place of the first of them (or at the end)."""
    lines = readme.splitlines(keepends=True)
    out, at, skipping = [], None, False
    for line in lines:
        if line.startswith("## "):
            skipping = line.strip() in ("## Benchmarks", "## Numbers")
            if skipping and at is None:
                at = len(out)
        if not skipping:
            out.append(line)
    text = section.rstrip("\n") + "\n"
    if at is None:
        if out and out[-1].strip():
            out.append("\n")
        out.append(text)
    else:
        if at < len(out):
            text += "\n"
        out.insert(at, text)
    return "".join(out)


def main():
    out_dir, results = sys.argv[1], sys.argv[2]
    m = {}
    for line in (read(os.path.join(out_dir, "machine.txt")) or "").splitlines():
        k, _, v = line.partition("=")
        m[k] = v
    b = {name: Bench(out_dir, name) for name in BENCHMARKS}
    comparison, daemons, notes = tables(b, m)
    with open(results, "w") as f:
        f.write(results_md(b, m, comparison, daemons, notes))
    if len(sys.argv) > 3:
        readme = read(sys.argv[3])
        with open(sys.argv[3], "w") as f:
            f.write(replace_sections(readme, readme_section(m, comparison, daemons, notes)))


if __name__ == "__main__":
    main()
