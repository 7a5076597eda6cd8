#!/bin/bash
# BGP with GoBGP: Peregrine's speaker establishes IPv4 unicast and L2VPN EVPN with a real GoBGP
# over its exception path; GoBGP injects IPv4 routes and every EVPN route type Peregrine keeps
# (type-2 MAC, MAC/IP with two labels, type-3 with PMSI, type-5 IPv4 and IPv6), then withdraws
# them; Peregrine's RIB (peregrinectl --json) and FIB follow. Then GoBGP restarts: graceful
# restart keeps the routes as stale until its End-of-RIB.
#
#  [node] eth0 10.100.0.2/24 gobgpd AS 65002 ==== pe-up [pe: peregrine AS 65001] pe-host ==== [host]
#             10.100.0.3/24 scripted peer AS 65003   10.100.0.1/24            192.168.50.1/24
#                                                    pe-ten (VRF red, L3VNI 5000) ==== [tenant]
#                                                    192.168.60.1/24                  .60.2
#
# A scripted peer (bgp_raw.py) sends malformed UPDATEs: RFC 7606 treat-as-withdraw keeps its
# session, a framing error resets it alone, while GoBGP's session and forwarding carry on.
#
# usage: bgp_gobgp.sh [clean]     (KEEP=1 leaves the topology up)
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"
pgt_init bg "node pe host tenant" "$@"
need_tool gobgpd gobgp

step "topology"
topo_node_pe_host
ip -n "$(ns node)" addr add 10.100.0.3/24 dev eth0
ip -n "$(ns node)" addr add fd00:100::2/64 dev eth0 nodad
ip -n "$(ns node)" route add 192.168.50.0/24 via 10.100.0.1
ns_add tenant
host_leg tenant pe-ten 192.168.60.2/24 192.168.60.1

cat >"$T/pg.yaml" <<EOF
apiVersion: peregrine.io/v1alpha1
kind: Peregrine
metadata: {name: pgt-bgp-gobgp}
spec:
  dataplane: $PG_DATAPLANE_YAML
  management: {socket: $PG_SOCK}
  vtep: 10.100.0.1
  vrfs: [{name: red}, {name: blue}]
  ports:
    - {name: uplink, device: pe-up, driver: $PG_DRIVER, addresses: [10.100.0.1/24, "fd00:100::1/64"]}
    - {name: host, device: pe-host, driver: $PG_DRIVER, addresses: [192.168.50.1/24]}
    - {name: tenant, device: pe-ten, driver: $PG_DRIVER, vrf: red, addresses: [192.168.60.1/24]}
  l3vnis:
    - {vni: 5000, vrf: red}
    - {vni: 6000, vrf: blue, importRTs: ["65002:7777"]}
  l2vnis: [{vni: 10010}]
  bgp:
    asn: 65001
    routerId: 10.100.0.1
    holdTime: 9
    networks: [10.100.0.1/32, "fd00:99::/64"]
    neighbors:
      - {address: 10.100.0.2, asn: 65002, families: [ipv4-unicast, l2vpn-evpn], description: gobgp}
      - {address: 10.100.0.3, asn: 65003, passive: true, description: scripted}
      - {address: "fd00:100::2", asn: 65002, families: [ipv6-unicast], description: gobgp-v6}
EOF

cat >"$T/gobgp.toml" <<EOF
[global.config]
  as = 65002
  router-id = "10.100.0.2"
  local-address-list = ["10.100.0.2", "fd00:100::2"]
[[neighbors]]
  [neighbors.config]
    neighbor-address = "fd00:100::1"
    peer-as = 65001
  [neighbors.timers.config]
    connect-retry = 1
    idle-hold-time-after-reset = 1
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv6-unicast"
[[neighbors]]
  [neighbors.config]
    neighbor-address = "10.100.0.1"
    peer-as = 65001
  [neighbors.timers.config]
    connect-retry = 1
    hold-time = 9
    keepalive-interval = 3
    idle-hold-time-after-reset = 1
  [neighbors.graceful-restart.config]
    enabled = true
    restart-time = 30
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
    [neighbors.afi-safis.mp-graceful-restart.config]
      enabled = true
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "l2vpn-evpn"
    [neighbors.afi-safis.mp-graceful-restart.config]
      enabled = true
