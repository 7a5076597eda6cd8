#!/bin/bash
# S0: Calico integration over a mixed fabric. Two Kubernetes-like nodes, each with a BIRD "Calico
# node" (AS 64515, its /26 IPAM block) and a pod behind it; node A's PE is Peregrine (OpenPERouter's
# kinds: an Underlay and an L3VNI with a host session, node index 1), node B's PE is FRR with the
# kernel's VXLAN doing what OpenPERouter does with FRR (node index 2); both PEs have the cluster's
# AS 64514 and peer with an FRR spine (AS 64512, eBGP, IPv4 unicast for the VTEPs and L2VPN EVPN);
# an FRR leaf (AS 64520) has VRF red (L3VNI 100) with an external host behind it.
#
#   [poda] 10.244.1.66/32 ─ cali1 [a: node A]                      [b: node B] cali1 ─ [podb] 10.244.2.66/32
#           default via 169.254.1.1   BIRD AS 64515, local 172.18.0.10   BIRD AS 64515 (sourceAddress None)
#           (proxy ARP on cali1)      (bindMode NodeIP)                  host-e-100 192.169.10.4/24
#                                     host-e-100 192.169.10.3/24           ║ veth
#                                       ║ net_tap                        pe-e-100 192.169.10.1/24
#                                     Peregrine AS 64514, VRF red,       [bred: FRR B's VRF red (netns)]
#                                     router ID 10.0.0.2, VTEP            br100 (rmac 02:00:00:00:b1:00)
#                                     100.65.0.1 (announced /32)          + vxlan100 (VNI 100, local 100.65.0.2)
#                                     toswitch1 192.168.11.3/24          [pb: FRR B, AS 64514, router ID
#                                       ║                                 10.0.0.3, lo 100.65.0.2/32]
#                                       ║                                  toswitch1 192.168.12.3/24
#                                       ║                                   ║
#                     192.168.11.2 eth-a [spine: FRR AS 64512] eth-b 192.168.12.2
#                                                  eth-c 192.168.13.2
#                                                   ║
#                                  192.168.13.3 uplink [leaf: FRR AS 64520, lo 100.64.0.100/32]
#                                                  [lred: its VRF red] br100 (rmac 02:00:00:00:c1:00)
#                                                  + vxlan100, vr-gw 192.168.100.1/24 ─ [ext] 192.168.100.10
#   [mgmt] br0 172.18.0.1/24: the nodes' network (mgmt0 172.18.0.10 on A, 172.18.0.11 on B), their
#          default route (Calico's proxy ARP needs one).
#
# The external host sits behind a leaf of its own with VRF red (not behind the spine), so the
# fabric has two kinds of EVPN leaves besides Peregrine: FRR as OpenPERouter configures it (same
# AS as Peregrine: both sides need allowas-in, OpenPERouter renders it for Underlay neighbors) and
# a plain FRR leaf in another AS. The spine only relays (no VNI): EVPN next hops stay the VTEPs.
#
# Node B's BGPPeer differs in one point: sourceAddress None (BIRD connects from the link address).
# FRR, as OpenPERouter configures it, takes the host session only from the host address and its
# VRF has no route to the node address; Peregrine takes it from the node address (node A).
#
# Checks: every session Established (peregrinectl --json, vtysh json, birdc); each node's /26
# reaches the other node's kernel via its PE; Peregrine's type-5 for node A's block at FRR B
# (RT, router MAC, VTEP next hop) and installed in its VRF; pod A <-> pod B and pod A <-> the
# external host ping over VXLAN L3VNI 100 (tshark on the spine: VNI 100, outer addresses the
# VTEPs, inner MACs the router MACs); a TCP transfer pod B -> pod A (md5); BIRD on node A stops:
# node A's block is withdrawn everywhere while the fabric stays up.
#
# usage: s0_calico.sh [clean]     (KEEP=1 leaves the topology up; DEMO=1 prints what each PE saw)
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"
pgt_init s0 "a poda b podb pb bred spine leaf lred ext mgmt" "$@"
need_tool bird birdc vtysh "$FRR_D/zebra" "$FRR_D/bgpd" socat

POD_A=10.244.1.66 BLOCK_A=10.244.1.64/26
POD_B=10.244.2.66 BLOCK_B=10.244.2.64/26
EXT=192.168.100.10 EXT_NET=192.168.100.0/24
VTEP_A=100.65.0.1 VTEP_B=100.65.0.2 VTEP_C=100.64.0.100
RMAC_A=02:50:47:00:00:64 # Peregrine's router MAC for VNI 100 (derived from the VNI)
RMAC_B=02:00:00:00:b1:00 RMAC_C=02:00:00:00:c1:00
BRED="$(ns bred)" LRED="$(ns lred)" # FRR's VRF names: the namespaces' names
demo() { [ "${DEMO:-0}" = 1 ]; }
# show TITLE cmd...: in DEMO mode print a command's output, indented
show() {
	demo || return 0
	local t="$1"
	shift
	printf '\n   -- %s\n' "$t"
	{ "$@" 2>&1 || :; } | sed 's/^/      /' # (a pipeline cut short by head is no failure)
}

