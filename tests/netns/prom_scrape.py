#!/usr/bin/env python3
"""Scrape a Prometheus endpoint and check the text exposition format (0.0.4) strictly.

usage: prom_scrape.py URL            -> prints one JSON object per sample:
                                        {"name": ..., "labels": {...}, "value": ...}
Exit status 1 (with the reason on stderr) when the response is not 200 with a text/plain
version=0.0.4 content type, or any line breaks the format: a sample before its # TYPE, an unknown
type, a bad metric or label name, a badly escaped label value, a value that is not a number, a
duplicate sample (same name and labels), or a counter ending in something else than _total.
"""
import json
import re
import sys
import urllib.request

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\["\\n])*)"')


def fail(msg):
    print(f"prom_scrape: {msg}", file=sys.stderr)
    sys.exit(1)


def parse_labels(s, lineno):
    labels, pos = {}, 0
    while pos < len(s):
        m = LABEL.match(s, pos)
        if not m:
            fail(f"line {lineno}: bad label at {s[pos:]!r}")
        if m.group(1) in labels:
            fail(f"line {lineno}: label {m.group(1)} twice")
        labels[m.group(1)] = m.group(2).replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")
        pos = m.end()
        if pos < len(s):
            if s[pos] != ",":
                fail(f"line {lineno}: expected ',' at {s[pos:]!r}")
            pos += 1
    return labels


def main():
    if len(sys.argv) != 2:
        fail("usage: prom_scrape.py URL")
    with urllib.request.urlopen(sys.argv[1], timeout=10) as r:
        ctype = r.headers.get("Content-Type", "")
        if r.status != 200 or not ctype.startswith("text/plain") or "version=0.0.4" not in ctype:
            fail(f"status {r.status}, content type {ctype!r}")
        body = r.read().decode()
    types, seen = {}, set()
    for lineno, line in enumerate(body.split("\n"), 1):
        if not line:
            continue
        if line.startswith("# HELP "):
            continue
        if line.startswith("# TYPE "):
            parts = line.split(" ")
            if len(parts) != 4 or not NAME.fullmatch(parts[2]) or parts[3] not in ("counter", "gauge"):
                fail(f"line {lineno}: bad TYPE line {line!r}")
            if parts[2] in types:
                fail(f"line {lineno}: TYPE of {parts[2]} twice")
            if parts[3] == "counter" and not parts[2].endswith("_total"):
                fail(f"line {lineno}: counter {parts[2]} does not end in _total")
            types[parts[2]] = parts[3]
            continue
        if line.startswith("#"):
            fail(f"line {lineno}: unexpected comment {line!r}")
        m = re.fullmatch(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)", line)
        if not m:
            fail(f"line {lineno}: not a sample: {line!r}")
        name, lab, val = m.group(1), m.group(2) or "", m.group(3)
        if name not in types:
            fail(f"line {lineno}: {name} has no TYPE before it")
        labels = parse_labels(lab, lineno)
        try:
            value = float(val)
        except ValueError:
            fail(f"line {lineno}: value {val!r} is not a number")
        key = (name, tuple(sorted(labels.items())))
        if key in seen:
            fail(f"line {lineno}: duplicate sample {line!r}")
        seen.add(key)
        print(json.dumps({"name": name, "labels": labels, "value": value}))


if __name__ == "__main__":
    main()
