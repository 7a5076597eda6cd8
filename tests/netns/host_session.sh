#!/bin/bash
# Host sessions: the BGP session between Peregrine and the host it runs on (a Kubernetes node
# with Calico's BIRD), in an L3VNI's VRF, the way OpenPERouter's L3VNI hostSession works.
#
#  [pod] eth0 10.244.1.66/32 ==== cali1 [pe: the node's host namespace]
#        default via 169.254.1.1         peregrine AS 64514, BIRD AS 64515 ("Calico node",
#                                        local 172.18.0.10 = the node address on mgmt0)
#                                        host-e-100: 192.169.10.2/24, Peregrine's net_tap
#                                          (Peregrine's side 192.169.10.1, VRF red, L3VNI 100)
#                                        pe-up 10.100.0.1/24 (VTEP) ==== eth0 [fab]
#   [mgmt] eth0 172.18.0.1/24 ==== mgmt0                                     10.100.0.2/24
#                                              gobgpd AS 64512 (EVPN fabric), kernel vxlan100
#                                              (VNI 100, 10.244.2.1/26: the other node's pods)
#
# BIRD connects from the node address (bindMode NodeIP), not from the link: Peregrine takes the
# session in the VRF's namespace whatever its source. The node's block becomes our type-5 to the
# fabric; the fabric's type-5 reaches BIRD as plain IPv4 with us as next hop; the pod pings the
# other node's pods over VXLAN; withdrawals and the session going down clean up both ways.
#
# usage: host_session.sh [clean]     (KEEP=1 leaves the topology up)
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"
pgt_init hs "pe fab mgmt pod" "$@"
need_tool bird birdc gobgpd gobgp

step "topology"
ns_add pe fab mgmt pod
veth mgmt eth0 pe mgmt0
ip -n "$(ns pe)" addr add 172.18.0.10/24 dev mgmt0
ip -n "$(ns mgmt)" addr add 172.18.0.1/24 dev eth0
veth fab eth0 pe pe-up
offload_off fab eth0
ip -n "$(ns fab)" addr add 10.100.0.2/24 dev eth0
# the pod, wired like Calico does it: /32, default via 169.254.1.1, proxy ARP on the host side
veth pod eth0 pe cali1
ip -n "$(ns pod)" addr add 10.244.1.66/32 dev eth0
ip -n "$(ns pod)" route add 169.254.1.1 dev eth0
ip -n "$(ns pod)" route add default via 169.254.1.1 dev eth0
ip netns exec "$(ns pe)" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.cali1.proxy_arp=1 \
	net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
ip -n "$(ns pe)" route add 10.244.1.66/32 dev cali1
ip -n "$(ns pe)" route add default via 172.18.0.1 # the node's own default route (proxy ARP needs one)
# the other node behind the fabric: a kernel VTEP for VNI 100 whose router MAC GoBGP announces
ip -n "$(ns fab)" link add vxlan100 type vxlan id 100 local 10.100.0.2 dstport 4789 nolearning
ip -n "$(ns fab)" link set vxlan100 address 02:00:00:00:aa:01 up
ip -n "$(ns fab)" addr add 10.244.2.1/26 dev vxlan100

cat >"$T/pg.yaml" <<EOF
apiVersion: peregrine.io/v1alpha1
kind: Peregrine
metadata: {name: pgt-host-session}
spec:
  dataplane: $PG_DATAPLANE_YAML
  management: {socket: $PG_SOCK, metrics: "127.0.0.1:9464"}
  vtep: 10.100.0.1
  vrfs: [{name: red}]
  ports:
    - {name: uplink, device: pe-up, driver: $PG_DRIVER, addresses: [10.100.0.1/24]}
  l3vnis: [{vni: 100, vrf: red}]
  bgp:
    asn: 64514
    holdTime: 9
    neighbors: [{address: 10.100.0.2, asn: 64512, families: [ipv4-unicast, l2vpn-evpn]}]
  hostSessions:
    - name: host-e-100
      vrf: red
      hostASN: 64515
      mtu: 1450
      addresses: [{router: 192.169.10.1/24, host: 192.169.10.2/24}]
    - {name: pt-host, hostType: external, addresses: [{router: 192.169.11.1/30, host: 192.169.11.2/30}]}
EOF

