#!/usr/bin/python3
"""Stands in for panther-polkit-prompt in the unit tests of the agent's side.

Reads questions from fd 3 like the real prompt and answers each "show" as
the next word of $FAKE_PROMPT_MODE (read when it starts) says, the last
one repeating:
    answer:TEXT  the answer TEXT
    short        announce 8 bytes, send 3
    long         announce and send 600 bytes
    cancel       "cancel", then exit 0
    user:N       "user N"
    crash        exit 3 without a word
    other:TEXT   a child it forks (sharing fd 3) sends the answer TEXT and
                 exits; then the fake itself answers "mine"
    wait         nothing (until "close")
Every line it receives is appended to $FAKE_PROMPT_LOG; at "close" or end of
file it writes "closed" there and exits 0.
"""

import os
import socket
import sys


def main():
    sock = socket.socket(fileno=3)
    modes = os.environ.get("FAKE_PROMPT_MODE", "wait").split()
    log = open(os.environ["FAKE_PROMPT_LOG"], "a", buffering=1)
    shows = 0
    while True:
        packet = sock.recv(8192)
        if not packet:
            log.write("closed\n")
            return 0
        line = packet.decode().rstrip("\n")
        log.write(line + "\n")
        if line == "close":
            log.write("closed\n")
            return 0
        if line != "show":
            continue
        mode = modes[min(shows, len(modes) - 1)]
        shows += 1
        if mode.startswith("answer:"):
            text = mode[7:].encode()
            sock.send(b"answer %d\n" % len(text))
            if text:
                sock.send(text)
        elif mode == "short":
            sock.send(b"answer 8\n")
            sock.send(b"abc")
        elif mode == "long":
            sock.send(b"answer 600\n")
            sock.send(b"x" * 600)
        elif mode == "cancel":
            sock.send(b"cancel\n")
            return 0
        elif mode.startswith("user:"):
            sock.send(b"user %s\n" % mode[5:].encode())
        elif mode == "crash":
            return 3
        elif mode.startswith("other:"):
            text = mode[6:].encode()
            child = os.fork()
            if child == 0:
                sock.send(b"answer %d\n" % len(text))
                sock.send(text)
                os._exit(0)
            os.waitpid(child, 0)
            sock.send(b"answer 4\n")
            sock.send(b"mine")


if __name__ == "__main__":
    sys.exit(main())
