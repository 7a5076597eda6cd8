#!/bin/bash
# Peregrine <-> Calico-style kernel VXLAN (L3VNI 4096), routed into VRF red.
#
#  [pod] eth0 10.244.1.66/32 --- cali1 [node] eth0 10.100.0.2/24 ==== pe-up [pe: peregrine] pe-host ==== eth0 [host]
#        default via 169.254.1.1     vxlan.calico VNI 4096 dstport 4789     uplink 10.100.0.1/24             192.168.50.2/24
#        (proxy-ARP on cali1)        mac 66:00:00:00:02:64, 10.244.1.64/32  vtep 10.100.0.1, VRF default     default via 192.168.50.1
#                                    Felix entries for Peregrine:           host 192.168.50.1/24, VRF red
#                                      neigh 10.244.0.1 lladdr RMAC         L3VNI 4096 -> red, routerMac RMAC
#                                      fdb RMAC dst 10.100.0.1              red: 10.244.1.64/26 via vxlan
#                                      192.168.50.0/24 via 10.244.0.1         {10.100.0.2, 4096, 66:00:00:00:02:64}
#
# 10.244.0.1 stands for Peregrine's VXLAN tunnel address as Felix would know it: it is only the
# key of the permanent neighbour entry that gives the inner destination MAC (Peregrine's router
# MAC); nothing is ever addressed to it. Neither the node/host kernels nor Peregrine have static
# entries for the underlay (10.100.0.0/24) or the host subnet: all of that is resolved by ARP.
#
# usage: vxlan_calico.sh [clean]     (KEEP=1 leaves the topology up)
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"
pgt_init vx "node pe host pod" "$@"
need_scapy

VNI=4096
RMAC=02:00:00:00:40:96          # Peregrine's router MAC for L3VNI 4096
NODE_VMAC=66:00:00:00:02:64     # the node's vxlan.calico MAC (remote router MAC)
PG_TUNIP=10.244.0.1             # Peregrine's tunnel address in the node's Felix entries
POD=10.244.1.66
HOST=192.168.50.2

step "topology"
topo_node_pe_host pod
veth pod eth0 node cali1

# Calico node: vxlan.calico exactly as Felix creates it
N="ip -n $(ns node)"
$N link add vxlan.calico type vxlan id $VNI local 10.100.0.2 dev eth0 dstport 4789 nolearning
$N link set vxlan.calico address $NODE_VMAC mtu 1450
$N addr add 10.244.1.64/32 dev vxlan.calico
$N link set vxlan.calico up
nsx node sysctl -qw net.ipv4.ip_forward=1
# the node's default gateway is the PE (also what makes proxy-ARP for 169.254.1.1 work)
$N route add default via 10.100.0.1 dev eth0
# Calico-style pod
ip -n "$(ns pod)" link set eth0 mtu 1450
ip -n "$(ns pod)" addr add $POD/32 dev eth0
ip -n "$(ns pod)" route add 169.254.1.1 dev eth0 scope link
ip -n "$(ns pod)" route add default via 169.254.1.1 dev eth0
nsx node sysctl -qw net.ipv4.conf.cali1.proxy_arp=1 net.ipv4.neigh.cali1.proxy_delay=0
$N route add $POD/32 dev cali1 scope link
# what Felix programs for a remote VTEP (here: Peregrine)
$N neigh replace $PG_TUNIP lladdr $RMAC dev vxlan.calico nud permanent
bridge -n "$(ns node)" fdb append $RMAC dev vxlan.calico dst 10.100.0.1 self permanent
$N route replace 192.168.50.0/24 via $PG_TUNIP dev vxlan.calico onlink

NODE_MAC=$(if_mac node eth0)
HOST_MAC=$(if_mac host eth0)
PE_UP_MAC=$(if_mac pe pe-up)