# BIRD as calico-node renders it (bird.cfg): one peer, the router's link address; bindMode
# NodeIP (listens and connects from the node address); kernel programming of what it learns.
{
	pg_calico_bird_conf 172.18.0.10 10.244.1.64/26 "local 172.18.0.10 as 64515; strict bind yes;"
	cat <<EOF
protocol static { ipv4; route 10.96.0.10/32 blackhole; }
# the L3Passthrough session (default VRF): a service address
protocol bgp Passthrough {
  local 172.18.0.10 as 64515;
  strict bind yes;
  neighbor 192.169.11.1 as 64514;
  multihop;
  connect delay time 2;
  connect retry time 5;
  ipv4 { gateway recursive; import all; export where net = 10.96.0.10/32; };
}
EOF
} >"$T/bird.conf"

pg_gobgp_fabric_conf 10.100.0.2 10.100.0.1 fast >"$T/gobgp.toml"
G() { nsx fab gobgp -u 127.0.0.1 -p 50051 "$@"; }
B() { birdc -s "$T/bird.ctl" "$@"; }

step "peregrine, BIRD (the node) and GoBGP (the fabric)"
if pg_start pe "$T/pg.yaml"; then pass "peregrine starts with a host session"; else
	fail "peregrine starts"
	pgt_finish
fi
host_if() {
	ip -n "$(ns pe)" -j addr show host-e-100 | jq -c '.[0] | {mtu, operstate, a: [.addr_info[] | select(.family == "inet") | "\(.local)/\(.prefixlen)"]}'
	ip -n "$(ns pe)" -j addr show host-e-100 | jq -e '.[0].mtu == 1450 and ([.[0].addr_info[] | select(.family == "inet") | .local] == ["192.169.10.2"])' >/dev/null
}
check "host-e-100 in the node's namespace: 192.169.10.2/24, MTU 1450" host_if
no_router_addr() { ! ip -n "$(ns pe)" -j addr | jq -e '.[].addr_info[] | select(.local == "192.169.10.1")' >/dev/null; }
check "Peregrine's side (192.169.10.1) is not an address of the node's kernel (its TAP is in the VRF's namespace)" no_router_addr
pgt_bg gobgpd "gobgpd -f $T/gobgp.toml" fab gobgpd -f "$T/gobgp.toml" -p --api-hosts=127.0.0.1:50051 --pprof-disable
pgt_bg bird "bird -f -c $T/bird.conf" pe bird -f -c "$T/bird.conf" -s "$T/bird.ctl" -P "$T/bird.pidf"

hs_peer() { pgj show bgp neighbor 192.169.10.2; }
hs_up() {
	hs_peer | jq -c '{state, local, remote, families}'
	hs_peer | jq -e '.state == "Established" and (.remote | startswith("172.18.0.10:")) and (.local == "192.169.10.1:179") and .families == ["ipv4-unicast"]' >/dev/null
}
expect "host session Established; BIRD connected from the node address 172.18.0.10" wait_until 30 hs_up
bird_up() { B show protocols Global_192_169_10_1 | tail -n 1 | tee /dev/stderr | grep -q Established; }
check "birdc: Established" bird_up
fab_up() { pgj show bgp neighbor 10.100.0.2 | jq -e '.state == "Established"' >/dev/null; }
expect "fabric session (GoBGP) Established" wait_until 30 fab_up

step "the node's block: into VRF red, to the fabric as our type-5"
block_rib() {
	pgj show bgp ipv4 | jq -c '.[]'
	pgj show bgp ipv4 | jq -e '.[] | select(.prefix == "10.244.1.64/26") | .vrf == "red" and .from == "192.169.10.2" and .as_path == "64515"' >/dev/null
}
expect "show bgp ipv4: 10.244.1.64/26 in VRF red from the host session, AS path 64515" wait_until 20 block_rib
block_fib() {
	pgj show route vrf red | jq -e '.routes[] | select(.prefix == "10.244.1.64/26" and .origin == "bgp") | .nexthop | test("via 192.169.10.2 dev host-e-100")' >/dev/null &&
		! pgj show route vrf default | jq -e '.routes[] | select(.prefix == "10.244.1.64/26")' >/dev/null
}
expect "installed in VRF red via the host (192.169.10.2 dev host-e-100), not in the default VRF" wait_until 10 block_fib
t5_out() {
	G global rib -a evpn | tee "$T/gobgp-evpn.txt" | grep -F '10.244.1.64/26' | tee /dev/stderr |
		grep -E '10\.100\.0\.1 +64514 64515 ' | grep -F '64514:100' | grep -F 'VXLAN' | grep -qi "router's mac: 02:50:47:00:00:64"
}
expect "GoBGP has our type-5 10.244.1.64/26: next hop our VTEP 10.100.0.1, AS path 64514 64515 (the node's AS, as FRR), RT 64514:100, VXLAN, our router MAC" wait_until 20 t5_out