EOF

gobgpd_start() {
	pgt_bg gobgpd "gobgpd -f $T/gobgp.toml" node gobgpd -f "$T/gobgp.toml" -p --api-hosts=127.0.0.1:50051 --pprof-disable "$@"
}
G() { nsx node gobgp -u 127.0.0.1 -p 50051 "$@"; }

step "peregrine and gobgpd"
if pg_start pe "$T/pg.yaml"; then pass "peregrine starts with a bgp section"; else
	fail "peregrine starts"
	pgt_finish
fi
gobgpd_start

peer() { pgj show bgp summary | jq -c '.peers[] | select(.neighbor == "10.100.0.2")'; }
established() { peer | tee /dev/stderr | jq -e '.state == "Established"' >/dev/null; }
expect "session Established (peregrinectl show bgp summary)" wait_until 30 established
nb() { pgj show bgp neighbor 10.100.0.2; }
neg_ok() {
	nb | jq -c '{families, as4, hold_time, keepalive, capabilities_received}'
	nb | jq -e '(.families | sort) == ["ipv4-unicast", "l2vpn-evpn"] and .as4 and .hold_time == 9 and .keepalive == 3' >/dev/null
}
expect "negotiated: both families, 4-octet AS, hold 9 s, keepalive 3 s" neg_ok
gobgp_sees() {
	G neighbor 10.100.0.1 >"$T/gobgp-neighbor.txt" || return 1
	grep -i 'BGP state' "$T/gobgp-neighbor.txt"
	grep -qi 'BGP state = established' "$T/gobgp-neighbor.txt"
}
expect "gobgp sees the session established" gobgp_sees
eor_ok() { nb | jq -e '[.prefixes[] | select(.family != "ipv6-unicast") | .end_of_rib] | all' >/dev/null; }
expect "End-of-RIB received for IPv4 unicast and EVPN" wait_until 10 eor_ok

# spec.bgp.networks: our VTEP /32 (as OpenPERouter announces it) over IPv4, fd00:99::/64 over the
# IPv6 session, each with next hop self (the session's local address), AS path [65001]
net4_ok() {
	G global rib -a ipv4 10.100.0.1/32 | tee /dev/stderr | grep -E '10\.100\.0\.1/32 +10\.100\.0\.1 +65001 ' >/dev/null
}
expect "network 10.100.0.1/32 reaches GoBGP: next hop 10.100.0.1, AS path 65001" wait_until 10 net4_ok
net6_ok() {
	G global rib -a ipv6 fd00:99::/64 | tee /dev/stderr | grep -E 'fd00:99::/64 +fd00:100::1 +65001 ' >/dev/null
}
expect "network fd00:99::/64 reaches GoBGP over the IPv6 session: next hop fd00:100::1" wait_until 10 net6_ok
net_local() { pgj show bgp ipv4 detail | jq -e '.[] | select(.prefix == "10.100.0.1/32") | .paths[0].from == "local"' >/dev/null; }
# the IPv4 RIB without our own network
learned4() { pgj show bgp ipv4 "$@" | jq -c '[.[] | select(.prefix != "10.100.0.1/32")]'; }
expect "show bgp ipv4 lists 10.100.0.1/32 as a local route" net_local

