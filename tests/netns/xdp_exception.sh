#!/bin/bash
# AF_XDP ports with the kernel as exception path (exception: xdp, the default for driver af_xdp):
# Peregrine's XDP program passes ARP/ND and traffic to the port's addresses to the port's own
# Linux interface (which Peregrine gives those addresses) and redirects the rest to Peregrine.
# No TAP. Next hops are resolved by the kernel (rtnetlink) — no static ARP anywhere.
#
#  [node] eth0 10.100.0.2/24 ==== pe-up [pe: peregrine, AF_XDP] pe-host ==== eth0 [host]
#         fd00:100::2/64            uplink 10.100.0.1/24               host 192.168.50.1/24
#         192.168.50.0/24 via       fd00:100::1/64                     fd00:50::1/64
#         10.100.0.1                socat echo on 10.100.0.1:179       192.168.50.2/24, fd00:50::2/64
#
# usage: xdp_exception.sh [clean]     (KEEP=1 leaves the topology up)
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"
pgt_init xdp "node pe host" "$@"
need_tool socat

HOST=192.168.50.2
BGP_PORT=179

step "topology"
topo_node_pe_host
ip -n "$(ns node)" addr add fd00:100::2/64 dev eth0 nodad
ip -n "$(ns node)" route add 192.168.50.0/24 via 10.100.0.1
ip -n "$(ns node)" route add fd00:50::/64 via fd00:100::1
ip -n "$(ns host)" addr add fd00:50::2/64 dev eth0 nodad
ip -n "$(ns host)" route add default via fd00:50::1

cat >"$T/pg.yaml" <<EOF
apiVersion: peregrine.io/v1alpha1
kind: Peregrine
metadata: {name: pgt-xdp}
spec:
  dataplane: $PG_DATAPLANE_YAML
  management: {socket: $PG_SOCK}
  ports:
    - {name: uplink, device: pe-up, driver: af_xdp, addresses: [10.100.0.1/24, "fd00:100::1/64"]}
    - {name: host, device: pe-host, driver: af_xdp, exception: xdp, addresses: [192.168.50.1/24, "fd00:50::1/64"]}
EOF

step "peregrine"
if pg_start pe "$T/pg.yaml"; then pass "peregrine starts (config $T/pg.yaml)"; else
	fail "peregrine starts"
	pgt_finish
fi
xdp_ok() {
	local d
	pgj show interfaces | jq -c '.interfaces[] | {name, driver, exception, tap}'
	for d in pe-up pe-host; do
		ip -n "$(ns pe)" -d link show "$d" | grep -E -o 'prog/xdp id [0-9]+( name [a-z_]+)?' || return 1
	done
	[ "$(pgj show interfaces | jq '[.interfaces[] | select(.exception == "xdp" and .tap == "none")] | length')" = 2 ]
}
check "both ports: af_xdp with Peregrine's XDP program attached, exception path xdp, no TAP" xdp_ok
addrs_ok() {
	ip -n "$(ns pe)" -br addr show pe-up
	ip -n "$(ns pe)" -br addr show pe-host
	ip -n "$(ns pe)" -br addr show pe-up | grep -q '10.100.0.1/24' &&
		ip -n "$(ns pe)" -br addr show pe-up | grep -q 'fd00:100::1/64' &&
		ip -n "$(ns pe)" -br addr show pe-host | grep -q '192.168.50.1/24'
}
check "the ports' addresses are on their own Linux interfaces" addrs_ok

stats() { pgj show stats; }
step "traffic to the router: the kernel answers on the interface, Peregrine never sees it"
s0=$(stats)
check "ping node -> 10.100.0.1 (5 echoes)" ping_ok node 10.100.0.1 5
check "ping host -> 192.168.50.1 (5 echoes)" ping_ok host 192.168.50.1 5
check "ping node -> fd00:100::1 (5 echoes, ND by the kernel)" ping_ok node fd00:100::1 5
s1=$(stats)
no_punt() {
	local k
	for k in control resolve other; do
		echo "punted.$k $(jq .punted.$k <<<"$s0") -> $(jq .punted.$k <<<"$s1")"
	done
	[ "$(jq '.punted.control + .punted.other' <<<"$s1")" = "$(jq '.punted.control + .punted.other' <<<"$s0")" ]
}
expect "show stats: nothing was punted (ARP, ND and the echoes went straight to the kernel)" no_punt

