#!/bin/bash
# EVPN with FRR: an FRR leaf (FRR 8.4 with the kernel's VXLAN, its VRF a network namespace through
# zebra's netns backend) and Peregrine exchange EVPN type-5 routes over eBGP, and the hosts behind
# each side reach each other over the L3VNI (symmetric IRB): routes learned by BGP on both sides,
# VXLAN VNI 5000 on the wire with each side's router MAC, no static routes or FDB entries.
# Over L2VNI 100 (FRR: Linux bridge br100 + vxlan100; Peregrine: a bridged port) they exchange
# type-3 (flood lists) and type-2 (MACs), and two hosts in one subnet ping each other. Peregrine
# routes the L2VNI in VRF red through its anycast gateway 10.10.0.1 (IRB): both L2 hosts reach h2
# behind FRR's VRF, l2b across the L2VNI to Peregrine's gateway and on over the L3VNI.
#
#  [l2b] 10.10.0.20 02:00:00:00:0b:0b ── br100+vxlan100 [frr]   pe-l2 (bridged, L2VNI 100) ── [l2a] 10.10.0.10 02:00:00:00:0a:0a
#                                                                gateway irb100 10.10.0.1/24 in VRF red
#
#  [h2] 192.168.100.10 ── vr-gw [fred: FRR VRF] br5000+vxlan5000 (rmac 02:00:00:00:50:02)
#                                 │ underlay in [frr] eth0 10.100.0.2/24, AS 65002
#                                 ══ pe-up 10.100.0.1/24 [pe: Peregrine AS 65001, VTEP 10.100.0.1]
#                                                          pe-ten (VRF red, L3VNI 5000) ── [tenant] 192.168.60.2
#
# usage: bgp_frr.sh [clean]     (KEEP=1 leaves the topology up)
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"
pgt_init fr "frr fred h2 pe tenant l2a l2b" "$@"
need_tool vtysh "$FRR_D/zebra" "$FRR_D/bgpd"

step "topology"
ns_add frr fred h2 pe tenant l2a l2b
veth frr eth0 pe pe-up
offload_off frr eth0
ip -n "$(ns frr)" addr add 10.100.0.2/24 dev eth0
host_leg tenant pe-ten 192.168.60.2/24 192.168.60.1
# FRR's VRF: the L3VNI's VXLAN device is created in FRR's namespace (its UDP socket stays in the
# underlay) and moved into the VRF namespace with its bridge (the SVI holding the router MAC).
FRED="$(ns fred)"
ip -n "$(ns frr)" link add vxlan5000 type vxlan id 5000 local 10.100.0.2 dstport 4789 nolearning
ip -n "$(ns frr)" link set vxlan5000 netns "$FRED"
ip -n "$FRED" link add br5000 type bridge
ip -n "$FRED" link set br5000 address 02:00:00:00:50:02
ip -n "$FRED" link set vxlan5000 master br5000
ip -n "$FRED" link set vxlan5000 up
ip -n "$FRED" link set br5000 up
veth fred vr-gw h2 eth0
ip -n "$FRED" addr add 192.168.100.1/24 dev vr-gw
ip -n "$(ns h2)" addr add 192.168.100.10/24 dev eth0
ip -n "$(ns h2)" route add default via 192.168.100.1
ip netns exec "$FRED" sysctl -qw net.ipv4.ip_forward=1
# L2VNI 100: FRR's bridge with host l2b; Peregrine's bridged port with host l2a.
FRRNS="$(ns frr)"
ip -n "$FRRNS" link add br100 type bridge
ip -n "$FRRNS" link add vxlan100 type vxlan id 100 local 10.100.0.2 dstport 4789 nolearning
ip -n "$FRRNS" link set vxlan100 master br100
ip -n "$FRRNS" link set vxlan100 up
ip -n "$FRRNS" link set br100 up
veth frr l2b-p l2b eth0
ip -n "$FRRNS" link set l2b-p master br100
ip -n "$(ns l2b)" link set eth0 address 02:00:00:00:0b:0b
ip -n "$(ns l2b)" addr add 10.10.0.20/24 dev eth0
ip -n "$(ns l2b)" route add default via 10.10.0.1
veth pe pe-l2 l2a eth0
offload_off l2a eth0
ip -n "$(ns l2a)" link set eth0 address 02:00:00:00:0a:0a
ip -n "$(ns l2a)" addr add 10.10.0.10/24 dev eth0
ip -n "$(ns l2a)" route add default via 10.10.0.1

