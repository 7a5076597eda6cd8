#!/bin/bash
# Peregrine IPIP (IPv4-in-IPv4, Calico IPIP mode) towards a node, routed into VRF red.
#
#  [node] eth0 10.100.0.2/24 ==== pe-up [pe: peregrine] pe-host ==== eth0 [host]
#                                 uplink 10.100.0.1/24            192.168.50.2/24
#                                 vtep 10.100.0.1                 default via 192.168.50.1
#                                 host 192.168.50.1/24 in VRF red
#                                 red: 10.244.1.64/26 via ipip {remote 10.100.0.2}
#                                 tunnels: [{type: ipip, remote: 10.100.0.2, vrf: red}]
#
# This kernel has no ipip device, so the node side is played by tcpdump/tshark (what Peregrine
# encapsulates) and scapy (IPIP packets as the node would send them, addressed to Peregrine's MAC
# learnt by the node kernel's own ARP). No static ARP anywhere.
#
# usage: ipip.sh [clean]     (KEEP=1 leaves the topology up)
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"
pgt_init ip "node pe host" "$@"
need_scapy

POD=10.244.1.66
HOST=192.168.50.2
TAG="pgt-ipip-$$-$RANDOM"
BADTAG="pgt-ipip-unknown-$$-$RANDOM"

step "topology"
topo_node_pe_host
NODE_MAC=$(if_mac node eth0)
HOST_MAC=$(if_mac host eth0)
PE_UP_MAC=$(if_mac pe pe-up)

cat >"$T/pg.yaml" <<EOF
apiVersion: peregrine.io/v1alpha1
kind: Peregrine
metadata: {name: pgt-ipip}
spec:
  dataplane: $PG_DATAPLANE_YAML
  management: {socket: $PG_SOCK}
  vtep: 10.100.0.1
  vrfs: [{name: red}]
  ports:
    - {name: uplink, device: pe-up, driver: $PG_DRIVER, addresses: [10.100.0.1/24]}
    - {name: host, device: pe-host, driver: $PG_DRIVER, vrf: red, addresses: [192.168.50.1/24]}
  tunnels:
    - {type: ipip, remote: 10.100.0.2, vrf: red}
  routes:
    - prefix: 10.244.1.64/26
      vrf: red
      ipip: {remote: 10.100.0.2}
EOF

step "peregrine"
if pg_start pe "$T/pg.yaml"; then pass "peregrine starts (config $T/pg.yaml)"; else
	fail "peregrine starts"
	pgt_finish
fi
cfg_check() {
	pgj show tunnels | jq -e '.tunnels[] | select(.remote == "10.100.0.2" and .ipip == "yes" and .ipip_vrf == "red")' >/dev/null || {
		pgctl show tunnels
		return 1
	}
	pgj show route vrf red | jq -e '.routes[] | select(.prefix == "10.244.1.64/26" and (.nexthop | test("^ipip remote 10.100.0.2")))' >/dev/null || {
		pgctl show route
		return 1
	}
}
check "show tunnels/route: IPIP peer 10.100.0.2 decapsulates into red, 10.244.1.64/26 via ipip" cfg_check
stat_get() { pgj show stats | jq -r "$1"; }