step "topology"
ns_add a poda b podb pb bred spine leaf lred ext mgmt
# the nodes' network
ip -n "$(ns mgmt)" link add br0 type bridge
ip -n "$(ns mgmt)" link set br0 up
ip -n "$(ns mgmt)" addr add 172.18.0.1/24 dev br0
for n in a b; do
	veth mgmt "mg-$n" "$n" mgmt0
	ip -n "$(ns mgmt)" link set "mg-$n" master br0
done
ip -n "$(ns a)" addr add 172.18.0.10/24 dev mgmt0
ip -n "$(ns b)" addr add 172.18.0.11/24 dev mgmt0
# Calico-style pods (MTU 1450 as Calico sets it with VXLAN in the path)
calico_pod() { # NODE POD ADDR
	veth "$2" eth0 "$1" cali1
	ip -n "$(ns "$2")" link set eth0 mtu 1450
	ip -n "$(ns "$1")" link set cali1 mtu 1450
	ip -n "$(ns "$2")" addr add "$3/32" dev eth0
	ip -n "$(ns "$2")" route add 169.254.1.1 dev eth0
	ip -n "$(ns "$2")" route add default via 169.254.1.1 dev eth0
	ip netns exec "$(ns "$1")" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.cali1.proxy_arp=1 \
		net.ipv4.neigh.cali1.proxy_delay=0 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
	ip -n "$(ns "$1")" route add "$3/32" dev cali1
	ip -n "$(ns "$1")" route add default via 172.18.0.1
}
calico_pod a poda $POD_A
calico_pod b podb $POD_B
# underlay: node A (Peregrine), FRR B and the leaf on the spine
veth spine eth-a a toswitch1
offload_off spine eth-a
ip -n "$(ns spine)" addr add 192.168.11.2/24 dev eth-a
ip -n "$(ns a)" addr add 192.168.11.3/24 dev toswitch1 # the node's: Peregrine takes it
veth spine eth-b pb toswitch1
ip -n "$(ns spine)" addr add 192.168.12.2/24 dev eth-b
ip -n "$(ns pb)" addr add 192.168.12.3/24 dev toswitch1
veth spine eth-c leaf uplink
ip -n "$(ns spine)" addr add 192.168.13.2/24 dev eth-c
ip -n "$(ns leaf)" addr add 192.168.13.3/24 dev uplink
nsx spine sysctl -qw net.ipv4.ip_forward=1
# an FRR VTEP with VRF red as a namespace: L3VNI 100 = bridge + vxlan (created in the underlay
# namespace, so its UDP socket stays there, then moved into the VRF with its bridge)
frr_vtep() { # ROLE VRF_ROLE VTEP RMAC
	local u v
	u="$(ns "$1")" v="$(ns "$2")"
	ip -n "$u" addr add "$3/32" dev lo
	ip -n "$u" link add vxlan100 type vxlan id 100 local "$3" dstport 4789 nolearning
	ip -n "$u" link set vxlan100 netns "$v"
	ip -n "$v" link add br100 type bridge
	ip -n "$v" link set br100 address "$4"
	ip -n "$v" link set vxlan100 master br100
	ip -n "$v" link set vxlan100 up
	ip -n "$v" link set br100 up
	ip netns exec "$v" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
}
frr_vtep pb bred $VTEP_B $RMAC_B
frr_vtep leaf lred $VTEP_C $RMAC_C
# node B's host leg into FRR B's VRF (OpenPERouter's veth; node index 2: host side .4)
veth b host-e-100 bred pe-e-100
ip -n "$(ns b)" addr add 192.169.10.4/24 dev host-e-100
ip -n "$BRED" addr add 192.169.10.1/24 dev pe-e-100
# the external host behind the leaf's VRF red
veth lred vr-gw ext eth0
ip -n "$LRED" addr add 192.168.100.1/24 dev vr-gw
ip -n "$(ns ext)" link set eth0 mtu 1450
ip -n "$(ns ext)" addr add $EXT/24 dev eth0
ip -n "$(ns ext)" route add default via 192.168.100.1

# Node A's PE: OpenPERouter's kinds (as examples/evpn/calico/openpe.yaml), node index 1, and the
# lab's Peregrine document (memory, management socket, how the Underlay interface attaches)
cat >"$T/pg.yaml" <<OPENPE
apiVersion: network.openperouter.io/v1alpha1
kind: L3VNI
metadata:
  name: red
  namespace: openperouter-system
