#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Completion poller for scripts/bench-bgp.sh: asks a BGP daemon how many routes it has, every
millisecond, over its own control socket, until it has N; prints when.

  bgp_poll.py --target peregrine|bird|frr --socket PATH --routes N [--family ipv4|evpn]
              [--protocol NAME] [--pid PID] [--watch-pid PID | --watch-pid-file FILE]
              [--interval-ms 1]
              [--timeout-s S] [--ready FILE]

Queries (a counter, not a RIB dump):
  peregrine  management socket (control/mgmt.h, one request per connection, so a connection per
             query): {"command": "show bgp memory"} -> fib_installed
  bird       the control socket birdc uses, ONE connection kept open: "show protocols all NAME"
             -> "Routes: X imported"
  frr        bgpd's vty socket vtysh uses (NUL-terminated command, reply ends with three NULs
             and a status byte), ONE connection kept open: "show bgp [l2vpn evpn|ipv4 unicast]
             summary json" -> pfxRcd

The next query starts --interval-ms after the previous one returned, or 0.5 % of the time since
the first query if that is longer (a query is not free for the daemon: at 1M routes that keeps
the poller's share of the daemon's work small while the resolution stays 0.5 %).

--pid: the daemon whose CPU time is read from /proc/PID/task/*/schedstat (ns; for peregrine only
its control thread, task PID). Before the first query the poller writes one JSON line to --ready
(the count then and the CPU time), so that the caller can start the feed after it.
--watch-pid: give up (exit 3) when that process (the injector) is gone; --watch-pid-file: the same
with the PID read from FILE once it exists (the injector starts after the poller).

Output, one JSON line on stdout when the count reaches N (exit 0) or at the timeout (exit 1):
  {"done": true, "count": N, "t1_unix_us": ..., "prev_unix_us": ..., "queries": Q,
   "query_us_median": ..., "query_us_max": ..., "cpu_ns0": ..., "cpu_ns1": ...}
t1_unix_us: wall clock when the query that saw N returned; prev_unix_us: when the last query
that saw fewer was sent: all routes arrived in (prev, t1].
"""
import argparse
import json
import os
import re
import socket
import sys
import time


def now_us():
    return time.time_ns() // 1000


def cpu_ns(pid, own_thread):
    """User + system time (ns) of PID's control thread (own_thread) or of all its threads."""
    if not pid:
        return 0
    tasks = [str(pid)] if own_thread else None
    if tasks is None:
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            return 0
    total = 0
    for t in tasks:
        try:
            with open(f"/proc/{pid}/task/{t}/schedstat") as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


class Peregrine:
    RE = re.compile(rb'"fib_installed":\s*(\d+)')

    def __init__(self, path, args):
        self.path = path
        self.req = b'{"command": "show bgp memory", "format": "json"}\n'

    def count(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.settimeout(10)
            s.connect(self.path)
            s.sendall(self.req)
            buf = b""
            while True:
                b = s.recv(65536)
                if not b:
                    break
                buf += b
        finally:
            s.close()
        m = self.RE.search(buf)
        if not m:
            raise RuntimeError("no fib_installed in reply: %r" % buf[:200])
        return int(m.group(1))


class Bird:
    RE = re.compile(rb"Routes:\s*(\d+) imported")
    END = re.compile(rb"(?m)^[0-9]\d{3} .*\n")

    def __init__(self, path, args):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(10)
        self.s.connect(path)
        self.buf = b""
        self.reply()  # "0001 BIRD 2.0.x ready."
        self.req = b"show protocols all %s\n" % args.protocol.encode()

    def reply(self):
        # lines "CODE-text" or " text" continue a reply, "CODE text" ends it
        while True:
            for m in self.END.finditer(self.buf):
                out, self.buf = self.buf[: m.end()], self.buf[m.end():]
                return out
            b = self.s.recv(65536)
            if not b:
                raise RuntimeError("bird closed the control socket")
            self.buf += b

    def count(self):
        self.s.sendall(self.req)
        out = self.reply()
        m = self.RE.search(out)
        if not m:
            # before the session is up: no "Routes:" line
            if b"inj" in out or b"0000" in out:
                return 0
            raise RuntimeError("unexpected reply: %r" % out[:200])
        return int(m.group(1))


class Frr:
    RE = re.compile(rb'"pfxRcd":\s*(\d+)')

    def __init__(self, path, args):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(10)
        self.s.connect(path)
        fam = "l2vpn evpn" if args.family == "evpn" else "ipv4 unicast"
        self.req = b"show bgp %s summary json\0" % fam.encode()

    def count(self):
        self.s.sendall(self.req)
        buf = b""
        while True:
            b = self.s.recv(65536)
            if not b:
                raise RuntimeError("bgpd closed the vty socket")
            buf += b
            if len(buf) >= 4 and buf[-4:-1] == b"\0\0\0":
                break
        m = self.RE.search(buf)
        return int(m.group(1)) if m else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--target", required=True, choices=["peregrine", "bird", "frr"])
    ap.add_argument("--socket", required=True)
    ap.add_argument("--routes", type=int, required=True)
    ap.add_argument("--family", default="ipv4")
    ap.add_argument("--protocol", default="inj")
    ap.add_argument("--pid", type=int, default=0)
    ap.add_argument("--watch-pid", type=int, default=0)
    ap.add_argument("--watch-pid-file", default="")
    ap.add_argument("--interval-ms", type=float, default=1.0)
    ap.add_argument("--timeout-s", type=float, default=120.0)
    ap.add_argument("--ready", default="")
    args = ap.parse_args()

    cls = {"peregrine": Peregrine, "bird": Bird, "frr": Frr}[args.target]
    own = args.target == "peregrine"
    q = cls(args.socket, args)
    c = q.count()
    cpu0 = cpu_ns(args.pid, own)
    if args.ready:
        with open(args.ready + ".tmp", "w") as f:
            f.write(json.dumps({"count": c, "cpu_ns0": cpu0}) + "\n")
        os.rename(args.ready + ".tmp", args.ready)

    start = time.monotonic()
    deadline = start + args.timeout_s
    durs = []
    prev = now_us()
    res = {"done": False}
    while True:
        a = now_us()
        c = q.count()
        b = now_us()
        durs.append(b - a)
        if c >= args.routes:
            cpu1 = cpu_ns(args.pid, own)
            res = {"done": True, "count": c, "t1_unix_us": b, "prev_unix_us": prev}
            break
        prev = a
        t = time.monotonic()
        if t >= deadline:
            res = {"done": False, "count": c}
            cpu1 = cpu_ns(args.pid, own)
            break
        if not args.watch_pid and args.watch_pid_file:
            try:
                with open(args.watch_pid_file) as f:
                    args.watch_pid = int(f.read().strip() or 0)
            except (OSError, ValueError):
                pass
        if args.watch_pid and not alive(args.watch_pid):
            print(json.dumps({"done": False, "count": c, "error": "injector gone"}))
            return 3
        time.sleep(max(args.interval_ms / 1000.0, (t - start) / 200.0))
    durs.sort()
    res.update({"queries": len(durs), "query_us_median": durs[len(durs) // 2],
                "query_us_max": durs[-1], "cpu_ns0": cpu0, "cpu_ns1": cpu1})
    print(json.dumps(res))
    return 0 if res["done"] else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (OSError, RuntimeError) as e:
        print(json.dumps({"done": False, "error": str(e)}))
        sys.exit(2)