cat >"$T/pg.yaml" <<EOF
apiVersion: peregrine.io/v1alpha1
kind: Peregrine
metadata: {name: pgt-bgp-frr}
spec:
  dataplane: $PG_DATAPLANE_YAML
  management: {socket: $PG_SOCK}
  vtep: 10.100.0.1
  vrfs: [{name: red}]
  ports:
    - {name: uplink, device: pe-up, driver: $PG_DRIVER, addresses: [10.100.0.1/24]}
    - {name: tenant, device: pe-ten, driver: $PG_DRIVER, vrf: red, addresses: [192.168.60.1/24]}
    - {name: l2host, device: pe-l2, driver: $PG_DRIVER}
  l3vnis: [{vni: 5000, vrf: red}]
  l2vnis: [{vni: 100, ports: [l2host], vrf: red, gatewayIPs: [10.10.0.1/24], macAgeing: 5}]
  bgp:
    asn: 65001
    holdTime: 9
    neighbors:
      - {address: 10.100.0.2, asn: 65002, families: [l2vpn-evpn], description: frr-leaf, password: "pgt-md5-secret"}
EOF

cat >"$T/frr.conf" <<EOF
frr defaults datacenter
hostname pgt-frr
!
vrf $FRED
 vni 5000
exit-vrf
!
router bgp 65002
 bgp router-id 10.100.0.2
 no bgp default ipv4-unicast
 no bgp ebgp-requires-policy
 neighbor 10.100.0.1 remote-as 65001
 neighbor 10.100.0.1 timers connect 2
 neighbor 10.100.0.1 password pgt-md5-secret
 !
 address-family l2vpn evpn
  neighbor 10.100.0.1 activate
  advertise-all-vni
 exit-address-family
!
router bgp 65002 vrf $FRED
 bgp router-id 10.100.0.2
 no bgp ebgp-requires-policy
 !
 address-family ipv4 unicast
  redistribute connected
 exit-address-family
 !
 address-family l2vpn evpn
  advertise ipv4 unicast
 exit-address-family
!
EOF

step "FRR (zebra -n with VRF $FRED) and Peregrine, TCP-MD5 on the session"
cap_start bgp frr eth0 tcp port 179
if frr_start frr fred; then pass "FRR zebra and bgpd run in namespace $(ns frr)"; else
	fail "FRR starts"
	pgt_finish
fi
frr_vtysh frr -f "$T/frr.conf"
if pg_start pe "$T/pg.yaml"; then pass "peregrine starts"; else
	fail "peregrine starts"
	pgt_finish
fi

l3vni_ok() {
	frr_vtysh frr -c 'show vrf vni'
	frr_vtysh frr -c 'show vrf vni' | grep -Eq "$FRED +5000 +vxlan5000 +br5000 +Up +02:00:00:00:50:02"
}
expect "FRR: L3VNI 5000 up in VRF $FRED with router MAC 02:00:00:00:50:02" wait_until 20 l3vni_ok
est() { pgj show bgp summary | jq -e '.peers[0].state == "Established"' >/dev/null; }
expect "Peregrine: session with FRR Established" wait_until 40 est
frr_est() { frr_vtysh frr -c 'show bgp l2vpn evpn summary json' | jq -e '.peers["10.100.0.1"].state == "Established"' >/dev/null; }
expect "FRR: session with Peregrine Established" wait_until 10 frr_est