spec:
  vrf: red
  hostSession:
    asn: 64514
    hostASN: 64515
    localCIDR:
      ipv4: 192.169.10.0/24
  vni: 100
---
apiVersion: network.openperouter.io/v1alpha1
kind: Underlay
metadata:
  name: underlay
  namespace: openperouter-system
spec:
  asn: 64514
  tunnelEndpoint:
    cidrs:
    - 100.65.0.0/24
  interfaces:
    - type: NetworkDevice
      networkDevice:
        interfaceName: toswitch1
  neighbors:
    - asn: 64512
      address: 192.168.11.2
---
apiVersion: peregrine.io/v1alpha1
kind: Peregrine
metadata: {name: lab}
spec:
  dataplane: $PG_DATAPLANE_YAML
  management: {socket: $PG_SOCK}
  ports: [{name: toswitch1, device: toswitch1, driver: $PG_DRIVER}]
OPENPE

# The Calico nodes' BIRD as calico-node renders it for BGPPeer {peerIP 192.169.10.1, asNumber
# 64514, numAllowedLocalASNumbers 5} and BGPConfiguration {asNumber 64515, bindMode NodeIP}.
# node A: source address and listening address the node IP (UseNodeIP, bindMode NodeIP)
pg_calico_bird_conf 172.18.0.10 $BLOCK_A "local 172.18.0.10 as 64515; strict bind yes;" 5 >"$T/bird-a.conf"
# node B: sourceAddress None (the kernel picks the link address; BIRD 2 binds both or neither)
pg_calico_bird_conf 172.18.0.11 $BLOCK_B "local as 64515;" 5 >"$T/bird-b.conf"

# FRR B as OpenPERouter renders it for node index 2 (router ID 10.0.0.3, VTEP 100.65.0.2,
# allowas-in towards the fabric, the host session in the VRF with redistribute connected)
cat >"$T/frr-pb.conf" <<EOF
frr defaults datacenter
hostname pgt-s0-pb
vrf $BRED
 vni 100
exit-vrf
!
router bgp 64514
 bgp router-id 10.0.0.3
 no bgp ebgp-requires-policy
 no bgp network import-check
 no bgp default ipv4-unicast
 neighbor 192.168.12.2 remote-as 64512
 neighbor 192.168.12.2 timers connect 2
 address-family ipv4 unicast
  network $VTEP_B/32
  neighbor 192.168.12.2 activate
  neighbor 192.168.12.2 allowas-in
 exit-address-family
 address-family l2vpn evpn
  neighbor 192.168.12.2 activate
  neighbor 192.168.12.2 allowas-in
  advertise-all-vni
 exit-address-family
!
router bgp 64514 vrf $BRED
 bgp router-id 10.0.0.3
 no bgp ebgp-requires-policy
 no bgp network import-check
 no bgp default ipv4-unicast
 neighbor 192.169.10.4 remote-as 64515
 neighbor 192.169.10.4 timers connect 2
 address-family ipv4 unicast
  redistribute connected
  neighbor 192.169.10.4 activate
 exit-address-family
 address-family l2vpn evpn
  advertise ipv4 unicast
 exit-address-family
!
EOF
cat >"$T/frr-spine.conf" <<EOF
frr defaults datacenter
hostname pgt-s0-spine
router bgp 64512
 bgp router-id 192.168.11.2
 no bgp ebgp-requires-policy
 no bgp default ipv4-unicast
 neighbor 192.168.11.3 remote-as 64514
 neighbor 192.168.12.3 remote-as 64514
 neighbor 192.168.13.3 remote-as 64520
 neighbor 192.168.11.3 timers connect 2
 neighbor 192.168.12.3 timers connect 2
 neighbor 192.168.13.3 timers connect 2
 address-family ipv4 unicast
  neighbor 192.168.11.3 activate
  neighbor 192.168.12.3 activate
  neighbor 192.168.13.3 activate
 exit-address-family
 address-family l2vpn evpn
  neighbor 192.168.11.3 activate
  neighbor 192.168.12.3 activate
  neighbor 192.168.13.3 activate
 exit-address-family
!
EOF
cat >"$T/frr-leaf.conf" <<EOF
frr defaults datacenter
hostname pgt-s0-leaf
vrf $LRED
 vni 100
exit-vrf
!
router bgp 64520
 bgp router-id $VTEP_C
 no bgp ebgp-requires-policy
 no bgp network import-check
 no bgp default ipv4-unicast
 neighbor 192.168.13.2 remote-as 64512
 neighbor 192.168.13.2 timers connect 2
 address-family ipv4 unicast
  network $VTEP_C/32
  neighbor 192.168.13.2 activate
 exit-address-family
 address-family l2vpn evpn
  neighbor 192.168.13.2 activate
  advertise-all-vni
 exit-address-family
