#!/usr/bin/python3
"""A stand-in for the 1Password 8 desktop app on Linux, as `op` sees it.

What it models (../shared/DESIGN.md 5.4, and 1Password's developer docs:
"1Password app integration security" and "About 1Password Shell Plugins
security", developer.1password.com/docs/cli/app-integration-security and
/docs/cli/shell-plugins/security): using op in a new terminal window or tab
asks for authorization, which "establishes a 10-minute session that
automatically refreshes on each use"; "a session will be established between
1Password and the terminal window or tab"; it ends when 1Password locks
("all prior authorization is revoked"), after 10 minutes of inactivity, after
12 hours, on `op signout` in that terminal session, and on `op signout --all`
in any; authorizing while the app is locked unlocks it. On Linux the app
authorizes through system authentication: polkit's
com.1password.1Password.unlock and com.1password.1Password.authorizeCLI
(their policy file: tests/harness/com.1password.1Password.policy).

- An authorization belongs to one terminal session. The app recognises the
  session of the `op` that connects by the controlling terminal (tty_nr) and
  the session id of that process, read from /proc/PID/stat of the peer of
  its socket (SO_PEERCRED): what 1Password documents is "the terminal window
  or tab", and a session id with its tty is what stays the same for every
  `op` run in one (tmux) terminal and differs between two. An `op` without a
  controlling terminal (tty_nr 0) is asked every time: nothing is kept.
- An authorization ends after 10 minutes without use (each use renews it),
  after 12 hours at most, on `op signout` from that session, and when the
  app locks or on `op signout --all` (all of them).
- A locked app asks com.1password.1Password.unlock first, then
  com.1password.1Password.authorizeCLI.
- Both are asked the way the app does: `pkcheck -u` with the app's own
  (long-running) process as the subject, so the request reaches the
  authentication agent of the app's session; a denied or dismissed check is
  "authorization prompt dismissed" for the waiting `op`.

Time is scaled: --scale F makes one model minute last 60/F seconds (F 60:
a second), so expiry can be tested in seconds.

Server:   onepassword-app.py serve DIR [--scale F]
          listens on DIR/app.sock, writes its pid to DIR/app.pid and one line
          per event to DIR/app.events ("ask authorizeCLI sid=.. tty=.. pid=..",
          "granted ...", "denied ...", "renewed ...", "locked", "signout ...").
Clients:  onepassword-app.py read DIR     (what `op` does before reading)
          onepassword-app.py signout DIR  (`op signout`)
          onepassword-app.py signout-all DIR  (`op signout --all`)
          onepassword-app.py lock DIR     (the person locks the app)
          onepassword-app.py state DIR    (JSON: locked, sessions, model time)
          onepassword-app.py authorize DIR PID
                  the terminal session of PID counts as authorized now: the
                  state a test starts from when the person authorized it
                  before (tests that are not about authorization)
A client exits 0 when allowed; else it prints op's error line on stderr and
exits 1.
"""

import json
import os
import socket
import struct
import subprocess
import sys
import threading
import time

IDLE_S = 10 * 60
MAX_S = 12 * 60 * 60
ACTIONS = {
    "unlock": "com.1password.1Password.unlock",
    "authorizeCLI": "com.1password.1Password.authorizeCLI",
}


def peer_session(conn):
    """(pid, sid, tty_nr) of the process at the other end of conn."""
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    pid = struct.unpack("3i", creds)[0]
    with open(f"/proc/{pid}/stat") as f:
        stat = f.read()
    # Fields after the command (which may hold spaces): state ppid pgrp session tty_nr
    fields = stat[stat.rindex(")") + 2 :].split()
    return pid, int(fields[3]), int(fields[4])


