#!/usr/bin/python3
"""Send IPv4-in-IPv4 packets (as a Calico IPIP node would) on a Linux interface with scapy.

usage: ipip_send.py IFACE DST_MAC OUTER_SRC OUTER_DST INNER_SRC INNER_DST TAG [--ttl N] [--count N]

For each of COUNT rounds it sends one ICMP echo request (id 0x4747, seq = round) and one UDP
datagram (40000 -> 7777), both carrying TAG as payload, with inner TTL N (default 20). The outer
header is proto 4, TTL 64. Prints one line per packet sent.
"""
import argparse
import sys

from scapy.all import ICMP, IP, UDP, Ether, Raw, conf, get_if_hwaddr, sendp


def main() -> int:
    ap = argparse.ArgumentParser()
    for a in ("iface", "dmac", "outer_src", "outer_dst", "inner_src", "inner_dst", "tag"):
        ap.add_argument(a)
    ap.add_argument("--ttl", type=int, default=20)
    ap.add_argument("--count", type=int, default=3)
    a = ap.parse_args()
    conf.verb = 0
    smac = get_if_hwaddr(a.iface)
    pkts = []
    for i in range(1, a.count + 1):
        outer = Ether(src=smac, dst=a.dmac) / IP(src=a.outer_src, dst=a.outer_dst, proto=4, ttl=64)
        inner = IP(src=a.inner_src, dst=a.inner_dst, ttl=a.ttl)
        pkts.append(outer / inner / ICMP(type=8, id=0x4747, seq=i) / Raw(a.tag.encode()))
        pkts.append(outer / inner / UDP(sport=40000, dport=7777) / Raw(a.tag.encode()))
    sendp(pkts, iface=a.iface, inter=0.02)
    for p in pkts:
        print(p.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