!
router bgp 64520 vrf $LRED
 bgp router-id $VTEP_C
 no bgp ebgp-requires-policy
 address-family ipv4 unicast
  redistribute connected
 exit-address-family
 address-family l2vpn evpn
  advertise ipv4 unicast
 exit-address-family
!
EOF
BA() { birdc -s "$T/bird-a.ctl" "$@"; }
BB() { birdc -s "$T/bird-b.ctl" "$@"; }
V() { # ROLE vtysh-command: JSON or text from that FRR
	local r="$1"
	shift
	frr_vtysh "$r" -c "$*"
}

step "the configuration: OpenPERouter's kinds, node index 1"
derived() {
	nsx a "$PG_BIN" --print-config -c "$T/pg.yaml" --node-index 1 >"$T/effective.yaml" || return 1
	grep -E 'routerId|^  vtep|networks|host: |allowAsIn' "$T/effective.yaml"
	grep -q 'routerId: 10.0.0.2' "$T/effective.yaml" && grep -q "^  vtep: $VTEP_A" "$T/effective.yaml" &&
		grep -q 'host: 192.169.10.3/24' "$T/effective.yaml" && grep -q 'allowAsIn: 3' "$T/effective.yaml"
}
check "--print-config: router ID 10.0.0.2, VTEP $VTEP_A, host side 192.169.10.3, allowAsIn 3 towards the fabric" derived
show "Peregrine's configuration: OpenPERouter's L3VNI and Underlay, and a kind: Peregrine document for the lab" cat "$T/pg.yaml"
show "what Peregrine derives for node index 1 (peregrine --print-config, from vtep: on)" \
	bash -c "sed -n '/^  vtep:/,\$p' '$T/effective.yaml' | grep -vE '^ *#|: \[\]\$'"

step "FRR (spine, FRR B, leaf), Peregrine, the nodes' BIRD"
for r in spine pb leaf; do
	case $r in pb) vrf=bred ;; leaf) vrf=lred ;; *) vrf= ;; esac
	# shellcheck disable=SC2086 # no VRF namespace for the spine
	if frr_start $r $vrf; then :; else
		fail "FRR $r starts"
		pgt_finish
	fi
	frr_vtysh $r -f "$T/frr-$r.conf"
	frr_vtysh $r -c 'show running-config' | grep -q '^router bgp' || {
		fail "FRR $r took its configuration"
		pgt_finish
	}
done
pass "FRR zebra + bgpd run and took their configuration: the spine, FRR B (VRF $BRED), the leaf (VRF $LRED)"
if PG_ARGS="--node-index 1" pg_start a "$T/pg.yaml"; then pass "peregrine starts on node A (OpenPERouter's kinds, node index 1)"; else
	fail "peregrine starts"
	pgt_finish
fi
pgt_bg bird-a "bird -f -c $T/bird-a.conf" a bird -f -c "$T/bird-a.conf" -s "$T/bird-a.ctl" -P "$T/bird-a.pidf"
pgt_bg bird-b "bird -f -c $T/bird-b.conf" b bird -f -c "$T/bird-b.conf" -s "$T/bird-b.ctl" -P "$T/bird-b.pidf"

step "sessions"
pg_est() { pgj show bgp neighbor "$1" | jq -e '.state == "Established"' >/dev/null; }
expect "Peregrine: the Underlay's neighbor, the spine 192.168.11.2, Established" wait_until 30 pg_est 192.168.11.2
hs_a() {
	pgj show bgp neighbor 192.169.10.3 | jq -c '{state, local, remote}'
	pgj show bgp neighbor 192.169.10.3 | jq -e '.state == "Established" and (.remote | startswith("172.18.0.10:"))' >/dev/null
}
expect "Peregrine: the host session with node A's BIRD Established (BIRD connected from the node address)" wait_until 30 hs_a
bird_est() { "$1" show protocols Global_192_169_10_1 | tail -n 1 | tee /dev/stderr | grep -q Established; }
expect "birdc (node A): Global_192_169_10_1 Established" wait_until 10 bird_est BA
expect "birdc (node B): Global_192_169_10_1 Established" wait_until 30 bird_est BB
frr_peers() { # ROLE "VRF-clause" AFI PEER...: every PEER Established
	local r="$1" vrf="$2" af="$3" j p
	shift 3
	j=$(V "$r" "show bgp $vrf $af summary json") && [ -n "$j" ] || return 1 # (jq -e passes on no input)
	for p in "$@"; do
		jq -r --arg p "$p" '"\($p): \(.peers[$p].state // "none")"' <<<"$j"
		jq -e --arg p "$p" '.peers[$p].state == "Established"' <<<"$j" >/dev/null || return 1
	done
}
expect "spine (vtysh json): IPv4 unicast with Peregrine, FRR B and the leaf Established" \
	wait_until 30 frr_peers spine "" "ipv4 unicast" 192.168.11.3 192.168.12.3 192.168.13.3
