#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
Peregrine golden tests: pcap in -> peregrine (net_pcap ports) -> pcap out.

Every output frame is decoded with scapy and checked field by field against the frame that was
sent (MACs, addresses, TTL / hop limit - 1, IPv4 header checksum recomputed, tunnel headers, inner
bytes identical apart from TTL and checksum). Every drop reason that a packet can trigger is sent
on purpose and the named counter must move by exactly the number of packets sent for it, with none
of those packets on any output. Frames on the output pcaps that no case claims fail the run.

Usage: run_golden.py [--build DIR] [--keep] [-k SUBSTRING] [-v]
Runs as root (DPDK). Uses only scapy and subprocess.
"""
import argparse
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

import logging

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)

from scapy.all import (  # noqa: E402
    ARP,
    ICMP,
    IP,
    TCP,
    UDP,
    Ether,
    ICMPv6EchoRequest,
    ICMPv6ND_NS,
    ICMPv6NDOptSrcLLAddr,
    IPOption_RR,
    IPv6,
    Raw,
    RawPcapReader,
)
from scapy.layers.inet6 import in6_chksum  # noqa: E402
from scapy.utils import checksum  # noqa: E402
import re  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))

# ---------------------------------------------------------------------------------------------
# Addresses used throughout
# ---------------------------------------------------------------------------------------------
MAC_A = "02:00:00:00:00:0a"  # underlay port (default VRF)
MAC_B = "02:00:00:00:00:0b"  # host port (VRF red)
MAC_C = "02:00:00:00:00:0c"  # LAN port (default VRF, MTU 1400)
GW2 = "02:00:00:00:00:22"  # 10.0.0.2 (gateway, VTEP)
GW3 = "02:00:00:00:00:33"  # 10.0.0.3 (gateway, VTEP)
GW5 = "02:00:00:00:00:55"  # 10.0.0.5 (learned from ARP in the aux run)
PEER9 = "02:00:00:00:00:99"  # 10.0.0.9 (IPIP peer)
GW6_2 = "02:00:00:00:00:62"  # fd00:a::2
GW6_3 = "02:00:00:00:00:63"  # fd00:a::3
HOST_C = "02:00:00:00:0c:10"  # 10.2.0.10 on port c
HOST_B = "02:00:00:00:10:10"  # 192.168.1.10 on port b
HOST_B6 = "02:00:00:00:10:16"  # fd00:1::10 on port b
HOST_X = "02:00:00:00:20:20"  # 192.168.2.10 on port b (extra run)
EXT = "02:00:00:00:ee:01"  # source MAC of arbitrary senders
RMAC = "02:00:00:00:01:00"  # our router MAC for L3VNI 100
MACS = {"a": MAC_A, "b": MAC_B, "c": MAC_C}
RRMAC2 = "66:00:00:00:02:64"  # remote router MAC behind VTEP 10.0.0.2
RRMAC3 = "66:00:00:00:03:64"  # remote router MAC behind VTEP 10.0.0.3
RRMAC44 = "66:00:00:00:44:64"
BCAST = "ff:ff:ff:ff:ff:ff"
VTEP = "10.0.0.1"

DROP_REASONS_NOT_TRIGGERABLE = {
    "NH_INVALID": "needs a next hop to vanish between lookup and use (control-plane race)",
    "PUNT_RING_FULL": "needs the control thread to fall behind a full punt ring",
    "TX_FULL": "net_pcap TX never reports a full queue",
    "HEADROOM": "received mbufs always have enough headroom for VXLAN/IPIP",
    "IPIP_INNER_V6": "the configuration rejects IPIP next hops on IPv6 prefixes (config unit test)",
    "NO_TAP": "never counted by the code: punts on a port without TAP count "
    "exception_path.no_tap instead (checked by the punt cases)",
    "L2_NO_BD": "needs a bridge domain removed while its frames arrive (no live reload yet; "
    "tests/unit/test_l2.c covers it)",
    "L2_FLOOD_NO_MBUF": "needs the mbuf pool exhausted by flood copies",
}


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------
def ones_sum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def payload(tag, size=None):
    """Tagged payload; size pads it with a deterministic pattern."""
    t = tag.encode()
    if size is None:
        return t
    assert size >= len(t), (tag, size)
    return t + bytes((i * 7 + 3) & 0xFF for i in range(size - len(t)))


def vxlan_hdr(vni, flags=0x08):
    return struct.pack("!BBHI", flags, 0, 0, vni << 8)


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, b in enumerate(frames):
            f.write(struct.pack("<IIII", 1700000000 + i, 0, len(b), len(b)))
            f.write(b)


def read_pcap(path):
    # A pcap the daemon never flushed (no frame sent and no clean close) is 0 bytes long.
    if not os.path.exists(path) or os.path.getsize(path) < 24:
        return []
    return [bytes(data) for data, _meta in RawPcapReader(path)]


class Errs(list):
    def eq(self, what, got, want):
        if got != want:
            self.append("%s: got %r, want %r" % (what, got, want))
            return False
        return True

    def true(self, what, cond):
        if not cond:
            self.append(what)
        return cond


# ---------------------------------------------------------------------------------------------
# Field checks (independent of the router: the expected values come from the sent frame)
# ---------------------------------------------------------------------------------------------
def ip4_header_ok(e, what, ipb):
    ihl = (ipb[0] & 0xF) * 4
    e.true("%s: IPv4 header checksum invalid (one's complement sum 0x%04x)" % (what, ones_sum(ipb[:ihl])),
           ones_sum(ipb[:ihl]) == 0xFFFF)
    p = IP(ipb)
    got = p.chksum
    del p.chksum
    e.eq("%s: checksum vs scapy recompute" % what, got, IP(bytes(p)).chksum)


def check_ip4_routed(e, what, sent_ip, got_ip):
    """got_ip must be sent_ip with TTL - 1 and a valid checksum, every other byte identical."""
    if not e.eq("%s: IPv4 length" % what, len(got_ip), len(sent_ip)):
        return
    s, g = IP(sent_ip), IP(got_ip)
    e.eq("%s: ip.src" % what, g.src, s.src)
    e.eq("%s: ip.dst" % what, g.dst, s.dst)
    e.eq("%s: ip.ttl" % what, g.ttl, s.ttl - 1)
    e.eq("%s: ip.len" % what, g.len, s.len)
    ip4_header_ok(e, what, got_ip)
    mask = lambda b: b[:8] + b[9:10] + b[12:]  # noqa: E731  (all but TTL and checksum)
    e.true("%s: bytes other than TTL/checksum differ" % what, mask(sent_ip) == mask(got_ip))


def check_ip6_routed(e, what, sent_ip, got_ip):
    if not e.eq("%s: IPv6 length" % what, len(got_ip), len(sent_ip)):
        return
    s, g = IPv6(sent_ip), IPv6(got_ip)
    e.eq("%s: ip6.src" % what, g.src, s.src)
    e.eq("%s: ip6.dst" % what, g.dst, s.dst)
    e.eq("%s: ip6.hlim" % what, g.hlim, s.hlim - 1)
    e.eq("%s: ip6.plen" % what, g.plen, s.plen)
    mask = lambda b: b[:7] + b[8:]  # noqa: E731
    e.true("%s: bytes other than hop limit differ" % what, mask(sent_ip) == mask(got_ip))


def l3_of(frame):
    """The IP packet in an Ethernet frame, cut to its own length (drops Ethernet padding)."""
    ip = frame[14:]
    if frame[12:14] == b"\x08\x00":
        return ip[: struct.unpack("!H", ip[2:4])[0]]
    if frame[12:14] == b"\x86\xdd":
        return ip[: 40 + struct.unpack("!H", ip[4:6])[0]]
    return ip


def check_routed_frame(e, what, sent_frame, got_frame, dmac, smac):
    g = Ether(got_frame)
    e.eq("%s: eth.dst" % what, g.dst, dmac)
    e.eq("%s: eth.src" % what, g.src, smac)
    e.eq("%s: eth.type" % what, g.type, struct.unpack("!H", sent_frame[12:14])[0])
    sent_ip = l3_of(sent_frame)
    if sent_frame[12:14] == b"\x08\x00":
        check_ip4_routed(e, what, sent_ip, got_frame[14:])
    else:
        check_ip6_routed(e, what, sent_ip, got_frame[14:])


def check_outer4(e, what, got, dmac, smac, src, dst, proto):
    o = Ether(got)
    e.eq("%s: outer eth.dst" % what, o.dst, dmac)
    e.eq("%s: outer eth.src" % what, o.src, smac)
    e.eq("%s: outer eth.type" % what, o.type, 0x0800)
    ipb = got[14:34]
    ip = IP(got[14:])
    e.eq("%s: outer ip.version/ihl" % what, ipb[0], 0x45)
    e.eq("%s: outer ip.src" % what, ip.src, src)
    e.eq("%s: outer ip.dst" % what, ip.dst, dst)
    e.eq("%s: outer ip.proto" % what, ip.proto, proto)
    e.eq("%s: outer ip.ttl" % what, ip.ttl, 64)
    e.eq("%s: outer ip DF set, MF clear, offset 0" % what, struct.unpack("!H", ipb[6:8])[0], 0x4000)
    e.eq("%s: outer ip.len" % what, ip.len, len(got) - 14)
    ip4_header_ok(e, what + ": outer", ipb)


def check_vxlan(e, what, got, sent_frame, dmac, dst, vni, inner_dmac, inner_smac, smac=MAC_A,
                src=VTEP, dport=4789):
    """A VXLAN-encapsulated routed packet; returns the UDP source port (or None)."""
    if not e.true("%s: frame too short for VXLAN (%d bytes)" % (what, len(got)), len(got) >= 64):
        return None
    check_outer4(e, what, got, dmac, smac, src, dst, 17)
    sport, udport, ulen, uck = struct.unpack("!HHHH", got[34:42])
    e.eq("%s: udp.dport" % what, udport, dport)
    e.true("%s: udp.sport %d not in 49152..65535" % (what, sport), 49152 <= sport <= 65535)
    e.eq("%s: udp.len" % what, ulen, len(got) - 34)
    e.eq("%s: udp.chksum (0 = none)" % what, uck, 0)
    e.eq("%s: VXLAN header (flags 0x08, VNI %d, reserved 0)" % (what, vni), got[42:50].hex(),
         vxlan_hdr(vni).hex())
    inner = Ether(got[50:])
    e.eq("%s: inner eth.dst" % what, inner.dst, inner_dmac)
    e.eq("%s: inner eth.src" % what, inner.src, inner_smac)
    e.eq("%s: inner eth.type" % what, inner.type, struct.unpack("!H", sent_frame[12:14])[0])
    sent_ip = l3_of(sent_frame)
    if sent_frame[12:14] == b"\x08\x00":
        check_ip4_routed(e, what + ": inner", sent_ip, got[64:])
    else:
        check_ip6_routed(e, what + ": inner", sent_ip, got[64:])
    return sport


def check_icmp_error(e, what, got, sent_frame, our_addr, our_mac, typ, code, mtu):
    """An ICMP/ICMPv6 error from us answering sent_frame: addressing, type/code, MTU, quote."""
    g = Ether(got)
    orig = Ether(bytes(sent_frame))
    e.eq("%s: eth.src" % what, g.src, our_mac)
    e.eq("%s: eth.dst (back to the sender)" % what, g.dst, orig.src)
    if IP in orig:
        if not e.true("%s: not an ICMP error: %r" % (what, g.summary()), IP in g and ICMP in g):
            return
        e.eq("%s: ip.src (our port address)" % what, g[IP].src, our_addr[4])
        e.eq("%s: ip.dst" % what, g[IP].dst, orig[IP].src)
        e.eq("%s: icmp type/code" % what, (g[ICMP].type, g[ICMP].code), (typ, code))
        if typ == 3 and code == 4:
            e.eq("%s: next-hop MTU" % what, g[ICMP].nexthopmtu, mtu)
        raw = bytes(g[IP])
        e.eq("%s: ip checksum" % what, checksum(raw[:20]), 0)
        e.eq("%s: icmp checksum" % what, checksum(raw[20:]), 0)
        quote = bytes(orig[IP])[:548]
        e.eq("%s: quoted original (first %d bytes)" % (what, len(quote)), raw[28:28 + len(quote)], quote)
        e.true("%s: total length %d <= 576" % (what, len(raw)), len(raw) <= 576)
    else:
        if not e.true("%s: not an ICMPv6 error: %r" % (what, g.summary()), IPv6 in g):
            return
        e.eq("%s: ipv6.src (our port address)" % what, g[IPv6].src, our_addr[6])
        e.eq("%s: ipv6.dst" % what, g[IPv6].dst, orig[IPv6].src)
        raw = bytes(g[IPv6].payload)
        e.eq("%s: icmpv6 type/code" % what, (raw[0], raw[1]), (typ, code))
        if typ == 2:
            e.eq("%s: packet-too-big MTU" % what, int.from_bytes(raw[4:8], "big"), mtu)
        ck = in6_chksum(58, g[IPv6], raw[:2] + b"\0\0" + raw[4:])
        e.eq("%s: icmpv6 checksum" % what, int.from_bytes(raw[2:4], "big"), ck)
        quote = bytes(orig[IPv6])[:1232]
        e.eq("%s: quoted original (first %d bytes)" % (what, len(quote)), raw[8:8 + len(quote)], quote)


def check_ipip(e, what, got, sent_frame, dmac, dst, smac=MAC_A, src=VTEP):
    check_outer4(e, what, got, dmac, smac, src, dst, 4)
    check_ip4_routed(e, what + ": inner", l3_of(sent_frame), got[34:])


def check_arp_request(e, what, got, smac, sip, tip):
    p = Ether(got)
    e.eq("%s: eth.dst" % what, p.dst, BCAST)
    e.eq("%s: eth.src" % what, p.src, smac)
    e.eq("%s: eth.type" % what, p.type, 0x0806)
    a = p[ARP]
    e.eq("%s: arp.hwtype" % what, a.hwtype, 1)
    e.eq("%s: arp.ptype" % what, a.ptype, 0x0800)
    e.eq("%s: arp.hwlen" % what, a.hwlen, 6)
    e.eq("%s: arp.plen" % what, a.plen, 4)
    e.eq("%s: arp.op (who-has)" % what, a.op, 1)
    e.eq("%s: arp.hwsrc" % what, a.hwsrc, smac)
    e.eq("%s: arp.psrc" % what, a.psrc, sip)
    e.eq("%s: arp.hwdst" % what, a.hwdst, "00:00:00:00:00:00")
    e.eq("%s: arp.pdst" % what, a.pdst, tip)


def solicited_node(addr):
    import ipaddress

    b = ipaddress.IPv6Address(addr).packed
    mac = "33:33:ff:%02x:%02x:%02x" % (b[13], b[14], b[15])
    ip = str(ipaddress.IPv6Address(bytes.fromhex("ff0200000000000000000001ff") + b[13:]))
    return mac, ip


def check_ns(e, what, got, smac, sip, target):
    mac, snip = solicited_node(target)
    p = Ether(got)
    e.eq("%s: eth.dst" % what, p.dst, mac)
    e.eq("%s: eth.src" % what, p.src, smac)
    e.eq("%s: eth.type" % what, p.type, 0x86DD)
    ip = p[IPv6]
    e.eq("%s: ip6.src" % what, ip.src, sip)
    e.eq("%s: ip6.dst" % what, ip.dst, snip)
    e.eq("%s: ip6.hlim" % what, ip.hlim, 255)
    e.eq("%s: ip6.nh" % what, ip.nh, 58)
    e.eq("%s: ip6.plen" % what, ip.plen, 32)
    if not e.true("%s: not an ICMPv6 NS" % what, ICMPv6ND_NS in p):
        return
    ns = p[ICMPv6ND_NS]
    e.eq("%s: icmp6.type" % what, ns.type, 135)
    e.eq("%s: icmp6.code" % what, ns.code, 0)
    e.eq("%s: ns.tgt" % what, ns.tgt, target)
    got_ck = ns.cksum
    q = Ether(got)
    del q[ICMPv6ND_NS].cksum
    e.eq("%s: icmp6 checksum vs recompute" % what, got_ck, Ether(bytes(q))[ICMPv6ND_NS].cksum)
    if e.true("%s: no source link-layer address option" % what, ICMPv6NDOptSrcLLAddr in p):
        e.eq("%s: SLLA option" % what, p[ICMPv6NDOptSrcLLAddr].lladdr, smac)


# ---------------------------------------------------------------------------------------------
# A daemon run: one configuration, input pcaps per port, checks evaluated on the results
# ---------------------------------------------------------------------------------------------
class Result:
    def __init__(self, out, data, rc, log):
        self.out = out  # port -> [frame bytes]
        self.claimed = {p: set() for p in out}
        self.stats = data.get("stats", {})
        self.ifaces = {i["name"]: i for i in data.get("interfaces", {}).get("interfaces", [])}
        self.vnis = {v["vni"]: v for v in data.get("vni", {}).get("vnis", [])}
        self.neigh = data.get("neighbors", {}).get("neighbors", [])
        self.rc = rc
        self.log = log

    def drops(self):
        return {d["reason"]: d["packets"] for d in self.stats.get("drops", [])}

    def find(self, tag, claim=True):
        """(port, frame) of every output frame containing tag."""
        t = tag.encode()
        hits = []
        for port, frames in self.out.items():
            for i, f in enumerate(frames):
                if t in f:
                    hits.append((port, f))
                    if claim:
                        self.claimed[port].add(i)
        return hits

    def find_where(self, port, pred):
        hits = []
        for i, f in enumerate(self.out.get(port, [])):
            try:
                ok = pred(f)
            except Exception:
                ok = False
            if ok:
                hits.append(f)
                self.claimed[port].add(i)
        return hits


class Run:
    def __init__(self, name, ports, yaml_body):
        self.name = name
        self.ports = ports  # names, in config order
        self.yaml_body = yaml_body  # spec text after ports (uses {sock})
        self.port_yaml = {}
        self.inp = {p: [] for p in ports}
        self.checks = []  # (name, fn(res) -> Errs)
        self.drops = {}  # reason -> expected packets
        self.drop_cases = {}  # reason -> case names
        self.counters = {}  # free-form expected counters
        self.any_drops = 0  # packets of cases that accept any (or no) drop reason

    def send(self, port, frame):
        self.inp[port].append(bytes(frame))
        return bytes(frame)

    def check(self, name):
        def deco(fn):
            self.checks.append((name, fn))
            return fn

        return deco

    @property
    def addr(self):
        """port -> {4: first IPv4 address, 6: first IPv6 address} from port_yaml."""
        out = {}
        for p, y in self.port_yaml.items():
            m = re.search(r"addresses: \[([^]]*)\]", y)
            addrs = [a.strip().strip('"').split("/")[0] for a in m.group(1).split(",")] if m else []
            out[p] = {4: next((a for a in addrs if ":" not in a), None),
                      6: next((a for a in addrs if ":" in a), None)}
        return out

    def count(self, key, n=1):
        self.counters[key] = self.counters.get(key, 0) + n

    def expect_drop(self, case, reason, variants, icmp=None):
        """variants: [(port, frame, tag or None)]: every one must be dropped as reason.
        icmp: {tag: (type, code, mtu)} for variants that must be answered with an ICMP / ICMPv6
        error out of the port they came in on; nothing else may come out for a tag."""
        icmp = icmp or {}
        tags = []
        sent = {}
        for port, frame, tag in variants:
            self.send(port, frame)
            if tag:
                tags.append(tag)
                sent[tag] = (port, frame)
        self.drops[reason] = self.drops.get(reason, 0) + len(variants)
        self.drop_cases.setdefault(reason, []).append(case)
        self.count("icmp.punts", len(icmp))

        @self.check("drop/%s (%s)" % (reason, case))
        def _(res):
            e = Errs()
            want = self.drops[reason]
            e.eq("counter %s (%d packets sent for it in this run)" % (reason, want),
                 res.drops().get(reason, 0), want)
            for t in tags:
                hits = res.find(t)
                if t in icmp:
                    if e.eq("%s: ICMP errors out" % t, len(hits), 1):
                        port, frame = sent[t]
                        e.eq("%s: error out of the input port" % t, hits[0][0], port)
                        check_icmp_error(e, t, hits[0][1], frame, self.addr[port], MACS[port], *icmp[t])
                    continue
                for port, _f in hits:
                    e.append("packet %s came out of port %s" % (t, port))
            return e

    def config(self, tmp):
        lines = []
        for p in self.ports:
            dev = "net_pcap%d" % self.ports.index(p)
            if self.inp[p]:
                dev += ",rx_pcap=%s/in_%s.pcap" % (tmp, p)
            dev += ",tx_pcap=%s/out_%s.pcap" % (tmp, p)
            lines.append('    - {name: %s, device: "%s", %s, tap: none}' % (p, dev, self.port_yaml[p]))
        return (
            "kind: Peregrine\n"
            "spec:\n"
            '  dataplane: {lcores: "0-1", memoryMB: 1024, mbufs: 4095, maxRoutes4: 4096, '
            "tbl8Groups: 256, maxRoutes6: 4096}\n"
            "  management: {socket: %s/pg.sock}\n" % tmp
            + self.yaml_body.split("@@PORTS@@")[0]
            + "  ports:\n" + "\n".join(lines) + "\n"
            + self.yaml_body.split("@@PORTS@@")[1]
        )


LIVE = []  # Popen objects we started and have not reaped
WORKERS = 1  # --workers


def stop(proc, sig=signal.SIGINT, timeout=15):
    if proc.poll() is None:
        try:
            os.kill(proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    if proc in LIVE:
        LIVE.remove(proc)
    if proc.returncode is not None and proc.returncode < 0:
        # Killed by a signal: its --no-huge EAL runtime directory was not removed. Only ours.
        shutil.rmtree("/var/run/dpdk/peregrine-%d" % proc.pid, ignore_errors=True)
    return proc.returncode


def ctl(build, sock, *cmd):
    r = subprocess.run([os.path.join(build, "control", "peregrinectl"), "-s", sock, "--json"] + list(cmd),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=10)
    if r.returncode != 0:
        raise RuntimeError("peregrinectl %s: rc %d: %s" % (" ".join(cmd), r.returncode,
                                                           r.stderr.decode(errors="replace").strip()))
    j = json.loads(r.stdout)
    if not j.get("ok"):
        raise RuntimeError("peregrinectl %s: %s" % (" ".join(cmd), j))
    return j["data"]


def execute(run, build, tmp_root):
    """Start peregrine on the run's pcaps, wait until everything is received and settled, stop it."""
    tmp = os.path.join(tmp_root, run.name)
    os.makedirs(tmp)
    for p in run.ports:
        if run.inp[p]:
            write_pcap(os.path.join(tmp, "in_%s.pcap" % p), run.inp[p])
    cfg = os.path.join(tmp, "peregrine.yaml")
    with open(cfg, "w") as f:
        f.write(run.config(tmp))
    sock = os.path.join(tmp, "pg.sock")
    logp = os.path.join(tmp, "peregrine.log")
    total_in = sum(len(v) for v in run.inp.values())
    logf = open(logp, "wb")
    cmd = [os.path.join(build, "control", "peregrine"), "-c", cfg]
    if WORKERS > 1:
        # More workers than CPUs is fine for correctness: map lcores onto the CPUs we have.
        cpus = max(os.cpu_count() or 1, 1)
        cmd += ["--", "--lcores=" + ",".join("%d@%d" % (i, i % cpus) for i in range(WORKERS + 1))]
    proc = subprocess.Popen(cmd, stdout=logf,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    LIVE.append(proc)
    data = {}
    try:
        deadline = time.time() + 30
        while True:
            with open(logp, "rb") as lf:
                if b"peregrine: ready" in lf.read():
                    break
            if proc.poll() is not None:
                raise RuntimeError("peregrine exited with %d before ready" % proc.returncode)
            if time.time() > deadline:
                raise RuntimeError("peregrine not ready after 30 s")
            time.sleep(0.05)
        deadline = time.time() + 10
        while True:
            ifs = ctl(build, sock, "show", "interfaces")["interfaces"]
            rx = sum(i["rx_packets"] for i in ifs)
            if rx >= total_in:
                break
            if time.time() > deadline:
                raise RuntimeError("only %d of %d packets received after 10 s" % (rx, total_in))
            time.sleep(0.05)
        # settle: punts, neighbour resolution, injected frames
        last, same, t0 = None, 0, time.time()
        while time.time() - t0 < 5:
            time.sleep(0.1)
            st = ctl(build, sock, "show", "stats")
            ifs = ctl(build, sock, "show", "interfaces")["interfaces"]
            snap = json.dumps([st["drops"], st["punted"], st["exception_path"], st["neighbor"],
                               [(i["tx_packets"], i["punted"], i["injected"]) for i in ifs]])
            same = same + 1 if snap == last else 0
            last = snap
            if same >= 3:
                break
        data["stats"] = ctl(build, sock, "show", "stats", "all")
        data["interfaces"] = ctl(build, sock, "show", "interfaces")
        data["vni"] = ctl(build, sock, "show", "vni")
        data["neighbors"] = ctl(build, sock, "show", "neighbors")
    finally:
        rc = stop(proc)
        logf.close()
    with open(logp, "rb") as lf:
        log = lf.read().decode(errors="replace")
    out = {p: read_pcap(os.path.join(tmp, "out_%s.pcap" % p)) for p in run.ports}
    return Result(out, data, rc, log)


def generic_checks(run, res):
    """Per-run checks that every case relies on."""
    checks = []

    def rx(res):
        e = Errs()
        for p in run.ports:
            e.eq("port %s rx_packets" % p, res.ifaces.get(p, {}).get("rx_packets"), len(run.inp[p]))
        return e

    def tx(res):
        e = Errs()
        for p in run.ports:
            e.eq("port %s tx_packets vs frames in out_%s.pcap" % (p, p),
                 res.ifaces.get(p, {}).get("tx_packets"), len(res.out[p]))
        return e

    def unexpected(res):
        e = Errs()
        extra = {r: n for r, n in sorted(res.drops().items()) if n and r not in run.drops}
        if sum(extra.values()) > run.any_drops:
            for reason, n in extra.items():
                e.append("%s moved by %d (no case expects it)" % (reason, n))
        return e

    def stray(res):
        e = Errs()
        for p in run.ports:
            for i, f in enumerate(res.out[p]):
                if i not in res.claimed[p]:
                    e.append("port %s frame %d claimed by no case: %s" % (p, i, Ether(f).summary()))
        return e

    def exit_ok(res):
        e = Errs()
        if res.rc is not None and res.rc < 0:
            e.append("peregrine was killed by signal %d instead of shutting down (status %d)"
                     % (-res.rc, res.rc))
        else:
            e.eq("peregrine exit status after SIGINT", res.rc, 0)
            e.true("no 'shutting down' in the log", "shutting down" in res.log)
        return e

    checks.append(("rx: every input frame received", rx))
    checks.append(("tx counters match output pcaps", tx))
    checks.append(("no drop reason moved that no case expects", unexpected))
    checks.append(("clean exit on SIGINT", exit_ok))
    checks.append(("no stray output frames", stray))
    return checks


# ---------------------------------------------------------------------------------------------
# Run "main": routing, tunnels, ECMP, resolution, punts, most drop reasons
# ---------------------------------------------------------------------------------------------
def build_main():
    body = """  vtep: 10.0.0.1
  vrfs: [{name: red}]
@@PORTS@@  l3vnis: [{vni: 100, vrf: red, routerMac: "02:00:00:00:01:00"}]
  tunnels:
    - {type: ipip, remote: 10.0.0.9}
    - {type: ipip, remote: 10.0.0.8, vrf: red}
    - {type: vxlan, remote: 10.0.0.7}
  routes:
    - {prefix: 10.1.0.0/16, via: 10.0.0.2}
    - {prefix: 10.3.0.0/16, via: 10.2.0.10}
    - {prefix: "fd00:99::/64", via: "fd00:a::2"}
    - {prefix: 10.50.0.0/16, ipip: {remote: 10.0.0.9}}
    - {prefix: 10.60.0.0/16, nexthops: [{via: 10.0.0.2}, {via: 10.0.0.3}]}
    - {prefix: "fd00:60::/64", nexthops: [{via: "fd00:a::2"}, {via: "fd00:a::3"}]}
    - {prefix: 10.70.0.0/16, blackhole: true}
    - {prefix: "fd00:70::/64", blackhole: true}
    - {prefix: 10.80.0.0/16, via: 10.0.0.4}
    - {prefix: "fd00:88::/64", via: "fd00:a::4"}
    - {prefix: 10.244.1.0/26, vrf: red, vxlan: {remote: 10.0.0.2, vni: 100, routerMac: "66:00:00:00:02:64"}}
    - {prefix: "fd00:244::/64", vrf: red, vxlan: {remote: 10.0.0.2, vni: 100, routerMac: "66:00:00:00:02:64"}}
    - {prefix: 10.245.0.0/16, vrf: red, vxlan: {remote: 10.0.0.44, vni: 100, routerMac: "66:00:00:00:44:64"}}
    - prefix: 10.246.0.0/16
      vrf: red
      nexthops:
        - {vxlan: {remote: 10.0.0.2, vni: 100, routerMac: "66:00:00:00:02:64"}}
        - {vxlan: {remote: 10.0.0.3, vni: 100, routerMac: "66:00:00:00:03:64"}}
    - {prefix: 172.16.0.0/16, vrf: red, via: 192.168.1.10}
    - {prefix: "fd00:2::/64", vrf: red, via: "fd00:1::10"}
  neighbors:
    - {ip: 10.0.0.2, mac: "02:00:00:00:00:22", port: a}
    - {ip: 10.0.0.3, mac: "02:00:00:00:00:33", port: a}
    - {ip: 10.0.0.9, mac: "02:00:00:00:00:99", port: a}
    - {ip: "fd00:a::2", mac: "02:00:00:00:00:62", port: a}
    - {ip: "fd00:a::3", mac: "02:00:00:00:00:63", port: a}
    - {ip: 10.2.0.10, mac: "02:00:00:00:0c:10", port: c}
    - {ip: 192.168.1.10, mac: "02:00:00:00:10:10", port: b}
    - {ip: "fd00:1::10", mac: "02:00:00:00:10:16", port: b}
"""
    r = Run("main", ["a", "b", "c"], body)
    r.port_yaml = {
        "a": 'mac: "%s", addresses: [10.0.0.1/24, "fd00:a::1/64"]' % MAC_A,
        "b": 'mac: "%s", vrf: red, addresses: [192.168.1.1/24, "fd00:1::1/64"]' % MAC_B,
        "c": 'mac: "%s", mtu: 1400, addresses: [10.2.0.1/24, "fd00:c::1/64"]' % MAC_C,
    }
    toA = dict(dst=MAC_A, src=GW2)
    toB = dict(dst=MAC_B, src=HOST_B)
    toC = dict(dst=MAC_C, src=HOST_C)

    def vx_in(inner, vni=100, src="10.0.0.2", flags=0x08, sport=50001, ttl=64, dst=VTEP, dport=4789,
              options=()):
        return (Ether(**toA) / IP(src=src, dst=dst, ttl=ttl, flags="DF", options=list(options)) /
                UDP(sport=sport, dport=dport) / Raw(vxlan_hdr(vni, flags)) / inner)

    def ipip_in(inner, src="10.0.0.9", dst=VTEP, options=()):
        return Ether(**toA) / IP(src=src, dst=dst, proto=4, options=list(options)) / inner

    def pad60(frame):
        frame = bytes(frame)
        return frame + b"\xee" * max(0, 60 - len(frame))

    # ---- underlay IPv4 routing via a gateway ---------------------------------------------
    sent = []
    tag = "fwd4#udp"
    sent.append((tag, r.send("c", Ether(**toC) / IP(src="10.2.0.10", dst="10.1.2.3", ttl=64, id=4242) /
                             UDP(sport=1234, dport=5678) / payload(tag, 100))))
    tag = "fwd4#tcp"
    sent.append((tag, r.send("c", Ether(**toC) / IP(src="10.2.0.10", dst="10.1.200.1", ttl=2, tos=0xb8) /
                             TCP(sport=40000, dport=443, flags="S", seq=7) / payload(tag, 40))))
    tag = "fwd4#icmp-options"
    sent.append((tag, r.send("c", Ether(**toC) / IP(src="10.2.0.10", dst="10.1.0.1", ttl=255,
                                                     options=[IPOption_RR(routers=["0.0.0.0"] * 2)]) /
                             ICMP(type=8, id=1, seq=1) / payload(tag, 56))))
    tag = "fwd4#padded"  # 60-byte frame with Ethernet padding: forwarded trimmed to the IP length
    f = bytes(Ether(**toC) / IP(src="10.2.0.10", dst="10.1.3.3", ttl=9) / UDP(sport=9, dport=9) / payload(tag))
    sent.append((tag, r.send("c", f + b"\xee" * (60 - len(f)))))
    tag = "fwd4#mtu-1500"
    sent.append((tag, r.send("c", Ether(**toC) / IP(src="10.2.0.10", dst="10.1.4.4") / UDP(sport=3, dport=4) /
                             payload(tag, 1500 - 28))))
    tag = "fwd4#to-c-mtu-1400"
    sent.append((tag, r.send("a", Ether(**toA) / IP(src="10.1.9.9", dst="10.3.0.5") / UDP(sport=3, dport=4) /
                             payload(tag, 1400 - 28))))

    @r.check("fwd4: underlay IPv4 via gateway (UDP, TCP, IP options, padding, MTU boundaries)")
    def _(res, sent=sent):
        e = Errs()
        for tag, f in sent:
            hits = res.find(tag)
            if not e.eq("%s: copies out" % tag, len(hits), 1):
                continue
            port, g = hits[0]
            if tag == "fwd4#to-c-mtu-1400":
                e.eq("%s: output port" % tag, port, "c")
                check_routed_frame(e, tag, f, g, HOST_C, MAC_C)
            else:
                e.eq("%s: output port" % tag, port, "a")
                check_routed_frame(e, tag, f, g, GW2, MAC_A)
        return e

    # TTL decrement whose correct new checksum is 0x0000 (original 0xFEFF): RFC 1624 section 3
    # shows that HC + 0x0100 with end-around carry yields 0xFFFF here; recomputation gives 0x0000.
    base = IP(src="10.2.0.10", dst="10.1.5.5", ttl=64, id=0, chksum=0) / UDP(sport=1, dport=2) / payload("fwd4#cksum-edge")
    s0 = ones_sum(bytes(base)[:20])  # header sum without id; checksum = ~(s0 + id)
    ident = 0x0100 + (~s0 & 0xFFFF)  # s0 + id == 0x0100 (one's complement) -> checksum 0xFEFF
    ident = (ident & 0xFFFF) + (ident >> 16)
    cand = IP(src="10.2.0.10", dst="10.1.5.5", ttl=64, id=ident) / UDP(sport=1, dport=2) / payload("fwd4#cksum-edge")
    assert IP(bytes(cand)).chksum == 0xFEFF, hex(IP(bytes(cand)).chksum)
    edge = r.send("c", Ether(**toC) / cand)

    @r.check("fwd4: TTL decrement where the recomputed checksum is 0x0000 (RFC 1624 section 3 corner)")
    def _(res, f=edge):
        e = Errs()
        hits = res.find("fwd4#cksum-edge")
        if e.eq("copies out", len(hits), 1):
            check_routed_frame(e, "fwd4#cksum-edge", f, hits[0][1], GW2, MAC_A)
        return e

    # ---- underlay IPv6 routing -----------------------------------------------------------
    sent6 = []
    tag = "fwd6#udp"
    sent6.append((tag, r.send("c", Ether(**toC) / IPv6(src="fd00:c::10", dst="fd00:99::5", hlim=64, fl=0x12345) /
                              UDP(sport=1, dport=2) / payload(tag, 80))))
    tag = "fwd6#tcp-hlim2"
    sent6.append((tag, r.send("c", Ether(**toC) / IPv6(src="fd00:c::10", dst="fd00:99::6", hlim=2, tc=0x20) /
                              TCP(sport=1, dport=179) / payload(tag))))
    tag = "fwd6#mtu-1500"
    sent6.append((tag, r.send("c", Ether(**toC) / IPv6(src="fd00:c::10", dst="fd00:99::7") /
                              UDP(sport=1, dport=2) / payload(tag, 1500 - 48))))

    @r.check("fwd6: underlay IPv6 via gateway (static IPv6 neighbour, hop limit - 1, MTU boundary)")
    def _(res, sent=sent6):
        e = Errs()
        for tag, f in sent:
            hits = res.find(tag)
            if e.eq("%s: copies out" % tag, len(hits), 1):
                e.eq("%s: output port" % tag, hits[0][0], "a")
                check_routed_frame(e, tag, f, hits[0][1], GW6_2, MAC_A)
        return e

    # ---- VXLAN L3VNI encap, IPv4 inner ---------------------------------------------------
    flows = []
    for fl in range(8):
        pk = []
        for n in range(3):
            tag = "vxenc4#f%d.%d" % (fl, n)
            pk.append((tag, r.send("b", Ether(**toB) / IP(src="192.168.1.10", dst="10.244.1.%d" % (5 + fl), ttl=64) /
                                   UDP(sport=10000 + fl * 17, dport=53) / payload(tag, 30 + n))))
            r.count("vni100.encap")
        flows.append(pk)
    tag = "vxenc4#mtu-1450"
    big = r.send("b", Ether(**toB) / IP(src="192.168.1.10", dst="10.244.1.40") / UDP(sport=5, dport=6) /
                 payload(tag, 1450 - 28))
    r.count("vni100.encap")

    @r.check("vxlan-encap4: IPv4 in VXLAN VNI 100 from VRF red (outer, UDP, VXLAN, inner MACs, inner bytes)")
    def _(res, flows=flows, big=big):
        e = Errs()
        for pk in flows + [[("vxenc4#mtu-1450", big)]]:
            for tag, f in pk:
                hits = res.find(tag)
                if e.eq("%s: copies out" % tag, len(hits), 1):
                    e.eq("%s: output port" % tag, hits[0][0], "a")
                    check_vxlan(e, tag, hits[0][1], f, GW2, "10.0.0.2", 100, RRMAC2, RMAC)
        if big and res.find("vxenc4#mtu-1450", claim=False):
            e.eq("vxenc4#mtu-1450: outer IP length", len(res.find("vxenc4#mtu-1450")[0][1]) - 14, 1500)
        return e

    @r.check("vxlan-encap4: UDP source port stable per flow, different across flows")
    def _(res, flows=flows):
        e = Errs()
        ports = []
        for pk in flows:
            sp = set()
            for tag, _f in pk:
                for _p, g in res.find(tag):
                    sp.add(struct.unpack("!H", g[34:36])[0])
            e.eq("flow %s: distinct source ports over 3 packets" % pk[0][0], len(sp), 1)
            ports.extend(sp)
        e.eq("distinct source ports over 8 flows", len(set(ports)), 8)
        return e

    # ---- VXLAN L3VNI encap, IPv6 inner over IPv4 underlay --------------------------------
    flows6 = []
    for fl in range(4):
        pk = []
        for n in range(2):
            tag = "vxenc6#f%d.%d" % (fl, n)
            pk.append((tag, r.send("b", Ether(dst=MAC_B, src=HOST_B6) /
                                   IPv6(src="fd00:1::10", dst="fd00:244::%x" % (5 + fl), hlim=64) /
                                   UDP(sport=20000 + fl, dport=80) / payload(tag, 40))))
            r.count("vni100.encap")
        flows6.append(pk)

    @r.check("vxlan-encap6: IPv6 in VXLAN over IPv4 (inner type 0x86dd, hop limit - 1, flow ports)")
    def _(res, flows=flows6):
        e = Errs()
        ports = []
        for pk in flows:
            sp = set()
            for tag, f in pk:
                hits = res.find(tag)
                if e.eq("%s: copies out" % tag, len(hits), 1):
                    e.eq("%s: output port" % tag, hits[0][0], "a")
                    s = check_vxlan(e, tag, hits[0][1], f, GW2, "10.0.0.2", 100, RRMAC2, RMAC)
                    sp.add(s)
            e.eq("flow %s: distinct source ports" % pk[0][0], len(sp), 1)
            ports.extend(sp)
        e.eq("distinct source ports over 4 flows", len(set(ports)), 4)
        return e

    # ---- VXLAN ECMP over two VTEPs -------------------------------------------------------
    vflows = []
    for fl in range(16):
        pk = []
        for n in range(2):
            tag = "vxecmp#f%d.%d" % (fl, n)
            pk.append((tag, r.send("b", Ether(**toB) / IP(src="192.168.1.10", dst="10.246.%d.1" % fl) /
                                   UDP(sport=3000 + fl, dport=4000) / payload(tag))))
            r.count("vni100.encap")
        vflows.append(pk)

    @r.check("vxlan-ecmp: route with two VXLAN next hops uses both VTEPs, a flow sticks to one")
    def _(res, flows=vflows):
        e = Errs()
        used = set()
        want = {"10.0.0.2": (GW2, RRMAC2), "10.0.0.3": (GW3, RRMAC3)}
        for pk in flows:
            vteps = set()
            for tag, f in pk:
                hits = res.find(tag)
                if not e.eq("%s: copies out" % tag, len(hits), 1):
                    continue
                g = hits[0][1]
                vtep = IP(g[14:]).dst
                if not e.true("%s: outer dst %s is not a VTEP of the route" % (tag, vtep), vtep in want):
                    continue
                check_vxlan(e, tag, g, f, want[vtep][0], vtep, 100, want[vtep][1], RMAC)
                vteps.add(vtep)
            e.eq("flow %s: VTEPs used" % pk[0][0], len(vteps), 1)
            used |= vteps
        e.eq("VTEPs used over 16 flows", sorted(used), sorted(want))
        return e

    # ---- VXLAN decap ---------------------------------------------------------------------
    dec = []
    for n, (dst, outer_ttl, opts, size) in enumerate([
            ("172.16.1.1", 64, (), 50),  # static route via 192.168.1.10
            ("172.16.9.9", 1, (), 50),  # outer TTL 1: irrelevant for a packet to us
            ("192.168.1.10", 64, (), 50),  # connected host with static neighbour
            ("172.16.1.2", 64, [IPOption_RR(routers=["0.0.0.0"])], 50),  # outer IP options
            ("172.16.1.3", 64, (), 1)]):  # inner frame padded to 60 bytes inside VXLAN
        tag = "vxdec4#%d" % n
        inner = Ether(dst=RMAC, src=RRMAC2) / IP(src="10.244.1.5", dst=dst, ttl=30) / UDP(sport=7, dport=9) / payload(tag, max(size, len(tag)))
        dec.append((tag, bytes(inner), HOST_B, r.send("a", vx_in(pad60(inner), ttl=outer_ttl, sport=50000 + n, options=opts))))
        r.count("vni100.decap")

    @r.check("vxlan-decap4: VNI 100 -> VRF red, routed to host port (static route, connected host, outer options, padded inner frame)")
    def _(res, dec=dec):
        e = Errs()
        for tag, inner, via, _f in dec:
            hits = res.find(tag)
            if e.eq("%s: copies out" % tag, len(hits), 1):
                e.eq("%s: output port" % tag, hits[0][0], "b")
                check_routed_frame(e, tag, inner, hits[0][1], via, MAC_B)
        return e

    dec6 = []
    for n, (dst, via) in enumerate([("fd00:2::1", HOST_B6), ("fd00:1::10", HOST_B6)]):
        tag = "vxdec6#%d" % n
        inner = Ether(dst=RMAC, src=RRMAC2) / IPv6(src="fd00:244::5", dst=dst, hlim=20) / UDP(sport=7, dport=9) / payload(tag, 50)
        dec6.append((tag, bytes(inner), via, r.send("a", vx_in(inner, sport=51000 + n))))
        r.count("vni100.decap")

    @r.check("vxlan-decap6: IPv6 inner, VNI 100 -> VRF red, hop limit - 1 (static route + connected host)")
    def _(res, dec=dec6):
        e = Errs()
        for tag, inner, via, _f in dec:
            hits = res.find(tag)
            if e.eq("%s: copies out" % tag, len(hits), 1):
                e.eq("%s: output port" % tag, hits[0][0], "b")
                check_routed_frame(e, tag, inner, hits[0][1], via, MAC_B)
        return e

    tag = "vxdec-cfgvtep"
    inner_cv = Ether(dst=RMAC, src=RRMAC2) / IP(src="10.244.7.7", dst="172.16.3.3", ttl=5) / UDP(sport=1, dport=2) / payload(tag, 20)
    r.send("a", vx_in(inner_cv, src="10.0.0.7"))
    r.count("vni100.decap")

    @r.check("vxlan-decap from a VTEP declared only under tunnels: (no route uses it)")
    def _(res, inner=bytes(inner_cv)):
        e = Errs()
        hits = res.find("vxdec-cfgvtep")
        if e.eq("copies out", len(hits), 1):
            e.eq("output port", hits[0][0], "b")
            check_routed_frame(e, "vxdec-cfgvtep", inner, hits[0][1], HOST_B, MAC_B)
        return e

    # ---- IPIP encap / decap --------------------------------------------------------------
    ie = []
    for n, size in enumerate([60, 200, 1480]):
        tag = "ipipenc#%d" % n
        ie.append((tag, r.send("c", Ether(**toC) / IP(src="10.2.0.10", dst="10.50.%d.1" % n, ttl=33) /
                               UDP(sport=1, dport=2) / payload(tag, size - 28))))
        r.count("ipip.encap")

    @r.check("ipip-encap: route with ipip next hop (outer 10.0.0.1 -> 10.0.0.9 proto 4, DF, TTL 64; inner TTL - 1; 1480 boundary)")
    def _(res, ie=ie):
        e = Errs()
        for tag, f in ie:
            hits = res.find(tag)
            if e.eq("%s: copies out" % tag, len(hits), 1):
                e.eq("%s: output port" % tag, hits[0][0], "a")
                check_ipip(e, tag, hits[0][1], f, PEER9, "10.0.0.9")
        return e

    idc = []
    for n, (peer, dst, port, dmac, smac, opts, size) in enumerate([
            ("10.0.0.9", "10.3.0.5", "c", HOST_C, MAC_C, (), 64),
            ("10.0.0.9", "10.3.7.7", "c", HOST_C, MAC_C, [IPOption_RR(routers=["0.0.0.0"] * 3)], 64),
            ("10.0.0.9", "10.3.7.8", "c", HOST_C, MAC_C, (), 0),  # small: outer frame padded to 60
            ("10.0.0.8", "172.16.2.2", "b", HOST_B, MAC_B, (), 64)]):
        tag = "ipipdec#%d" % n
        inner = IP(src="10.50.1.1", dst=dst, ttl=17, id=100 + n) / UDP(sport=1, dport=2) / payload(tag, max(size, len(tag)))
        idc.append((tag, bytes(Ether(dst="00:00:00:00:00:00") / inner), port, dmac, smac))
        r.send("a", pad60(ipip_in(inner, src=peer, options=opts)))
        r.count("ipip.decap")

    @r.check("ipip-decap: proto 4 from configured peers (default VRF, outer options, padded frame, peer 10.0.0.8 with vrf: red)")
    def _(res, idc=idc):
        e = Errs()
        for tag, inner, port, dmac, smac in idc:
            hits = res.find(tag)
            if e.eq("%s: copies out" % tag, len(hits), 1):
                e.eq("%s: output port" % tag, hits[0][0], port)
                check_routed_frame(e, tag, inner, hits[0][1], dmac, smac)
        return e

    # ---- ECMP ----------------------------------------------------------------------------
    def ecmp_case(name, v6):
        fl_list = []
        for fl in range(16):
            pk = []
            for n in range(3):
                tag = "%s#f%d.%d" % (name, fl, n)
                if v6:
                    l3 = IPv6(src="fd00:c::10", dst="fd00:60::%x" % (fl + 1))
                else:
                    l3 = IP(src="10.2.0.10", dst="10.60.%d.%d" % (fl, fl + 1))
                pk.append((tag, r.send("c", Ether(**toC) / l3 / UDP(sport=7000 + fl * 3, dport=8000) / payload(tag, 20 + n))))
            fl_list.append(pk)
        gws = {GW6_2, GW6_3} if v6 else {GW2, GW3}

        @r.check("%s: two gateways both used, every flow on one gateway" % name)
        def _(res):
            e = Errs()
            used = set()
            for pk in fl_list:
                macs = set()
                for tag, f in pk:
                    hits = res.find(tag)
                    if not e.eq("%s: copies out" % tag, len(hits), 1):
                        continue
                    port, g = hits[0]
                    e.eq("%s: output port" % tag, port, "a")
                    dmac = Ether(g).dst
                    if e.true("%s: eth.dst %s is not a gateway of the route" % (tag, dmac), dmac in gws):
                        check_routed_frame(e, tag, f, g, dmac, MAC_A)
                    macs.add(dmac)
                e.eq("flow %s: gateways used" % pk[0][0], len(macs), 1)
                used |= macs
            e.eq("gateways used over 16 flows", sorted(used), sorted(gws))
            return e

    ecmp_case("ecmp4", False)
    ecmp_case("ecmp6", True)

    # ---- unresolved next hops: held, ARP / NS sent ---------------------------------------
    def held_case(name, frames, port_out, kind, target, sip):
        tags = []
        for tag, port, f in frames:
            r.send(port, f)
            tags.append(tag)

        @r.check(name)
        def _(res):
            e = Errs()
            for t in tags:
                for p, _g in res.find(t):
                    e.append("held packet %s came out of port %s" % (t, p))
            if kind == "arp":
                reqs = res.find_where(port_out, lambda g: Ether(g).type == 0x0806 and Ether(g)[ARP].pdst == target)
            else:
                reqs = res.find_where(port_out, lambda g: ICMPv6ND_NS in Ether(g) and Ether(g)[ICMPv6ND_NS].tgt == target)
            if e.true("no %s request for %s on port %s" % (kind.upper(), target, port_out), len(reqs) >= 1):
                for i, g in enumerate(reqs):
                    if kind == "arp":
                        check_arp_request(e, "%s request %d" % (kind, i), g, MAC_A, sip, target)
                    else:
                        check_ns(e, "NS %d" % i, g, MAC_A, sip, target)
            nb = [n for n in res.neigh if n["ip"] == target and n["port"] == port_out]
            if e.eq("neighbour entries for %s" % target, len(nb), 1):
                e.eq("%s state" % target, nb[0]["state"], "incomplete")
                e.eq("%s held packets" % target, nb[0]["held"], len(tags))
            return e

        return len(tags)

    held = 0
    held += held_case("arp: route via unresolved gateway 10.0.0.4 -> packets held, ARP who-has 10.0.0.4 tell 10.0.0.1",
                      [("unres4#%d" % n, "c", Ether(**toC) / IP(src="10.2.0.10", dst="10.80.1.%d" % n) / UDP() / payload("unres4#%d" % n))
                       for n in range(2)], "a", "arp", "10.0.0.4", "10.0.0.1")
    held += held_case("arp: connected destination 10.0.0.50 without neighbour -> held, ARP who-has 10.0.0.50",
                      [("conn4#0", "c", Ether(**toC) / IP(src="10.2.0.10", dst="10.0.0.50") / UDP() / payload("conn4#0"))],
                      "a", "arp", "10.0.0.50", "10.0.0.1")
    held += held_case("arp: VXLAN next hop whose VTEP 10.0.0.44 is unresolved -> held, ARP who-has 10.0.0.44",
                      [("unresvtep#0", "b", Ether(**toB) / IP(src="192.168.1.10", dst="10.245.0.1") / UDP() / payload("unresvtep#0"))],
                      "a", "arp", "10.0.0.44", "10.0.0.1")
    r.count("vni100.encap")
    held += held_case("nd: IPv6 route via unresolved fd00:a::4 -> packets held, NS to solicited-node address",
                      [("unres6#%d" % n, "c", Ether(**toC) / IPv6(src="fd00:c::10", dst="fd00:88::%d" % (n + 1)) / UDP() / payload("unres6#%d" % n))
                       for n in range(2)], "a", "ns", "fd00:a::4", "fd00:a::1")

    @r.check("neighbour stats: held = %d (packets waiting for resolution)" % held)
    def _(res, held=held):
        e = Errs()
        nb = res.stats.get("neighbor", {})
        e.eq("neighbor.held", nb.get("held"), held)
        e.eq("neighbor.held_dropped", nb.get("held_dropped"), 0)
        e.true("neighbor.arp_requests_sent %r < 2" % nb.get("arp_requests_sent"), nb.get("arp_requests_sent", 0) >= 2)
        e.true("neighbor.ns_sent %r < 1" % nb.get("ns_sent"), nb.get("ns_sent", 0) >= 1)
        return e

    # ---- punts with tap: none ------------------------------------------------------------
    punts = {"control": 0, "other": 0}
    ptags = []

    def punt(name, port, frame, cls, tag):
        r.send(port, frame)
        punts[cls] += 1
        ptags.append((name, tag))

    punt("TCP SYN to 10.0.0.1:179", "a", Ether(**toA) / IP(src="10.0.0.2", dst=VTEP) / TCP(sport=33000, dport=179, flags="S") / payload("punt#bgp"), "control", "punt#bgp")
    punt("TCP to fd00:a::1", "a", Ether(**toA) / IPv6(src="fd00:a::2", dst="fd00:a::1") / TCP(sport=33001, dport=179, flags="S") / payload("punt#bgp6"), "control", "punt#bgp6")
    punt("ARP request from 10.0.0.20", "a", Ether(dst=BCAST, src="02:00:00:00:00:20") /
         ARP(op=1, hwsrc="02:00:00:00:00:20", psrc="10.0.0.20", pdst=VTEP), "control", None)
    punt("NS from fd00:a::20", "a", Ether(dst="33:33:ff:00:00:01", src="02:00:00:00:00:21") /
         IPv6(src="fd00:a::20", dst="ff02::1:ff00:1", hlim=255) / ICMPv6ND_NS(tgt="fd00:a::1") /
         ICMPv6NDOptSrcLLAddr(lladdr="02:00:00:00:00:21"), "control", None)
    punt("UDP to 10.0.0.1:5000", "a", Ether(**toA) / IP(src="10.0.0.2", dst=VTEP) / UDP(sport=1, dport=5000) / payload("punt#udp"), "other", "punt#udp")
    punt("UDP to 10.0.0.1 with TTL 1 (local: no TTL check)", "a", Ether(**toA) / IP(src="10.0.0.2", dst=VTEP, ttl=1) / UDP(sport=1, dport=5001) / payload("punt#ttl1"), "other", "punt#ttl1")
    punt("ICMP echo to 192.168.1.1 (VRF red)", "b", Ether(**toB) / IP(src="192.168.1.10", dst="192.168.1.1") / ICMP() / payload("punt#icmp"), "other", "punt#icmp")
    punt("ICMPv6 echo to fd00:1::1 (VRF red)", "b", Ether(dst=MAC_B, src=HOST_B6) / IPv6(src="fd00:1::10", dst="fd00:1::1") / ICMPv6EchoRequest() / payload("punt#icmp6"), "other", "punt#icmp6")
    punt("limited broadcast 255.255.255.255", "c", Ether(dst=BCAST, src=HOST_C) / IP(src="0.0.0.0", dst="255.255.255.255") / UDP(sport=68, dport=67) / payload("punt#bcast"), "other", "punt#bcast")
    punt("224.0.0.5 (local network control block)", "c", Ether(dst="01:00:5e:00:00:05", src=HOST_C) / IP(src="10.2.0.10", dst="224.0.0.5", proto=89, ttl=1) / payload("punt#ospf"), "other", "punt#ospf")
    punt("ff02::1 (link-local multicast)", "c", Ether(dst="33:33:00:00:00:01", src=HOST_C) / IPv6(src="fe80::10", dst="ff02::1") / UDP(sport=1, dport=2) / payload("punt#ff02"), "other", "punt#ff02")
    punt("fe80::1 (link-local unicast)", "c", Ether(**toC) / IPv6(src="fe80::10", dst="fe80::1") / UDP(sport=1, dport=2) / payload("punt#fe80"), "other", "punt#fe80")
    punt("UDP 4789 to 10.2.0.1 (not the VTEP: punted, not decapsulated)", "c",
         Ether(**toC) / IP(src="10.2.0.10", dst="10.2.0.1") / UDP(sport=1, dport=4789) / Raw(vxlan_hdr(100)) /
         Ether(dst=RMAC, src=RRMAC2) / IP(src="10.244.1.5", dst="172.16.1.1") / UDP() / payload("punt#vx-notvtep"), "other", "punt#vx-notvtep")
    punt("VXLAN-decapsulated UDP to 192.168.1.1", "a",
         vx_in(Ether(dst=RMAC, src=RRMAC2) / IP(src="10.244.1.5", dst="192.168.1.1") / UDP(sport=1, dport=2) / payload("punt#vx-local")), "other", "punt#vx-local")
    r.count("vni100.decap")
    punt("IPIP-decapsulated UDP to 10.2.0.1", "a",
         ipip_in(IP(src="10.50.1.1", dst="10.2.0.1") / UDP(sport=1, dport=2) / payload("punt#ipip-local")), "other", "punt#ipip-local")
    r.count("ipip.decap")

    @r.check("punt/tap:none: %d packets for the kernel counted in exception_path.no_tap, none forwarded" % sum(punts.values()))
    def _(res, punts=dict(punts), ptags=list(ptags)):
        e = Errs()
        ex = res.stats.get("exception_path", {})
        e.eq("exception_path.no_tap", ex.get("no_tap"), sum(punts.values()))
        e.eq("exception_path.to_kernel", ex.get("to_kernel"), 0)
        pc = res.stats.get("punted", {})
        e.eq("punted.control (TCP to us, ARP, ND)", pc.get("control"), punts["control"])
        e.eq("punted.other (kernel-bound plus ICMP errors to build)", pc.get("other"),
             punts["other"] + r.counters.get("icmp.punts", 0))
        for name, tag in ptags:
            if tag:
                for p, _g in res.find(tag):
                    e.append("%s: came out of port %s" % (name, p))
        return e

    @r.check("punt/snoop: ARP request and NS from new hosts create reachable neighbours")
    def _(res):
        e = Errs()
        for ip, mac in (("10.0.0.20", "02:00:00:00:00:20"), ("fd00:a::20", "02:00:00:00:00:21")):
            nb = [n for n in res.neigh if n["ip"] == ip and n["port"] == "a"]
            if e.eq("neighbour entries for %s" % ip, len(nb), 1):
                e.eq("%s mac" % ip, nb[0]["mac"], mac)
                e.eq("%s state" % ip, nb[0]["state"], "reachable")
        return e

    # ---- drops -----------------------------------------------------------------------------
    D = r.expect_drop
    D("frames of 10 and 13 bytes", "ETH_TOO_SHORT",
      [("a", bytes.fromhex(MAC_A.replace(":", "")) + b"\x00" * 4, None),
       ("c", bytes.fromhex(MAC_C.replace(":", "")) + b"\x02" * 6 + b"\x08", None)])
    D("unicast dst MAC of another port / unknown", "ETH_NOT_FOR_US",
      [("a", Ether(dst=MAC_B, src=GW2) / IP(src="10.0.0.2", dst="10.1.1.1") / UDP() / payload("d#nfu0"), "d#nfu0"),
       ("b", Ether(dst="02:00:00:00:99:99", src=HOST_B) / IP(src="192.168.1.10", dst="10.244.1.5") / UDP() / payload("d#nfu1"), "d#nfu1")])
    D("LLDP, 802.1Q-tagged, MPLS", "ETH_UNSUPPORTED",
      [("a", Ether(dst="01:80:c2:00:00:0e", src=GW2, type=0x88CC) / payload("d#uns0", 40), "d#uns0"),
       ("a", Ether(dst=MAC_A, src=GW2, type=0x8100) / Raw(b"\x00\x05\x08\x00") / IP(src="10.0.0.2", dst="10.1.1.1") / UDP() / payload("d#uns1"), "d#uns1"),
       ("c", Ether(dst=MAC_C, src=HOST_C, type=0x8847) / Raw(b"\x00\x01\x01\x40") / payload("d#uns2", 40), "d#uns2")])
    D("IPv4 ethertype with 0 and 19 header bytes", "IP4_TOO_SHORT",
      [("c", Ether(**toC, type=0x0800), None),
       ("c", Ether(**toC, type=0x0800) / Raw(bytes(IP(src="10.2.0.10", dst="10.1.1.1"))[:19]), None)])
    D("version 6 in IPv4 ethertype, IHL 4, IPv6 inside IPIP", "IP4_BAD_VERSION",
      [("c", Ether(**toC, type=0x0800) / IP(version=6, src="10.2.0.10", dst="10.1.1.1") / UDP() / payload("d#ver0"), "d#ver0"),
       ("c", Ether(**toC) / IP(ihl=4, src="10.2.0.10", dst="10.1.1.1") / UDP() / payload("d#ver1"), "d#ver1"),
       ("a", ipip_in(IPv6(src="fd00:c::10", dst="fd00:99::5") / UDP() / payload("d#ver2")), "d#ver2")])
    r.count("ipip.decap")
    D("total length > frame, total length < IHL", "IP4_BAD_LENGTH",
      [("c", Ether(**toC) / IP(len=200, src="10.2.0.10", dst="10.1.1.1") / UDP() / payload("d#len0"), "d#len0"),
       ("c", Ether(**toC) / IP(len=10, src="10.2.0.10", dst="10.1.1.1") / UDP() / payload("d#len1"), "d#len1")])
    D("bad header checksum (plain, VXLAN inner, IPIP inner)", "IP4_BAD_CHECKSUM",
      [("c", Ether(**toC) / IP(chksum=0x1234, src="10.2.0.10", dst="10.1.1.1") / UDP() / payload("d#ck0"), "d#ck0"),
       ("a", vx_in(Ether(dst=RMAC, src=RRMAC2) / IP(chksum=0x1234, src="10.244.1.5", dst="172.16.1.1") / UDP() / payload("d#ck1")), "d#ck1"),
       ("a", ipip_in(IP(chksum=0x1234, src="10.50.1.1", dst="10.3.0.5") / UDP() / payload("d#ck2")), "d#ck2")])
    r.count("vni100.decap")
    r.count("ipip.decap")
    D("source 224.1.1.1, 127.0.0.1, 255.255.255.255", "IP4_BAD_SOURCE",
      [("c", Ether(**toC) / IP(src=s, dst="10.1.1.1") / UDP() / payload("d#src%d" % i), "d#src%d" % i)
       for i, s in enumerate(["224.1.1.1", "127.0.0.1", "255.255.255.255"])])
    D("destination 0.1.2.3, 127.0.0.1, 240.0.0.1", "IP4_MARTIAN_DEST",
      [("c", Ether(**toC) / IP(src="10.2.0.10", dst=d) / UDP() / payload("d#mart%d" % i), "d#mart%d" % i)
       for i, d in enumerate(["0.1.2.3", "127.0.0.1", "240.0.0.1"])])
    D("TTL 1 and 0 routed, TTL 1 inside VXLAN, TTL 1 to a VXLAN route, TTL 1 to an IPIP route", "IP4_TTL_EXCEEDED",
      [("c", Ether(**toC) / IP(src="10.2.0.10", dst="10.1.1.1", ttl=1) / UDP() / payload("d#ttl0"), "d#ttl0"),
       ("c", Ether(**toC) / IP(src="10.2.0.10", dst="10.1.1.1", ttl=0) / UDP() / payload("d#ttl1"), "d#ttl1"),
       ("a", vx_in(Ether(dst=RMAC, src=RRMAC2) / IP(src="10.244.1.5", dst="172.16.1.1", ttl=1) / UDP() / payload("d#ttl2")), "d#ttl2"),
       ("b", Ether(**toB) / IP(src="192.168.1.10", dst="10.244.1.5", ttl=1) / UDP() / payload("d#ttl3"), "d#ttl3"),
       ("c", Ether(**toC) / IP(src="10.2.0.10", dst="10.50.1.1", ttl=1) / UDP() / payload("d#ttl4"), "d#ttl4")],
      icmp={"d#ttl0": (11, 0, 0), "d#ttl1": (11, 0, 0), "d#ttl3": (11, 0, 0), "d#ttl4": (11, 0, 0)})
    r.count("vni100.decap")
    D("no route: default VRF, VRF red, VXLAN inner, IPIP inner", "IP4_NO_ROUTE",
      [("c", Ether(**toC) / IP(src="10.2.0.10", dst="8.8.8.8") / UDP() / payload("d#nr0"), "d#nr0"),
       ("b", Ether(**toB) / IP(src="192.168.1.10", dst="8.8.8.8") / UDP() / payload("d#nr1"), "d#nr1"),
       ("a", vx_in(Ether(dst=RMAC, src=RRMAC2) / IP(src="10.244.1.5", dst="10.1.1.1") / UDP() / payload("d#nr2")), "d#nr2"),
       ("a", ipip_in(IP(src="10.50.1.1", dst="8.8.4.4") / UDP() / payload("d#nr3")), "d#nr3")])
    r.count("vni100.decap")
    r.count("ipip.decap")
    D("IPv6 ethertype with 39 bytes", "IP6_TOO_SHORT",
      [("c", Ether(**toC, type=0x86DD) / Raw(bytes(IPv6(src="fd00:c::10", dst="fd00:99::5"))[:39]), None)])
    D("version 4 in IPv6 ethertype", "IP6_BAD_VERSION",
      [("c", Ether(**toC, type=0x86DD) / IPv6(version=4, src="fd00:c::10", dst="fd00:99::5") / UDP() / payload("d#v6ver"), "d#v6ver")])
    D("payload length > frame", "IP6_BAD_LENGTH",
      [("c", Ether(**toC) / IPv6(plen=200, src="fd00:c::10", dst="fd00:99::5") / UDP() / payload("d#v6len"), "d#v6len")])
    D("source ff02::1 and ::1", "IP6_BAD_SOURCE",
      [("c", Ether(**toC) / IPv6(src=s, dst="fd00:99::5") / UDP() / payload("d#v6src%d" % i), "d#v6src%d" % i)
       for i, s in enumerate(["ff02::1", "::1"])])
    D("hop limit 1 and 0 routed, hop limit 1 to a VXLAN route, hop limit 1 inside VXLAN", "IP6_HOP_LIMIT",
      [("c", Ether(**toC) / IPv6(src="fd00:c::10", dst="fd00:99::5", hlim=1) / UDP() / payload("d#hl0"), "d#hl0"),
       ("c", Ether(**toC) / IPv6(src="fd00:c::10", dst="fd00:99::5", hlim=0) / UDP() / payload("d#hl1"), "d#hl1"),
       ("b", Ether(dst=MAC_B, src=HOST_B6) / IPv6(src="fd00:1::10", dst="fd00:244::5", hlim=1) / UDP() / payload("d#hl2"), "d#hl2"),
       ("a", vx_in(Ether(dst=RMAC, src=RRMAC2) / IPv6(src="fd00:244::5", dst="fd00:2::1", hlim=1) / UDP() / payload("d#hl3")), "d#hl3")],
      icmp={"d#hl0": (3, 0, 0), "d#hl1": (3, 0, 0), "d#hl2": (3, 0, 0)})
    r.count("vni100.decap")
    D("no IPv6 route: default VRF, VRF red, VXLAN inner", "IP6_NO_ROUTE",
      [("c", Ether(**toC) / IPv6(src="fd00:c::10", dst="2001:db8::1") / UDP() / payload("d#nr6a"), "d#nr6a"),
       ("b", Ether(dst=MAC_B, src=HOST_B6) / IPv6(src="fd00:1::10", dst="2001:db8::2") / UDP() / payload("d#nr6b"), "d#nr6b"),
       ("a", vx_in(Ether(dst=RMAC, src=RRMAC2) / IPv6(src="fd00:244::5", dst="2001:db8::3") / UDP() / payload("d#nr6c")), "d#nr6c")])
    r.count("vni100.decap")
    D("239.1.1.1 and ff05::1", "IP_MULTICAST",
      [("c", Ether(dst="01:00:5e:01:01:01", src=HOST_C) / IP(src="10.2.0.10", dst="239.1.1.1") / UDP() / payload("d#mc0"), "d#mc0"),
       ("c", Ether(dst="33:33:00:00:00:01", src=HOST_C) / IPv6(src="fd00:c::10", dst="ff05::1") / UDP() / payload("d#mc1"), "d#mc1")])
    D("blackhole routes 10.70/16 and fd00:70::/64 (TTL 1: blackhole wins)", "BLACKHOLE",
      [("c", Ether(**toC) / IP(src="10.2.0.10", dst="10.70.1.1") / UDP() / payload("d#bh0"), "d#bh0"),
       ("c", Ether(**toC) / IP(src="10.2.0.10", dst="10.70.1.2", ttl=1) / UDP() / payload("d#bh1"), "d#bh1"),
       ("c", Ether(**toC) / IPv6(src="fd00:c::10", dst="fd00:70::1") / UDP() / payload("d#bh2"), "d#bh2")])
    D("1501 to port a, 1401 to port c (mtu 1400), 1451 into VXLAN (v4, v6), 1481 into IPIP, IPv6 1501, DF 1501 and DF 1451 into VXLAN (ICMP frag needed)", "MTU_EXCEEDED",
      [("c", Ether(**toC) / IP(src="10.2.0.10", dst="10.1.1.1") / UDP() / payload("d#mtu0", 1501 - 28), "d#mtu0"),
       ("a", Ether(**toA) / IP(src="10.1.9.9", dst="10.3.0.5") / UDP() / payload("d#mtu1", 1401 - 28), "d#mtu1"),
       ("b", Ether(**toB) / IP(src="192.168.1.10", dst="10.244.1.5") / UDP() / payload("d#mtu2", 1451 - 28), "d#mtu2"),
       ("b", Ether(dst=MAC_B, src=HOST_B6) / IPv6(src="fd00:1::10", dst="fd00:244::5") / UDP() / payload("d#mtu3", 1451 - 48), "d#mtu3"),
       ("c", Ether(**toC) / IP(src="10.2.0.10", dst="10.50.1.1") / UDP() / payload("d#mtu4", 1481 - 28), "d#mtu4"),
       ("c", Ether(**toC) / IPv6(src="fd00:c::10", dst="fd00:99::5") / UDP() / payload("d#mtu5", 1501 - 48), "d#mtu5"),
       ("c", Ether(**toC) / IP(src="10.2.0.10", dst="10.1.1.1", flags="DF") / UDP() / payload("d#mtu6", 1501 - 28), "d#mtu6"),
       ("b", Ether(**toB) / IP(src="192.168.1.10", dst="10.244.1.5", flags="DF") / UDP() / payload("d#mtu7", 1451 - 28), "d#mtu7")],
      icmp={"d#mtu3": (2, 0, 1450), "d#mtu5": (2, 0, 1500), "d#mtu6": (3, 4, 1500), "d#mtu7": (3, 4, 1450)})
    vx_short = Ether(**toA) / IP(src="10.0.0.2", dst=VTEP) / UDP(sport=1, dport=4789)
    D("VXLAN header only; 4-byte UDP payload", "VXLAN_TOO_SHORT",
      [("a", vx_short / Raw(vxlan_hdr(100)), None), ("a", vx_short / Raw(b"\x08\x00\x00\x00"), None)])
    inner_ok = Ether(dst=RMAC, src=RRMAC2) / IP(src="10.244.1.5", dst="172.16.1.1") / UDP()
    D("flags 0x00 and 0x80 (I flag clear)", "VXLAN_BAD_FLAGS",
      [("a", vx_in(inner_ok / payload("d#vxf%d" % i), flags=fl), "d#vxf%d" % i) for i, fl in enumerate([0x00, 0x80])])
    D("VNI 999", "VXLAN_UNKNOWN_VNI", [("a", vx_in(inner_ok / payload("d#vni"), vni=999), "d#vni")])
    D("from 10.0.0.55 (unknown) and 10.0.0.9 (IPIP-only peer)", "VXLAN_UNKNOWN_VTEP",
      [("a", vx_in(inner_ok / payload("d#vtep%d" % i), src=s), "d#vtep%d" % i) for i, s in enumerate(["10.0.0.55", "10.0.0.9"])])
    D("inner dst = port MAC, inner dst = remote router MAC", "VXLAN_INNER_DMAC",
      [("a", vx_in(Ether(dst=d, src=RRMAC2) / IP(src="10.244.1.5", dst="172.16.1.1") / UDP() / payload("d#idm%d" % i)), "d#idm%d" % i)
       for i, d in enumerate([MAC_A, RRMAC2])])
    D("inner ARP and inner 802.1Q", "VXLAN_INNER_TYPE",
      [("a", vx_in(Ether(dst=RMAC, src=RRMAC2) / ARP(psrc="10.244.1.5", pdst="10.244.1.1") / payload("d#ity0")), "d#ity0"),
       ("a", vx_in(Ether(dst=RMAC, src=RRMAC2, type=0x8100) / Raw(b"\x00\x05\x08\x00") / IP(src="10.244.1.5", dst="172.16.1.1") / payload("d#ity1")), "d#ity1")])
    D("proto 4 with 10 bytes after the outer header", "IPIP_TOO_SHORT",
      [("a", Ether(**toA) / IP(src="10.0.0.9", dst=VTEP, proto=4) / Raw(b"d#ipsh\x00\x00\x00\x00"), "d#ipsh")])
    D("proto 4 from 10.0.0.55 (unknown) and 10.0.0.2 (VXLAN-only VTEP)", "IPIP_UNKNOWN_PEER",
      [("a", ipip_in(IP(src="10.50.1.1", dst="10.3.0.5") / UDP() / payload("d#ipp%d" % i), src=s), "d#ipp%d" % i)
       for i, s in enumerate(["10.0.0.55", "10.0.0.2"])])

    # ---- tunnel counters -----------------------------------------------------------------
    @r.check("counters: show vni encap/decap and show stats ipip match the packets sent")
    def _(res):
        e = Errs()
        v = res.vnis.get(100, {})
        e.eq("vni 100 encap_packets", v.get("encap_packets"), r.counters.get("vni100.encap", 0))
        e.eq("vni 100 decap_packets", v.get("decap_packets"), r.counters.get("vni100.decap", 0))
        e.eq("vni 100 router_mac", v.get("router_mac"), RMAC)
        e.eq("vni 100 vrf", v.get("vrf"), "red")
        ip = res.stats.get("ipip", {})
        e.eq("ipip_encap", ip.get("ipip_encap"), r.counters.get("ipip.encap", 0))
        e.eq("ipip_decap", ip.get("ipip_decap"), r.counters.get("ipip.decap", 0))
        return e

    return r


# ---------------------------------------------------------------------------------------------
# Run "aux": punt policer, tunnel loops, tunnels without underlay, ARP learning
# ---------------------------------------------------------------------------------------------
def build_aux():
    body = """  vtep: 10.0.0.1
  exceptionPath: {puntRatePps: 1, puntBurst: 4}
  vrfs: [{name: red}]
@@PORTS@@  l3vnis: [{vni: 100, vrf: red, routerMac: "02:00:00:00:01:00"}]
  tunnels: [{type: ipip, remote: 10.0.0.9}]
  routes:
    - {prefix: 10.244.1.0/26, vrf: red, vxlan: {remote: 10.0.0.2, vni: 100, routerMac: "66:00:00:00:02:64"}}
    - {prefix: 10.90.0.0/16, vrf: red, vxlan: {remote: 10.99.0.1, vni: 100, routerMac: "66:00:00:00:02:64"}}
    - {prefix: 10.91.0.0/16, ipip: {remote: 10.98.0.1}}
    - {prefix: 10.81.0.0/16, via: 10.0.0.5}
  neighbors:
    - {ip: 10.0.0.2, mac: "02:00:00:00:00:22", port: a}
    - {ip: 10.0.0.9, mac: "02:00:00:00:00:99", port: a}
"""
    r = Run("aux", ["a", "b", "c"], body)
    r.port_yaml = {
        "a": 'mac: "%s", addresses: [10.0.0.1/24]' % MAC_A,
        "b": 'mac: "%s", vrf: red, addresses: [192.168.1.1/24, 10.0.0.1/32]' % MAC_B,
        "c": 'mac: "%s", addresses: [10.2.0.1/24]' % MAC_C,
    }
    toA = dict(dst=MAC_A, src=GW2)
    toC = dict(dst=MAC_C, src=HOST_C)

    def vx(inner, src="10.0.0.2"):
        return Ether(**toA) / IP(src=src, dst=VTEP) / UDP(sport=50000, dport=4789) / Raw(vxlan_hdr(100)) / inner

    def ipip(inner):
        return Ether(**toA) / IP(src="10.0.0.9", dst=VTEP, proto=4) / inner

    rr = Ether(dst=RMAC, src=RRMAC2)
    r.expect_drop("IPIP in IPIP, VXLAN in IPIP (decapsulated into the default VRF, to our VTEP again)", "TUNNEL_LOOP", [
        ("a", ipip(IP(src="10.0.0.9", dst=VTEP, proto=4) / IP(src="10.50.1.1", dst="10.2.0.10") / payload("d#loop0")), "d#loop0"),
        ("a", ipip(IP(src="10.0.0.2", dst=VTEP) / UDP(sport=1, dport=4789) / Raw(vxlan_hdr(100)) / rr /
                   IP(src="10.244.1.5", dst="192.168.1.20") / payload("d#loop1")), "d#loop1"),
    ])
    # Tunnels terminate in the underlay only: IPIP or VXLAN decapsulated into VRF red and addressed
    # to 10.0.0.1, which is local in red too, is delivered locally (punted), not decapsulated again.
    tenant = [("a", vx(rr / IP(src="10.0.0.9", dst=VTEP, proto=4) / IP(src="10.50.1.1", dst="10.2.0.10") / payload("d#loop2")), "d#loop2"),
              ("a", vx(rr / IP(src="10.0.0.2", dst=VTEP) / UDP(sport=1, dport=4789) / Raw(vxlan_hdr(100)) / rr /
                       IP(src="10.244.1.5", dst="192.168.1.20") / payload("d#loop3")), "d#loop3")]
    for p, f, _t in tenant:
        r.send(p, f)
    r.count("vni100.decap", len(tenant))

    @r.check("tunnels inside VRF red are not terminated: IPIP/VXLAN to an address local in red is punted")
    def _(res):
        e = Errs()
        for _p, _f, t in tenant:
            for port, _g in res.find(t):
                e.append("%s came out of port %s" % (t, port))
        return e

    r.expect_drop("VXLAN next hop 10.99.0.1 and IPIP next hop 10.98.0.1 without underlay route", "TUNNEL_NO_UNDERLAY", [
        ("b", Ether(dst=MAC_B, src=HOST_B) / IP(src="192.168.1.10", dst="10.90.1.1") / UDP() / payload("d#nou0"), "d#nou0"),
        ("c", Ether(**toC) / IP(src="10.2.0.10", dst="10.91.1.1") / UDP() / payload("d#nou1"), "d#nou1"),
    ])
    pol = [("a", Ether(**toA) / IP(src="10.0.0.2", dst=VTEP) / UDP(sport=1, dport=6000 + i) / payload("d#pol%d" % i),
            "d#pol%d" % i) for i in range(10)]
    for p, f, _t in pol:
        r.send(p, f)
    r.drops["PUNT_POLICED"] = 8
    r.drop_cases["PUNT_POLICED"] = ["policer"]

    @r.check("drop/PUNT_POLICED (puntBurst 4, 1 pps: 2 tenant tunnels + 10 UDP to us -> 4 punted, 8 policed)")
    def _(res):
        e = Errs()
        e.eq("counter PUNT_POLICED", res.drops().get("PUNT_POLICED", 0), 8)
        e.eq("punted.other", res.stats.get("punted", {}).get("other"), 4)
        for _p, _f, t in pol:
            for port, _g in res.find(t):
                e.append("%s came out of port %s" % (t, port))
        return e

    # ARP learning: a reply from 10.0.0.5 resolves the gateway of 10.81/16; held packets flushed
    r.send("a", Ether(dst=MAC_A, src=GW5) / ARP(op=2, hwsrc=GW5, psrc="10.0.0.5", hwdst=MAC_A, pdst=VTEP))
    learn = [("learn#%d" % n, r.send("c", Ether(**toC) / IP(src="10.2.0.10", dst="10.81.0.%d" % (n + 1), ttl=40) /
                                     UDP(sport=5, dport=6) / payload("learn#%d" % n, 30))) for n in range(2)]

    @r.check("arp-learn: ARP reply from 10.0.0.5 resolves the gateway; routed packets use the learned MAC")
    def _(res):
        e = Errs()
        for tag, f in learn:
            hits = res.find(tag)
            if e.eq("%s: copies out" % tag, len(hits), 1):
                e.eq("%s: output port" % tag, hits[0][0], "a")
                check_routed_frame(e, tag, f, hits[0][1], GW5, MAC_A)
        # requests for 10.0.0.5 are allowed (race between the reply and the first packet)
        for g in res.find_where("a", lambda g: Ether(g).type == 0x0806 and Ether(g)[ARP].pdst == "10.0.0.5"):
            check_arp_request(e, "ARP request for 10.0.0.5", g, MAC_A, VTEP, "10.0.0.5")
        nb = [n for n in res.neigh if n["ip"] == "10.0.0.5"]
        if e.eq("neighbour entries for 10.0.0.5", len(nb), 1):
            e.eq("10.0.0.5 mac", nb[0]["mac"], GW5)
            e.eq("10.0.0.5 state", nb[0]["state"], "reachable")
        e.eq("exception_path.no_tap (4 policed-through UDP + 1 ARP)", res.stats.get("exception_path", {}).get("no_tap"), 5)
        return e

    return r


# ---------------------------------------------------------------------------------------------
# Run "extra": configuration knobs that reach the dataplane (derived router MAC, vxlanPort,
# IPIP tunnel VRF)
# ---------------------------------------------------------------------------------------------
def build_extra():
    body = """  vtep: 10.0.0.1
  vrfs: [{name: blue}]
@@PORTS@@  l3vnis: [{vni: 300, vrf: blue, vxlanPort: 4790}]
  tunnels: [{type: ipip, remote: 10.0.0.9, vrf: blue}]
  routes:
    - {prefix: 10.247.0.0/16, vrf: blue, vxlan: {remote: 10.0.0.2, vni: 300, routerMac: "66:00:00:00:02:64"}}
    - {prefix: 172.17.0.0/16, vrf: blue, via: 192.168.2.10}
    - {prefix: 10.50.0.0/16, ipip: {remote: 10.0.0.9}}
  neighbors:
    - {ip: 10.0.0.2, mac: "02:00:00:00:00:22", port: a}
    - {ip: 10.0.0.9, mac: "02:00:00:00:00:99", port: a}
    - {ip: 192.168.2.10, mac: "02:00:00:00:20:20", port: b}
"""
    r = Run("extra", ["a", "b"], body)
    r.port_yaml = {
        "a": 'mac: "%s", addresses: [10.0.0.1/24, 10.5.0.1/24]' % MAC_A,
        "b": 'mac: "%s", vrf: blue, addresses: [192.168.2.1/24]' % MAC_B,
    }
    derived = "02:50:47:00:01:2c"  # apply_default_rmac(300)
    enc = [("x#enc%d" % n, r.send("b", Ether(dst=MAC_B, src=HOST_X) / IP(src="192.168.2.10", dst="10.247.0.%d" % (n + 1)) /
                                  UDP(sport=100 + n, dport=200) / payload("x#enc%d" % n, 30))) for n in range(2)]

    @r.check("extra: L3VNI without routerMac encapsulates with the derived router MAC 02:50:47:00:01:2c")
    def _(res):
        e = Errs()
        for tag, f in enc:
            hits = res.find(tag)
            if e.eq("%s: copies out" % tag, len(hits), 1):
                g = hits[0][1]
                e.eq("%s: VXLAN header (VNI 300)" % tag, g[42:50].hex(), vxlan_hdr(300).hex())
                e.eq("%s: inner eth.src" % tag, Ether(g[50:]).src, derived)
                e.eq("%s: inner eth.dst" % tag, Ether(g[50:]).dst, RRMAC2)
                check_ip4_routed(e, tag + ": inner", l3_of(f), g[64:])
        return e

    @r.check("extra: L3VNI vxlanPort 4790 is the UDP destination port of encapsulated packets")
    def _(res):
        e = Errs()
        for tag, f in enc:
            for _p, g in res.find(tag):
                check_vxlan(e, tag, g, f, GW2, "10.0.0.2", 300, RRMAC2, derived, dport=4790)
        return e

    tag = "x#dec4790"
    inner = Ether(dst=derived, src=RRMAC2) / IP(src="10.247.0.9", dst="172.17.1.1", ttl=12) / UDP(sport=1, dport=2) / payload(tag, 30)
    r.send("a", Ether(dst=MAC_A, src=GW2) / IP(src="10.0.0.2", dst=VTEP) / UDP(sport=50000, dport=4790) /
           Raw(vxlan_hdr(300)) / inner)

    @r.check("extra: VXLAN on the configured vxlanPort 4790 is decapsulated into VRF blue")
    def _(res, inner=bytes(inner)):
        e = Errs()
        hits = res.find("x#dec4790")
        if e.eq("copies out", len(hits), 1):
            e.eq("output port", hits[0][0], "b")
            check_routed_frame(e, "x#dec4790", inner, hits[0][1], HOST_X, MAC_B)
        e.eq("vni 300 decap_packets (VXLAN on 4790 punted as ordinary UDP?)",
             res.vnis.get(300, {}).get("decap_packets"), 1)
        return e

    tag = "x#ipipvrf"
    inner2 = IP(src="10.50.1.1", dst="172.17.2.2", ttl=9) / UDP(sport=1, dport=2) / payload(tag, 30)
    r.send("a", Ether(dst=MAC_A, src=PEER9) / IP(src="10.0.0.9", dst=VTEP, proto=4) / inner2)

    @r.check("extra: IPIP from peer declared with vrf: blue decapsulates into blue although a default-VRF route uses the same peer")
    def _(res, inner=bytes(Ether() / inner2)):
        e = Errs()
        hits = res.find("x#ipipvrf")
        if e.eq("copies out", len(hits), 1):
            e.eq("output port", hits[0][0], "b")
            check_routed_frame(e, "x#ipipvrf", inner, hits[0][1], HOST_X, MAC_B)
        return e

    # Subnet broadcast addresses are not hosts: never ARP for them, never send them unicast.
    bc = [("a", "10.0.0.255", "x#bc-own"), ("a", "10.5.0.255", "x#bc-directed"), ("b", "192.168.2.255", "x#bc-blue")]
    for port, dst, tag in bc:
        r.send(port, Ether(dst=MAC_A if port == "a" else MAC_B, src=GW2 if port == "a" else HOST_X) /
               IP(src="10.0.0.2" if port == "a" else "192.168.2.10", dst=dst) / UDP(sport=1, dport=9) / payload(tag))
    r.any_drops += len(bc)

    @r.check("extra: packets to subnet broadcast addresses (10.0.0.255, 10.5.0.255, 192.168.2.255) are not ARPed for or sent unicast")
    def _(res):
        e = Errs()
        # They are ours (the kernel answers directed broadcasts): punted, here without a TAP.
        e.eq("exception_path.no_tap", res.stats.get("exception_path", {}).get("no_tap"), len(bc))
        for port, dst, tag in bc:
            for p, g in res.find(tag):
                e.eq("%s: came out of port %s with eth.dst" % (tag, p), Ether(g).dst, BCAST)
            for p in r.ports:
                for g in res.find_where(p, lambda g, dst=dst: Ether(g).type == 0x0806 and Ether(g)[ARP].pdst == dst):
                    e.append("ARP who-has %s sent on port %s" % (dst, p))
            nb = [n for n in res.neigh if n["ip"] == dst]
            e.eq("neighbour entries for %s" % dst, len(nb), 0)
        return e

    # RFC 1812 5.3.4: a router MUST NOT forward a packet received as a link-layer broadcast
    # (unless to IP multicast) or as a link-layer multicast with a unicast IP destination.
    l2 = [(BCAST, "x#l2bcast"), ("01:00:5e:00:00:01", "x#l2mcast")]
    for dmac, tag in l2:
        r.send("b", Ether(dst=dmac, src=HOST_X) / IP(src="192.168.2.10", dst="10.247.1.1") / UDP(sport=1, dport=2) / payload(tag))
    r.drops["L2_MCAST_FORWARD"] = r.drops.get("L2_MCAST_FORWARD", 0) + len(l2)

    @r.check("extra: unicast IP received as link-layer broadcast/multicast is not forwarded (RFC 1812 5.3.4)")
    def _(res):
        e = Errs()
        for _d, tag in l2:
            for p, _g in res.find(tag):
                e.append("%s forwarded out of port %s" % (tag, p))
        e.eq("counter L2_MCAST_FORWARD", res.drops().get("L2_MCAST_FORWARD", 0), len(l2))
        return e

    return r


# ---------------------------------------------------------------------------------------------
# Run "l2": an L2VNI (200) with two bridged ports, a static flood list, static MACs and an anycast
# gateway routed in VRF red; a second L2VNI (201) without ports.
# ---------------------------------------------------------------------------------------------
L1 = "02:00:00:00:20:01"  # static on h1
L2 = "02:00:00:00:20:02"  # static on h2
RM = "02:00:00:00:20:99"  # static behind VTEP 10.0.0.2
GWMAC = "00:f3:00:00:00:c9"  # anycast gateway of VNI 200 (00:f3 + VNI+1)


def build_l2():
    body = """  vtep: 10.0.0.1
  vrfs: [{name: red}]
@@PORTS@@  l3vnis: [{vni: 100, vrf: red, routerMac: "02:00:00:00:01:00"}]
  l2vnis:
    - vni: 200
      ports: [h1, h2]
      vrf: red
      gatewayIPs: [10.20.0.1/24]
      floodVteps: [10.0.0.2]
      staticMacs:
        - {mac: "%s", port: h1}
        - {mac: "%s", port: h2}
        - {mac: "%s", vtep: 10.0.0.2}
    - {vni: 201, floodVteps: [10.0.0.2]}
  neighbors:
    - {ip: 10.0.0.2, mac: "%s", port: a}
    - {ip: 192.168.1.10, mac: "%s", port: b}
    - {ip: 10.20.0.12, mac: "%s", port: irb200}
""" % (L1, L2, RM, GW2, HOST_B, L2)
    r = Run("l2", ["a", "h1", "h2", "b"], body)
    r.port_yaml = {
        "a": 'mac: "%s", addresses: [10.0.0.1/24]' % MAC_A,
        "h1": 'mac: "02:00:00:00:00:d1"',
        "h2": 'mac: "02:00:00:00:00:d2"',
        "b": 'mac: "%s", vrf: red, addresses: [192.168.1.1/24]' % MAC_B,
    }

    def vx(vni, inner):
        return Ether(dst=MAC_A, src=GW2) / IP(src="10.0.0.2", dst=VTEP) / UDP(sport=50000, dport=4789) / \
            Raw(vxlan_hdr(vni)) / inner

    def check_l2_vxlan(e, what, got, inner, vni=200):
        """Bridged frame inner inside VXLAN from us to VTEP 10.0.0.2."""
        check_outer4(e, what, got, GW2, MAC_A, VTEP, "10.0.0.2", 17)
        sport, udport, ulen, uck = struct.unpack("!HHHH", got[34:42])
        e.eq("%s: udp.dport" % what, udport, 4789)
        e.true("%s: udp.sport %d not in 49152..65535" % (what, sport), 49152 <= sport <= 65535)
        e.eq("%s: udp.len" % what, ulen, len(got) - 34)
        e.eq("%s: VXLAN header (VNI %d)" % (what, vni), got[42:50].hex(), vxlan_hdr(vni).hex())
        e.eq("%s: inner frame (as received)" % what, got[50:].hex(), bytes(inner).hex())

    def one_copy(e, res, tag, port):
        """The frame tagged tag, if exactly one came out, and on port."""
        hits = res.find(tag)
        if e.eq("%s: copies out" % tag, len(hits), 1) and e.eq("%s: port" % tag, hits[0][0], port):
            return hits[0][1]
        return None

    def arp_req(src, sip, tip, tag):
        return Ether(dst=BCAST, src=src) / ARP(op=1, hwsrc=src, psrc=sip, pdst=tip) / Raw(tag.encode())

    def udp_to(dst, src, tag, ipdst="10.20.0.200"):
        return Ether(dst=dst, src=src) / IP(src="10.20.0.11", dst=ipdst) / UDP(sport=7, dport=9) / payload(tag, 30)

    cases = {}
    cases["l2#bcast"] = r.send("h1", arp_req(L1, "10.20.0.11", "10.20.0.77", "l2#bcast"))
    cases["l2#unk"] = r.send("h1", udp_to("02:00:00:00:20:55", L1, "l2#unk"))
    cases["l2#local"] = r.send("h1", udp_to(L2, L1, "l2#local"))
    cases["l2#remote"] = r.send("h1", udp_to(RM, L1, "l2#remote"))
    dec_inner = udp_to(L1, RM, "l2#decap")
    r.send("a", vx(200, dec_inner))
    decb_inner = arp_req(RM, "10.20.0.99", "10.20.0.77", "l2#decbcast")
    r.send("a", vx(200, decb_inner))

    @r.check("l2: broadcast from a bridged port: the other port, and VXLAN VNI 200 to the flood list's VTEP")
    def _(res):
        e = Errs()
        hits = res.find("l2#bcast")
        ports = sorted(p for p, _f in hits)
        e.eq("output ports", ports, ["a", "h2"])
        for p, g in hits:
            if p == "h2":
                e.eq("h2: frame unchanged", g.hex(), cases["l2#bcast"].hex())
            else:
                check_l2_vxlan(e, "l2#bcast", g, cases["l2#bcast"])
        return e

    @r.check("l2: unknown unicast floods to the other port and the flood list (not the gateway)")
    def _(res):
        e = Errs()
        hits = res.find("l2#unk")
        e.eq("output ports", sorted(p for p, _f in hits), ["a", "h2"])
        for p, g in hits:
            if p == "a":
                check_l2_vxlan(e, "l2#unk", g, cases["l2#unk"])
        return e

    @r.check("l2: unicast to a MAC on the other port: that port only, unchanged")
    def _(res):
        e = Errs()
        g = one_copy(e, res, "l2#local", "h2")
        if g:
            e.eq("frame unchanged", g.hex(), cases["l2#local"].hex())
        return e

    @r.check("l2: unicast to a MAC behind a VTEP: VXLAN to that VTEP only")
    def _(res):
        e = Errs()
        g = one_copy(e, res, "l2#remote", "a")
        if g:
            check_l2_vxlan(e, "l2#remote", g, cases["l2#remote"])
        return e

    @r.check("l2: VXLAN VNI 200 decapsulated to the port of its inner destination")
    def _(res, inner=bytes(dec_inner)):
        e = Errs()
        g = one_copy(e, res, "l2#decap", "h1")
        if g:
            e.eq("inner frame", g.hex(), inner.hex())
        e.eq("vni 200 decap_packets (l2#decap, l2#decbcast, l2#r2r)",
             res.vnis.get(200, {}).get("decap_packets"), 3)
        return e

    @r.check("l2: decapsulated broadcast goes to both local ports, never back to a VTEP")
    def _(res, inner=bytes(decb_inner)):
        e = Errs()
        hits = res.find("l2#decbcast")
        e.eq("output ports", sorted(p for p, _f in hits), ["h1", "h2"])
        for _p, g in hits:
            e.eq("frame", g.hex(), inner.hex())
        return e

    # IRB: routed out of the bridge domain, and into it
    irb_out = r.send("h1", Ether(dst=GWMAC, src=L1) / IP(src="10.20.0.11", dst="192.168.1.10", ttl=30) /
                     UDP(sport=1, dport=2) / payload("l2#irbout", 30))
    irb_in = r.send("b", Ether(dst=MAC_B, src=HOST_B) / IP(src="192.168.1.10", dst="10.20.0.12", ttl=30) /
                    UDP(sport=1, dport=2) / payload("l2#irbin", 30))

    @r.check("l2: to the gateway MAC: routed in VRF red out of port b (TTL - 1, b's MAC)")
    def _(res):
        e = Errs()
        g = one_copy(e, res, "l2#irbout", "b")
        if g:
            check_routed_frame(e, "l2#irbout", irb_out, g, HOST_B, MAC_B)
        return e

    @r.check("l2: routed to a host of the gateway subnet: from the gateway MAC, switched to its port")
    def _(res):
        e = Errs()
        g = one_copy(e, res, "l2#irbin", "h2")
        if g:
            check_routed_frame(e, "l2#irbin", irb_in, g, L2, GWMAC)
        return e

    @r.check("l2: what the kernel behind the gateway's TAP sends (its own IPv6 ND/MLD) is switched")
    def _(res):
        e = Errs()
        for p in ("h1", "h2"):
            res.find_where(p, lambda g: Ether(g).src == GWMAC and Ether(g).dst.startswith("33:33:"))
        for g in res.find_where("a", lambda g: len(g) > 64 and Ether(g[50:]).src == GWMAC):
            check_l2_vxlan(e, "gateway frame", g, g[50:])
        return e

    D = r.expect_drop
    D("multicast and zero source MAC on a bridged port", "L2_BAD_SRC_MAC",
      [("h1", udp_to(L2, "01:00:5e:00:00:01", "l2#bsrc0"), "l2#bsrc0"),
       ("h1", udp_to(L2, "00:00:00:00:00:00", "l2#bsrc1"), "l2#bsrc1")])
    D("destination MAC on the ingress port", "L2_SAME_PORT",
      [("h1", udp_to(L1, L2, "l2#same"), "l2#same")])
    D("decapsulated frame for a MAC behind a VTEP", "L2_REMOTE_TO_REMOTE",
      [("a", vx(200, udp_to(RM, "02:00:00:00:20:98", "l2#r2r")), "l2#r2r")])
    D("decapsulated broadcast in an L2VNI without local ports", "L2_FLOOD_EMPTY",
      [("a", vx(201, arp_req("02:00:00:00:20:98", "10.21.0.9", "10.21.0.1", "l2#empty")), "l2#empty")])
    return r


# ---------------------------------------------------------------------------------------------
def main():
    ap = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    ap.add_argument("--build", default=os.path.normpath(os.path.join(HERE, "..", "..", "build")),
                    help="meson build directory (default: %(default)s)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("-k", dest="only", help="only runs whose name contains this")
    ap.add_argument("-v", dest="verbose", action="store_true", help="print every mismatch of a failed check")
    ap.add_argument("--workers", type=int, default=1,
                    help="worker lcores (ports spread over them, shared TX queues)")
    args = ap.parse_args()
    global WORKERS
    WORKERS = args.workers

    build = os.path.abspath(args.build)
    for b in ("peregrine", "peregrinectl"):
        if not os.access(os.path.join(build, "control", b), os.X_OK):
            print("FAIL setup: %s/control/%s missing (build first: ninja -C %s)" % (build, b, build))
            print("golden: 0 passed, 1 failed")
            return 1

    def on_term(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_term)
    t_start = time.time()
    tmp = tempfile.mkdtemp(prefix="pg-golden-")
    passed = failed = 0
    try:
        runs = [build_main(), build_aux(), build_extra(), build_l2()]
        if args.only:
            runs = [r for r in runs if args.only in r.name]
        for run in runs:
            try:
                res = execute(run, build, tmp)
            except Exception as ex:  # the whole run failed: every check of it fails
                for name, _fn in run.checks + generic_checks(run, None):
                    print("FAIL %s/%s: run failed: %s" % (run.name, name, ex))
                    failed += 1
                continue
            for name, fn in run.checks + generic_checks(run, res):
                try:
                    errs = fn(res)
                except Exception as ex:
                    errs = ["exception in check: %r" % ex]
                if errs:
                    shown = errs if args.verbose else errs[:4]
                    more = "" if len(shown) == len(errs) else " (+%d more)" % (len(errs) - len(shown))
                    print("FAIL %s/%s: %s%s" % (run.name, name, "; ".join(shown), more))
                    failed += 1
                else:
                    print("PASS %s/%s" % (run.name, name))
                    passed += 1
        covered = set()
        for run in runs:
            covered |= set(run.drops)
        reasons = []
        with open(os.path.join(HERE, "..", "..", "dataplane", "drop.def")) as f:
            for line in f:
                if line.startswith("DROP("):
                    reasons.append(line[5:].split(",")[0])
        if not args.only:
            missing = [x for x in reasons if x not in covered and x not in DROP_REASONS_NOT_TRIGGERABLE]
            if missing:
                print("FAIL coverage: drop reasons in drop.def without a case: %s" % ", ".join(missing))
                failed += 1
            else:
                print("PASS coverage: every packet-triggerable drop reason in drop.def has a case "
                      "(not triggerable: %s)" % ", ".join(sorted(DROP_REASONS_NOT_TRIGGERABLE)))
                passed += 1
    finally:
        for p in list(LIVE):
            stop(p, signal.SIGKILL)
        if args.keep:
            print("kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print("runtime: %.1f s" % (time.time() - t_start))
    print("golden: %d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
