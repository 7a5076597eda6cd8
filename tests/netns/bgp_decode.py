#!/usr/bin/python3
"""An independent decoder of the BGP UPDATEs in a capture: reassembles the TCP stream sent by
--from (address) and prints every route announced or withdrawn as one JSON object per line.

usage: bgp_decode.py PCAP --from IP

Written from RFC 4271 / 4760 / 7432 / 9136 / 9135 / 4360 alone (nothing shared with Peregrine's
C codec): header, path attributes, MP_REACH/MP_UNREACH, IPv4 NLRI, EVPN route types 2, 3, 5,
route targets, encapsulation and router-MAC extended communities, PMSI tunnel.
"""
import ipaddress
import json
import sys

from scapy.all import IP, TCP, rdpcap  # type: ignore


def stream(pcap, src):
    """Payload bytes sent by src over TCP port 179, in sequence order, retransmissions dropped."""
    segs = {}
    for p in rdpcap(pcap):
        if IP not in p or TCP not in p or p[IP].src != src:
            continue
        t = p[TCP]
        if t.sport != 179 and t.dport != 179:
            continue
        data = bytes(t.payload)
        if data:
            segs.setdefault(t.seq, data)
    out = b""
    nxt = None
    for seq in sorted(segs):
        d = segs[seq]
        if nxt is not None and seq < nxt:
            d = d[nxt - seq:]
        out += d
        nxt = seq + len(segs[seq])
    return out


def rd_str(b):
    t = int.from_bytes(b[0:2], "big")
    if t == 0:
        return f"{int.from_bytes(b[2:4], 'big')}:{int.from_bytes(b[4:8], 'big')}"
    if t == 1:
        return f"{ipaddress.IPv4Address(b[2:6])}:{int.from_bytes(b[6:8], 'big')}"
    return f"{int.from_bytes(b[2:6], 'big')}:{int.from_bytes(b[6:8], 'big')}"


def ip_of(b):
    return str(ipaddress.ip_address(b)) if b else None


def evpn_routes(b):
    i = 0
    while i + 2 <= len(b):
        rtype, ln = b[i], b[i + 1]
        body = b[i + 2:i + 2 + ln]
        i += 2 + ln
        r = {"type": rtype, "rd": rd_str(body[0:8])}
        if rtype == 2:
            r["etag"] = int.from_bytes(body[18:22], "big")
            r["mac"] = ":".join(f"{x:02x}" for x in body[23:29])
            iplen = body[29] // 8
            r["ip"] = ip_of(body[30:30 + iplen])
            lab = body[30 + iplen:]
            r["labels"] = [int.from_bytes(lab[k:k + 3], "big") for k in range(0, len(lab), 3)]
        elif rtype == 3:
            r["etag"] = int.from_bytes(body[8:12], "big")
            r["ip"] = ip_of(body[13:13 + body[12] // 8])
        elif rtype == 5:
            r["etag"] = int.from_bytes(body[18:22], "big")
            plen = body[22]
            alen = 4 if ln == 34 else 16
            r["prefix"] = f"{ipaddress.ip_address(body[23:23 + alen])}/{plen}"
            r["gw"] = ip_of(body[23 + alen:23 + 2 * alen])
            r["labels"] = [int.from_bytes(body[23 + 2 * alen:26 + 2 * alen], "big")]
        yield r


def prefixes(b, alen):
    i = 0
    while i < len(b):
        plen = b[i]
        n = (plen + 7) // 8
        raw = b[i + 1:i + 1 + n] + bytes(alen - n)
        yield f"{ipaddress.ip_address(raw)}/{plen}"
        i += 1 + n


def ext_comms(v):
    out = []
    for k in range(0, len(v), 8):
        e = v[k:k + 8]
        t, st = e[0], e[1]
        if st == 0x02 and t in (0x00, 0x01, 0x02):
            if t == 0x00:
                out.append(f"rt:{int.from_bytes(e[2:4], 'big')}:{int.from_bytes(e[4:8], 'big')}")
            elif t == 0x01:
                out.append(f"rt:{ipaddress.IPv4Address(e[2:6])}:{int.from_bytes(e[6:8], 'big')}")
            else:
                out.append(f"rt:{int.from_bytes(e[2:6], 'big')}:{int.from_bytes(e[6:8], 'big')}")
        elif t == 0x03 and st == 0x0C:
            out.append(f"encap:{int.from_bytes(e[6:8], 'big')}")
        elif t == 0x06 and st == 0x03:
            out.append("rmac:" + ":".join(f"{x:02x}" for x in e[2:8]))
        else:
            out.append("0x" + e.hex())
    return out


def decode(data):
    i = 0
    while i + 19 <= len(data):
        ln = int.from_bytes(data[i + 16:i + 18], "big")
        mtype = data[i + 18]
        body = data[i + 19:i + ln]
        i += ln
        if mtype != 2:
            continue
        wl = int.from_bytes(body[0:2], "big")
        withdrawn = body[2:2 + wl]
        al = int.from_bytes(body[2 + wl:4 + wl], "big")
        attrs = body[4 + wl:4 + wl + al]
        nlri = body[4 + wl + al:]
        a = {}
        reach = unreach = None
        k = 0
        while k < len(attrs):
            flags, code = attrs[k], attrs[k + 1]
            if flags & 0x10:
                vl = int.from_bytes(attrs[k + 2:k + 4], "big")
                v = attrs[k + 4:k + 4 + vl]
                k += 4 + vl
            else:
                vl = attrs[k + 2]
                v = attrs[k + 3:k + 3 + vl]
                k += 3 + vl
            if code == 1:
                a["origin"] = v[0]
            elif code == 2:
                path = []
                j = 0
                while j < len(v):
                    n = v[j + 1]
                    path += [int.from_bytes(v[j + 2 + 4 * x:j + 6 + 4 * x], "big") for x in range(n)]
                    j += 2 + 4 * n
                a["as_path"] = path
            elif code == 3:
                a["nexthop"] = ip_of(v)
            elif code == 5:
                a["local_pref"] = int.from_bytes(v, "big")
            elif code == 16:
                a["ext_communities"] = ext_comms(v)
            elif code == 22:
                a["pmsi"] = {"type": v[1], "label": int.from_bytes(v[2:5], "big"), "id": ip_of(v[5:])}
            elif code == 14:
                reach = v
            elif code == 15:
                unreach = v
        for p in prefixes(withdrawn, 4):
            yield {"withdraw": True, "family": "ipv4-unicast", "prefix": p}
        for p in prefixes(nlri, 4):
            yield dict(a, family="ipv4-unicast", prefix=p)
        if reach:
            afi, safi, nhl = int.from_bytes(reach[0:2], "big"), reach[2], reach[3]
            nh = ip_of(reach[4:4 + min(nhl, 16)])
            rest = reach[5 + nhl:]
            if (afi, safi) == (25, 70):
                for r in evpn_routes(rest):
                    yield dict(a, family="l2vpn-evpn", nexthop=nh, **r)
        if unreach:
            afi, safi = int.from_bytes(unreach[0:2], "big"), unreach[2]
            if (afi, safi) == (25, 70):
                for r in evpn_routes(unreach[3:]):
                    yield dict(r, withdraw=True, family="l2vpn-evpn")


def main():
    if len(sys.argv) != 4 or sys.argv[2] != "--from":
        print(__doc__, file=sys.stderr)
        return 2
    for r in decode(stream(sys.argv[1], sys.argv[3])):
        print(json.dumps(r, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
