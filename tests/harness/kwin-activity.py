#!/usr/bin/python3
"""Tell KWin the user is active, as input would: one Wayland client that binds
org_kde_kwin_idle and calls simulate_user_activity on an idle timeout of the
first seat. KWin resets every idle detector with it, so ext-idle-notify-v1
clients get "resumed". Headless KWin has no way to fake real input.

    kwin-activity.py SOCKET_PATH

Speaks the Wayland wire protocol directly (no bindings needed). Exit 0 when
KWin has processed the request, 1 with a line on stderr otherwise.
"""

import socket
import struct
import sys


def fail(why):
    print(f"kwin-activity: {why}", file=sys.stderr)
    sys.exit(1)


def string_arg(s):
    data = s.encode() + b"\0"
    pad = (4 - len(data) % 4) % 4
    return struct.pack("<I", len(data)) + data + b"\0" * pad


def message(obj, opcode, payload=b""):
    return struct.pack("<II", obj, ((8 + len(payload)) << 16) | opcode) + payload


class Client:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(5)
        self.sock.connect(path)
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data)

    def events(self):
        while True:
            while len(self.buf) >= 8:
                obj, word = struct.unpack_from("<II", self.buf)
                size, opcode = word >> 16, word & 0xFFFF
                if len(self.buf) < size:
                    break
                payload = self.buf[8:size]
                self.buf = self.buf[size:]
                if obj == 1 and opcode == 0:
                    _, code = struct.unpack_from("<II", payload)
                    text = payload[12:].split(b"\0")[0].decode(errors="replace")
                    fail(f"protocol error {code}: {text}")
                yield obj, opcode, payload
            data = self.sock.recv(65536)
            if not data:
                fail("the compositor closed the connection")
            self.buf += data

    def roundtrip(self, callback_id, on_event=None):
        self.send(message(1, 0, struct.pack("<I", callback_id)))  # wl_display.sync
        for obj, opcode, payload in self.events():
            if obj == callback_id:
                return
            if on_event:
                on_event(obj, opcode, payload)


def main():
    if len(sys.argv) != 2:
        fail("usage: kwin-activity.py SOCKET_PATH")
    client = Client(sys.argv[1])
    globals_ = {}

    def on_registry(obj, opcode, payload):
        if obj == 2 and opcode == 0:  # wl_registry.global
            name, length = struct.unpack_from("<II", payload)
            interface = payload[8:8 + length - 1].decode()
            globals_.setdefault(interface, name)

    client.send(message(1, 1, struct.pack("<I", 2)))  # wl_display.get_registry -> 2
    client.roundtrip(3, on_registry)
    for needed in ("wl_seat", "org_kde_kwin_idle"):
        if needed not in globals_:
            fail(f"the compositor does not offer {needed}")
    # wl_registry.bind(name, interface, version, new_id)
    client.send(message(2, 0, struct.pack("<I", globals_["wl_seat"]) + string_arg("wl_seat")
                        + struct.pack("<II", 1, 4)))
    client.send(message(2, 0, struct.pack("<I", globals_["org_kde_kwin_idle"])
                        + string_arg("org_kde_kwin_idle") + struct.pack("<II", 1, 5)))
    # org_kde_kwin_idle.get_idle_timeout(new_id 6, seat 4, timeout ms)
    client.send(message(5, 0, struct.pack("<III", 6, 4, 600000)))
    # org_kde_kwin_idle_timeout.simulate_user_activity
    client.send(message(6, 1))
    client.roundtrip(7)


if __name__ == "__main__":
    main()
