#!/usr/bin/env python3
"""The configuration reference is checked against the parser: every key the loader accepts
(the *_keys arrays of control/config.c and control/config_opr.c) must be documented in
docs/config.md as `key`, and every key docs/config.md lists in the first column of a table
(| `key` |) must be one the loader accepts (or a value, not a key: listed below).

usage: check_config_doc.py SOURCE_ROOT     exit 1 listing what is missing, else prints a summary
"""
import re
import sys

root = sys.argv[1] if len(sys.argv) > 1 else "."
src = "".join(open(f"{root}/control/{f}").read() for f in ("config.c", "config_opr.c"))
doc = open(f"{root}/docs/config.md").read()

keys = set()
for m in re.finditer(r"static const char \*const \w+_keys\[[^\]]*\] = \{(.*?)\};", src, re.S):
    body = re.sub(r"/\*.*?\*/", "", m.group(1), flags=re.S)
    keys.update(re.findall(r'"([A-Za-z][A-Za-z0-9]*)"', body))

# every identifier inside `code` spans: keys appear alone (`vni`) or in paths and examples
# (`routingDomain.l3vni.name`, `{name, create}`)
documented = set()
for span in re.findall(r"`([^`\n]+)`", doc):
    documented.update(re.findall(r"[A-Za-z][A-Za-z0-9]*", span))
missing = sorted(k for k in keys if k not in documented)

# first-column keys of the reference tables
table_keys = set(re.findall(r"^\| `([A-Za-z][A-Za-z0-9]*)` ", doc, re.M))
# first columns that are values or kinds, not keys of the loader
not_keys = {
    "Peregrine", "Underlay", "L3VNI", "L2VNI", "L3Passthrough", "auto", "tap", "xdp", "on", "off",
    "af_packet", "af_xdp", "pcap", "ipv4", "ipv6", "evpn", "external", "internal", "L3VPN",
    "RawFRRConfig", "OpenPERouter", "RouterNodeConfigurationStatus",
}
unknown = sorted(k for k in table_keys if k not in keys and k not in not_keys)

if missing or unknown:
    if missing:
        print("keys the loader accepts but docs/config.md does not document: " + ", ".join(missing))
    if unknown:
        print("keys docs/config.md documents but the loader does not accept: " + ", ".join(unknown))
    sys.exit(1)
print(f"check_config_doc: {len(keys)} keys of the loader, all documented; "
      f"{len(table_keys)} table keys in docs/config.md, all accepted")