expect "spine (vtysh json): L2VPN EVPN with all three Established" \
	wait_until 10 frr_peers spine "" "l2vpn evpn" 192.168.11.3 192.168.12.3 192.168.13.3
frr_b_up() { frr_peers pb "" "l2vpn evpn" 192.168.12.2 && frr_peers pb "vrf $BRED" "ipv4 unicast" 192.169.10.4; }
expect "FRR B: EVPN with the spine, and the host session in VRF red with node B's BIRD Established" wait_until 20 frr_b_up
expect "leaf: EVPN with the spine Established" wait_until 10 frr_peers leaf "" "l2vpn evpn" 192.168.13.2
show "peregrinectl show bgp summary" pgctl show bgp summary
show "birdc show protocols (node A)" BA show protocols
show "vtysh show bgp l2vpn evpn summary (spine)" V spine show bgp l2vpn evpn summary

step "underlay: the VTEPs reach each other through the spine"
vteps_pg() {
	pgj show route vrf default | jq -c '.routes[] | select(.prefix == "100.65.0.2/32" or .prefix == "100.64.0.100/32") | {prefix, nexthop}'
	pgj show route vrf default | jq -e '[.routes[] | select((.prefix == "100.65.0.2/32" or .prefix == "100.64.0.100/32") and (.nexthop | test("192.168.11.2")))] | length == 2' >/dev/null
}
expect "Peregrine: FRR B's VTEP (AS path 64512 64514: allowAsIn) and the leaf's, via the spine" wait_until 20 vteps_pg
vtep_at_b() { ip -n "$(ns pb)" route show $VTEP_A/32 | tee /dev/stderr | grep -q 'via 192.168.12.2'; }
expect "FRR B's kernel: our VTEP $VTEP_A/32 via the spine (allowas-in)" wait_until 20 vtep_at_b