step "IPv4 unicast from GoBGP"
G global rib -a ipv4 add 198.51.100.0/24 nexthop 10.100.0.2 community 65002:7 med 20
G global rib -a ipv4 add 203.0.113.0/25 nexthop 10.100.0.2 aspath 65010,65020
v4_ok() {
	pgj show bgp ipv4 detail | jq -c '.[]'
	local j
	j=$(learned4 detail)
	jq -e 'length == 2' <<<"$j" >/dev/null &&
		jq -e '.[] | select(.prefix == "198.51.100.0/24") | .paths[0] | .nexthop == "10.100.0.2" and .best and .as_path == "65002" and .med == 20 and (.communities == ["65002:7"])' <<<"$j" >/dev/null &&
		jq -e '.[] | select(.prefix == "203.0.113.0/25") | .paths[0].as_path == "65002 65010 65020"' <<<"$j" >/dev/null
}
expect "show bgp ipv4: both prefixes with next hop, AS path, MED, community" wait_until 10 v4_ok
fib_ok() {
	pgj show route | jq -c '.routes[] | select(.origin == "bgp")'
	pgj show route | jq -e '[.routes[] | select(.origin == "bgp" and .vrf == "default") | .prefix] | sort == ["198.51.100.0/24", "203.0.113.0/25"]' >/dev/null
}
expect "both installed in the default VRF's FIB with origin bgp" wait_until 10 fib_ok

step "next-hop tracking: a next hop off the connected subnets resolves through another route"
G global rib -a ipv4 add 198.18.0.0/24 nexthop 10.99.99.1
in_rib() { pgj show bgp ipv4 | jq -e '.[] | select(.prefix == "198.18.0.0/24")' >/dev/null; }
in_fib() { pgj show route | jq -e '.routes[] | select(.prefix == "198.18.0.0/24" and .origin == "bgp")' >/dev/null; }
unresolved() { in_rib && ! in_fib && pgj show bgp memory | jq -e '.nht_nexthops == 1' >/dev/null; }
expect "198.18.0.0/24 via 10.99.99.1 (no route to it): in the RIB, not in the FIB, its next hop watched" wait_until 10 unresolved
G global rib -a ipv4 add 10.99.99.0/24 nexthop 10.100.0.2
recursive() {
	pgj show route | jq -c '.routes[] | select(.prefix == "198.18.0.0/24" or .prefix == "10.99.99.0/24")'
	pgj show route | jq -e '.routes[] | select(.prefix == "198.18.0.0/24" and .origin == "bgp") | .nexthop | test("via 10.100.0.2")' >/dev/null
}
expect "10.99.99.0/24 via 10.100.0.2 arrives: 198.18.0.0/24 installed, resolved through it (via 10.100.0.2)" wait_until 10 recursive
G global rib -a ipv4 del 10.99.99.0/24
expect "10.99.99.0/24 withdrawn: 198.18.0.0/24 leaves the FIB, stays in the RIB" wait_until 10 eval 'in_rib && ! in_fib'
G global rib -a ipv4 add 10.99.99.0/24 nexthop 10.100.0.2
expect "... and comes back with it" wait_until 10 recursive
G global rib -a ipv4 del 198.18.0.0/24
G global rib -a ipv4 del 10.99.99.0/24
expect "both withdrawn" wait_until 10 eval '! in_rib && ! in_fib'

step "IPv6 unicast over an IPv6 session"
v6est() { pgj show bgp summary | jq -e '.peers[] | select(.neighbor == "fd00:100::2") | .state == "Established"' >/dev/null; }
expect "IPv6 session with GoBGP (fd00:100::2) Established" wait_until 30 v6est
G global rib -a ipv6 add 2001:db8:100::/48 nexthop fd00:100::2
v6_ok() {
	pgj show bgp ipv6 | jq -c '.[]'
	pgj show bgp ipv6 | jq -e '.[] | select(.prefix == "2001:db8:100::/48") | .nexthop == "fd00:100::2" and .best' >/dev/null &&
		pgj show route | jq -e '.routes[] | select(.prefix == "2001:db8:100::/48" and .origin == "bgp") | .nexthop | test("via fd00:100::2")' >/dev/null
}
expect "2001:db8:100::/48 learned (MP_REACH IPv6, next hop fd00:100::2) and installed in the default VRF" wait_until 15 v6_ok
G global rib -a ipv6 del 2001:db8:100::/48
v6_gone() { ! pgj show route | jq -e '.routes[] | select(.prefix == "2001:db8:100::/48")' >/dev/null; }
expect "... and withdrawn (MP_UNREACH)" wait_until 10 v6_gone