step "forwarding through Peregrine, next hops resolved by the kernel"
check "ping node -> host $HOST (5 echoes)" ping_ok node $HOST 5
check "ping host -> node 10.100.0.2 (5 echoes)" ping_ok host 10.100.0.2 5
check "ping node -> host fd00:50::2 (5 echoes)" ping_ok node fd00:50::2 5
neigh_ok() {
	pgctl show neighbors
	local ip
	for ip in 10.100.0.2 192.168.50.2 fd00:50::2; do
		pgj show neighbors | jq -e --arg ip "$ip" '.neighbors[] | select(.ip == $ip and (.state == "reachable" or .state == "probe"))' >/dev/null || return 1
	done
}
check "show neighbors: 10.100.0.2, 192.168.50.2 and fd00:50::2 resolved" neigh_ok
kernel_ok() {
	local n
	n=$(stats | jq -c '.neighbor')
	echo "$n"
	[ "$(jq .kernel_learned <<<"$n")" -gt 0 ] && [ "$(jq .arp_requests_sent <<<"$n")" = 0 ] &&
		[ "$(jq .ns_sent <<<"$n")" = 0 ]
}
expect "show stats: learned from the kernel's neighbour table, no ARP/NS built by Peregrine" kernel_ok
fwd_ok() {
	local b
	b=$(pgj show interfaces | jq -c '[.interfaces[] | {name, rx_packets, tx_packets, punted}]')
	echo "$b"
	[ "$(pgj show interfaces | jq '[.interfaces[] | select(.rx_packets >= 10 and .tx_packets >= 10)] | length')" = 2 ]
}
expect "show interfaces: both ports received and sent the forwarded echoes" fwd_ok

step "TCP through Peregrine and to the router"
pgt_bg echo-host "TCP-LISTEN:5001" host socat "TCP-LISTEN:5001,bind=$HOST,reuseaddr" PIPE
pgt_bg echo-pe "TCP-LISTEN:$BGP_PORT" pe socat "TCP-LISTEN:$BGP_PORT,bind=10.100.0.1,reuseaddr" PIPE
wait_until 5 bash -c "ip netns exec $(ns host) ss -Hltn 'sport = :5001' | grep -q LISTEN && ip netns exec $(ns pe) ss -Hltn 'sport = :$BGP_PORT' | grep -q LISTEN" ||
	fail "echo servers did not start"
tcp_echo() {
	local dst="$1" port="$2" out
	out=$(nsx node "$PGT_PY" "$PGT_LIB_DIR/tcp_echo_client.py" "$dst" "$port" 20 0 --interval 0.02 --timeout 10 2>&1)
	local rc=$?
	printf '%s\n' "$out" | tail -n 1
	return $rc
}
check "TCP node -> $HOST:5001 (forwarded): 20 lines echoed intact" tcp_echo $HOST 5001
check "TCP node -> 10.100.0.1:$BGP_PORT (the kernel on pe-up, like a BGP session): 20 lines echoed intact" tcp_echo 10.100.0.1 $BGP_PORT

step "stop"
pg_stop_check "peregrine stops on SIGINT" pe "pe-up pe-host" "" 5
cleanup_ok() {
	local d left=""
	for d in pe-up pe-host; do
		ip -n "$(ns pe)" -d link show "$d" | grep -q 'prog/xdp' && left+=" xdp:$d"
	done
	ip -n "$(ns pe)" -br addr show pe-up | grep -q '10.100.0.1' && left+=" 10.100.0.1"
	ip -n "$(ns pe)" -br addr show pe-host | grep -q '192.168.50.1' && left+=" 192.168.50.1"
	echo "left:${left:- nothing}"
	[ -z "$left" ]
}
[ "${KEEP:-0}" = 1 ] || check "after exit: XDP programs detached, the addresses Peregrine added removed" cleanup_ok
[ "${KEEP:-0}" = 1 ] && pgt_finish

step "driver auto: AF_XDP where it attaches, libpcap + TAP where another XDP program holds the interface"
ip -n "$(ns pe)" link set dev pe-host xdpgeneric obj "$PG_BUILD/dataplane/xdp/pg_xdp.bpf.o" sec xdp
sed -e 's/driver: af_xdp, exception: xdp, //' -e 's/driver: af_xdp, //' "$T/pg.yaml" >"$T/pg-auto.yaml"
if pg_start pe "$T/pg-auto.yaml"; then pass "peregrine starts (config $T/pg-auto.yaml, no driver keys)"; else
	fail "peregrine starts"
	pgt_finish
fi
auto_ok() {
	pgj show interfaces | jq -c '.interfaces[] | {name, driver, exception, tap}'
	grep -E 'AF_XDP unavailable' "$T/peregrine.log" | sed 's/^/   /'
	[ "$(pgj show interfaces | jq -r '.interfaces[] | select(.name == "uplink") | "\(.driver) \(.exception)"')" = "af_xdp xdp" ] &&
		[ "$(pgj show interfaces | jq -r '.interfaces[] | select(.name == "host") | "\(.driver) \(.exception) \(.tap)"')" = "pcap tap pg-host" ] &&
		grep -q 'port host: AF_XDP unavailable on pe-host, attaching with libpcap' "$T/peregrine.log"
}
check "uplink: af_xdp with exception xdp; host: fell back to libpcap with TAP pg-host (logged)" auto_ok
check "ping host -> 192.168.50.1 (answered behind the TAP)" ping_ok host 192.168.50.1 3
check "ping node -> host $HOST across both kinds of port" ping_ok node $HOST 3
pg_stop_check "peregrine stops on SIGINT" pe "pe-up pe-host" "pg-host" 5
ip -n "$(ns pe)" link set dev pe-host xdpgeneric off
pgt_finish