step "routes: each node's block reaches the other node's kernel through its PE"
block_a_pg() {
	pgj show bgp ipv4 | jq -e --arg p $BLOCK_A '.[] | select(.prefix == $p) | .vrf == "red" and .from == "192.169.10.3"' >/dev/null
}
expect "Peregrine learned node A's $BLOCK_A from BIRD into VRF red" wait_until 20 block_a_pg
frr_t5() { # ROLE PREFIX LEN -> the paths of [5]:[0]:[LEN]:[PREFIX] as one JSON line each
	V "$1" "show bgp l2vpn evpn route type prefix json" |
		jq -c --arg k "[5]:[0]:[$3]:[$2]" '.[]? | objects | .[$k]? // empty | .paths[][]'
}
t5_at_b() {
	local p
	p=$(frr_t5 pb 10.244.1.64 26 | head -n 1)
	[ -n "$p" ] || return 1
	jq -c '{nh: .nexthops[0].ip, ec: .extendedCommunity.string, path: .aspath.string}' <<<"$p"
	jq -e --arg nh $VTEP_A --arg rmac $RMAC_A '.nexthops[0].ip == $nh and
		(.extendedCommunity.string | test("RT:64514:100") and test("ET:8") and test("Rmac:" + $rmac))' <<<"$p" >/dev/null
}
expect "FRR B has our type-5 [5]:[0]:[26]:[10.244.1.64]: next hop our VTEP $VTEP_A, RT 64514:100, VXLAN, our router MAC" wait_until 30 t5_at_b
vrf_route() { # NS PREFIX VIA: the kernel route in a VRF namespace and the router MAC behind VIA
	ip -n "$1" route show "$2" | tee /dev/stderr | grep -q "via $3 dev br100"
}
expect "FRR B installed it in VRF red: $BLOCK_A via $VTEP_A dev br100 (onlink)" wait_until 20 vrf_route "$BRED" $BLOCK_A $VTEP_A
rmac_b() { ip -n "$BRED" neigh show $VTEP_A dev br100 | tee /dev/stderr | grep -qi "lladdr $RMAC_A"; }
expect "FRR B's neighbour entry for our VTEP is our router MAC $RMAC_A" wait_until 10 rmac_b
kernel_has() { # NODE PREFIX: BIRD programmed the node's kernel via the PE
	ip -n "$(ns "$1")" route show "$2" | tee /dev/stderr | grep -q "via 192.169.10.1 dev host-e-100"
}
expect "node B's kernel: $BLOCK_A via 192.169.10.1 dev host-e-100 (BIRD B from FRR B)" wait_until 30 kernel_has b $BLOCK_A
block_b_pg() {
	pgj show route vrf red | jq -c --arg p $BLOCK_B '.routes[] | select(.prefix == $p) | {prefix, nexthop}'
	pgj show route vrf red | jq -e --arg p $BLOCK_B --arg nh "vxlan vtep $VTEP_B vni 100 rmac $RMAC_B" \
		'.routes[] | select(.prefix == $p and .origin == "bgp") | .nexthop | test($nh)' >/dev/null
}
expect "Peregrine: node B's $BLOCK_B in VRF red over VXLAN to $VTEP_B, VNI 100, FRR B's router MAC" wait_until 30 block_b_pg
expect "node A's kernel: $BLOCK_B via 192.169.10.1 dev host-e-100 (BIRD A from Peregrine)" wait_until 30 kernel_has a $BLOCK_B
ext_pg() {
	pgj show route vrf red | jq -e --arg p $EXT_NET --arg nh "vxlan vtep $VTEP_C vni 100 rmac $RMAC_C" \
		'.routes[] | select(.prefix == $p and .origin == "bgp") | .nexthop | test($nh)' >/dev/null
}
expect "Peregrine: the external $EXT_NET in VRF red over VXLAN to the leaf $VTEP_C" wait_until 30 ext_pg
expect "node A's kernel: $EXT_NET via 192.169.10.1 dev host-e-100" wait_until 30 kernel_has a $EXT_NET
expect "the leaf installed $BLOCK_A in its VRF red via our VTEP" wait_until 20 vrf_route "$LRED" $BLOCK_A $VTEP_A
own_back() {
	pgj show bgp neighbor 192.168.11.2 | jq -c '{allowas_in, updates_as_path_loop, updates_own_vtep}'
	pgj show bgp neighbor 192.168.11.2 | jq -e '.allowas_in == 3 and .updates_own_vtep >= 1' >/dev/null &&
		pgj show bgp evpn route-type 5 | jq -e '[.[] | select(.prefix | test("10.244.1.64"))] | length == 1 and .[0].paths == 1 and .[0].from == "local"' >/dev/null
}
expect "our type-5 came back from the spine (allowAsIn 3 lets our AS through) and was not used: next hop our VTEP" wait_until 10 own_back
show "peregrinectl show bgp ipv4: learned from node A's BIRD (VRF red) and from the spine (the VTEPs)" pgctl show bgp ipv4
show "peregrinectl show bgp evpn route-type 5: ours (RD 10.0.0.2:1, local) and the fabric's" pgctl show bgp evpn route-type 5
show "vtysh (FRR B) show bgp l2vpn evpn route type prefix: what Peregrine sent, as FRR sees it" V pb show bgp l2vpn evpn route type prefix
show "birdc (node A) show route protocol Global_192_169_10_1: what Peregrine sent to the node" BA show route protocol Global_192_169_10_1
show "ip route (node A's kernel, programmed by BIRD)" ip -n "$(ns a)" route show proto bird
show "ip route (node B's kernel, programmed by BIRD)" ip -n "$(ns b)" route show proto bird