step "EVPN from GoBGP: type-2, type-3, type-5"
RD=10.100.0.2:10
G global rib -a evpn add macadv 02:00:00:00:00:01 10.10.10.11 etag 0 label 10010 rd $RD rt 65002:10010 encap vxlan nexthop 10.100.0.2
G global rib -a evpn add macadv 02:00:00:00:00:02 0.0.0.0 etag 0 label 10010 rd $RD rt 65002:10010 encap vxlan nexthop 10.100.0.2
G global rib -a evpn add macadv 02:00:00:00:00:03 10.10.10.13 etag 0 label 10010,5000 rd $RD rt 65002:10010 65002:5000 encap vxlan router-mac 02:00:00:00:aa:01 nexthop 10.100.0.2
G global rib -a evpn add multicast 10.100.0.2 etag 0 rd $RD rt 65002:10010 encap vxlan pmsi ingress-repl 10010 10.100.0.2 nexthop 10.100.0.2
G global rib -a evpn add prefix 172.16.1.0/24 gw 0.0.0.0 etag 0 label 5000 rd 10.100.0.2:50 rt 65002:5000 encap vxlan router-mac 02:00:00:00:aa:01 nexthop 10.100.0.2
G global rib -a evpn add prefix 2001:db8:1::/64 gw :: etag 0 label 5000 rd 10.100.0.2:50 rt 65002:5000 encap vxlan router-mac 02:00:00:00:aa:01 nexthop 10.100.0.2
# EVPN routes learned from peers (our own type-5 is in the table too, "from": "local")
evpn() { pgj show bgp evpn detail | jq -c '[.[] | select(.paths[0].from != "local")]'; }
evpn_ok() {
	local j
	j=$(evpn)
	jq -c '.[] | {prefix, vni: .paths[0].vni, ec: .paths[0].extended_communities}' <<<"$j"
	jq -e 'length == 6' <<<"$j" >/dev/null &&
		jq -e '[.[] | select(.prefix | test("\\[2\\]"))] | length == 3' <<<"$j" >/dev/null &&
		jq -e '.[] | select(.prefix | test("02:00:00:00:00:03")) | .paths[0] | .vni == [10010, 5000] and (.extended_communities | index("rmac:02:00:00:00:aa:01") != null) and (.extended_communities | index("encap:vxlan") != null)' <<<"$j" >/dev/null &&
		jq -e '[.[] | select(.prefix | test("\\[3\\]"))] | length == 1' <<<"$j" >/dev/null &&
		jq -e '.[] | select(.prefix | test("172.16.1.0")) | .paths[0].vni == [5000]' <<<"$j" >/dev/null &&
		jq -e '[.[] | select(.prefix | test("2001:db8:1::"))] | length == 1' <<<"$j" >/dev/null
}
expect "show bgp evpn: 3 type-2 (labels, router MAC, encap), 1 type-3, type-5 IPv4 and IPv6" wait_until 10 evpn_ok
rt5() { pgj show bgp evpn route-type 5 | jq -e '[.[] | select(.from != "local")] | length == 2' >/dev/null; }
check "show bgp evpn route-type 5 filters" rt5
vrf_ok() {
	pgj show route vrf red | jq -c '.routes[] | select(.origin == "bgp") | {prefix, nexthop}'
	local j
	j=$(pgj show route vrf red)
	jq -e '.routes[] | select(.prefix == "172.16.1.0/24" and .origin == "bgp") | .nexthop | test("vxlan vtep 10.100.0.2 vni 5000 rmac 02:00:00:00:aa:01")' <<<"$j" >/dev/null &&
		jq -e '.routes[] | select(.prefix == "10.10.10.13/32" and .origin == "bgp") | .nexthop | test("vxlan vtep 10.100.0.2 vni 5000 rmac 02:00:00:00:aa:01")' <<<"$j" >/dev/null &&
		! jq -e '.routes[] | select(.prefix == "10.10.10.11/32")' <<<"$j" >/dev/null
}
expect "imported into VRF red (RT *:5000): type-5 172.16.1.0/24 and the IRB host 10.10.10.13/32 via VXLAN to 10.100.0.2, VNI 5000, its router MAC" wait_until 10 vrf_ok
fdb_remote() { pgj show fdb vni 10010 | jq -c '[.fdb[] | select(.type == "remote" and .vtep == "10.100.0.2") | .mac] | sort'; }
l2_ok() {
	fdb_remote
	pgj show l2vni | jq -c '.l2vnis[0].flood_vteps'
	[ "$(fdb_remote)" = '["02:00:00:00:00:01","02:00:00:00:00:02","02:00:00:00:00:03"]' ] &&
		pgj show l2vni | jq -e '.l2vnis[0].flood_vteps == ["10.100.0.2"]' >/dev/null
}
expect "L2VNI 10010 (RT *:10010): the three type-2 MACs in the FDB behind 10.100.0.2, the type-3 VTEP in the flood list" wait_until 10 l2_ok
arp_ok() {
	pgj show arp-cache vni 10010 | jq -c '[.arp_cache[] | {ip, mac}] | sort_by(.ip)'
	[ "$(pgj show arp-cache vni 10010 | jq -c '[.arp_cache[] | {ip, mac}] | sort_by(.ip)')" = '[{"ip":"10.10.10.11","mac":"02:00:00:00:00:01"},{"ip":"10.10.10.13","mac":"02:00:00:00:00:03"}]' ]
}
expect "ARP suppression cache of VNI 10010: the two type-2 MAC/IP hosts" wait_until 10 arp_ok
G global rib -a evpn add macadv 02:00:00:00:00:04 2001:db8:10::14 etag 0 label 10010 rd $RD rt 65002:10010 encap vxlan nexthop 10.100.0.2
nd_in() { pgj show arp-cache vni 10010 | jq -e '.arp_cache[] | select(.ip == "2001:db8:10::14" and .mac == "02:00:00:00:00:04")' >/dev/null; }
expect "an IPv6 type-2 MAC/IP goes into the ND suppression cache" wait_until 10 nd_in
G global rib -a evpn del macadv 02:00:00:00:00:04 2001:db8:10::14 etag 0 label 10010 rd $RD
expect "... and leaves it when withdrawn" wait_until 10 eval '! nd_in'
imet_ok() {
	G global rib -a evpn >"$T/gobgp-evpn3.txt" || return 1
	grep -F '[type:multicast][rd:10.100.0.1:512][etag:0][ip:10.100.0.1]' "$T/gobgp-evpn3.txt" |
		grep -F '[65001:10010], [VXLAN]' |
		grep -F 'Pmsi: type: ingress-repl, label: 10010, tunnel-id: 10.100.0.1'
}
expect "GoBGP received our type-3 for VNI 10010: RD 10.100.0.1:512, originator our VTEP, RT 65001:10010, PMSI ingress replication label 10010" wait_until 10 imet_ok