cat >"$T/pg.yaml" <<EOF
apiVersion: peregrine.io/v1alpha1
kind: Peregrine
metadata: {name: pgt-vxlan-calico}
spec:
  dataplane: $PG_DATAPLANE_YAML
  management: {socket: $PG_SOCK}
  vtep: 10.100.0.1
  vrfs: [{name: red}]
  ports:
    - {name: uplink, device: pe-up, driver: $PG_DRIVER, addresses: [10.100.0.1/24]}
    - {name: host, device: pe-host, driver: $PG_DRIVER, vrf: red, addresses: [192.168.50.1/24]}
  l3vnis:
    - {vni: $VNI, vrf: red, routerMac: "$RMAC"}
  routes:
    - prefix: 10.244.1.64/26
      vrf: red
      vxlan: {remote: 10.100.0.2, vni: $VNI, routerMac: "$NODE_VMAC"}
EOF

step "peregrine"
if pg_start pe "$T/pg.yaml"; then pass "peregrine starts (config $T/pg.yaml)"; else
	fail "peregrine starts"
	pgt_finish
fi

cfg_check() {
	pgj show vni | jq -e --arg m "$RMAC" '.vnis[] | select(.vni == 4096 and .vrf == "red" and .router_mac == $m)' >/dev/null || {
		pgctl show vni
		return 1
	}
	pgj show route vrf red | jq -e '.routes[] | select(.prefix == "10.244.1.64/26" and (.nexthop | test("vxlan vtep 10.100.0.2 vni 4096 rmac 66:00:00:00:02:64")))' >/dev/null || {
		pgctl show route
		return 1
	}
	pgj show tunnels | jq -e '.tunnels[] | select(.remote == "10.100.0.2" and .vxlan == "yes")' >/dev/null || {
		pgctl show tunnels
		return 1
	}
	[ "$(pgj show neighbors | jq '[.neighbors[] | select(.state == "permanent")] | length')" = 0 ] || {
		pgctl show neighbors
		return 1
	}
}
check "show vni/route/tunnels: L3VNI 4096 -> red rmac $RMAC, 10.244.1.64/26 via vxlan 10.100.0.2, no static neighbours" cfg_check

step "first packet: host -> pod while the underlay next hop 10.100.0.2 is still unresolved"
check "first echo request host -> pod is held during ARP resolution and answered (ping -c1)" \
	nsx host ping -n -c 1 -W 5 $POD

step "ping both ways with a capture on the node's eth0"
vni_before=$(pgj show vni || true)
cap_start vxlan node eth0 udp port 4789
check "ping host $HOST -> pod $POD (5 echoes)" ping_ok host $POD 5
check "ping pod $POD -> host $HOST (5 echoes)" ping_ok pod $HOST 5
cap_stop vxlan
vni_after=$(pgj show vni || true)
P="$T/vxlan.pcap"

vni_delta() {
	local f="$1" min="$2" b a
	b=$(jq -r --arg f "$f" '.vnis[] | select(.vni == 4096) | .[$f]' <<<"$vni_before")
	a=$(jq -r --arg f "$f" '.vnis[] | select(.vni == 4096) | .[$f]' <<<"$vni_after")
	echo "$f $b -> $a (+$((a - b)))"
	[ $((a - b)) -ge "$min" ]
}
expect "show vni: VNI 4096 encap_packets grew by >= 10 (5 requests + 5 replies towards the pod)" vni_delta encap_packets 10
expect "show vni: VNI 4096 decap_packets grew by >= 10" vni_delta decap_packets 10

