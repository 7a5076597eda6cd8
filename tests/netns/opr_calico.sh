#!/bin/bash
# OpenPERouter's Calico example, unchanged, on Peregrine: examples/evpn/calico/openpe.yaml of
# OpenPERouter (an L3VNI with a host session, an Underlay) as node 1 of a cluster, plus a small
# kind: Peregrine document for the lab (hugepages off, memory, management socket).
#
#  [pod] eth0 10.244.1.66/32 ==== cali1 [pe: the node]
#                                   peregrine --node-index 1: router ID 10.0.0.2, VTEP 100.65.0.1,
#                                   host-e-100 192.169.10.3/24 (Peregrine's side 192.169.10.1)
#                                   BIRD AS 64515 as Calico's BGPPeer/BGPConfiguration of the
#                                   example render it (peerIP 192.169.10.1, bindMode NodeIP)
#   [mgmt] eth0 172.18.0.1 ==== mgmt0 172.18.0.10 (node address)
#                                   toswitch1 192.168.11.3/24 (the kernel's: Peregrine takes it)
#                                       ==== eth0 [fab] 192.168.11.2/24: gobgpd AS 64512,
#                                            kernel vxlan100 (VNI 100, 10.244.2.1/26)
#
# usage: opr_calico.sh [clean]     (KEEP=1 leaves the topology up)
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"
pgt_init oc "pe fab mgmt pod" "$@"
need_tool bird birdc gobgpd gobgp

step "topology"
ns_add pe fab mgmt pod
veth mgmt eth0 pe mgmt0
ip -n "$(ns pe)" addr add 172.18.0.10/24 dev mgmt0
ip -n "$(ns mgmt)" addr add 172.18.0.1/24 dev eth0
veth fab eth0 pe toswitch1
offload_off fab eth0
ip -n "$(ns fab)" addr add 192.168.11.2/24 dev eth0
ip -n "$(ns pe)" addr add 192.168.11.3/24 dev toswitch1 # the node's underlay address
veth pod eth0 pe cali1
ip -n "$(ns pod)" addr add 10.244.1.66/32 dev eth0
ip -n "$(ns pod)" route add 169.254.1.1 dev eth0
ip -n "$(ns pod)" route add default via 169.254.1.1 dev eth0
ip netns exec "$(ns pe)" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.cali1.proxy_arp=1 \
	net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
ip -n "$(ns pe)" route add 10.244.1.66/32 dev cali1
ip -n "$(ns pe)" route add default via 172.18.0.1
ip -n "$(ns fab)" link add vxlan100 type vxlan id 100 local 192.168.11.2 dstport 4789 nolearning
ip -n "$(ns fab)" link set vxlan100 address 02:00:00:00:bb:01 up
ip -n "$(ns fab)" addr add 10.244.2.1/26 dev vxlan100

# OpenPERouter's examples/evpn/calico/openpe.yaml as it is, then the lab's Peregrine document
cat >"$T/pg.yaml" <<'OPENPE'
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
OPENPE
cat >>"$T/pg.yaml" <<LAB
---
apiVersion: peregrine.io/v1alpha1
kind: Peregrine
metadata: {name: lab}
spec:
  dataplane: $PG_DATAPLANE_YAML
  management: {socket: $PG_SOCK}
LAB

# Calico's BGPPeer (peerIP 192.169.10.1, asNumber 64514, numAllowedLocalASNumbers 5) and
# BGPConfiguration (asNumber 64515, bindMode NodeIP) as calico-node renders them for BIRD
pg_calico_bird_conf 172.18.0.10 10.244.1.64/26 "local 172.18.0.10 as 64515; strict bind yes;" 5 >"$T/bird.conf"

pg_gobgp_fabric_conf 192.168.11.2 192.168.11.3 >"$T/gobgp.toml"
G() { nsx fab gobgp -u 127.0.0.1 -p 50051 "$@"; }

step "the configuration: OpenPERouter's kinds, node index 1"
check "peregrine --check accepts it" nsx pe "$PG_BIN" --check -c "$T/pg.yaml" --node-index 1
derived() {
	nsx pe "$PG_BIN" --print-config -c "$T/pg.yaml" --node-index 1 >"$T/effective.yaml" || return 1
	grep -E 'routerId|^  vtep|networks|host: ' "$T/effective.yaml"
	grep -q 'routerId: 10.0.0.2' "$T/effective.yaml" && grep -q '^  vtep: 100.65.0.1' "$T/effective.yaml" &&
		grep -q 'host: 192.169.10.3/24' "$T/effective.yaml" && grep -q 'networks: \[100.65.0.1/32\]' "$T/effective.yaml"
}
check "--print-config: router ID 10.0.0.2, VTEP 100.65.0.1 (announced as a /32), host side 192.169.10.3 (OpenPERouter's ipam)" derived