step "explicit import route targets (VRF blue, L3VNI 6000, importRTs [65002:7777])"
G global rib -a evpn add prefix 10.77.0.0/16 gw 0.0.0.0 etag 0 label 6000 rd 10.100.0.2:60 rt 65002:7777 encap vxlan router-mac 02:00:00:00:aa:01 nexthop 10.100.0.2
G global rib -a evpn add prefix 10.66.0.0/16 gw 0.0.0.0 etag 0 label 6000 rd 10.100.0.2:60 rt 65002:6000 encap vxlan router-mac 02:00:00:00:aa:01 nexthop 10.100.0.2
blue_ok() {
	pgj show route vrf blue | jq -c '.routes[] | select(.origin == "bgp") | .prefix'
	pgj show route vrf blue | jq -e '[.routes[] | select(.origin == "bgp") | .prefix] == ["10.77.0.0/16"]' >/dev/null &&
		[ "$(pgj show bgp evpn route-type 5 | jq '[.[] | select(.prefix | test("10.66.0.0"))] | length')" = 1 ]
}
expect "10.77.0.0/16 (RT 65002:7777) imported into blue; 10.66.0.0/16 (RT 65002:6000, auto-style) is in the RIB but imported nowhere" wait_until 10 blue_ok
G global rib -a evpn del prefix 10.77.0.0/16 gw 0.0.0.0 etag 0 label 6000 rd 10.100.0.2:60
G global rib -a evpn del prefix 10.66.0.0/16 gw 0.0.0.0 etag 0 label 6000 rd 10.100.0.2:60
blue_gone() { ! pgj show route vrf blue | jq -e '.routes[] | select(.origin == "bgp")' >/dev/null; }
expect "... and gone from VRF blue after the withdrawal" wait_until 10 blue_gone