all_vxlan() {
	local u v
	u=$(tshark_count "$P" 'udp.dstport == 4789')
	v=$(tshark_count "$P" 'vxlan')
	echo "$u UDP/4789 packets, $v decoded as VXLAN"
	[ "$u" -ge 20 ] && [ "$u" -eq "$v" ]
}
expect "capture: every UDP/4789 packet decodes as VXLAN (>= 20 packets)" all_vxlan
bad_vni() {
	local n
	n=$(tshark_count "$P" 'vxlan && !(vxlan.vni == 4096 && vxlan.flag_i == 1)')
	echo "$n packets with another VNI or without the I flag"
	[ "$n" -eq 0 ]
}
expect "capture: VNI 4096 with the I flag on every packet" bad_vni
# count FILTER MIN: at least MIN packets match
count_ge() {
	local n
	n=$(tshark_count "$P" "$1")
	echo "$n packets"
	[ "$n" -ge "$2" ] || {
		tshark -r "$P" -Y "vxlan" -T fields -e eth.src -e eth.dst -e ip.src -e ip.dst -e ip.ttl -e icmp.type 2>/dev/null | head -n 8
		return 1
	}
}
PE2N="vxlan && eth.src#1 == $PE_UP_MAC && eth.dst#1 == $NODE_MAC && ip.src#1 == 10.100.0.1 && ip.dst#1 == 10.100.0.2 && udp.dstport == 4789 && eth.src#2 == $RMAC && eth.dst#2 == $NODE_VMAC"
N2PE="vxlan && eth.src#1 == $NODE_MAC && eth.dst#1 == $PE_UP_MAC && ip.src#1 == 10.100.0.2 && ip.dst#1 == 10.100.0.1 && udp.dstport == 4789 && eth.src#2 == $NODE_VMAC && eth.dst#2 == $RMAC"
expect "capture PE->node: outer $PE_UP_MAC>$NODE_MAC 10.100.0.1>10.100.0.2, inner $RMAC>$NODE_VMAC, echo request $HOST>$POD with TTL 63" \
	count_ge "$PE2N && ip.src#2 == $HOST && ip.dst#2 == $POD && icmp.type == 8 && ip.ttl#2 == 63" 5
expect "capture PE->node: echo replies $HOST>$POD (answers to the pod's pings), inner TTL 63" \
	count_ge "$PE2N && ip.src#2 == $HOST && ip.dst#2 == $POD && icmp.type == 0 && ip.ttl#2 == 63" 5
expect "capture node->PE: outer 10.100.0.2>10.100.0.1, inner $NODE_VMAC>$RMAC, echo replies $POD>$HOST" \
	count_ge "$N2PE && ip.src#2 == $POD && ip.dst#2 == $HOST && icmp.type == 0" 5
expect "capture node->PE: echo requests $POD>$HOST" \
	count_ge "$N2PE && ip.src#2 == $POD && ip.dst#2 == $HOST && icmp.type == 8" 5
no_foreign() {
	local n
	n=$(tshark_count "$P" "vxlan && !(($PE2N) || ($N2PE))")
	echo "$n VXLAN packets with other outer/inner addresses"
	[ "$n" -eq 0 ]
}
expect "capture: no VXLAN packet with other outer addresses or inner MACs" no_foreign
csum_ok() {
	local good all
	all=$(tshark_count "$P" "vxlan && ip.src#1 == 10.100.0.1")
	good=$(tshark -r "$P" -o ip.check_checksum:TRUE -Y 'vxlan && ip.src#1 == 10.100.0.1 && ip.checksum.status#1 == 1 && ip.checksum.status#2 == 1' 2>/dev/null | wc -l)
	echo "$good of $all packets from Peregrine with good outer and inner IPv4 header checksums"
	[ "$all" -gt 0 ] && [ "$good" -eq "$all" ]
}
expect "capture: Peregrine's outer (built) and inner (TTL-decremented) IPv4 checksums are valid" csum_ok