class App:
    def __init__(self, directory, scale):
        self.dir = directory
        self.scale = scale
        self.start = time.monotonic()
        self.locked = False
        self.sessions = {}  # (sid, tty_nr) -> {"since": t, "used": t}
        self.state = threading.Lock()
        # The app shows one system authentication at a time.
        self.asking = threading.Lock()

    def now(self):
        """Model seconds since the app started."""
        return (time.monotonic() - self.start) * self.scale

    def event(self, text):
        with open(os.path.join(self.dir, "app.events"), "a") as f:
            f.write(f"{self.now():.0f} {text}\n")

    def valid(self, key, now):
        s = self.sessions.get(key)
        if not s:
            return False
        if now - s["used"] >= IDLE_S or now - s["since"] >= MAX_S:
            del self.sessions[key]
            self.event(f"expired sid={key[0]} tty={key[1]}")
            return False
        return True

    def system_authentication(self, what, who):
        self.event(f"ask {what} {who}")
        r = subprocess.run(
            ["pkcheck", "-a", ACTIONS[what], "-p", str(os.getpid()), "-u"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.event(f"{'granted' if r.returncode == 0 else 'denied'} {what} {who}")
        return r.returncode == 0

    def read(self, pid, sid, tty):
        key = (sid, tty)
        who = f"sid={sid} tty={tty} pid={pid}"
        with self.asking:
            with self.state:
                locked = self.locked
            if locked:
                if not self.system_authentication("unlock", who):
                    return False
                with self.state:
                    self.locked = False
            with self.state:
                now = self.now()
                if tty != 0 and self.valid(key, now):
                    self.sessions[key]["used"] = now
                    self.event(f"renewed {who}")
                    return True
            if not self.system_authentication("authorizeCLI", who):
                return False
            with self.state:
                if self.locked:
                    return False
                now = self.now()
                if tty != 0:
                    self.sessions[key] = {"since": now, "used": now}
            return True

    def handle(self, conn):
        with conn:
            line = conn.makefile().readline().strip()
            pid, sid, tty = peer_session(conn)
            ok = True
            if line.startswith("authorize "):
                with open(f"/proc/{int(line.split()[1])}/stat") as f:
                    stat = f.read()
                fields = stat[stat.rindex(")") + 2 :].split()
                key = (int(fields[3]), int(fields[4]))
                with self.state:
                    now = self.now()
                    self.sessions[key] = {"since": now, "used": now}
                self.event(f"authorized before sid={key[0]} tty={key[1]}")
            elif line == "read":
                ok = self.read(pid, sid, tty)
            elif line == "signout":
                with self.state:
                    self.sessions.pop((sid, tty), None)
                self.event(f"signout sid={sid} tty={tty} pid={pid}")
            elif line == "signout-all":
                with self.state:
                    self.sessions.clear()
                self.event(f"signout all pid={pid}")
            elif line == "lock":
                with self.state:
                    self.locked = True
                    self.sessions.clear()
                self.event("locked")
            elif line == "state":
                with self.state:
                    now = self.now()
                    state = {
                        "locked": self.locked,
                        "now": now,
                        "sessions": [
                            {"sid": k[0], "tty": k[1], "since": v["since"], "used": v["used"]}
                            for k, v in self.sessions.items()
                            if self.valid(k, now)
                        ],
                    }
                conn.sendall((json.dumps(state) + "\n").encode())
                return
            conn.sendall(b"ok\n" if ok else b"dismissed\n")


def serve(directory, scale):
    app = App(directory, scale)
    path = os.path.join(directory, "app.sock")
    if os.path.exists(path):
        os.unlink(path)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    os.chmod(path, 0o600)
    srv.listen(16)
    with open(os.path.join(directory, "app.pid"), "w") as f:
        f.write(f"{os.getpid()}\n")
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=app.handle, args=(conn,), daemon=True).start()


def client(command, directory):
    date = time.strftime("%Y/%m/%d %H:%M:%S")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(os.path.join(directory, "app.sock"))
    except OSError:
        print(
            f"[ERROR] {date} error initializing client: connecting to desktop app: "
            "cannot connect to 1Password app, make sure it is running",
            file=sys.stderr,
        )
        return 1
    s.sendall((command + "\n").encode())
    answer = s.makefile().read()
    if command == "state":
        sys.stdout.write(answer)
        return 0
    if answer.strip() == "ok":
        return 0
    print(f"[ERROR] {date} authorization prompt dismissed, please try again", file=sys.stderr)
    return 1


def main(argv):
    if len(argv) >= 3 and argv[1] == "serve":
        scale = 1.0
        if len(argv) == 5 and argv[3] == "--scale":
            scale = float(argv[4])
        serve(argv[2], scale)
        return 0
    if len(argv) == 3 and argv[1] in ("read", "signout", "signout-all", "lock", "state"):
        return client(argv[1], argv[2])
    if len(argv) == 4 and argv[1] == "authorize":
        return client(f"authorize {int(argv[3])}", argv[2])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