step "origination: our VRF's subnet as type-5 to GoBGP"
t5_ok() {
	G global rib -a evpn >"$T/gobgp-evpn.txt" || return 1
	grep -E '192.168.60.0' "$T/gobgp-evpn.txt"
	grep -Eq '\[type:Prefix\]\[rd:10.100.0.1:1\]\[etag:0\]\[prefix:192.168.60.0/24\].*10.100.0.1 .*65001' "$T/gobgp-evpn.txt" &&
		grep -E '192.168.60.0' "$T/gobgp-evpn.txt" | grep -q '\[65001:5000\]' &&
		grep -E '192.168.60.0' "$T/gobgp-evpn.txt" | grep -qi 'router.s mac: 02:50:47:00:13:88' &&
		grep -E '192.168.60.0' "$T/gobgp-evpn.txt" | grep -qi 'VXLAN'
}
expect "GoBGP received [5] 192.168.60.0/24, RD 10.100.0.1:1, next hop our VTEP, AS path 65001, RT 65001:5000, encap VXLAN, our router MAC" wait_until 10 t5_ok
local_ok() { pgj show bgp evpn route-type 5 detail | jq -e '.[] | select(.prefix | test("192.168.60.0")) | .paths[0].from == "local"' >/dev/null; }
check "show bgp evpn lists it as a local route" local_ok

step "data path: tenant -> 172.16.1.1 goes out as VXLAN VNI 5000 to GoBGP's VTEP"
cap_start vx node eth0 udp port 4789
nsx tenant ping -n -c 3 -i 0.2 -W 1 172.16.1.1 >/dev/null 2>&1 || true
cap_stop vx
vx_ok() {
	tshark_f "$T/vx.pcap" vxlan ip.src ip.dst vxlan.vni eth.dst ip.dst | head -3
	[ "$(tshark_count "$T/vx.pcap" 'vxlan.vni == 5000 && ip.dst == 172.16.1.1 && eth.dst == 02:00:00:00:aa:01')" -ge 3 ] &&
		[ "$(tshark_count "$T/vx.pcap" 'vxlan && ip.src == 10.100.0.1 && ip.dst == 10.100.0.2')" -ge 3 ]
}
check "3 echo requests in VXLAN: outer 10.100.0.1 -> 10.100.0.2, VNI 5000, inner MAC = the route's router MAC" vx_ok

step "withdrawals"
G global rib -a evpn del macadv 02:00:00:00:00:02 0.0.0.0 etag 0 label 10010 rd $RD
G global rib -a evpn del prefix 2001:db8:1::/64 gw :: etag 0 label 5000 rd 10.100.0.2:50
G global rib -a ipv4 del 203.0.113.0/25
wd_ok() {
	[ "$(evpn | jq length)" = 4 ] && [ "$(learned4 | jq length)" = 1 ] &&
		! pgj show route | jq -e '.routes[] | select(.prefix == "203.0.113.0/25")' >/dev/null
}
expect "withdrawn routes leave the RIB (EVPN 6 -> 4, IPv4 2 -> 1) and the FIB" wait_until 10 wd_ok
expect "the withdrawn type-2 MAC leaves the FDB" wait_until 10 eval '[ "$(fdb_remote)" = '"'"'["02:00:00:00:00:01","02:00:00:00:00:03"]'"'"' ]'
acc() { peer | jq -r '.prefixes_accepted'; }
expect "summary: 5 prefixes accepted" wait_until 5 eval '[ "$(acc)" = 5 ]'

