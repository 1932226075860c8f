#!/usr/bin/python3
"""Plays panther-polkit-agent's part for panther-polkit-prompt, for tests.

    prompt-driver.py COMMANDS_FIFO PROGRAM [ARGS...]

Starts PROGRAM with one end of a SOCK_SEQPACKET socket pair as fd 3 (the
protocol of polkit-agent/prompt-protocol.h). Every line read from
COMMANDS_FIFO is sent to it as one packet. Every packet it sends is printed
on stdout as "< KEY VALUE"; the bytes after "answer N" as
"< answer-hex HEX". When it exits: "exit STATUS". Output is
flushed line by line, so a test can wait for a line in the log.
"""

import os
import selectors
import socket
import subprocess
import sys


def main():
    fifo, argv = sys.argv[1], sys.argv[2:]
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    fd = theirs.fileno()
    child = subprocess.Popen(argv, pass_fds=sorted({fd, 3}), preexec_fn=lambda: os.dup2(fd, 3))
    theirs.close()
    commands = open(fifo, "rb", buffering=0)
    sel = selectors.DefaultSelector()
    sel.register(ours, selectors.EVENT_READ, "prompt")
    sel.register(commands, selectors.EVENT_READ, "commands")
    expect = None
    pending = b""
    while True:
        for key, _ in sel.select():
            if key.data == "commands":
                data = os.read(commands.fileno(), 65536)
                if not data:
                    sel.unregister(commands)
                    continue
                pending += data
                while b"\n" in pending:
                    line, pending = pending.split(b"\n", 1)
                    try:
                        ours.send(line + b"\n")
                    except OSError as e:
                        print(f"send-failed {e}", flush=True)
                continue
            packet = ours.recv(8192)
            if not packet:
                sel.unregister(ours)
                status = child.wait()
                print(f"exit {status}", flush=True)
                return 0
            if expect is not None:
                print(f"< answer-hex {packet.hex()}", flush=True)
                expect = None
                continue
            text = packet.decode("utf-8", "replace").rstrip("\n")
            print(f"< {text}", flush=True)
            if text.startswith("answer ") and text != "answer 0":
                expect = int(text.split()[1])


if __name__ == "__main__":
    sys.exit(main())