step "encapsulation: host -> pod $POD, captured on the node's eth0"
enc0=$(stat_get .ipip.ipip_encap || echo 0)
cap_start enc node eth0 ip proto 4
# the node has no IPIP device, so nothing answers: only what Peregrine sends matters
nsx host ping -n -c 3 -i 0.3 -W 1 $POD >/dev/null 2>&1 || true
cap_stop enc
enc1=$(stat_get .ipip.ipip_encap || echo 0)
P="$T/enc.pcap"
enc_pkts() {
	local flt="ip.proto#1 == 4 && eth.src == $PE_UP_MAC && eth.dst == $NODE_MAC && ip.src#1 == 10.100.0.1 && ip.dst#1 == 10.100.0.2 && ip.src#2 == $HOST && ip.dst#2 == $POD && icmp.type == 8 && ip.ttl#2 == 63"
	local n all
	n=$(tshark_count "$P" "$flt")
	all=$(tshark_count "$P" "ip.proto#1 == 4")
	echo "$n of $all IPIP packets match"
	[ "$n" -eq 3 ] && [ "$all" -eq 3 ] || {
		tshark_f "$P" "ip" eth.src eth.dst ip.src ip.dst ip.proto ip.ttl icmp.type
		return 1
	}
}
expect "capture: 3 IPIP packets, outer $PE_UP_MAC>$NODE_MAC 10.100.0.1>10.100.0.2 proto 4, inner ICMP echo $HOST>$POD with TTL 63 (host sent 64)" enc_pkts
csum_ok() {
	local good all
	all=$(tshark_count "$P" "ip.proto#1 == 4")
	good=$(tshark -r "$P" -o ip.check_checksum:TRUE -Y 'ip.checksum.status#1 == 1 && ip.checksum.status#2 == 1' 2>/dev/null | wc -l)
	echo "$good of $all IPIP packets with good outer and inner IPv4 header checksums"
	[ "$all" -gt 0 ] && [ "$good" -eq "$all" ]
}
expect "capture: outer and inner IPv4 header checksums valid" csum_ok
expect "show stats: ipip_encap grew by 3" bash -c "echo \"ipip_encap $enc0 -> $enc1\"; [ \$(($enc1 - $enc0)) -eq 3 ]"

step "decapsulation: scapy on the node sends IPIP to Peregrine's MAC (resolved by the node's ARP)"
nsx node ping -n -c 1 -W 3 10.100.0.1 >/dev/null 2>&1 || true
PE_MAC_ARP=$(ip -n "$(ns node)" -j neigh show 10.100.0.1 dev eth0 | jq -r '.[0].lladdr // empty')
arp_ok() {
	ip -n "$(ns node)" neigh show 10.100.0.1 dev eth0
	[ -n "$PE_MAC_ARP" ] && [ "$PE_MAC_ARP" = "$PE_UP_MAC" ] &&
		! ip -n "$(ns node)" neigh show 10.100.0.1 dev eth0 | grep -q PERMANENT
}
expect "node kernel resolved 10.100.0.1 by ARP to Peregrine's uplink MAC" arp_ok
[ -n "$PE_MAC_ARP" ] || PE_MAC_ARP=$PE_UP_MAC
dec0=$(stat_get .ipip.ipip_decap || echo 0)
unk0=$(pg_drop IPIP_UNKNOWN_PEER || echo 0)
cap_start hostrx host eth0 src $POD
cap_start ret node eth0 ip proto 4
check "scapy: 3 ICMP echo + 3 UDP from the known peer 10.100.0.2 (inner TTL 20)" \
	nsx node "$PGT_PY" "$PGT_LIB_DIR/ipip_send.py" eth0 "$PE_MAC_ARP" 10.100.0.2 10.100.0.1 $POD $HOST "$TAG" --ttl 20 --count 3
check "scapy: 3 ICMP echo + 3 UDP from an unknown source 10.100.0.3" \
	nsx node "$PGT_PY" "$PGT_LIB_DIR/ipip_send.py" eth0 "$PE_MAC_ARP" 10.100.0.3 10.100.0.1 $POD $HOST "$BADTAG" --ttl 20 --count 3
