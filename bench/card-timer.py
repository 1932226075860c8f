#!/usr/bin/python3
"""Times polkit requests against what an agent shows, for bench/polkit-auth.

    card-timer.py --events CMD --shown REGEX [--shown REGEX...] --gone REGEX
                  [--press CMD] --rounds N -- REQUEST...

EVENTS is a shell command whose output lines say what the agent shows (the
agent's log followed with `tail -F`, or `swaymsg -t subscribe`); a thread
blocks on it and stamps each line as it arrives, so no polling is measured.
Each round starts REQUEST (pkcheck) and waits until a line matching every
--shown pattern has arrived:

- without --press, it prints the microseconds from REQUEST's start to the
  last of those lines (the card's first frame), stops REQUEST and waits for a
  line matching --gone (the card closed) before the next round;
- with --press, it then runs PRESS (the confirming key) and prints the
  microseconds from REQUEST's start to its exit, which must be 0, and from
  PRESS's start to that exit.

With --mark REGEX, a second number follows the first: the microseconds
from REQUEST's start to the first line matching REGEX (the agent's log of
the request arriving), so the part before the agent can be told apart.

After each round it waits SETTLE seconds (default 0.3), not measured: long
enough for panther's next idle card to be ready when given 1.
"""

import argparse
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time


def reader(stream, lines):
    for line in stream:
        lines.put((time.monotonic_ns(), line))


def wait_for(lines, patterns, since, timeout):
    """Waits until each pattern matched a line stamped after since; the last stamp."""
    left = [re.compile(p) for p in patterns]
    last = since
    deadline = time.monotonic() + timeout
    while left:
        try:
            stamp, line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise SystemExit(f"card-timer: no line matching {[p.pattern for p in left]} "
                             f"within {timeout} s")
        if stamp < since:
            continue
        for p in list(left):
            if p.search(line):
                left.remove(p)
                last = stamp
    return last


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", required=True)
    ap.add_argument("--shown", action="append", required=True)
    ap.add_argument("--gone")
    ap.add_argument("--press")
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--timeout", type=float, default=20)
    ap.add_argument("--settle", type=float, default=0.3)
    ap.add_argument("--mark")
    ap.add_argument("request", nargs="+")
    args = ap.parse_args()

    events = subprocess.Popen(args.events, shell=True, stdout=subprocess.PIPE, text=True,
                              start_new_session=True)
    lines = queue.Queue()
    threading.Thread(target=reader, args=(events.stdout, lines), daemon=True).start()
    time.sleep(0.3)  # the follower is reading before the first round
    try:
        for _ in range(args.rounds):
            t0 = time.monotonic_ns()
            request = subprocess.Popen(args.request, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)
            marked = []
            if args.mark:
                mark = wait_for(lines, [args.mark], t0, args.timeout)
                marked = [(mark - t0) // 1000]
            shown = wait_for(lines, args.shown, mark if args.mark else t0, args.timeout)
            if args.press:
                pressed = time.monotonic_ns()
                subprocess.run(args.press, shell=True, check=True)
                status = request.wait(timeout=args.timeout)
                t1 = time.monotonic_ns()
                if status != 0:
                    raise SystemExit(f"card-timer: the request ended with status {status}")
                print((t1 - t0) // 1000, (t1 - pressed) // 1000, flush=True)
            else:
                print(*[(shown - t0) // 1000] + marked, flush=True)
                request.send_signal(signal.SIGTERM)
                request.wait(timeout=args.timeout)
                if args.gone:
                    wait_for(lines, [args.gone], t0, args.timeout)
            time.sleep(args.settle)  # let the agent settle; not measured
    finally:
        os.killpg(events.pid, signal.SIGKILL)
        events.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
