#!/usr/bin/python3
"""Bounded UDP flood: small datagrams to DST:PORT as fast as one Python thread can, for SECONDS.

usage: udp_flood.py DST PORT SECONDS     (prints the number of datagrams sent)
"""
import socket
import sys
import time


def main() -> int:
    dst, port, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setblocking(False)
    payload = b"pgt-flood" + b"F" * 23
    n = 0
    end = time.monotonic() + secs
    while time.monotonic() < end:
        for _ in range(256):
            try:
                s.sendto(payload, (dst, port))
                n += 1
            except (BlockingIOError, OSError):
                pass
    print(n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