step "the fabric's type-5 reaches the node as IPv4 unicast"
G global rib -a evpn add prefix 10.244.2.0/26 gw 0.0.0.0 etag 0 label 100 rd 10.100.0.2:100 rt 64512:100 encap vxlan router-mac 02:00:00:00:aa:01 nexthop 10.100.0.2
fab_fib() { pgj show route vrf red | jq -e '.routes[] | select(.prefix == "10.244.2.0/26") | .nexthop | test("vxlan vtep 10.100.0.2 vni 100")' >/dev/null; }
expect "VRF red: 10.244.2.0/26 over VXLAN to 10.100.0.2, VNI 100" wait_until 20 fab_fib
bird_learned() {
	B show route 10.244.2.0/26 all | tee /dev/stderr | grep -q 'BGP.next_hop: 192.169.10.1' &&
		B show route 10.244.2.0/26 all | grep -q 'BGP.as_path: 64514 64512$'
}
expect "BIRD learned 10.244.2.0/26: next hop 192.169.10.1 (us), AS path 64514 64512 (the fabric's path behind ours)" wait_until 20 bird_learned
kernel_route() { ip -n "$(ns pe)" route show 10.244.2.0/26 | tee /dev/stderr | grep -q 'via 192.169.10.1 dev host-e-100'; }
expect "BIRD programmed the node's kernel: 10.244.2.0/26 via 192.169.10.1 dev host-e-100" wait_until 20 kernel_route
no_echo() { ! B show route 10.244.1.64/26 all | grep -q 'Global_192_169_10_1'; }
check "BIRD did not get its own block back from us" no_echo

step "pod -> the other node's pods over VXLAN"
# the other node's kernel routes our pods back through our router MAC, as Felix would program it
ip -n "$(ns fab)" neigh add 169.254.99.1 lladdr 02:50:47:00:00:64 dev vxlan100
ip -n "$(ns fab)" route add 10.244.1.64/26 via 169.254.99.1 dev vxlan100 onlink
bridge -n "$(ns fab)" fdb append 02:50:47:00:00:64 dev vxlan100 dst 10.100.0.1
cap_start vx fab eth0 udp port 4789
check "pod 10.244.1.66 pings 10.244.2.1 (5 echoes)" ping_ok pod 10.244.2.1 5
cap_stop vx
vx_ok() {
	tshark_f "$T/vx.pcap" 'vxlan.vni == 100 && ip.src == 10.100.0.1 && ip.dst == 10.100.0.2 && icmp.type == 8' | head -n 2
	[ "$(tshark_count "$T/vx.pcap" 'vxlan.vni == 100 && ip.src == 10.100.0.1 && ip.dst == 10.100.0.2 && icmp.type == 8')" -ge 5 ] &&
		[ "$(tshark_count "$T/vx.pcap" 'vxlan.vni == 100 && ip.src == 10.100.0.2 && ip.dst == 10.100.0.1 && icmp.type == 0')" -ge 5 ]
}
check "on the wire: echo requests in VXLAN VNI 100 from our VTEP, replies back to it" vx_ok

