#!/usr/bin/python3
"""UDP flows for multi-queue tests.

usage: udp_flows.py send DST PORT FLOWS COUNT   COUNT datagrams from each of FLOWS source ports
       udp_flows.py recv ADDR PORT SECONDS N    count datagrams until N arrived or SECONDS passed

send prints the number sent; recv prints "received R from S distinct source ports" and exits 0
when R >= N.
"""
import socket
import sys
import time


def send(dst: str, port: int, flows: int, count: int) -> int:
    socks = []
    for i in range(flows):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("0.0.0.0", 20000 + i))
        socks.append(s)
    n = 0
    for k in range(count):
        for i, s in enumerate(socks):
            s.sendto(b"pgt-flow %d %d" % (i, k), (dst, port))
            n += 1
        time.sleep(0.001)  # a paced stream, not a flood
    print(n)
    return 0


def recv(addr: str, port: int, secs: float, want: int) -> int:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, port))
    s.settimeout(0.2)
    got, sources = 0, set()
    end = time.monotonic() + secs
    while got < want and time.monotonic() < end:
        try:
            data, src = s.recvfrom(2048)
        except socket.timeout:
            continue
        if data.startswith(b"pgt-flow "):
            got += 1
            sources.add(src[1])
    print("received %d from %d distinct source ports" % (got, len(sources)), flush=True)
    return 0 if got >= want else 1


def main() -> int:
    if len(sys.argv) == 6 and sys.argv[1] == "send":
        return send(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    if len(sys.argv) == 6 and sys.argv[1] == "recv":
        return recv(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]))
    print(__doc__, file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main())
