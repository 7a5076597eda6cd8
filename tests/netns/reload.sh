#!/bin/bash
# Live reload: `peregrinectl reload` and SIGHUP read the configuration file again and apply only
# the difference (static routes, static neighbours, bgp.networks, BGP neighbors, logLevel) while
# traffic flows; a broken file or a change that needs a restart is refused and changes nothing.
# BGP neighbors: GoBGP A (node) and B (host); adding, changing and removing B leaves A's session
# up (no reset: its Established count stays 1).
#
#  [node] eth0 10.100.0.2/24 ==== pe-up [pe: peregrine] pe-host ==== eth0 [host] 192.168.50.2/24
#
# usage: reload.sh [clean]     (KEEP=1 leaves the topology up)
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"
pgt_init rl "node pe host" "$@"
need_tool gobgpd gobgp

step "topology"
topo_node_pe_host
ip -n "$(ns node)" route add 192.168.50.0/24 via 10.100.0.1

# conf ROUTES NEIGHBORS NETWORKS LOGLEVEL [EXTRA]: the configuration file with those parts
conf() {
	cat >"$T/pg.yaml" <<EOF
apiVersion: peregrine.io/v1alpha1
kind: Peregrine
metadata: {name: pgt-reload}
spec:
  logLevel: $4
  dataplane: $PG_DATAPLANE_YAML
  management: {socket: $PG_SOCK}
  ports:
    - {name: uplink, device: pe-up, driver: $PG_DRIVER, addresses: [10.100.0.1/24]}
    - {name: host, device: pe-host, driver: $PG_DRIVER, addresses: [192.168.50.1/24]}
  routes: $1
  neighbors: $2
  bgp: {asn: 65001, routerId: 10.100.0.1, networks: $3}
${5:-}
EOF
}
conf "[{prefix: 10.77.0.0/16, via: 10.100.0.2}, {prefix: 10.78.0.0/16, via: 10.100.0.2}]" \
	"[{ip: 10.100.0.9, mac: \"02:00:00:00:00:09\", port: uplink}]" "[10.99.1.0/24]" notice

step "peregrine"
if pg_start pe "$T/pg.yaml"; then pass "peregrine starts"; else
	fail "peregrine starts"
	pgt_finish
fi
route() { pgj show route | jq -r --arg p "$1" '.routes[] | select(.prefix == $p) | "\(.origin) \(.nexthop)"'; }
check "static routes 10.77.0.0/16 and 10.78.0.0/16 installed" bash -c "[ -n \"\$($PGCTL_BIN -s $PG_SOCK --json show route | jq -r '.data.routes[] | select(.prefix == \"10.78.0.0/16\")')\" ]"
check "host -> node ping before any reload" ping_ok host 10.100.0.2 3

step "reload: routes, neighbours, networks, log level"
# a ping runs through all the reloads below and must lose nothing
nsx host ping -n -i 0.05 -c 160 -W 2 10.100.0.2 >"$T/ping.txt" 2>&1 &
PING_PID=$!
conf "[{prefix: 10.78.0.0/16, blackhole: true}, {prefix: 10.79.0.0/16, via: 10.100.0.2}]" \
	"[{ip: 10.100.0.10, mac: \"02:00:00:00:00:0a\", port: uplink}]" "[10.99.2.0/24]" info