step "TCP through the tunnel"
head -c 4194304 /dev/urandom >"$T/data.bin"
SUM=$(md5sum <"$T/data.bin" | cut -d' ' -f1)
# tcp_copy NAME SRC_ROLE DST_ROLE DST_IP PORT: 4 MiB from SRC to DST with socat, verify content
tcp_copy() {
	local name="$1" src="$2" dst="$3" ip="$4" port="$5" rc=0 got
	rm -f "$T/$name.rx"
	pgt_bg "$name-srv" "TCP-LISTEN:$port" "$dst" timeout 30 socat -u "TCP-LISTEN:$port,bind=$ip,reuseaddr" "CREATE:$T/$name.rx"
	wait_until 5 bash -c "ip netns exec $(ns "$dst") ss -Hltn 'sport = :$port' | grep -q LISTEN" || {
		echo "listener did not start"
		cat "$T/$name-srv.log"
		return 1
	}
	local t0=$(($(date +%s%N) / 1000000))
	nsx "$src" timeout 30 socat -u "OPEN:$T/data.bin" "TCP:$ip:$port" || rc=$?
	proc_wait "$name-srv" 30 || rc=$?
	local ms=$(($(date +%s%N) / 1000000 - t0))
	[ "$rc" -eq 0 ] || {
		echo "socat failed ($rc)"
		cat "$T/$name-srv.log"
		return 1
	}
	got=$(md5sum <"$T/$name.rx" | cut -d' ' -f1)
	echo "$(stat -c %s "$T/$name.rx") bytes in ${ms} ms, md5 $got"
	[ "$got" = "$SUM" ] && [ "$(stat -c %s "$T/$name.rx")" -eq 4194304 ]
}
expect "TCP host -> pod: 4 MiB with socat, received byte count and md5 match" tcp_copy h2p host pod $POD 5001
expect "TCP pod -> host: 4 MiB with socat, received byte count and md5 match" tcp_copy p2h pod host $HOST 5002

# iperf NAME REVERSE: 2 s iperf3 host -> pod (or pod -> host with -R), received bytes > 10 MB
iperf() {
	local name="$1" rev="${2:-}"
	pgt_bg "$name-srv" "iperf3 -s" pod iperf3 -s -1 -B $POD -p 5201
	wait_until 5 bash -c "ip netns exec $(ns pod) ss -Hltn 'sport = :5201' | grep -q LISTEN" || return 1
	nsx host timeout 20 iperf3 -c $POD -p 5201 -t 2 $rev -J >"$T/$name.json" 2>&1 || true
	proc_wait "$name-srv" 10 || true
	local b bps
	b=$(jq -r '.end.sum_received.bytes // 0' "$T/$name.json" 2>/dev/null || echo 0)
	bps=$(jq -r '.end.sum_received.bits_per_second // 0 | . / 1e6 | floor' "$T/$name.json" 2>/dev/null || echo 0)
	echo "$b bytes received, $bps Mbit/s"
	[ "$b" -gt 10000000 ] || {
		jq -r '.error // empty' "$T/$name.json" 2>/dev/null
		return 1
	}
}
expect "iperf3 -t 2 host -> pod" iperf ip-h2p
expect "iperf3 -t 2 pod -> host (-R)" iperf ip-p2h -R

step "IPv4 fragments in transit: host -> pod, 2 fragments of 504 bytes, captured in the pod"
FRAG_ID=$((20000 + RANDOM % 10000))
GW_MAC=$(ip -n "$(ns host)" -j neigh show 192.168.50.1 dev eth0 | jq -r '.[0].lladdr // empty')
cap_start frag pod eth0 icmp or "ip[6:2] & 0x3fff != 0"
check "scapy: ICMP echo (1000 bytes) sent as 2 fragments to $POD" \
	nsx host "$PGT_PY" "$PGT_LIB_DIR/frag_send.py" eth0 "${GW_MAC:-$(if_mac pe pe-host)}" $HOST $POD $FRAG_ID 1000 504
sleep 0.5
cap_stop frag
F="$T/frag.pcap"
frag_reply() {
	local n
	n=$(tshark_count "$F" "ip.src == $POD && ip.dst == $HOST && icmp.type == 0 && icmp.ident == 0x4242")
	echo "$n echo replies from the pod"
	[ "$n" -ge 1 ]
}
expect "the pod received the fragmented echo and replied" frag_reply
frag_kept() {
	local n
	tshark_f "$F" "ip.id == $FRAG_ID" frame.len ip.len ip.flags.mf ip.frag_offset ip.ttl | sed 's/^/frame.len|ip.len|mf|offset|ttl: /'
	n=$(tshark_count "$F" "ip.id == $FRAG_ID && (ip.flags.mf == 1 || ip.frag_offset > 0) && ip.ttl == 62")
	[ "$n" -eq 2 ]
}
check "routers forward fragments as they are: the pod got 2 fragments with IP id $FRAG_ID (TTL 62 after Peregrine and the node), not one reassembled packet" frag_kept

