#!/bin/bash
# Peregrine's exception path: the kernel behind the per-port TAPs terminates ICMP and TCP for the
# router's own addresses, per VRF, and the punt policer protects it from a flood without hurting
# a TCP (BGP-like) session.
# The workers nap when idle (dataplane.idleSleepUs), as on a shared VM: none of that may suffer.
#
#  [node] eth0 10.100.0.2/24 ==== pe-up [pe: peregrine] pe-host ==== eth0 [host]
#         192.168.50.0/24 via         uplink 10.100.0.1/24 (TAP pg-uplink)     192.168.50.2/24
#         10.100.0.1 (cross-VRF       host 192.168.50.1/24, VRF red            default via 192.168.50.1
#         probe)                      (TAP pg-host, in VRF red's own namespace)
#                                     socat echo server on 10.100.0.1:179 in namespace pe
#
# usage: exception.sh [clean]     (KEEP=1 leaves the topology up)
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"
pgt_init ex "node pe host" "$@"
need_tool socat

HOST=192.168.50.2
BGP_PORT=179
N1=10        # echoes before the flood (1 s)
N2=50        # echoes while the flood runs (5 s)
FLOOD_S=4    # flood duration, seconds

step "topology"
topo_node_pe_host
ip -n "$(ns node)" route add 192.168.50.0/24 via 10.100.0.1

cat >"$T/pg.yaml" <<EOF
apiVersion: peregrine.io/v1alpha1
kind: Peregrine
metadata: {name: pgt-exception}
spec:
  dataplane: ${PG_DATAPLANE_YAML%\}}, idleSleepUs: 500}
  management: {socket: $PG_SOCK}
  exceptionPath: {puntRatePps: 10000, puntBurst: 256}
  vrfs: [{name: red}]
  ports:
    - {name: uplink, device: pe-up, driver: $PG_DRIVER, exception: tap, addresses: [10.100.0.1/24]}
    - {name: host, device: pe-host, driver: $PG_DRIVER, exception: tap, vrf: red, addresses: [192.168.50.1/24]}
EOF

step "peregrine (started like 'peregrine -c FILE &' from a script: SIGINT ignored as bash does for background jobs)"
if pg_start pe "$T/pg.yaml" inherit; then pass "peregrine starts (config $T/pg.yaml)"; else
	fail "peregrine starts"
	pgt_finish
fi
# VRF red's TAP is in a namespace of its own; show interfaces says where (nsenter --net=PATH)
RED_NS=$(pgj show interfaces | jq -r '.interfaces[] | select(.name == "host") | .tap_netns // empty')
red() { nsenter --net="$RED_NS" "$@"; }
taps_ok() {
	echo "VRF red's namespace: $RED_NS"
	ip -n "$(ns pe)" -br addr show pg-uplink
	red ip -br addr show pg-host
	[ -n "$RED_NS" ] && ip -n "$(ns pe)" -br addr show pg-uplink | grep -q '10.100.0.1/24' &&
		red ip -br addr show pg-host | grep -q '192.168.50.1/24' &&
		[ "$(if_mac pe pg-uplink)" = "$(if_mac pe pe-up)" ] &&
		[ "$(red ip -j link show pg-host | jq -r '.[0].address')" = "$(if_mac pe pe-host)" ]
}
check "TAPs with the ports' MACs and addresses: pg-uplink in namespace pe, pg-host in VRF red's own namespace (show interfaces: tap_netns)" taps_ok
no_red_in_pe() { ! ip -n "$(ns pe)" link show pg-host >/dev/null 2>&1; }
check "VRF red's TAP is not in Peregrine's own namespace" no_red_in_pe

stats() { pgj show stats; }
tap_rx() {
	if [ "${2:-}" = red ]; then red ip -j -s link show "$1"; else ip -n "$(ns pe)" -j -s link show "$1"; fi |
		jq '.[0].stats64.rx.packets'
}

step "ICMP to the router addresses, answered by the kernel behind the TAPs"
s0=$(stats || echo '{}')
up0=$(tap_rx pg-uplink)
ho0=$(tap_rx pg-host red)
check "ping node -> 10.100.0.1 (5 echoes)" ping_ok node 10.100.0.1 5
check "ping host -> 192.168.50.1 (5 echoes)" ping_ok host 192.168.50.1 5
s1=$(stats || echo '{}')
up1=$(tap_rx pg-uplink)
ho1=$(tap_rx pg-host red)
tap_delta() {
	echo "pg-uplink rx +$((up1 - up0)), pg-host rx +$((ho1 - ho0)); exception_path.to_kernel $(jq .exception_path.to_kernel <<<"$s0") -> $(jq .exception_path.to_kernel <<<"$s1"); punted.other $(jq .punted.other <<<"$s0") -> $(jq .punted.other <<<"$s1")"
	[ $((up1 - up0)) -ge 5 ] && [ $((ho1 - ho0)) -ge 5 ] &&
		[ $(($(jq .exception_path.to_kernel <<<"$s1") - $(jq .exception_path.to_kernel <<<"$s0"))) -ge 10 ] &&
		[ $(($(jq .punted.other <<<"$s1") - $(jq .punted.other <<<"$s0"))) -ge 10 ]
}
expect "the echo requests were punted (class other) and written into the TAPs" tap_delta

