#!/bin/bash
# Two workers, two receive queues per port: AF_PACKET ports with two queue pairs (DPDK's af_packet
# driver opens one socket per queue in a PACKET_FANOUT_HASH group, so the kernel spreads frames
# over the queues by flow hash, like RSS on a NIC); both workers must forward a share of the
# flows. (DPDK 22.11's af_xdp driver takes its queue count from the "combined" channels, which a
# veth does not report, so it cannot open two queues on a veth.)
#
#  [node] eth0 10.100.0.2/24 ==== pe-up [pe: peregrine, 2 workers] pe-host ==== eth0 [host]
#                                   (TAPs pg-uplink, pg-host)
#         192.168.50.0/24 via       uplink 10.100.0.1/24 (2 queues)     192.168.50.2/24
#         10.100.0.1                host 192.168.50.1/24 (2 queues)     default via 192.168.50.1
#
# The machine has two CPUs: three lcores (control + 2 workers) are mapped onto them with
# --lcores, which is slow but exercises the same code as one core per worker.
#
# usage: rss.sh [clean]     (KEEP=1 leaves the topology up)
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"
pgt_init rss "node pe host" "$@"

HOST=192.168.50.2
FLOWS=32
PER_FLOW=50

step "topology"
topo_node_pe_host
ip -n "$(ns node)" route add 192.168.50.0/24 via 10.100.0.1

cat >"$T/pg.yaml" <<EOF
apiVersion: peregrine.io/v1alpha1
kind: Peregrine
metadata: {name: pgt-rss}
spec:
  dataplane: {workers: 2, lcores: "0-2", hugepages: off, memoryMB: 768, mbufs: 16383, maxRoutes4: 4096, tbl8Groups: 256, maxRoutes6: 1024, maxNexthops: 1024}
  management: {socket: $PG_SOCK}
  ports:
    - {name: uplink, device: pe-up, driver: af_packet, addresses: [10.100.0.1/24]}
    - {name: host, device: pe-host, driver: af_packet, addresses: [192.168.50.1/24]}
EOF

step "peregrine with 2 workers"
cpus=$(nproc)
PG_EAL_ARGS="--lcores=0@0,1@$((1 % cpus)),2@$((2 % cpus))"
if pg_start pe "$T/pg.yaml"; then pass "peregrine starts (2 workers: $PG_EAL_ARGS)"; else
	fail "peregrine starts"
	pgt_finish
fi
queues_ok() {
	pgj show interfaces | jq -c '.interfaces[] | {name, driver, exception}'
	grep -E 'queue' "$T/peregrine.log" | sed 's/^/   /'
	[ "$(pgj show stats all | jq '.workers | length')" = 2 ] &&
		[ "$(grep -cE 'port (uplink|host): .*2 queue\(s\)' "$T/peregrine.log")" = 2 ]
}
check "2 workers, each port attached with 2 AF_PACKET queues" queues_ok

step "$FLOWS UDP flows node -> host through Peregrine"
check "ping node -> host $HOST (first packets resolve the next hops)" ping_ok node $HOST 3
w0=$(pgj show stats all | jq -c '[.workers[] | .rx_packets]')
want=$((FLOWS * PER_FLOW))
# flows_delivered NAME UDP_PORT: send the flows node -> host, check the host counted them all
flows_delivered() {
	local name="$1" port="$2" rc=0
	pgt_bg "$name" "udp_flows.py recv" host "$PGT_PY" "$PGT_LIB_DIR/udp_flows.py" recv $HOST "$port" 30 $want
	sleep 0.5
	nsx node "$PGT_PY" "$PGT_LIB_DIR/udp_flows.py" send $HOST "$port" $FLOWS $PER_FLOW >/dev/null
	proc_wait "$name" 35 || rc=$?
	cat "$T/$name.log"
	[ "$rc" -eq 0 ] && grep -q "from $FLOWS distinct" "$T/$name.log"
}
check "host received all $want datagrams of the $FLOWS flows" flows_delivered recv 7000
w1=$(pgj show stats all | jq -c '[.workers[] | .rx_packets]')
both() {
	echo "per-worker rx_packets $w0 -> $w1"
	jq -e --argjson a "$w0" '. as $b | ($b[0] - $a[0]) >= 10 and ($b[1] - $a[1]) >= 10' <<<"$w1" >/dev/null
}
expect "show stats all: both workers received a share of the flows (>= 10 packets each)" both
nodrop() {
	local d
	d=$(pgj show stats | jq -c '[.drops[] | {(.reason): .packets}] | add // {}')
	echo "drops: $d"
	[ "$d" = "{}" ]
}
expect "show stats: no drops" nodrop

step "stop"
pg_stop_check "peregrine stops on SIGINT" pe "pe-up pe-host" "pg-uplink pg-host" 10
[ "${KEEP:-0}" = 1 ] && pgt_finish

step "driver auto with 2 workers: AF_XDP on the veths' single queue"
sed 's/driver: af_packet, //' "$T/pg.yaml" >"$T/pg-auto.yaml"
if pg_start pe "$T/pg-auto.yaml"; then pass "peregrine starts (config $T/pg-auto.yaml)"; else
	fail "peregrine starts"
	pgt_finish
fi
one_queue() {
	grep -E 'AF_XDP on one queue|port (uplink|host): ' "$T/peregrine.log" | sed 's/^/   /'
	[ "$(grep -c 'AF_XDP on one queue of pe-' "$T/peregrine.log")" = 2 ] &&
		! grep -q 'error' "$T/peregrine.log" &&
		[ "$(pgj show interfaces | jq '[.interfaces[] | select(.driver == "af_xdp" and .exception == "xdp")] | length')" = 2 ]
}
check "both ports on AF_XDP with one queue each (noticed, no error logged)" one_queue
check "ping node -> host $HOST" ping_ok node $HOST 3
check "host received all $want datagrams of the $FLOWS flows" flows_delivered recv2 7001
pg_stop_check "peregrine stops on SIGINT" pe "pe-up pe-host" "" 10
pgt_finish
