#!/usr/bin/python3
"""Prints "shown" when a region of the screen changes and "gone" when it is
back as it was, for bench/dms-polkit (card-timer.py's --events).

    screen-watch.py X,Y WxH

Takes the region with `grim -t ppm -g` as fast as grim can (one capture
after another, no sleep), the first capture being the baseline; a capture
in which more than 20 rows differ from it counts as shown. Whatever draws
there is measured the same way, so both peers carry the same capture delay;
the median time of one capture goes to stderr at the end.
"""

import statistics
import subprocess
import sys
import time


def capture(geometry):
    return subprocess.run(["grim", "-t", "ppm", "-g", geometry, "-"],
                          stdout=subprocess.PIPE, check=True).stdout


def main():
    geometry = sys.argv[1]
    base = capture(geometry)
    width = int(geometry.split()[1].split("x")[0])
    stride = width * 3
    header = len(base) - stride * int(geometry.split()[1].split("x")[1])
    rows = range(header, len(base), stride)
    shown, times = False, []
    try:
        while True:
            t0 = time.monotonic()
            frame = capture(geometry)
            times.append(time.monotonic() - t0)
            differ = sum(frame[r:r + stride] != base[r:r + stride] for r in rows)
            if (differ > 20) != shown:
                shown = not shown
                print("shown" if shown else "gone", flush=True)
    except (KeyboardInterrupt, BrokenPipeError):
        pass
    finally:
        if times:
            print(f"screen-watch: one capture takes {statistics.median(times) * 1000:.1f} ms "
                  f"(median of {len(times)})", file=sys.stderr)


if __name__ == "__main__":
    main()