step "operator actions: clear bgp ... soft in, clear bgp ..."
rr_sent() { pgj show bgp neighbor 10.100.0.2 | jq -r '.messages_sent.route_refresh'; }
upd_rcvd() { pgj show bgp neighbor 10.100.0.2 | jq -r '.messages_received.update'; }
u0=$(upd_rcvd)
clear_in() { pgctl clear bgp 10.100.0.2 soft in; }
check "peregrinectl clear bgp 10.100.0.2 soft in" clear_in
soft_ok() {
	echo "route refresh sent $(rr_sent), updates received $u0 -> $(upd_rcvd)"
	[ "$(rr_sent)" -ge 2 ] && [ "$(upd_rcvd)" -gt "$u0" ]
}
expect "a ROUTE-REFRESH per family went out and GoBGP sent its routes again" wait_until 10 soft_ok
bad_clear() { ! pgctl clear bgp 10.9.9.9 2>&1 | tee /dev/stderr | grep -q . || pgctl clear bgp 10.9.9.9 2>&1 | grep -q 'no such neighbor'; }
check "clear bgp of an unknown neighbour is an error" bad_clear
n0=$(pgj show bgp summary | jq '.peers[] | select(.neighbor == "10.100.0.2") | .msgs_sent')
pgctl clear bgp 10.100.0.2 >/dev/null
reset_ok() {
	pgj show bgp neighbor 10.100.0.2 | jq -c '{state, established_count, last_notification_sent}'
	pgj show bgp neighbor 10.100.0.2 | jq -e '.state == "Established" and .established_count >= 2 and .last_notification_sent == "6/4"' >/dev/null &&
		[ "$(learned4 | jq length)" = 1 ]
}
expect "hard clear: Cease/Administrative Reset sent, the session comes back and the routes are relearned" wait_until 30 reset_ok

step "graceful restart: gobgpd killed and restarted"
before=$(pgj show bgp memory)
proc_kill gobgpd KILL
stale_ok() {
	pgj show bgp ipv4 detail | jq -c '.[].paths[0] | {nexthop, stale}'
	pgj show bgp ipv4 detail | jq -e '.[0].paths[0].stale == true' >/dev/null &&
		pgj show route | jq -e '.routes[] | select(.prefix == "198.51.100.0/24" and .origin == "bgp")' >/dev/null
}
expect "after the peer died: its routes stay (stale) in the RIB and the FIB" wait_until 15 stale_ok
gobgpd_start
expect "session Established again" wait_until 30 established
G global rib -a ipv4 add 198.51.100.0/24 nexthop 10.100.0.2
swept_ok() {
	learned4 detail | jq -c '.[] | {prefix, stale: .paths[0].stale}'
	local j
	j=$(learned4 detail)
	jq -e 'length == 1 and .[0].prefix == "198.51.100.0/24" and (.[0].paths[0].stale | not)' <<<"$j" >/dev/null &&
		[ "$(evpn | jq length)" = 0 ] && [ "$(fdb_remote)" = '[]' ] &&
		[ "$(pgj show arp-cache | jq '.arp_cache | length')" = 0 ] &&
		pgj show l2vni | jq -e '.l2vnis[0].flood_vteps == []' >/dev/null
}
expect "after its End-of-RIB: the re-announced route is fresh, the rest swept (FDB and flood list too)" wait_until 20 swept_ok