md5_ok() {
	cap_stop bgp
	echo "$(tshark_count "$T/bgp.pcap" 'tcp.option_kind == 19') of $(tshark_count "$T/bgp.pcap" 'tcp') segments with the MD5 signature option"
	[ "$(tshark_count "$T/bgp.pcap" 'tcp.len > 0 && !(tcp.option_kind == 19)')" = 0 ] &&
		[ "$(tshark_count "$T/bgp.pcap" 'bgp && tcp.option_kind == 19')" -ge 4 ]
}
expect "every BGP segment both ways carries the TCP MD5 signature option (RFC 2385)" md5_ok
pw_shown() { pgj show bgp neighbor 10.100.0.2 | jq -e '.password == true and (tostring | test("pgt-md5-secret") | not)' >/dev/null; }
check "show bgp neighbor says a password is set, without showing it" pw_shown

step "type-5 both ways"
ours_at_frr() {
	frr_vtysh frr -c 'show bgp l2vpn evpn route type prefix' >"$T/frr-evpn.txt"
	grep -F '192.168.60.0' "$T/frr-evpn.txt"
	frr_vtysh frr -c 'show bgp l2vpn evpn route type prefix json' >"$T/frr-evpn.json"
	grep -q '\[5\]:\[0\]:\[24\]:\[192.168.60.0\]' "$T/frr-evpn.txt"
}
expect "FRR received our [5]:[0]:[24]:[192.168.60.0]" wait_until 20 ours_at_frr
frr_vrf_route() {
	ip -n "$FRED" route show 192.168.60.0/24
	ip -n "$FRED" route show 192.168.60.0/24 | grep -q 'via 10.100.0.1 dev br5000'
}
expect "FRR installed it in its VRF: 192.168.60.0/24 via 10.100.0.1 dev br5000 (onlink)" wait_until 20 frr_vrf_route
frr_rmac() {
	ip -n "$FRED" neigh show 10.100.0.1 dev br5000
	ip -n "$FRED" neigh show 10.100.0.1 dev br5000 | grep -qi 'lladdr 02:50:47:00:13:88'
}
expect "FRR's neighbour for our VTEP carries our router MAC 02:50:47:00:13:88 (from the router-MAC extended community)" wait_until 10 frr_rmac
theirs() {
	pgj show route vrf red | jq -c '.routes[] | select(.prefix == "192.168.100.0/24")'
	pgj show route vrf red | jq -e '.routes[] | select(.prefix == "192.168.100.0/24" and .origin == "bgp") | .nexthop | test("vxlan vtep 10.100.0.2 vni 5000 rmac 02:00:00:00:50:02")' >/dev/null
}
expect "Peregrine imported FRR's 192.168.100.0/24 into VRF red: VXLAN to 10.100.0.2, VNI 5000, rmac 02:00:00:00:50:02" wait_until 20 theirs

step "data path over the L3VNI"
cap_start l3 frr eth0 udp port 4789
check "ping tenant 192.168.60.2 -> h2 192.168.100.10 (Peregrine encapsulates, FRR's kernel decapsulates)" ping_ok tenant 192.168.100.10 5
check "ping h2 192.168.100.10 -> tenant 192.168.60.2 (FRR's kernel encapsulates, Peregrine decapsulates)" ping_ok h2 192.168.60.2 5
cap_stop l3
wire_ok() {
	tshark_f "$T/l3.pcap" vxlan ip.src ip.dst vxlan.vni eth.dst | head -4
	[ "$(tshark_count "$T/l3.pcap" 'vxlan.vni == 5000 && ip.src == 10.100.0.1 && eth.dst == 02:00:00:00:50:02')" -ge 5 ] &&
		[ "$(tshark_count "$T/l3.pcap" 'vxlan.vni == 5000 && ip.src == 10.100.0.2 && eth.dst == 02:50:47:00:13:88')" -ge 5 ]
}
check "on the wire: VNI 5000 both ways, each direction's inner MAC = the other side's router MAC" wire_ok

