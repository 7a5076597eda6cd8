#!/usr/bin/python3
"""A scripted BGP peer for the scenario tests: opens a session to Peregrine, announces one route,
then sends a chosen malformed UPDATE and reports what Peregrine answered, as one JSON line.

usage: bgp_raw.py --local IP --remote IP --as N MODE
MODE:
  withdraw  an UPDATE for the announced prefix with ORIGIN value 7 (RFC 7606: treat-as-withdraw);
            the session must stay up (a KEEPALIVE exchange afterwards proves it)
  reset     an UPDATE whose attribute length runs past the attribute area (RFC 7606: session
            reset); Peregrine must answer NOTIFICATION 3/1 (UPDATE error, malformed attribute
            list) and close
  garbage   a message with a broken marker; Peregrine must answer NOTIFICATION 1/1
The wire format is written here byte by byte from RFC 4271; nothing is shared with Peregrine.
"""
import argparse
import json
import socket
import struct
import sys
import time

MARKER = b"\xff" * 16


def msg(mtype, body):
    return MARKER + struct.pack("!HB", 19 + len(body), mtype) + body


def open_msg(asn, ident, hold):
    caps = b""
    caps += bytes([1, 4]) + struct.pack("!HBB", 1, 0, 1)  # MP IPv4 unicast
    caps += bytes([65, 4]) + struct.pack("!I", asn)  # 4-octet AS
    opt = bytes([2, len(caps)]) + caps
    body = struct.pack("!BHH", 4, asn if asn < 65536 else 23456, hold)
    body += socket.inet_aton(ident) + bytes([len(opt)]) + opt
    return msg(1, body)


def attr(flags, code, value):
    return bytes([flags, code, len(value)]) + value


def update(prefix, plen, nexthop, asn, origin=0):
    attrs = attr(0x40, 1, bytes([origin]))
    attrs += attr(0x40, 2, bytes([2, 1]) + struct.pack("!I", asn))
    attrs += attr(0x40, 3, socket.inet_aton(nexthop))
    nlri = bytes([plen]) + socket.inet_aton(prefix)[: (plen + 7) // 8]
    return msg(2, struct.pack("!H", 0) + struct.pack("!H", len(attrs)) + attrs + nlri)


def read_msg(sock, timeout):
    sock.settimeout(timeout)
    hdr = b""
    while len(hdr) < 19:
        chunk = sock.recv(19 - len(hdr))
        if not chunk:
            return None
        hdr += chunk
    length, mtype = struct.unpack("!HB", hdr[16:19])
    body = b""
    while len(body) < length - 19:
        chunk = sock.recv(length - 19 - len(body))
        if not chunk:
            return None
        body += chunk
    return mtype, body


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--local", required=True)
    ap.add_argument("--remote", required=True)
    ap.add_argument("--as", dest="asn", type=int, required=True)
    ap.add_argument("--prefix", default="192.0.2.0")
    ap.add_argument("--hold-after", type=float, default=3.0)
    ap.add_argument("mode", choices=["withdraw", "reset", "garbage"])
    a = ap.parse_args()
    out = {"mode": a.mode, "established": False}
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((a.local, 0))
    s.settimeout(5)
    s.connect((a.remote, 179))
    s.sendall(open_msg(a.asn, a.local, 30))
    got_open = got_ka = False
    deadline = time.time() + 10
    while not (got_open and got_ka) and time.time() < deadline:
        m = read_msg(s, 5)
        if m is None:
            out["error"] = "closed during open"
            print(json.dumps(out))
            return 1
        if m[0] == 1:
            got_open = True
            s.sendall(msg(4, b""))
        elif m[0] == 4:
            got_ka = True
        elif m[0] == 3:
            out["notification"] = [m[1][0], m[1][1]]
            print(json.dumps(out))
            return 1
    out["established"] = got_open and got_ka
    s.sendall(update(a.prefix, 24, a.local, a.asn))
    time.sleep(a.hold_after)  # let the test see the route
    if a.mode == "withdraw":
        s.sendall(update(a.prefix, 24, a.local, a.asn, origin=7))
    elif a.mode == "reset":
        bad = bytearray(update(a.prefix, 24, a.local, a.asn))
        # total path attribute length at body offset 2..3 (message offset 21..22): the first
        # attribute (ORIGIN, 4 bytes) claims 200 bytes of value inside a 4-byte area
        struct.pack_into("!H", bad, 21, 4)
        bad[25] = 200
        s.sendall(bytes(bad))
    else:
        s.sendall(b"\x00" * 16 + struct.pack("!HB", 19, 4))
    # Collect what comes back for a few seconds: NOTIFICATION and close, or keepalives.
    end = time.time() + 4
    out["closed"] = False
    out["keepalives_after"] = 0
    if a.mode == "withdraw":
        s.sendall(msg(4, b""))
    while time.time() < end:
        try:
            m = read_msg(s, max(0.1, end - time.time()))
        except socket.timeout:
            break
        except OSError:
            out["closed"] = True
            break
        if m is None:
            out["closed"] = True
            break
        if m[0] == 3:
            out["notification"] = [m[1][0], m[1][1]]
        elif m[0] == 4:
            out["keepalives_after"] += 1
            if a.mode == "withdraw":
                s.sendall(msg(4, b""))
    s.close()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
