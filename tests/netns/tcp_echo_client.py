#!/usr/bin/python3
"""Line-echo client: one TCP connection, one line every INTERVAL seconds, each echo awaited.

usage: tcp_echo_client.py HOST PORT N1 N2 [--interval S] [--timeout S]

Phase 1 sends N1 lines; then it prints "PHASE2" (so a caller can start a flood) and sends N2
more lines on the same connection. Every echo must come back byte for byte. The last line of
output is a JSON summary; exit status 0 when every line came back intact.
"""
import argparse
import json
import socket
import sys
import time


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("n1", type=int)
    ap.add_argument("n2", type=int)
    ap.add_argument("--interval", type=float, default=0.1)
    ap.add_argument("--timeout", type=float, default=10.0)
    a = ap.parse_args()
    res = {"sent": 0, "echoed": 0, "bad": 0, "max_rtt_ms": [0.0, 0.0], "avg_rtt_ms": [0.0, 0.0],
           "error": None}
    sums = [0.0, 0.0]
    try:
        s = socket.create_connection((a.host, a.port), timeout=a.timeout)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buf = b""
        for i in range(a.n1 + a.n2):
            phase = 0 if i < a.n1 else 1
            if i == a.n1:
                print("PHASE2", flush=True)
            t0 = time.monotonic()
            line = b"pgt-echo seq=%06d t=%.6f %s\n" % (i, t0, b"x" * 64)
            s.sendall(line)
            res["sent"] += 1
            while b"\n" not in buf:
                chunk = s.recv(65536)
                if not chunk:
                    raise ConnectionError("connection closed by the server")
                buf += chunk
            got, buf = buf.split(b"\n", 1)
            rtt = (time.monotonic() - t0) * 1000
            if got + b"\n" == line:
                res["echoed"] += 1
            else:
                res["bad"] += 1
            sums[phase] += rtt
            res["max_rtt_ms"][phase] = round(max(res["max_rtt_ms"][phase], rtt), 2)
            left = a.interval - (time.monotonic() - t0)
            if left > 0:
                time.sleep(left)
        s.close()
    except Exception as e:  # noqa: BLE001 - report any failure in the summary
        res["error"] = "%s: %s" % (type(e).__name__, e)
    for p, n in ((0, min(res["echoed"], a.n1)), (1, max(res["echoed"] - a.n1, 0))):
        res["avg_rtt_ms"][p] = round(sums[p] / n, 2) if n else 0.0
    print(json.dumps(res), flush=True)
    ok = res["error"] is None and res["echoed"] == a.n1 + a.n2 and res["bad"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
