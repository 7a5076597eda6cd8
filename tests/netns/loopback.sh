#!/bin/bash
# Loopbacks: spec.loopbacks puts router addresses on no port. The node pings Peregrine's
# loopback and runs an eBGP session to it (GoBGP: neighbor 10.255.0.1, multihop), Peregrine
# sources its side from the loopback (updateSource) and announces it (bgp.networks); the
# loopback is on the kernel's `lo` while Peregrine runs and gone after.
#
#  [node] eth0 10.100.0.2/24 gobgpd AS 65002 ==== pe-up [pe: peregrine AS 65001, lo 10.255.0.1]
#
# usage: loopback.sh [clean]     (KEEP=1 leaves the topology up)
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"
pgt_init lo "node pe host" "$@"
need_tool gobgpd gobgp

step "topology"
topo_node_pe_host
ip -n "$(ns node)" route add 10.255.0.1/32 via 10.100.0.1
ip -n "$(ns node)" -6 addr add fd00:100::2/64 dev eth0 nodad
ip -n "$(ns node)" -6 route add fd00:255::1/128 via fd00:100::1

cat >"$T/pg.yaml" <<EOF
apiVersion: peregrine.io/v1alpha1
kind: Peregrine
metadata: {name: pgt-loopback}
spec:
  dataplane: $PG_DATAPLANE_YAML
  management: {socket: $PG_SOCK}
  loopbacks: [10.255.0.1, "fd00:255::1"]
  ports:
    - {name: uplink, device: pe-up, driver: $PG_DRIVER, addresses: [10.100.0.1/24, "fd00:100::1/64"]}
    - {name: host, device: pe-host, driver: $PG_DRIVER, addresses: [192.168.50.1/24]}
  bgp:
    asn: 65001
    routerId: 10.255.0.1
    networks: [10.255.0.1/32]
    neighbors:
      - {address: 10.100.0.2, asn: 65002, updateSource: 10.255.0.1, ebgpMultiHop: 2}
EOF

cat >"$T/gobgp.toml" <<EOF
[global.config]
  as = 65002
  router-id = "10.100.0.2"
  local-address-list = ["10.100.0.2"]
[[neighbors]]
  [neighbors.config]
    neighbor-address = "10.255.0.1"
    peer-as = 65001
  [neighbors.transport.config]
    local-address = "10.100.0.2"
  [neighbors.ebgp-multihop.config]
    enabled = true
    multihop-ttl = 2
  [neighbors.timers.config]
    connect-retry = 1
    idle-hold-time-after-reset = 1
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
EOF

step "peregrine"
if pg_start pe "$T/pg.yaml"; then pass "peregrine starts with loopbacks"; else
	fail "peregrine starts"
	pgt_finish
fi
on_lo() { nsx pe ip -o addr show dev lo | grep -q " $1/"; }
expect "10.255.0.1 on the kernel's lo" wait_until 5 on_lo 10.255.0.1
expect "fd00:255::1 on the kernel's lo" wait_until 5 on_lo fd00:255::1
local_route() { pgj show route | jq -e --arg p "$1" '.routes[] | select(.prefix == $p and .origin == "local")' >/dev/null; }
check "local route 10.255.0.1/32" local_route 10.255.0.1/32
check "local route fd00:255::1/128" local_route fd00:255::1/128
punts() { pgj show interfaces | jq '.interfaces[] | select(.name == "uplink") | .punted'; }
p0=$(punts)
check "node pings the IPv4 loopback" ping_ok node 10.255.0.1 3
check "node pings the IPv6 loopback" ping_ok node fd00:255::1 3
exc=$(pgj show interfaces | jq -r '.interfaces[] | select(.name == "uplink") | .exception')
# a TAP port punts to its TAP; an XDP port's program hands the loopbacks to the kernel itself
punted() { echo "exception $exc, punted $p0 -> $(punts)"; [ "$exc" != tap ] || [ "$(punts)" -gt "$p0" ]; }
check "... through the exception path" punted

step "BGP between loopback and node"
pgt_bg gobgpd "gobgpd -f $T/gobgp.toml" node gobgpd -f "$T/gobgp.toml" -p --api-hosts=127.0.0.1:50051 --pprof-disable
G() { nsx node gobgp -u 127.0.0.1 -p 50051 "$@"; }
est() { [ "$(pgj show bgp summary | jq -r '.peers[] | select(.neighbor == "10.100.0.2") | .state')" = Established ]; }
expect "session Established" wait_until 30 est
src_ok() { pgj show bgp neighbor 10.100.0.2 | jq -e '.local | startswith("10.255.0.1")' >/dev/null; }
check "our side of the session is the loopback (local 10.255.0.1)" src_ok
net_ok() { G global rib -a ipv4 10.255.0.1/32 | grep -E '10\.255\.0\.1/32 +10\.255\.0\.1 +65001 ' >/dev/null; }
expect "GoBGP learns 10.255.0.1/32, next hop the loopback" wait_until 10 net_ok

step "stop"
pg_stop_check "peregrine stops on SIGINT" pe "" "" 5
gone() { ! nsx pe ip -o addr show dev lo | grep -q ' 10.255.0.1/'; }
check "the loopback addresses left lo" gone
pgt_finish