big_ping() {
	nsx host ping -n -c 2 -i 0.3 -W 3 -s 3000 192.168.50.1 | grep -E 'transmitted'
	[ "${PIPESTATUS[0]}" -eq 0 ]
}
check "ping -s 3000 host -> 192.168.50.1 (3 fragments each way) is answered by the kernel behind the TAP" big_ping

step "VRF separation on the exception path (one kernel holds both VRFs' addresses)"
nr0=$(pg_drop IP4_NO_ROUTE || echo 0)
check "host (VRF red) cannot reach 10.100.0.1 (default VRF)" ping_fails host 10.100.0.1
check "node (default VRF) cannot reach 192.168.50.1 (VRF red)" ping_fails node 192.168.50.1
nr1=$(pg_drop IP4_NO_ROUTE || echo 0)
expect "show stats: those 6 echo requests were dropped as IP4_NO_ROUTE" bash -c "echo \"IP4_NO_ROUTE $nr0 -> $nr1\"; [ \$(($nr1 - $nr0)) -ge 6 ]"

step "TCP session node -> 10.100.0.1:$BGP_PORT through the DPDK port, then a flood"
pgt_bg echo-srv "TCP-LISTEN:$BGP_PORT" pe socat "TCP-LISTEN:$BGP_PORT,bind=10.100.0.1,reuseaddr" PIPE
wait_until 5 bash -c "ip netns exec $(ns pe) ss -Hltn 'sport = :$BGP_PORT' | grep -q LISTEN" ||
	fail "echo server on 10.100.0.1:$BGP_PORT did not start"
sb=$(stats || echo '{}')
cap_start tcp node eth0 tcp port $BGP_PORT
pgt_bg echo-cli "tcp_echo_client.py" node "$PGT_PY" "$PGT_LIB_DIR/tcp_echo_client.py" 10.100.0.1 $BGP_PORT $N1 $N2 --interval 0.1 --timeout 10
if wait_until 15 grep -q PHASE2 "$T/echo-cli.log"; then
	pass "TCP session established and $N1 lines echoed before the flood"
	pgt_bg flood-udp "udp_flood.py" node "$PGT_PY" "$PGT_LIB_DIR/udp_flood.py" 10.100.0.1 9 $FLOOD_S
	pgt_bg flood-ping "ping -f" node ping -n -q -f -c 200000 -w $FLOOD_S 10.100.0.1
	proc_wait flood-udp $((FLOOD_S + 10)) || true
	proc_wait flood-ping $((FLOOD_S + 10)) || true
	say "flood: $(cat "$T/flood-udp.log" 2>/dev/null | tail -n 1) UDP datagrams; ping -f: $(grep 'transmitted' "$T/flood-ping.log" 2>/dev/null)"
else
	fail "TCP session established and $N1 lines echoed before the flood"
	cat "$T/echo-cli.log" | sed 's/^/     | /'
fi
cli_rc=0
proc_wait echo-cli 60 || cli_rc=$?
cap_stop tcp
sa=$(stats || echo '{}')
summary=$(tail -n 1 "$T/echo-cli.log")
echo_ok() {
	echo "$summary"
	[ "$cli_rc" -eq 0 ]
}
expect "the same TCP session kept exchanging data during the flood: all $((N1 + N2)) lines echoed intact" echo_ok
policed() {
	local b a
	b=$(jq '[.drops[] | select(.reason == "PUNT_POLICED") | .packets] | add // 0' <<<"$sb")
	a=$(jq '[.drops[] | select(.reason == "PUNT_POLICED") | .packets] | add // 0' <<<"$sa")
	echo "PUNT_POLICED $b -> $a"
	[ "$a" -gt "$b" ]
}
expect "show stats: PUNT_POLICED drops > 0 during the flood" policed
ctrl() {
	local b a
	b=$(jq .punted.control <<<"$sb")
	a=$(jq .punted.control <<<"$sa")
	echo "punted.control $b -> $a"
	[ $((a - b)) -ge $((N1 + N2)) ]
}
expect "show stats: the session's segments were punted in the control class" ctrl
retrans=$(tshark -r "$T/tcp.pcap" -Y 'tcp.analysis.retransmission || tcp.analysis.fast_retransmission' 2>/dev/null | wc -l)
say "TCP retransmissions on node eth0 during the session: $retrans"

step "after the flood"
check "ping node -> 10.100.0.1 works again (5 echoes)" ping_ok node 10.100.0.1 5
neigh_ok() {
	pgj show neighbors | jq -e '.neighbors[] | select(.ip == "10.100.0.2" and .port == "uplink" and (.state == "reachable" or .state == "probe"))' >/dev/null || {
		pgctl show neighbors
		return 1
	}
}
check "show neighbors: 10.100.0.2 still resolved" neigh_ok
check "show stats: no tap write errors" bash -c "[ \"\$($PGCTL_BIN -s $PG_SOCK --json show stats | jq .data.exception_path.tap_write_errors)\" = 0 ]"

idle_naps() {
	local n
	n=$(pgctl --json show stats | jq '[.data.workers[].idle_sleeps] | add')
	echo "idle_sleeps=$n"
	[ "$n" -gt 0 ]
}
check "idleSleepUs 500: the idle worker napped (show stats workers[].idle_sleeps > 0) and every check above passed" idle_naps

step "stop"
pg_stop_check "peregrine stops on SIGINT although started with SIGINT ignored" pe "pe-up pe-host" "pg-uplink pg-host" 5
pgt_finish