sleep 0.5
cap_stop hostrx
cap_stop ret
dec1=$(stat_get .ipip.ipip_decap || echo 0)
unk1=$(pg_drop IPIP_UNKNOWN_PEER || echo 0)
H="$T/hostrx.pcap"
host_rx() {
	local what="$1" flt="$2" n
	n=$(tshark -r "$H" -Y "$flt" 2>/dev/null | wc -l)
	echo "$n $what"
	[ "$n" -eq 3 ] || {
		tshark_f "$H" "ip" eth.src eth.dst ip.src ip.dst ip.ttl icmp.type udp.dstport data.data
		return 1
	}
}
TAGHEX=$(printf '%s' "$TAG" | od -An -tx1 | tr -d ' \n' | sed 's/../&:/g; s/:$//')
BADHEX=$(printf '%s' "$BADTAG" | od -An -tx1 | tr -d ' \n' | sed 's/../&:/g; s/:$//')
L2="eth.src == $(if_mac pe pe-host) && eth.dst == $HOST_MAC && ip.src == $POD && ip.dst == $HOST && ip.ttl == 19 && !(ip.proto == 4)"
expect "host received the 3 decapsulated ICMP echoes: plain IPv4 $POD>$HOST, TTL 19, tagged payload" \
	host_rx "ICMP echoes" "$L2 && icmp.type == 8 && icmp.ident == 0x4747 && data.data == $TAGHEX"
expect "host received the 3 decapsulated UDP datagrams (dport 7777, TTL 19, tagged payload)" \
	host_rx "UDP datagrams" "$L2 && udp.dstport == 7777 && data.data == $TAGHEX"
no_bad() {
	local n
	n=$(tshark -r "$H" -Y "data.data == $BADHEX" 2>/dev/null | wc -l)
	echo "$n packets from the unknown peer reached the host"
	[ "$n" -eq 0 ]
}
expect "nothing from the unknown IPIP source reached the host" no_bad
expect "show stats: ipip_decap grew by 6 (known peer only)" bash -c "echo \"ipip_decap $dec0 -> $dec1\"; [ \$(($dec1 - $dec0)) -eq 6 ]"
expect "show stats: IPIP_UNKNOWN_PEER drops grew by 6" bash -c "echo \"IPIP_UNKNOWN_PEER $unk0 -> $unk1\"; [ \$(($unk1 - $unk0)) -eq 6 ]"
R="$T/ret.pcap"
ret_ok() {
	local n
	n=$(tshark_count "$R" "eth.src == $PE_UP_MAC && ip.src#1 == 10.100.0.1 && ip.dst#1 == 10.100.0.2 && ip.src#2 == $HOST && ip.dst#2 == $POD && icmp.type == 0 && icmp.ident == 0x4747 && ip.ttl#2 == 63")
	echo "$n echo replies came back in IPIP"
	[ "$n" -eq 3 ] || {
		tshark_f "$R" "ip" ip.src ip.dst ip.proto ip.ttl icmp.type icmp.ident
		return 1
	}
}
expect "round trip: the host's 3 echo replies return to the node IPIP-encapsulated (outer 10.100.0.1>10.100.0.2, inner TTL 63)" ret_ok

step "neighbours and drops"
neigh_ok() {
	pgj show neighbors | jq -e --arg p "$1" --arg i "$2" --arg m "$3" \
		'.neighbors[] | select(.port == $p and .ip == $i and .mac == $m and (.state == "reachable" or .state == "probe"))' >/dev/null || {
		pgctl show neighbors
		return 1
	}
	echo "$1 $2 $3"
}
expect "show neighbors: 10.100.0.2 learned dynamically on uplink" neigh_ok uplink 10.100.0.2 "$NODE_MAC"
expect "show neighbors: $HOST learned dynamically on host" neigh_ok host $HOST "$HOST_MAC"
no_bad_drops() {
	local s
	s=$(pgj show stats)
	echo "drops: $(jq -r '[.drops[] | "\(.reason)=\(.packets)"] | if length == 0 then "none" else join(" ") end' <<<"$s")"
	! jq -e '.drops[] | select(.reason | test("^(IPIP_TOO_SHORT|IPIP_INNER|TUNNEL_|NH_INVALID|HEADROOM|MTU_EXCEEDED|IP4_BAD|ETH_NOT_FOR_US)"))' <<<"$s" >/dev/null
}
expect "show stats: no other tunnel/bad-IP drops" no_bad_drops

step "stop"
pg_stop_check "peregrine exits cleanly on SIGINT" pe "pe-up pe-host" "pg-uplink pg-host" 10
pgt_finish