step "neighbours"
neigh_ok() {
	local port="$1" ip="$2" mac="$3" j
	j=$(pgj show neighbors)
	jq -e --arg p "$port" --arg i "$ip" --arg m "$mac" \
		'.neighbors[] | select(.port == $p and .ip == $i and .mac == $m and (.state == "reachable" or .state == "probe"))' <<<"$j" >/dev/null || {
		pgctl show neighbors
		return 1
	}
	jq -r --arg i "$ip" '.neighbors[] | select(.ip == $i) | "\(.port) \(.ip) \(.mac) \(.state)"' <<<"$j"
}
expect "show neighbors: underlay 10.100.0.2 on uplink learned dynamically with the node's MAC" neigh_ok uplink 10.100.0.2 "$NODE_MAC"
expect "show neighbors: host $HOST on host learned dynamically with the host's MAC" neigh_ok host $HOST "$HOST_MAC"
arp_stats() {
	local s
	s=$(pgj show stats)
	jq -r '.neighbor | "arp_requests_sent=\(.arp_requests_sent) learned=\(.learned) kernel_learned=\(.kernel_learned) failed=\(.failed)"' <<<"$s"
	if [ "$EXC" = xdp ]; then
		# exception: xdp: the kernel on the port's interface resolves, Peregrine follows it
		jq -e '.neighbor.arp_requests_sent == 0 and .neighbor.kernel_learned >= 2 and .neighbor.learned >= 2' <<<"$s" >/dev/null
	else
		jq -e '.neighbor.arp_requests_sent >= 1 and .neighbor.learned >= 2' <<<"$s" >/dev/null
	fi
}
EXC=$(pgj show interfaces | jq -r '.interfaces[0].exception')
if [ "$EXC" = xdp ]; then
	expect "show stats: the kernel resolved the neighbours (exception: xdp), Peregrine learned >= 2" arp_stats
else
	expect "show stats: Peregrine sent ARP requests and learned >= 2 neighbours" arp_stats
fi
kernel_dynamic() {
	local a b
	a=$(ip -n "$(ns node)" neigh show 10.100.0.1 dev eth0)
	b=$(ip -n "$(ns host)" neigh show 192.168.50.1 dev eth0)
	echo "node: $a; host: $b"
	[ -n "$a" ] && [ -n "$b" ] && ! grep -q PERMANENT <<<"$a$b" &&
		grep -qi "$PE_UP_MAC" <<<"$a" && grep -qi "$(if_mac pe pe-host)" <<<"$b"
}
expect "node/host kernels resolved 10.100.0.1/192.168.50.1 by ARP (answered by the kernel behind exception path '$EXC', not static)" kernel_dynamic

step "drop counters"
no_bad_drops() {
	local s
	s=$(pgj show stats)
	echo "drops: $(jq -r '[.drops[] | "\(.reason)=\(.packets)"] | if length == 0 then "none" else join(" ") end' <<<"$s")"
	! jq -e '.drops[] | select(.reason | test("^(VXLAN_|TUNNEL_|NH_INVALID|HEADROOM|MTU_EXCEEDED|IP4_NO_ROUTE|IP4_BAD|ETH_NOT_FOR_US)"))' <<<"$s" >/dev/null
}
expect "show stats: no VXLAN/tunnel/no-route/bad-IP drops" no_bad_drops

if [ "${DEMO:-0}" = 1 ]; then
	step "what Peregrine saw (peregrinectl)"
	for c in "show interfaces" "show vni" "show route vrf red" "show neighbors" "show stats"; do
		printf '\n$ peregrinectl %s\n' "$c"
		pgctl $c
	done
	echo
fi

step "stop"
pg_stop_check "peregrine exits cleanly on SIGINT" pe "pe-up pe-host" "pg-uplink pg-host" 10
pgt_finish