step "peregrine, BIRD and GoBGP"
if PG_ARGS="--node-index 1" pg_start pe "$T/pg.yaml"; then pass "peregrine starts on the OpenPERouter file"; else
	fail "peregrine starts"
	pgt_finish
fi
pgt_bg gobgpd "gobgpd -f $T/gobgp.toml" fab gobgpd -f "$T/gobgp.toml" -p --api-hosts=127.0.0.1:50051 --pprof-disable
pgt_bg bird "bird -f -c $T/bird.conf" pe bird -f -c "$T/bird.conf" -s "$T/bird.ctl" -P "$T/bird.pidf"

host_if() { ip -n "$(ns pe)" -br addr show host-e-100 | tee /dev/stderr | grep -q '192.169.10.3/24'; }
check "host-e-100 in the node's namespace with 192.169.10.3/24" host_if
fab_up() { pgj show bgp neighbor 192.168.11.2 | jq -e '.state == "Established"' >/dev/null; }
expect "the Underlay's neighbor 192.168.11.2 (GoBGP) Established" wait_until 30 fab_up
hs_up() { pgj show bgp neighbor 192.169.10.3 | jq -e '.state == "Established"' >/dev/null; }
expect "the L3VNI's host session with BIRD Established" wait_until 30 hs_up
vtep_out() { G global rib -a ipv4 100.65.0.1/32 | tee /dev/stderr | grep -Eq '100\.65\.0\.1/32 +192\.168\.11\.3 +64514 '; }
expect "GoBGP has our VTEP 100.65.0.1/32 (next hop 192.168.11.3)" wait_until 20 vtep_out
t5_out() {
	G global rib -a evpn | grep -F '10.244.1.64/26' | tee /dev/stderr | grep -E '100\.65\.0\.1 +64514 ' | grep -F '64514:100' | grep -qF VXLAN
}
expect "BIRD's block 10.244.1.64/26 reaches GoBGP as our type-5: next hop the VTEP 100.65.0.1, RT 64514:100" wait_until 20 t5_out

step "the other node's pods"
G global rib -a evpn add prefix 10.244.2.0/26 gw 0.0.0.0 etag 0 label 100 rd 192.168.11.2:100 rt 64512:100 encap vxlan router-mac 02:00:00:00:bb:01 nexthop 192.168.11.2
kernel_route() { ip -n "$(ns pe)" route show 10.244.2.0/26 | tee /dev/stderr | grep -q 'via 192.169.10.1 dev host-e-100'; }
expect "BIRD learned 10.244.2.0/26 from us and programmed the node: via 192.169.10.1 dev host-e-100" wait_until 30 kernel_route
rmac=$(G global rib -a evpn | grep -F '10.244.1.64/26' | grep -oiE "router's mac: [0-9a-f:]+" | awk '{print $3}')
say "our router MAC for VNI 100: $rmac"
ip -n "$(ns fab)" route add 100.65.0.1/32 via 192.168.11.3
ip -n "$(ns fab)" neigh add 169.254.99.1 lladdr "$rmac" dev vxlan100
ip -n "$(ns fab)" route add 10.244.1.64/26 via 169.254.99.1 dev vxlan100 onlink
bridge -n "$(ns fab)" fdb append "$rmac" dev vxlan100 dst 100.65.0.1
cap_start vx fab eth0 udp port 4789
check "pod 10.244.1.66 pings 10.244.2.1 over VXLAN (5 echoes)" ping_ok pod 10.244.2.1 5
cap_stop vx
vx_ok() {
	[ "$(tshark_count "$T/vx.pcap" 'vxlan.vni == 100 && ip.src == 100.65.0.1 && ip.dst == 192.168.11.2 && icmp.type == 8')" -ge 5 ]
}
check "on the wire: VXLAN VNI 100 from our VTEP 100.65.0.1" vx_ok

step "live reload of the unchanged OpenPERouter file"
reload_same() {
	pgctl --json reload | tee "$T/reload.json" | jq -c .data
	jq -e '.ok and .data.routes_added == 0 and .data.routes_removed == 0 and .data.networks_added == 0' "$T/reload.json" >/dev/null
}
check "peregrinectl reload: accepted, nothing to change (toswitch1's kernel address is not a difference)" reload_same

step "stop"
pg_stop_check "peregrine stops on SIGINT" pe "" "" 5
gone() { ! ip -n "$(ns pe)" link show host-e-100 >/dev/null 2>&1 && ip -n "$(ns pe)" -br addr show toswitch1 | grep -q 192.168.11.3/24; }
check "after exit: host-e-100 gone, toswitch1 keeps its address" gone
pgt_finish