step "malformed UPDATEs from a second peer (RFC 7606)"
raw() { nsx node "$PGT_PY" "$PGT_LIB_DIR/bgp_raw.py" --local 10.100.0.3 --remote 10.100.0.1 --as 65003 "$@"; }
raw_route() { pgj show bgp ipv4 | jq -c '.[] | select(.prefix == "192.0.2.0/24")'; }
nsx host ping -n -i 0.05 -c 400 -W 1 10.100.0.2 >"$T/ping.txt" 2>&1 &
ping_pid=$!
raw --hold-after 3 withdraw >"$T/raw-withdraw.json" &
raw_pid=$!
seen_route() { [ -n "$(raw_route)" ]; }
expect "the scripted peer's route 192.0.2.0/24 is accepted" wait_until 10 seen_route
wait $raw_pid || true
wd_json=$(cat "$T/raw-withdraw.json")
tw_ok() {
	echo "$wd_json"
	jq -e '.established and (.closed | not) and .keepalives_after >= 1 and (has("notification") | not)' <<<"$wd_json" >/dev/null &&
		[ -z "$(raw_route)" ] &&
		[ "$(pgj show bgp neighbor 10.100.0.3 | jq .updates_treated_as_withdraw)" -ge 1 ]
}
check "bad ORIGIN: the route is withdrawn (treat-as-withdraw), the session stays up (keepalives)" tw_ok
raw_ready() { pgj show bgp summary | jq -e '.peers[] | select(.neighbor == "10.100.0.3") | .state == "Active"' >/dev/null; }
expect "the scripted peer's session waits for it again (Active) after its back-off" wait_until 15 raw_ready
rs_json=$(raw --hold-after 1 reset || true)
rs_ok() {
	echo "$rs_json"
	jq -e '.established and .notification == [3, 1] and .closed' <<<"$rs_json" >/dev/null
}
check "attribute overrunning the attribute area: NOTIFICATION UPDATE error/malformed attribute list, closed" rs_ok
expect "... and again" wait_until 15 raw_ready
gb_json=$(raw --hold-after 1 garbage || true)
gb_ok() {
	echo "$gb_json"
	jq -e '.notification == [1, 1] and .closed' <<<"$gb_json" >/dev/null
}
check "broken marker: NOTIFICATION header error/connection not synchronized, closed" gb_ok
wait $ping_pid || true
others_ok() {
	grep -E 'transmitted' "$T/ping.txt"
	[ "$(peer | jq -r .state)" = Established ] &&
		grep -Eq ' 0% packet loss' "$T/ping.txt" &&
		pgj show route | jq -e '.routes[] | select(.prefix == "198.51.100.0/24" and .origin == "bgp")' >/dev/null
}
check "meanwhile: GoBGP's session stays Established, its route stays installed, host -> node forwarding lost nothing" others_ok

step "RIB memory"
mem_ok() {
	pgj show bgp memory | jq -c .
	pgj show bgp memory | jq -e '."ipv4-unicast".paths == 2 and .rib_bytes_per_path > 40 and .rib_bytes_per_path < 400 and .rib_bytes > .rib_bytes_per_path' >/dev/null
}
check "show bgp memory reports bytes per path (IPv4: GoBGP's route and our network)" mem_ok

notifs() { G neighbor 10.100.0.1 | awk '/Notifications:/ {print $3}'; }
nr0=$(notifs)
pg_stop_check "peregrine exits cleanly on SIGINT (Cease to the peer)" pe "" ""
cease_seen() {
	G neighbor 10.100.0.1 >"$T/gobgp-neighbor.txt" || return 1
	echo "notifications received by gobgp: $nr0 -> $(awk '/Notifications:/ {print $3}' "$T/gobgp-neighbor.txt")"
	grep -Eiq 'BGP state = (active|idle|connect)' "$T/gobgp-neighbor.txt" &&
		[ "$(awk '/Notifications:/ {print $3}' "$T/gobgp-neighbor.txt")" -gt "$nr0" ]
}
expect "gobgp saw the session go down with our NOTIFICATION (Cease), sent before the ports stopped" wait_until 10 cease_seen
pgt_finish