step "L2VNI 100: type-3 and type-2 both ways, hosts in one subnet over VXLAN"
our_imet() {
	frr_vtysh frr -c 'show bgp l2vpn evpn route type multicast' | grep -F '10.100.0.1' || return 1
	frr_vtysh frr -c 'show bgp l2vpn evpn route type multicast' | grep -q '\[3\]:\[0\]:\[32\]:\[10.100.0.1\]'
}
expect "FRR received our type-3 [3]:[0]:[32]:[10.100.0.1] for VNI 100" wait_until 20 our_imet
frr_her() {
	nsx frr bridge fdb show dev vxlan100 | grep -F 00:00:00:00:00:00 || return 1
	nsx frr bridge fdb show dev vxlan100 | grep -q '00:00:00:00:00:00 dst 10.100.0.1'
}
expect "FRR put our VTEP in its kernel flood list (00:00:00:00:00:00 dst 10.100.0.1)" wait_until 10 frr_her
flood_ok() {
	pgj show l2vni | jq -c '.l2vnis[0]'
	pgj show l2vni | jq -e '.l2vnis[0].vni == 100 and .l2vnis[0].flood_vteps == ["10.100.0.2"] and .l2vnis[0].ports == ["l2host"]' >/dev/null
}
expect "Peregrine: FRR's VTEP 10.100.0.2 in VNI 100's flood list (from its type-3)" wait_until 20 flood_ok
cap_start l2 frr eth0 udp port 4789
check "ping l2a 10.10.0.10 -> l2b 10.10.0.20 across the L2VNI (ARP flooded by ingress replication)" ping_ok l2a 10.10.0.20 5
check "ping l2b 10.10.0.20 -> l2a 10.10.0.10" ping_ok l2b 10.10.0.10 5
cap_stop l2
fdb_ok() {
	pgj show fdb vni 100 | jq -c '.fdb[]'
	pgj show fdb vni 100 | jq -e '[.fdb[] | select(.mac == "02:00:00:00:0a:0a" and .type == "local" and .port == "l2host")] | length == 1' >/dev/null &&
		pgj show fdb vni 100 | jq -e '[.fdb[] | select(.mac == "02:00:00:00:0b:0b" and .type == "remote" and .vtep == "10.100.0.2")] | length == 1' >/dev/null
}
expect "Peregrine's FDB: l2a's MAC local on l2host, l2b's MAC behind 10.100.0.2 (FRR's type-2)" wait_until 10 fdb_ok
frr_mac() {
	frr_vtysh frr -c 'show evpn mac vni 100' | grep -F 02:00:00:00:0a:0a || return 1
	frr_vtysh frr -c 'show evpn mac vni 100 json' | jq -e '.macs["02:00:00:00:0a:0a"].type == "remote" and .macs["02:00:00:00:0a:0a"].remoteVtep == "10.100.0.1"' >/dev/null
}
expect "FRR: l2a's MAC is remote at VTEP 10.100.0.1 (our type-2)" wait_until 10 frr_mac
l2_wire_ok() {
	tshark_f "$T/l2.pcap" vxlan ip.src ip.dst vxlan.vni eth.src eth.dst | head -6
	[ "$(tshark_count "$T/l2.pcap" 'vxlan.vni == 100 && ip.src == 10.100.0.1 && eth.src == 02:00:00:00:0a:0a')" -ge 5 ] &&
		[ "$(tshark_count "$T/l2.pcap" 'vxlan.vni == 100 && ip.src == 10.100.0.2 && eth.src == 02:00:00:00:0b:0b')" -ge 5 ]
}
check "on the wire: VNI 100 both ways carrying the hosts' own frames" l2_wire_ok