step "traffic over VXLAN L3VNI 100"
pgj show vni >"$T/vni-before.json"
pgj show interfaces >"$T/if-before.json"
cap_start wire-a spine eth-a udp port 4789
cap_start wire-b spine eth-b udp port 4789
check "ping pod A $POD_A -> pod B $POD_B (Peregrine encapsulates, FRR B's kernel decapsulates)" ping_ok poda $POD_B 5
check "ping pod B $POD_B -> pod A $POD_A" ping_ok podb $POD_A 5
check "ping pod A $POD_A -> external host $EXT (behind the leaf's VRF red)" ping_ok poda $EXT 5
check "ping external host $EXT -> pod A $POD_A" ping_ok ext $POD_A 5
head -c 2097152 /dev/urandom >"$T/data.bin"
SUM=$(md5sum <"$T/data.bin" | cut -d' ' -f1)
tcp_copy() { # SRC_ROLE DST_ROLE DST_IP PORT: 2 MiB with socat, byte count and md5 checked
	local src="$1" dst="$2" ip="$3" port="$4" rc=0 got t0 ms
	rm -f "$T/rx.bin"
	pgt_bg tcp-srv "TCP-LISTEN:$port" "$dst" timeout 30 socat -u "TCP-LISTEN:$port,bind=$ip,reuseaddr" "CREATE:$T/rx.bin"
	wait_until 5 bash -c "ip netns exec $(ns "$dst") ss -Hltn 'sport = :$port' | grep -q LISTEN" || return 1
	t0=$(($(date +%s%N) / 1000000))
	nsx "$src" timeout 30 socat -u "OPEN:$T/data.bin" "TCP:$ip:$port" || rc=$?
	proc_wait tcp-srv 30 || rc=$?
	ms=$(($(date +%s%N) / 1000000 - t0))
	[ "$rc" -eq 0 ] || {
		echo "socat failed ($rc)"
		return 1
	}
	got=$(md5sum <"$T/rx.bin" | cut -d' ' -f1)
	echo "$(stat -c %s "$T/rx.bin") bytes in ${ms} ms, md5 $got"
	[ "$got" = "$SUM" ] && [ "$(stat -c %s "$T/rx.bin")" -eq 2097152 ]
}
expect "TCP pod B -> pod A: 2 MiB with socat across FRR B, the spine and Peregrine, md5 matches" tcp_copy podb poda $POD_A 5001
cap_stop wire-a
cap_stop wire-b
WA="$T/wire-a.pcap" WB="$T/wire-b.pcap"
vx_ab() {
	tshark_f "$WA" 'vxlan && icmp' ip.src ip.dst vxlan.vni eth.dst | head -n 4
	[ "$(tshark_count "$WA" "vxlan.vni == 100 && ip.src == $VTEP_A && ip.dst == $VTEP_B && ip.src == $POD_A && ip.dst == $POD_B && icmp.type == 8 && eth.dst == $RMAC_B")" -ge 5 ] &&
		[ "$(tshark_count "$WA" "vxlan.vni == 100 && ip.src == $VTEP_B && ip.dst == $VTEP_A && ip.src == $POD_B && ip.dst == $POD_A && icmp.type == 0 && eth.dst == $RMAC_A")" -ge 5 ]
}
check "on the wire (spine <-> Peregrine): pod A <-> pod B in VXLAN VNI 100 between $VTEP_A and $VTEP_B, inner MAC the other side's router MAC" vx_ab
vx_b() {
	[ "$(tshark_count "$WB" "vxlan.vni == 100 && ip.src == $VTEP_B && ip.dst == $VTEP_A && ip.src == $POD_B && icmp.type == 8")" -ge 5 ]
}
check "on the wire (spine <-> FRR B): pod B's echo requests leave FRR B's kernel in VNI 100 to $VTEP_A" vx_b
vx_ac() {
	[ "$(tshark_count "$WA" "vxlan.vni == 100 && ip.src == $VTEP_A && ip.dst == $VTEP_C && ip.dst == $EXT && icmp.type == 8 && eth.dst == $RMAC_C")" -ge 5 ] &&
		[ "$(tshark_count "$WA" "vxlan.vni == 100 && ip.src == $VTEP_C && ip.dst == $VTEP_A && ip.src == $EXT && icmp.type == 8 && eth.dst == $RMAC_A")" -ge 5 ]
}
check "on the wire: pod A <-> external host in VNI 100 between $VTEP_A and the leaf $VTEP_C" vx_ac
vx_tcp() {
	local n
	n=$(tshark_count "$WA" "vxlan.vni == 100 && ip.src == $VTEP_B && ip.dst == $VTEP_A && tcp.dstport == 5001")
	echo "$n TCP segments pod B -> pod A in VXLAN"
	[ "$n" -ge 100 ]
}
expect "on the wire: the transfer's TCP segments in VNI 100 from $VTEP_B to $VTEP_A" vx_tcp
pgj show vni >"$T/vni-after.json"
pgj show interfaces >"$T/if-after.json"
vni_moved() {
	jq -c '.' "$T/vni-after.json" | head -c 600
	echo
	jq -n --slurpfile a "$T/vni-before.json" --slurpfile b "$T/vni-after.json" -e '
		def pkts(x): [x | .. | objects | select(.vni? == 100) | to_entries[] | select(.key | test("packets")) | .value] | add // 0;
		pkts($b[0]) > pkts($a[0]) + 20' >/dev/null
}
expect "show vni: VNI 100's packet counters moved" vni_moved
no_bad_drops() {
	local s
	s=$(pgj show stats)
	echo "drops: $(jq -r '[.drops[] | "\(.reason)=\(.packets)"] | if length == 0 then "none" else join(" ") end' <<<"$s")"
	! jq -e '.drops[] | select(.reason | test("^(VXLAN_|TUNNEL_|NH_INVALID|MTU_EXCEEDED|IP4_NO_ROUTE|IP4_BAD)"))' <<<"$s" >/dev/null
}
expect "show stats: no VXLAN/tunnel/no-route/MTU drops" no_bad_drops
show "peregrinectl show route vrf red (the VXLAN next hops resolved through the spine)" pgctl show route vrf red
show "peregrinectl show neighbors" pgctl show neighbors
# shellcheck disable=SC2016 # a jq program
show "counters that moved: show vni (before -> after)" jq -rn --slurpfile a "$T/vni-before.json" --slurpfile b "$T/vni-after.json" '
	$b[0].vnis[] | . as $n | ([$a[0].vnis[] | select(.vni == $n.vni)][0] // {}) as $o |
	"VNI \($n.vni): " + ([to_entries[] | select((.value | type) == "number" and .key != "vni") |
		"\(.key) \($o[.key] // 0) -> \(.value)"] | join(", "))'
# shellcheck disable=SC2016 # a jq program
show "counters that moved: show interfaces (before -> after)" jq -rn --slurpfile a "$T/if-before.json" --slurpfile b "$T/if-after.json" '
	[$a[0].interfaces[] | {key: .name, value: .}] | from_entries as $old |
	$b[0].interfaces[] | . as $n | ($old[$n.name] // {}) as $o |
	[to_entries[] | select((.value | type) == "number" and .value != ($o[.key] // 0)) | "\(.key) \($o[.key] // 0) -> \(.value)"] |
	select(length > 0) | "\($n.name): \(join(", "))"'
# wire FILTER N: the first N VXLAN packets matching FILTER on the spine's link to Peregrine
wire() {
	tshark_f "$WA" "vxlan && $1" ip.src ip.dst vxlan.vni eth.dst frame.len _ws.col.Info | head -n "$2" |
		awk -F'|' '{ split($1, s, ","); split($2, d, ","); split($4, m, ",");
			printf "outer %s > %s  VNI %s  inner %s > %s  to MAC %s  %s bytes  %s\n", s[1], d[1], $3, s[2], d[2], m[2], $5, $6 }'
}
show "tshark on the spine's link to Peregrine: pings in VXLAN (outer = the VTEPs, inner = the pods, inner MAC = the receiver's router MAC)" wire icmp 4
show "tshark: the external host's pings (the leaf's VTEP $VTEP_C)" wire "icmp && ip.addr == $EXT" 2
show "tshark: the TCP transfer pod B -> pod A in VXLAN" wire "tcp.dstport == 5001 && tcp.len > 0" 3

step "withdrawal: BIRD on node A stops"
proc_kill bird-a TERM
gone_pg() {
	local r s
	r=$(pgj show route vrf red) && s=$(pgj show bgp neighbor 192.169.10.3 | jq -r .state) || return 1
	! jq -e --arg p $BLOCK_A '.routes[] | select(.prefix == $p)' <<<"$r" >/dev/null && [ -n "$s" ] && [ "$s" != Established ]
}
expect "Peregrine: the host session is down and $BLOCK_A left VRF red" wait_until 30 gone_pg
no_t5() { # ROLE: node B's type-5 still there, node A's gone
	local j
	j=$(V "$1" "show bgp l2vpn evpn route type prefix json") || return 1
	grep -qF '[5]:[0]:[26]:[10.244.2.64]' <<<"$j" && ! grep -qF '[5]:[0]:[26]:[10.244.1.64]' <<<"$j"
}
expect "the spine no longer has our type-5 for $BLOCK_A" wait_until 30 no_t5 spine
expect "FRR B no longer has it" wait_until 20 no_t5 pb
not_in() { [ -z "$(ip -n "$1" route show "$2")" ]; }
expect "FRR B's VRF red and the leaf's no longer route $BLOCK_A" wait_until 20 bash -c "[ -z \"\$(ip -n $BRED route show $BLOCK_A)\$(ip -n $LRED route show $BLOCK_A)\" ]"
expect "node B's kernel no longer has $BLOCK_A (BIRD B got the withdrawal)" wait_until 30 not_in "$(ns b)" $BLOCK_A
check "pod B no longer reaches pod A" ping_fails podb $POD_A
fabric_up() { pg_est 192.168.11.2 && frr_peers spine "" "l2vpn evpn" 192.168.11.3 192.168.12.3 192.168.13.3; }
check "the fabric sessions stayed up" fabric_up
still_b() { pgj show route vrf red | jq -e --arg p $BLOCK_B '.routes[] | select(.prefix == $p)' >/dev/null; }
check "Peregrine still routes node B's block (only node A's left)" still_b
show "peregrinectl show route vrf red (node A's block gone)" pgctl show route vrf red
show "ip route (node B's kernel: node A's block gone)" ip -n "$(ns b)" route show proto bird

step "stop"
pg_stop_check "peregrine stops on SIGINT" a "" "" 10
if [ "${KEEP:-0}" != 1 ]; then
	hs_gone() { ! ip -n "$(ns a)" link show host-e-100 >/dev/null 2>&1 && ip -n "$(ns a)" -br addr show toswitch1 | grep -q 192.168.11.3/24; }
	check "after exit: host-e-100 gone, toswitch1 keeps the node's address" hs_gone
	proc_kill bird-b TERM
	# (FRR 8.4's zebra may die of SIGSEGV at exit: harmless, the shell's notice is not shown)
	{ for r in leaf pb spine; do frr_stop $r; done; } 2>/dev/null
fi
pgt_finish
