#!/usr/bin/python3
"""A Niri IPC stand-in for tests (DESIGN.md 5.1), speaking like niri 25.11.

    niri-standin.py SOCKET [--control CTL] [--pidfile FILE] [--state FILE]
    niri-standin.py ctl CTL 'COMMAND_JSON'

The server speaks niri 25.11's IPC on SOCKET (src/ipc/server.rs and
niri-ipc/src/{lib,state}.rs of YaLTeR/niri v25.11, b35bcae): newline-delimited
JSON in raw UTF-8 (serde_json escapes only quotes, backslashes and control
characters), one reply line per request, in order, many requests per
connection. "EventStream" turns a connection into an event stream:
{"Ok":"Handled"}, the replay of the whole state (WorkspacesChanged,
WindowsChanged, KeyboardLayoutsChanged, OverviewOpenedOrClosed,
ConfigLoaded), then one event per line. Within one update the events come
in niri's order (State::ipc_refresh_layout): workspace events
(WorkspaceActiveWindowChanged, with a null active_window_id when the
workspace's last window closed), window events (WindowOpenedOrChanged, or
WindowFocusChanged then WindowFocusTimestampChanged), WindowLayoutsChanged,
WindowClosed, and last a WindowFocusChanged to null when no window has
focus any more. Only event names niri 25.11 sends. A stream with 64 events
queued is dropped when the next one comes (niri's bounded channel of 64):
the connection is aborted, so the reader may get a line cut in the middle.

CTL (default SOCKET.ctl) takes one JSON command per line, {"cmd": NAME, ...},
and answers "ok", "error: WHY", or for "dump" the state as one JSON line.
Commands: open_window, change_window, set_title, focus, close, windows,
workspaces, activate_workspace, layouts, switch_layout, overview,
config_loaded, unknown (an event panther does not read: ScreenshotCaptured),
raw, long_line, burst, close_midline, drop_streams, wait_streams, dump, quit.
"focus" with id null is what niri sends when a layer surface (a launcher,
a lock screen) takes the keyboard; "close" takes an optional "focus" (the
window that gets focus, or null).

--state FILE preloads {"windows": [...], "workspaces": [...],
"layouts": {"names": [...], "current_idx": 0}}.
Prints "ready" on stdout once both sockets listen. SIGTERM and SIGINT (and
the Quit action, and the quit command) close everything and remove the
sockets.
"""

import asyncio
import collections
import json
import os
import signal
import socket
import stat
import sys
import time

VERSION = "25.11 (b35bcae)"
MAX_BEHIND = 64
LINE_LIMIT = 16 * 1024 * 1024
UNIT_REQUESTS = ("Version", "FocusedWindow", "Windows", "Workspaces", "Outputs",
                 "FocusedOutput", "KeyboardLayouts", "EventStream")

OUTPUT = {
    "name": "eDP-1", "make": "Standin", "model": "Virtual Panel", "serial": None,
    "physical_size": [340, 220],
    "modes": [{"width": 2560, "height": 1600, "refresh_rate": 240000,
               "is_preferred": True}],
    "current_mode": 0, "is_custom_mode": False, "vrr_supported": False,
    "vrr_enabled": False,
    "logical": {"x": 0, "y": 0, "width": 1600, "height": 1000, "scale": 1.6,
                "transform": "Normal"},
}


class RequestError(Exception):
    pass


def is_uint(v):
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def opt_type(v, check):
    return v is None or check(v)


def is_str(v):
    return isinstance(v, str)


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