step "IRB: Peregrine's anycast gateway 10.10.0.1 routes L2VNI 100 in VRF red"
check "ping l2a -> its gateway 10.10.0.1 (answered by the kernel behind irb100's TAP)" ping_ok l2a 10.10.0.1 3
gw_t5() { frr_vtysh frr -c 'show bgp l2vpn evpn route type prefix' | grep -q '\[5\]:\[0\]:\[24\]:\[10.10.0.0\]'; }
expect "FRR received the gateway subnet [5]:[0]:[24]:[10.10.0.0] as type-5" wait_until 20 gw_t5
check "ping l2a 10.10.0.10 -> h2 192.168.100.10 (routed by our gateway, out over L3VNI 5000)" ping_ok l2a 192.168.100.10 5
check "ping h2 192.168.100.10 -> l2a 10.10.0.10 (L3VNI in, resolved and switched in the bridge domain)" ping_ok h2 10.10.0.10 5
check "ping l2b 10.10.0.20 -> h2 192.168.100.10 (over the L2VNI to our gateway, then the L3VNI)" ping_ok l2b 192.168.100.10 5
check "ping h2 192.168.100.10 -> l2b 10.10.0.20 (our gateway resolves l2b across the L2VNI)" ping_ok h2 10.10.0.20 5
irb_neigh() {
	pgj show neighbors | jq -c '.neighbors[] | select(.port == "irb100")'
	pgj show neighbors | jq -e '[.neighbors[] | select(.port == "irb100" and .state == "reachable") | .ip] | sort == ["10.10.0.10", "10.10.0.20"]' >/dev/null
}
check "show neighbors: both hosts resolved on irb100" irb_neigh
macip() {
	frr_vtysh frr -c 'show bgp l2vpn evpn route type macip' | grep -F '10.10.0.10' || return 1
	frr_vtysh frr -c 'show bgp l2vpn evpn route type macip json' |
		jq -e '[.. | objects | select(.ip? == "10.10.0.10" and .mac? == "02:00:00:00:0a:0a")] | length > 0' >/dev/null
}
expect "FRR received our type-2 MAC/IP for l2a (02:00:00:00:0a:0a, 10.10.0.10: symmetric IRB)" wait_until 20 macip
frr_host() {
	ip -n "$FRED" route show 10.10.0.10
	ip -n "$FRED" route show 10.10.0.10 | grep -q 'via 10.100.0.1 dev br5000'
}
expect "FRR installed the host route 10.10.0.10/32 via our VTEP in its VRF (L3VNI 5000)" wait_until 20 frr_host
ip -n "$(ns l2a)" link set eth0 down
aged() {
	! pgj show fdb vni 100 | jq -e '.fdb[] | select(.mac == "02:00:00:00:0a:0a")' >/dev/null &&
		! frr_vtysh frr -c 'show evpn mac vni 100 json' | jq -e '.macs["02:00:00:00:0a:0a"]' >/dev/null
}
expect "l2a silent: its MAC ages out (macAgeing 5 s) and FRR sees the type-2 withdrawn" wait_until 20 aged
ip -n "$(ns l2a)" link set eth0 up

step "withdrawal: FRR's subnet goes away"
ip -n "$FRED" link set vr-gw down
gone() { ! pgj show route vrf red | jq -e '.routes[] | select(.prefix == "192.168.100.0/24")' >/dev/null; }
expect "Peregrine removed 192.168.100.0/24 from VRF red" wait_until 20 gone
ip -n "$FRED" link set vr-gw up
back() { pgj show route vrf red | jq -e '.routes[] | select(.prefix == "192.168.100.0/24")' >/dev/null; }
expect "... and installs it again when FRR re-announces it" wait_until 20 back

pg_stop_check "peregrine exits cleanly on SIGINT" pe "" ""
frr_down() { frr_vtysh frr -c 'show bgp l2vpn evpn summary json' | jq -e '.peers["10.100.0.1"].state != "Established"' >/dev/null; }
expect "FRR saw the session end" wait_until 10 frr_down
frr_stop frr
pgt_finish