reload_ok() {
	pgctl --json reload | tee "$T/reload.json" | jq -c .data
	jq -e '.data | .routes_added == 1 and .routes_removed == 1 and .routes_changed == 1 and .route_errors == 0 and .neighbors_added == 1 and .neighbors_removed == 1 and .networks_added == 1 and .networks_removed == 1 and .log_level_changed' "$T/reload.json" >/dev/null
}
check "peregrinectl reload: +1 -1 ~1 routes, +1 -1 neighbours, +1 -1 networks, log level" reload_ok
fib_ok() {
	route 10.77.0.0/16
	route 10.78.0.0/16
	route 10.79.0.0/16
	[ -z "$(route 10.77.0.0/16)" ] && route 10.78.0.0/16 | grep -q blackhole &&
		route 10.79.0.0/16 | grep -q 'via 10.100.0.2'
}
check "FIB: 10.77.0.0/16 gone, 10.78.0.0/16 now a blackhole, 10.79.0.0/16 added" fib_ok
neigh_ok() { pgj show neighbors | jq -e '[.neighbors[] | select(.ip == "10.100.0.10" and .state == "permanent")] | length == 1' >/dev/null; }
check "static neighbour 10.100.0.10 added (permanent)" neigh_ok
net_ok() {
	local j
	j=$(pgj show bgp ipv4)
	jq -e '[.[] | .prefix] | index("10.99.2.0/24") != null and index("10.99.1.0/24") == null' <<<"$j" >/dev/null
}
check "bgp.networks: 10.99.2.0/24 originated, 10.99.1.0/24 withdrawn" net_ok

step "SIGHUP with a broken file: refused, nothing changes"
cp "$T/pg.yaml" "$T/good.yaml"
printf 'this: [is not\n' >>"$T/pg.yaml"
kill -HUP "$(proc_pid peregrine)"
refused() { grep -q 'SIGHUP: reload refused: .*pg.yaml' "$T/peregrine.log"; }
expect "logged: reload refused with the file's error" wait_until 5 refused
check "the FIB is as before (10.79.0.0/16 still there)" bash -c "$PGCTL_BIN -s $PG_SOCK --json show route | jq -e '.data.routes[] | select(.prefix == \"10.79.0.0/16\")' >/dev/null"

step "a change that needs a restart: refused"
cp "$T/good.yaml" "$T/pg.yaml"
sed -i 's/^  ports:/  vrfs: [{name: red}]\n  ports:/' "$T/pg.yaml"
sed -i 's/10.79.0.0\/16/10.80.0.0\/16/' "$T/pg.yaml"
restart_needed() {
	! pgctl reload >"$T/reload-vrf.txt" 2>&1
	cat "$T/reload-vrf.txt"
	grep -q 'needs a restart' "$T/reload-vrf.txt" && grep -q 'vrfs' "$T/reload-vrf.txt"
}
check "adding a VRF: 'needs a restart' naming what differs" restart_needed
check "and nothing was applied (10.80.0.0/16 not installed, 10.79.0.0/16 still there)" bash -c "! $PGCTL_BIN -s $PG_SOCK --json show route | jq -e '.data.routes[] | select(.prefix == \"10.80.0.0/16\")' >/dev/null && $PGCTL_BIN -s $PG_SOCK --json show route | jq -e '.data.routes[] | select(.prefix == \"10.79.0.0/16\")' >/dev/null"

step "traffic during the reloads"
wait "$PING_PID" || true
loss_ok() { grep -E 'transmitted' "$T/ping.txt"; grep -q ' 0% packet loss' "$T/ping.txt"; }
check "160 pings host -> node across every reload: no loss" loss_ok