class Stream:
    """One event-stream connection with its bounded queue of pending lines."""

    def __init__(self, server, reader, writer):
        self.server = server
        self.writer = writer
        self.pending = collections.deque()
        self.wakeup = asyncio.Event()
        self.closed = False
        # niri writes one event at a time (write_all) and queues the rest in
        # its channel: nothing is buffered here beyond the event being written.
        writer.transport.set_write_buffer_limits(high=0)
        self.pump_task = asyncio.create_task(self.pump())
        self.watch_task = asyncio.create_task(self.watch_eof(reader))

    def send(self, data):
        if self.closed:
            return
        if len(self.pending) >= MAX_BEHIND:
            self.server.dropped_slow += 1
            log(f"event stream fell {MAX_BEHIND} events behind, disconnecting it")
            # niri cancels the write in progress: the line may end midway.
            self.close(abort=True)
            return
        self.pending.append(data)
        self.wakeup.set()

    def close_after_flush(self):
        if not self.closed:
            self.pending.append(None)
            self.wakeup.set()

    async def pump(self):
        try:
            while True:
                while not self.pending:
                    self.wakeup.clear()
                    await self.wakeup.wait()
                data = self.pending.popleft()
                if data is None:
                    break
                self.writer.write(data)
                await self.writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self.close()

    async def watch_eof(self, reader):
        # niri does not read an event stream again; a peer that hangs up is
        # noticed here so the stream goes away at once.
        try:
            while await reader.read(65536):
                pass
        except (ConnectionError, OSError):
            pass
        self.close()

    def close(self, abort=False):
        if self.closed:
            return
        self.closed = True
        self.server.streams.discard(self)
        try:
            if abort:
                self.writer.transport.abort()
            else:
                self.writer.close()
        except (ConnectionError, OSError, RuntimeError):
            pass
        for task in (self.pump_task, self.watch_task):
            if task is not asyncio.current_task():
                task.cancel()


def log(msg):
    print(f"niri-standin: {msg}", file=sys.stderr, flush=True)


