#!/usr/bin/python3
"""Send one ICMP echo request as IPv4 fragments with scapy.

usage: frag_send.py IFACE DST_MAC SRC DST IP_ID PAYLOAD_LEN FRAGSIZE

The echo (ICMP id 0x4242, seq 1, PAYLOAD_LEN bytes of 'F') is cut by scapy's fragment() into
pieces of FRAGSIZE bytes of IP payload; prints one line per fragment.
"""
import sys

from scapy.all import ICMP, IP, Ether, Raw, conf, fragment, get_if_hwaddr, sendp


def main() -> int:
    iface, dmac, src, dst = sys.argv[1:5]
    ip_id, plen, fsize = int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
    conf.verb = 0
    pkt = IP(src=src, dst=dst, id=ip_id) / ICMP(id=0x4242, seq=1) / Raw(b"F" * plen)
    frags = fragment(pkt, fragsize=fsize)
    smac = get_if_hwaddr(iface)
    sendp([Ether(src=smac, dst=dmac) / f for f in frags], iface=iface)
    for f in frags:
        print("fragment id=%d offset=%d mf=%d len=%d" % (f.id, f.frag * 8, int(f.flags.MF), len(f)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