step "reload: BGP neighbors (GoBGP A on node, B on host)"
# gobgp_conf ROUTER_ID PEREGRINE_ADDR ASN: gobgpd peering with Peregrine (AS 65001)
gobgp_conf() {
	cat <<EOF
[global.config]
  as = $3
  router-id = "$1"
  local-address-list = ["$1"]
[[neighbors]]
  [neighbors.config]
    neighbor-address = "$2"
    peer-as = 65001
  [neighbors.timers.config]
    connect-retry = 1
    idle-hold-time-after-reset = 1
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
EOF
}
gobgp_conf 10.100.0.2 10.100.0.1 65002 >"$T/gobgp-a.toml"
gobgp_conf 192.168.50.2 192.168.50.1 65003 >"$T/gobgp-b.toml"
pgt_bg gobgpd-a "gobgpd -f $T/gobgp-a.toml" node gobgpd -f "$T/gobgp-a.toml" -p --api-hosts=127.0.0.1:50051 --pprof-disable
pgt_bg gobgpd-b "gobgpd -f $T/gobgp-b.toml" host gobgpd -f "$T/gobgp-b.toml" -p --api-hosts=127.0.0.1:50052 --pprof-disable
GA() { nsx node gobgp -u 127.0.0.1 -p 50051 "$@"; }
GB() { nsx host gobgp -u 127.0.0.1 -p 50052 "$@"; }
wait_until 10 GA global >/dev/null 2>&1 || true
wait_until 10 GB global >/dev/null 2>&1 || true
GA global rib add -a ipv4 10.61.0.0/24 >/dev/null
GB global rib add -a ipv4 10.62.0.0/24 >/dev/null
nbr_a="{address: 10.100.0.2, asn: 65002, description: gobgp-a}"
# bgp_neighbors LIST: good.yaml with those BGP neighbors, as pg.yaml
bgp_neighbors() { cp "$T/good.yaml" "$T/pg.yaml" && sed -i "s|^  bgp: {asn: 65001, routerId: 10.100.0.1, networks: \(.*\)}$|  bgp: {asn: 65001, routerId: 10.100.0.1, networks: \1, neighbors: [$1]}|" "$T/pg.yaml"; }
bgp_neighbors "$nbr_a"
reload_peers() { # ADDED REMOVED CHANGED
	pgctl --json reload | tee "$T/reload-bgp.json" | jq -c .data
	jq -e --argjson a "$1" --argjson r "$2" --argjson c "$3" '.data | .bgp_peers_added == $a and .bgp_peers_removed == $r and .bgp_peers_changed == $c and .bgp_peer_errors == 0' "$T/reload-bgp.json" >/dev/null
}
check "reload adds neighbor A (+1 BGP peer)" reload_peers 1 0 0
peer() { pgj show bgp summary | jq -c --arg a "$1" '.peers[] | select(.neighbor == $a)'; }
state_is() { [ "$(peer "$1" | jq -r .state)" = "$2" ]; }
expect "A Established" wait_until 30 state_is 10.100.0.2 Established
fib_has() { pgj show route | jq -e --arg p "$1" '.routes[] | select(.prefix == $p and .origin == "bgp")' >/dev/null; }
expect "A's 10.61.0.0/24 in the FIB" wait_until 10 fib_has 10.61.0.0/24
est_a() { pgj show bgp neighbor 10.100.0.2 | jq -r .established_count; }
bgp_neighbors "$nbr_a, {address: 192.168.50.2, asn: 65003, description: gobgp-b}"
check "reload adds neighbor B (+1)" reload_peers 1 0 0
expect "B Established" wait_until 30 state_is 192.168.50.2 Established
expect "B's 10.62.0.0/24 in the FIB" wait_until 10 fib_has 10.62.0.0/24
sed -i 's/description: gobgp-b}/description: gobgp-b2, holdTime: 30}/' "$T/pg.yaml"
check "reload changes neighbor B (~1)" reload_peers 0 0 1
b_new() { [ "$(pgj show bgp neighbor 192.168.50.2 | jq -r .description)" = gobgp-b2 ] && state_is 192.168.50.2 Established; }
expect "B back Established with its new settings" wait_until 30 b_new
bgp_neighbors "$nbr_a"
check "reload removes neighbor B (-1)" reload_peers 0 1 0
b_gone() { [ -z "$(peer 192.168.50.2)" ] && ! fib_has 10.62.0.0/24; }
expect "B gone from the peers, its 10.62.0.0/24 withdrawn from the FIB" wait_until 10 b_gone
b_ceased() { GB neighbor 192.168.50.1 | grep -qi 'BGP state = \(active\|idle\|connect\)'; }
expect "GoBGP B sees its session closed" wait_until 10 b_ceased
a_kept() { state_is 10.100.0.2 Established && [ "$(est_a)" = 1 ] && fib_has 10.61.0.0/24; }
check "A stayed up through all of it (Established once, 10.61.0.0/24 still in the FIB)" a_kept
same_again() { pgctl --json reload | jq -e '.data | .bgp_peers_added == 0 and .bgp_peers_removed == 0 and .bgp_peers_changed == 0' >/dev/null; }
check "reloading the same file changes no peer" same_again

step "stop"
pg_stop_check "peregrine stops on SIGINT" pe "" "" 5
pgt_finish