class Standin:
    def __init__(self, args):
        self.path = args.socket
        self.ctl_path = args.control or args.socket + ".ctl"
        self.pidfile = args.pidfile
        self.windows = {}
        self.workspaces = [
            {"id": 1, "idx": 1, "name": None, "output": "eDP-1",
             "is_urgent": False, "is_active": True, "is_focused": True,
             "active_window_id": None},
            {"id": 2, "idx": 2, "name": "chat", "output": "eDP-1",
             "is_urgent": False, "is_active": False, "is_focused": False,
             "active_window_id": None},
        ]
        self.layouts = {"names": ["English (US)", "German"], "current_idx": 0}
        self.overview = False
        self.config_failed = False
        self.monitors_off = False
        self.spawned = []
        self.requests = []
        self.streams = set()
        self.tasks = set()
        self.dropped_slow = 0
        self.events_sent = 0
        self.done = None
        self.servers = []
        if args.state:
            with open(args.state, encoding="utf-8") as f:
                self.load_state(json.load(f))

    def load_state(self, state):
        for w in state.get("windows", []):
            self.windows[w["id"]] = self.new_window(w)
        if "workspaces" in state:
            self.workspaces = [self.new_workspace(ws) for ws in state["workspaces"]]
        if "layouts" in state:
            self.layouts = state["layouts"]

    # ---- the objects niri sends ----

    def focused_workspace_id(self):
        for ws in self.workspaces:
            if ws["is_focused"]:
                return ws["id"]
        return self.workspaces[0]["id"] if self.workspaces else None

    def new_window(self, spec):
        if not is_uint(spec.get("id")):
            raise RequestError("window needs an unsigned integer id")
        w = {"id": spec["id"], "title": None, "app_id": None, "pid": None,
             "workspace_id": self.focused_workspace_id(), "is_focused": False,
             "is_floating": False, "is_urgent": False}
        self.merge_window(w, spec)
        return w

    def merge_window(self, w, spec):
        fields = {"title": ("title", lambda v: opt_type(v, is_str)),
                  "app_id": ("app_id", lambda v: opt_type(v, is_str)),
                  "pid": ("pid", lambda v: opt_type(v, is_int)),
                  "workspace_id": ("workspace_id", lambda v: opt_type(v, is_uint)),
                  "focused": ("is_focused", lambda v: isinstance(v, bool)),
                  "is_focused": ("is_focused", lambda v: isinstance(v, bool)),
                  "floating": ("is_floating", lambda v: isinstance(v, bool)),
                  "is_floating": ("is_floating", lambda v: isinstance(v, bool)),
                  "urgent": ("is_urgent", lambda v: isinstance(v, bool)),
                  "is_urgent": ("is_urgent", lambda v: isinstance(v, bool))}
        for key, value in spec.items():
            if key in ("cmd", "id"):
                continue
            if key not in fields:
                raise RequestError(f"unknown window field {key!r}")
            name, check = fields[key]
            if not check(value):
                raise RequestError(f"bad value for window field {key!r}")
            w[name] = value

    def new_workspace(self, spec):
        if not is_uint(spec.get("id")):
            raise RequestError("workspace needs an unsigned integer id")
        ws = {"id": spec["id"], "idx": spec.get("idx", 1), "name": spec.get("name"),
              "output": spec.get("output", "eDP-1"),
              "is_urgent": bool(spec.get("is_urgent", False)),
              "is_active": bool(spec.get("is_active", False)),
              "is_focused": bool(spec.get("is_focused", False)),
              "active_window_id": spec.get("active_window_id")}
        return ws

    def window_json(self, w):
        out = dict(w)
        # niri 25.11's fields beyond what panther reads: it must ignore them.
        out["layout"] = self.window_layout(w)
        out["focus_timestamp"] = {"secs": int(time.time()), "nanos": 5000}
        return out

    def window_layout(self, w):
        return {"pos_in_scrolling_layout": None if w["is_floating"] else [1, 1],
                "tile_size": [800.0, 600.0], "window_size": [800, 600],
                "tile_pos_in_workspace_view": None, "window_offset_in_tile": [0.0, 0.0]}

    def workspace_json(self, ws):
        return dict(ws)

    def focused_window(self):
        for w in self.windows.values():
            if w["is_focused"]:
                return w
        return None

    # ---- events ----

    def replay(self):
        return [
            {"WorkspacesChanged": {"workspaces": [self.workspace_json(ws) for ws in self.workspaces]}},
            {"WindowsChanged": {"windows": [self.window_json(w) for w in self.windows.values()]}},
            {"KeyboardLayoutsChanged": {"keyboard_layouts": dict(self.layouts)}},
            {"OverviewOpenedOrClosed": {"is_open": self.overview}},
            {"ConfigLoaded": {"failed": self.config_failed}},
        ]

    def send_raw(self, data):
        for s in list(self.streams):
            s.send(data)

    def emit(self, event):
        self.events_sent += 1
        self.send_raw(encode(event))

    def emit_update(self, workspace_events=(), window_events=(), layouts=(), closed=(),
                    focus_none=False):
        """One update, its events in niri's order (ipc_refresh_workspaces,
        then ipc_refresh_windows)."""
        for event in workspace_events:
            self.emit(event)
        for event in window_events:
            self.emit(event)
        if layouts:
            self.emit({"WindowLayoutsChanged": {"changes": [list(c) for c in layouts]}})
        for win_id in closed:
            self.emit({"WindowClosed": {"id": win_id}})
        if focus_none:
            self.emit({"WindowFocusChanged": {"id": None}})

    def active_window_event(self, ws_id, win_id):
        """WorkspaceActiveWindowChanged when it changes, as a list of 0 or 1 events."""
        for ws in self.workspaces:
            if ws["id"] == ws_id and ws["active_window_id"] != win_id:
                ws["active_window_id"] = win_id
                return [{"WorkspaceActiveWindowChanged": {
                    "workspace_id": ws_id, "active_window_id": win_id}}]
        return []

    def focus_events(self, w):
        """A window taking focus: its workspace's active window, then the window's events."""
        for other in self.windows.values():
            other["is_focused"] = other is w
        ws_events = []
        if w["workspace_id"] is not None:
            ws_events = self.active_window_event(w["workspace_id"], w["id"])
        return ws_events, [{"WindowFocusChanged": {"id": w["id"]}},
                           {"WindowFocusTimestampChanged": {
                               "id": w["id"],
                               "focus_timestamp": {"secs": int(time.time()), "nanos": 1}}}]

    def emit_window(self, w):
        """A window opened or changed (a focused one carries is_focused: true)."""
        ws_events = []
        if w["is_focused"]:
            for other in self.windows.values():
                if other is not w:
                    other["is_focused"] = False
            if w["workspace_id"] is not None:
                ws_events = self.active_window_event(w["workspace_id"], w["id"])
        self.emit_update(ws_events, [{"WindowOpenedOrChanged": {"window": self.window_json(w)}}])

    def set_focus(self, win_id):
        if win_id is not None and win_id not in self.windows:
            raise RequestError(f"no window {win_id}")
        if win_id is None:
            # A layer surface took the keyboard: no window has focus, and the
            # workspaces' active windows stay.
            had_focus = self.focused_window() is not None
            for w in self.windows.values():
                w["is_focused"] = False
            self.emit_update(focus_none=had_focus)
            return
        ws_events, win_events = self.focus_events(self.windows[win_id])
        self.emit_update(ws_events, win_events)

    def close_window(self, win_id, focus_to):
        """niri's order: the workspace's new active window (null when none is
        left), the window taking focus, layouts, WindowClosed, focus to null."""
        w = self.windows.pop(win_id)
        ws_events = []
        ws_id = w["workspace_id"]
        if ws_id is not None:
            ws = [x for x in self.workspaces if x["id"] == ws_id]
            if ws and ws[0]["active_window_id"] == win_id:
                left = [x["id"] for x in self.windows.values() if x["workspace_id"] == ws_id]
                next_id = focus_to if focus_to in left else (left[0] if left else None)
                ws_events = self.active_window_event(ws_id, next_id)
        win_events = []
        if focus_to is not None:
            more_ws, win_events = self.focus_events(self.windows[focus_to])
            ws_events += more_ws
        layouts = [(x["id"], self.window_layout(x)) for x in self.windows.values()
                   if x["workspace_id"] == ws_id and not x["is_floating"]]
        focus_none = w["is_focused"] and focus_to is None
        self.emit_update(ws_events, win_events, layouts, [win_id], focus_none)

    async def burst(self, w, n, interval):
        for i in range(1, n + 1):
            w["title"] = f"burst {i}"
            self.emit({"WindowOpenedOrChanged": {"window": self.window_json(w)}})
            await asyncio.sleep(interval)

    # ---- the IPC socket ----

    async def serve_lines(self, reader, writer, handle, too_long):
        """Answers each line with the bytes handle(line) gives; then, when it
        says so, turns the connection into an event stream or quits."""
        try:
            while True:
                try:
                    line = await reader.readline()
                except ValueError:
                    writer.write(too_long)
                    break
                if not line.endswith(b"\n"):
                    break
                reply, then = await handle(line)
                writer.write(reply)
                await writer.drain()
                if then == "stream":
                    stream = Stream(self, reader, writer)
                    self.streams.add(stream)
                    for event in self.replay():
                        stream.send(encode(event))
                    return
                if then == "quit":
                    self.finish(0)
                    return
        except (ConnectionError, OSError):
            pass
        try:
            writer.close()
        except (ConnectionError, OSError, RuntimeError):
            pass

    async def handle_ipc(self, reader, writer):
        await self.serve_lines(reader, writer, self.ipc_line,
                               encode({"Err": "error parsing request"}))

    async def ipc_line(self, line):
        self.requests.append(line.decode("utf-8", "replace").rstrip("\n"))
        del self.requests[:-50]
        try:
            reply, then = await self.handle_request(line)
        except RequestError:
            reply, then = {"Err": "error parsing request"}, None
        if then == "quit":
            log("Quit action: exiting")
        return encode(reply), then

    async def handle_request(self, line):
        try:
            req = json.loads(line)
        except ValueError:
            raise RequestError()
        if isinstance(req, str):
            if req not in UNIT_REQUESTS:
                raise RequestError()
            return self.unit_request(req)
        if isinstance(req, dict) and len(req) == 1 and "Action" in req:
            return await self.action(req["Action"])
        raise RequestError()

    def unit_request(self, req):
        if req == "Version":
            return {"Ok": {"Version": VERSION}}, None
        if req == "FocusedWindow":
            w = self.focused_window()
            return {"Ok": {"FocusedWindow": self.window_json(w) if w else None}}, None
        if req == "Windows":
            return {"Ok": {"Windows": [self.window_json(w) for w in self.windows.values()]}}, None
        if req == "Workspaces":
            return {"Ok": {"Workspaces": [self.workspace_json(ws) for ws in self.workspaces]}}, None
        if req == "Outputs":
            return {"Ok": {"Outputs": {OUTPUT["name"]: OUTPUT}}}, None
        if req == "FocusedOutput":
            return {"Ok": {"FocusedOutput": OUTPUT}}, None
        if req == "KeyboardLayouts":
            return {"Ok": {"KeyboardLayouts": dict(self.layouts)}}, None
        return {"Ok": "Handled"}, "stream"

    async def action(self, action):
        if not isinstance(action, dict) or len(action) != 1:
            raise RequestError()
        (name, args), = action.items()
        if not isinstance(args, dict):
            raise RequestError()
        if name == "Spawn":
            cmd = args.get("command")
            if not isinstance(cmd, list) or not all(isinstance(c, str) for c in cmd):
                raise RequestError()
            self.spawned.append(cmd)
            if cmd:
                await self.spawn(cmd)
            return {"Ok": "Handled"}, None
        if name == "Quit":
            if not isinstance(args.get("skip_confirmation"), bool):
                raise RequestError()
            return {"Ok": "Handled"}, "quit"
        if name == "PowerOffMonitors":
            self.monitors_off = True
            return {"Ok": "Handled"}, None
        if name == "PowerOnMonitors":
            self.monitors_off = False
            return {"Ok": "Handled"}, None
        if name == "FocusWindow":
            if not is_uint(args.get("id")):
                raise RequestError()
            if args["id"] in self.windows:
                self.set_focus(args["id"])
            return {"Ok": "Handled"}, None
        raise RequestError()

    async def spawn(self, cmd):
        try:
            proc = await asyncio.create_subprocess_exec(
                *cmd, stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
                start_new_session=True)
        except OSError as e:
            log(f"spawn {cmd[0]!r}: {e.strerror}")
            return
        asyncio.create_task(proc.wait())

    # ---- the control socket ----

    async def handle_ctl(self, reader, writer):
        await self.serve_lines(reader, writer, self.ctl_line, b"error: command line too long\n")

    async def ctl_line(self, line):
        try:
            cmd = json.loads(line)
            if not isinstance(cmd, dict) or not isinstance(cmd.get("cmd"), str):
                raise RequestError('expected {"cmd": NAME, ...}')
            reply = await self.control(cmd)
        except (ValueError, RequestError) as e:
            return f"error: {e}\n".encode(), None
        return reply.encode() + b"\n", "quit" if cmd["cmd"] == "quit" else None

    def need(self, cmd, key, check, what):
        if key not in cmd or not check(cmd[key]):
            raise RequestError(f"{cmd['cmd']}: {key} must be {what}")
        return cmd[key]

    async def control(self, cmd):
        name = cmd["cmd"]
        if name == "open_window":
            win_id = self.need(cmd, "id", is_uint, "an unsigned integer")
            if win_id in self.windows:
                self.merge_window(self.windows[win_id], cmd)
            else:
                spec = dict(cmd)
                spec.setdefault("focused", True)
                self.windows[win_id] = self.new_window(spec)
            self.emit_window(self.windows[win_id])
        elif name in ("change_window", "set_title"):
            win_id = self.need(cmd, "id", is_uint, "an unsigned integer")
            if win_id not in self.windows:
                raise RequestError(f"{name}: no window {win_id}")
            if name == "set_title":
                self.need(cmd, "title", lambda v: opt_type(v, is_str), "a string or null")
            self.merge_window(self.windows[win_id], cmd)
            self.emit_window(self.windows[win_id])
        elif name == "focus":
            win_id = self.need(cmd, "id", lambda v: opt_type(v, is_uint),
                               "an unsigned integer or null")
            self.set_focus(win_id)
        elif name == "close":
            win_id = self.need(cmd, "id", is_uint, "an unsigned integer")
            if win_id not in self.windows:
                raise RequestError(f"close: no window {win_id}")
            focus_to = cmd.get("focus")
            if focus_to is not None and (focus_to not in self.windows or focus_to == win_id):
                raise RequestError(f"close: cannot focus window {focus_to}")
            self.close_window(win_id, focus_to)
        elif name == "windows":
            specs = self.need(cmd, "windows", lambda v: isinstance(v, list), "a list")
            windows = {}
            for spec in specs:
                w = self.new_window(spec)
                windows[w["id"]] = w
            self.windows = windows
            self.emit({"WindowsChanged": {"windows": [self.window_json(w) for w in windows.values()]}})
        elif name == "workspaces":
            specs = self.need(cmd, "workspaces", lambda v: isinstance(v, list), "a list")
            self.workspaces = [self.new_workspace(s) for s in specs]
            self.emit({"WorkspacesChanged": {
                "workspaces": [self.workspace_json(ws) for ws in self.workspaces]}})
        elif name == "activate_workspace":
            ws_id = self.need(cmd, "id", is_uint, "an unsigned integer")
            focused = cmd.get("focused", True)
            target = [ws for ws in self.workspaces if ws["id"] == ws_id]
            if not target:
                raise RequestError(f"activate_workspace: no workspace {ws_id}")
            for ws in self.workspaces:
                if ws["output"] == target[0]["output"]:
                    ws["is_active"] = ws["id"] == ws_id
                if focused:
                    ws["is_focused"] = ws["id"] == ws_id
            self.emit({"WorkspaceActivated": {"id": ws_id, "focused": bool(focused)}})
        elif name == "layouts":
            names = self.need(cmd, "names", lambda v: isinstance(v, list), "a list")
            self.layouts = {"names": names, "current_idx": cmd.get("current_idx", 0)}
            self.emit({"KeyboardLayoutsChanged": {"keyboard_layouts": dict(self.layouts)}})
        elif name == "switch_layout":
            idx = self.need(cmd, "idx", is_uint, "an unsigned integer")
            self.layouts["current_idx"] = idx
            self.emit({"KeyboardLayoutSwitched": {"idx": idx}})
        elif name == "overview":
            self.overview = bool(cmd.get("is_open", True))
            self.emit({"OverviewOpenedOrClosed": {"is_open": self.overview}})
        elif name == "config_loaded":
            self.config_failed = bool(cmd.get("failed", False))
            self.emit({"ConfigLoaded": {"failed": self.config_failed}})
        elif name == "unknown":
            # A real niri 25.11 event that panther does not read.
            self.emit({"ScreenshotCaptured": {
                "path": "/home/u/Pictures/Screenshots/Screenshot from 2026-12-04 17-00-00.png"}})
        elif name == "raw":
            line = self.need(cmd, "line", is_str, "a string")
            self.send_raw(line.encode() + b"\n")
        elif name == "long_line":
            n = self.need(cmd, "bytes", is_uint, "an unsigned integer")
            self.send_raw(b'{"XPadding":{"data":"' + b"x" * n + b'"}}\n')
        elif name == "burst":
            n = self.need(cmd, "n", is_uint, "an unsigned integer")
            # niri sends at most one update per frame; interval_ms paces the
            # burst like that (0: as fast as this process can). With
            # "background": true the command answers at once, so the caller
            # can read while the burst goes on.
            interval = float(cmd.get("interval_ms", 0)) / 1000
            win_id = cmd.get("id", 9999)
            if win_id not in self.windows:
                self.windows[win_id] = self.new_window(
                    {"id": win_id, "app_id": "burst", "focused": False})
            burst = self.burst(self.windows[win_id], n, interval)
            if cmd.get("background"):
                task = asyncio.create_task(burst)
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)
            else:
                await burst
        elif name == "close_midline":
            line = encode({"WindowClosed": {"id": 1}})
            for s in list(self.streams):
                s.send(line[:len(line) // 2])
                s.close_after_flush()
        elif name == "drop_streams":
            for s in list(self.streams):
                s.close_after_flush()
        elif name == "wait_streams":
            n = self.need(cmd, "n", is_uint, "an unsigned integer")
            deadline = time.monotonic() + float(cmd.get("timeout", 10))
            while len(self.streams) != n:
                if time.monotonic() > deadline:
                    raise RequestError(f"wait_streams: {len(self.streams)} streams, not {n}")
                await asyncio.sleep(0.02)
        elif name == "dump":
            return json.dumps({
                "version": VERSION,
                "windows": list(self.windows.values()),
                "workspaces": self.workspaces,
                "layouts": self.layouts,
                "streams": len(self.streams),
                "dropped_slow": self.dropped_slow,
                "monitors_off": self.monitors_off,
                "spawned": self.spawned,
                "requests": self.requests,
            })
        elif name == "quit":
            pass
        else:
            raise RequestError(f"unknown command {name!r}")
        return "ok"

    # ---- life cycle ----

    async def run(self):
        loop = asyncio.get_running_loop()
        self.done = loop.create_future()
        for signo in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signo, self.finish, 0)
        for path, handler in ((self.path, self.handle_ipc), (self.ctl_path, self.handle_ctl)):
            remove_stale_socket(path)
            server = await asyncio.start_unix_server(handler, path=path, limit=LINE_LIMIT)
            self.servers.append((server, path))
        if self.pidfile:
            with open(self.pidfile, "w", encoding="utf-8") as f:
                f.write(f"{os.getpid()}\n")
        print("ready", flush=True)
        try:
            status = await self.done
        finally:
            await self.shutdown()
        return status

    def finish(self, status):
        if not self.done.done():
            self.done.set_result(status)

    async def shutdown(self):
        for server, path in self.servers:
            server.close()
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
        for s in list(self.streams):
            s.close()
        if self.pidfile:
            try:
                os.unlink(self.pidfile)
            except FileNotFoundError:
                pass


def encode(obj):
    # serde_json: compact, non-ASCII as raw UTF-8.
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


def remove_stale_socket(path):
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(st.st_mode):
        raise SystemExit(f"niri-standin: {path} exists and is not a socket")
    os.unlink(path)


def ctl_main(argv):
    if len(argv) != 2:
        print("usage: niri-standin.py ctl CONTROL_SOCKET COMMAND_JSON", file=sys.stderr)
        return 2
    path, command = argv
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
    except OSError as e:
        print(f"niri-standin ctl: {path}: {e.strerror}", file=sys.stderr)
        return 1
    s.sendall(command.encode() + b"\n")
    reply = b""
    while not reply.endswith(b"\n"):
        chunk = s.recv(65536)
        if not chunk:
            break
        reply += chunk
    s.close()
    text = reply.decode("utf-8", "replace").rstrip("\n")
    print(text)
    return 1 if not text or text.startswith("error") else 0


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "ctl":
        return ctl_main(sys.argv[2:])
    import argparse
    parser = argparse.ArgumentParser(description="Niri IPC stand-in for tests")
    parser.add_argument("socket")
    parser.add_argument("--control")
    parser.add_argument("--pidfile")
    parser.add_argument("--state")
    args = parser.parse_args()
    return asyncio.run(Standin(args).run())


if __name__ == "__main__":
    sys.exit(main())