step "Prometheus metrics (management.metrics)"
scrape() { nsx pe "$PGT_PY" "$PG_ROOT/tests/netns/prom_scrape.py" http://127.0.0.1:9464/metrics >"$T/metrics.jsonl"; }
check "GET /metrics answers the text format 0.0.4 (every line checked: TYPE before samples, names, escaping, no duplicates)" scrape
m() { jq -r --arg n "$1" "select(.name == \$n)${2:+ | select($2)} | .value" "$T/metrics.jsonl"; }
metrics_ok() {
	local up vx rx drops reasons
	up=$(m peregrine_bgp_peer_up '.labels.peer == "192.169.10.2" and .labels.state == "Established"')
	vx=$(m peregrine_vni_encap_packets_total '.labels.vni == "100" and .labels.type == "L3"')
	rx=$(m peregrine_port_rx_packets_total '.labels.port == "host-e-100" and .labels.vrf == "red"')
	drops=$(m peregrine_drops_total | wc -l)
	reasons=$(pgj show stats all | jq '.drops | length')
	echo "host session up=$up, VNI 100 encap=$vx, host-e-100 rx=$rx, drop reasons $drops/$reasons"
	[ "$up" = 1 ] && [ "${vx%.*}" -ge 5 ] && [ "${rx%.*}" -ge 5 ] && [ "$drops" -eq "$reasons" ]
}
check "metrics: the host session up, VNI 100's encapsulations, host-e-100's packets, every drop reason" metrics_ok
notfound() { nsx pe "$PGT_PY" -c 'import urllib.request, urllib.error, sys
try:
    urllib.request.urlopen("http://127.0.0.1:9464/nope", timeout=5); sys.exit(1)
except urllib.error.HTTPError as e:
    sys.exit(0 if e.code == 404 else 1)'; }
check "any other path: 404" notfound

step "L3Passthrough: the default VRF's host session and the fabric exchange unicast routes"
pt_up() { pgj show bgp neighbor 192.169.11.2 | jq -e '.state == "Established"' >/dev/null; }
expect "passthrough session (pt-host, default VRF) Established" wait_until 30 pt_up
pt_fab() { G global rib -a ipv4 10.96.0.10/32 | tee /dev/stderr | grep -Eq '10\.96\.0\.10/32 +10\.100\.0\.1 +64514 64515 '; }
expect "the host's service /32 reaches the fabric as IPv4 unicast: next hop 10.100.0.1, AS path 64514 64515" wait_until 20 pt_fab
pt_fib() { pgj show route vrf default | jq -e '.routes[] | select(.prefix == "10.96.0.10/32") | .nexthop | test("via 192.169.11.2 dev pt-host")' >/dev/null; }
expect "installed in the default VRF via the host (192.169.11.2 dev pt-host)" wait_until 10 pt_fib
G global rib -a ipv4 add 198.51.100.0/24 nexthop 10.100.0.2
pt_host() {
	B show route 198.51.100.0/24 all | tee /dev/stderr | grep -q 'BGP.next_hop: 192.169.11.1' &&
		! B show route 198.51.100.0/24 all | grep -q 'Global_192_169_10_1'
}
expect "the fabric's 198.51.100.0/24 reaches BIRD over the passthrough session only (next hop 192.169.11.1)" wait_until 20 pt_host
not_back() { ! G global rib -a ipv4 198.51.100.0/24 | grep -q '10\.100\.0\.1 '; }
check "not sent back to the fabric" not_back
G global rib -a ipv4 del 198.51.100.0/24
pt_gone() { ! B show route 198.51.100.0/24 | grep -q 198.51.100.0; }
expect "its withdrawal reaches BIRD" wait_until 20 pt_gone

step "withdrawals"
G global rib -a evpn del prefix 10.244.2.0/26 gw 0.0.0.0 etag 0 label 100 rd 10.100.0.2:100
vrf_has() { pgj show route vrf red | jq -e --arg p "$1" '.routes[] | select(.prefix == $p)' >/dev/null; }
fab_gone() { ! vrf_has 10.244.2.0/26 && ! B show route 10.244.2.0/26 | grep -q '10.244.2.0/26'; }
expect "the fabric withdraws 10.244.2.0/26: gone from VRF red and from BIRD" wait_until 20 fab_gone
proc_kill bird TERM
hs_down() { ! vrf_has 10.244.1.64/26 && [ "$(hs_peer | jq -r .state)" != Established ]; }
expect "BIRD stops: the session is down and its block leaves VRF red" wait_until 30 hs_down
t5_gone() { ! G global rib -a evpn | grep -qF '10.244.1.64/26'; }
expect "our type-5 10.244.1.64/26 is withdrawn at the fabric" wait_until 30 t5_gone
check "the fabric session stayed up throughout" fab_up

step "stop"
pg_stop_check "peregrine stops on SIGINT" pe "" "" 5
gone() { ! ip -n "$(ns pe)" link show host-e-100 >/dev/null 2>&1; }
check "host-e-100 is gone with Peregrine" gone
pgt_finish
