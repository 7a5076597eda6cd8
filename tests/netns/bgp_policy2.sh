#!/bin/bash
# Routing policy, part 2, with real peers: several BIRD "nodes" on host sessions of VRF red and
# GoBGP as the EVPN fabric (AS 64512).
#
#   [pe] peregrine AS 64514 (VRF red, L3VNI 100), pe-up 10.100.0.1 ==== eth0 [fab] 10.100.0.2
#        BIRD A AS 64515 on host-a 192.169.10.2 (Peregrine's side .1)      gobgpd AS 64512
#        BIRD B AS 64515 on host-b 192.169.20.2, session with asOverride
#
# AS paths (as FRR): a node's block reaches the fabric as our type-5 with AS path [64514 64515];
# the fabric's route reaches a node as [64514 64512]. Both nodes share AS 64515: node B (its
# session has asOverride) gets node A's block as [64514 64514]; node A (no asOverride, no
# "allow local as") drops node B's block, whose path [64514 64515] holds its own AS.
#
# Aggregates in VRF red: 10.250.0.0/16 summaryOnly over node A's 10.250.1.0/24 and
# 10.250.2.0/24 (the fabric and node B get the /16 only, the /24s stay in the FIB; both gone,
# the /16 is withdrawn), 10.251.0.0/16 over node B's 10.251.5.0/24 (both sent).
#
# Route reflection: BIRD C and D (AS 64514, iBGP) on host-c and host-d, both
# routeReflectorClient, bgp.clusterId 10.0.0.99: D gets C's 10.252.3.0/24 with ORIGINATOR_ID
# C's router ID and CLUSTER_LIST [10.0.0.99], next hop us, and C gets D's.
#
# usage: bgp_policy2.sh [clean]     (KEEP=1 leaves the topology up)
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"
pgt_init pol2 "pe fab" "$@"
need_tool bird birdc gobgpd gobgp

step "topology"
ns_add pe fab
veth fab eth0 pe pe-up
offload_off fab eth0
ip -n "$(ns fab)" addr add 10.100.0.2/24 dev eth0

cat >"$T/pg.yaml" <<EOF
apiVersion: peregrine.io/v1alpha1
kind: Peregrine
metadata: {name: pgt-bgp-policy2}
spec:
  dataplane: $PG_DATAPLANE_YAML
  management: {socket: $PG_SOCK}
  vtep: 10.100.0.1
  vrfs: [{name: red}]
  ports:
    - {name: uplink, device: pe-up, driver: $PG_DRIVER, addresses: [10.100.0.1/24]}
  l3vnis: [{vni: 100, vrf: red}]
  bgp:
    asn: 64514
    holdTime: 9
    clusterId: 10.0.0.99
    aggregates:
      - {prefix: 10.250.0.0/16, vrf: red, summaryOnly: true}
      - {prefix: 10.251.0.0/16, vrf: red}
    neighbors:
      - {address: 10.100.0.2, asn: 64512, families: [ipv4-unicast, l2vpn-evpn]}
  hostSessions:
    - {name: host-a, vrf: red, hostASN: 64515,
       addresses: [{router: 192.169.10.1/24, host: 192.169.10.2/24}]}
    - {name: host-b, vrf: red, hostASN: 64515, asOverride: true,
       addresses: [{router: 192.169.20.1/24, host: 192.169.20.2/24}]}
    - {name: host-c, vrf: red, hostASN: 64514, routeReflectorClient: true,
       addresses: [{router: 192.169.30.1/24, host: 192.169.30.2/24}]}
    - {name: host-d, vrf: red, hostASN: 64514, routeReflectorClient: true,
       addresses: [{router: 192.169.40.1/24, host: 192.169.40.2/24}]}
EOF

# bird_conf NAME ADDR PEER AS ROUTES...: a node's BIRD on its host session link, exporting its
# static routes
bird_conf() {
	local name="$1" addr="$2" peer="$3" as="$4"
	shift 4
	echo "log stderr all;"
	echo "router id $addr;"
	echo "protocol device { scan time 2; }"
	echo "protocol static { ipv4;"
	for r in "$@"; do echo "  route $r blackhole;"; done
	echo "}"
	cat <<EOF
protocol bgp hs {
  local $addr as $as;
  strict bind yes;
  neighbor $peer as 64514;
  direct;
  connect delay time 1;
  connect retry time 2;
  error wait time 2,10;
  ipv4 { gateway direct; import all; export where source = RTS_STATIC; };
}
EOF
}
bird_conf a 192.169.10.2 192.169.10.1 64515 10.244.1.64/26 >"$T/bird-a.conf"
echo "protocol static agg { ipv4; route 10.250.1.0/24 blackhole; route 10.250.2.0/24 blackhole; }" >>"$T/bird-a.conf"
bird_conf b 192.169.20.2 192.169.20.1 64515 10.244.2.64/26 10.251.5.0/24 >"$T/bird-b.conf"
bird_conf c 192.169.30.2 192.169.30.1 64514 10.252.3.0/24 >"$T/bird-c.conf"
bird_conf d 192.169.40.2 192.169.40.1 64514 10.252.4.0/24 >"$T/bird-d.conf"

pg_gobgp_fabric_conf 10.100.0.2 10.100.0.1 fast >"$T/gobgp.toml"
G() { nsx fab gobgp -u 127.0.0.1 -p 50051 "$@"; }
B() { # NODE birdc-args...
	local n="$1"
	shift
	birdc -s "$T/bird-$n.ctl" "$@"
}

step "peregrine, the nodes' BIRDs and GoBGP (the fabric)"
if pg_start pe "$T/pg.yaml"; then pass "peregrine starts"; else
	fail "peregrine starts"
	pgt_finish
fi
pgt_bg gobgpd "gobgpd -f $T/gobgp.toml" fab gobgpd -f "$T/gobgp.toml" -p --api-hosts=127.0.0.1:50051 --pprof-disable
for n in a b c d; do
	pgt_bg "bird-$n" "bird -f -c $T/bird-$n.conf" pe bird -f -c "$T/bird-$n.conf" -s "$T/bird-$n.ctl" -P "$T/bird-$n.pidf"
done
gobgp_api() { G global >/dev/null 2>&1; }
expect "gobgpd answers" wait_until 15 gobgp_api
G global rib -a evpn add prefix 10.244.9.0/24 gw 0.0.0.0 etag 0 label 100 rd 10.100.0.2:100 rt 64512:100 encap vxlan router-mac 02:00:00:00:aa:01 nexthop 10.100.0.2

up() { pgj show bgp neighbor "$1" | jq -e '.state == "Established"' >/dev/null; }
expect "fabric session (GoBGP) Established" wait_until 30 up 10.100.0.2
expect "node A's session Established" wait_until 30 up 192.169.10.2
expect "node B's session (asOverride) Established" wait_until 30 up 192.169.20.2
expect "node C's session (iBGP, route reflector client) Established" wait_until 30 up 192.169.30.2
expect "node D's session (iBGP, route reflector client) Established" wait_until 30 up 192.169.40.2

step "AS paths: the node's AS reaches the fabric, the fabric's reaches the nodes"
evpn_line() { G global rib -a evpn | grep -F "[prefix:$1]"; }
t5_path() { # PREFIX: our type-5 at GoBGP with AS path 64514 64515
	evpn_line "$1" | tee /dev/stderr | grep -qE '10\.100\.0\.1 +64514 64515 '
}
expect "GoBGP has node A's block 10.244.1.64/26 as our type-5, AS path 64514 64515" wait_until 20 t5_path 10.244.1.64/26
expect "GoBGP has node B's block 10.244.2.64/26 as our type-5, AS path 64514 64515" wait_until 20 t5_path 10.244.2.64/26
bird_path() { # NODE PREFIX PATH: BIRD has PREFIX from us with that AS path
	B "$1" show route "$2" all | tee /dev/stderr | grep -q "BGP.as_path: $3\$" &&
		B "$1" show route "$2" all | grep -qE 'BGP.next_hop: 192\.169\.[12]0\.1'
}
expect "node A has the fabric's 10.244.9.0/24, AS path 64514 64512 (next hop us)" wait_until 20 bird_path a 10.244.9.0/24 "64514 64512"
expect "node B has the fabric's 10.244.9.0/24, AS path 64514 64512" wait_until 20 bird_path b 10.244.9.0/24 "64514 64512"

step "asOverride: both nodes have AS 64515"
expect "node B (asOverride) has node A's block 10.244.1.64/26 with AS path 64514 64514" wait_until 20 bird_path b 10.244.1.64/26 "64514 64514"
sleep 1
a_lacks() {
	sent_a() { pgj show bgp summary | jq '.peers[] | select(.neighbor == "192.169.10.2") | .prefixes_sent'; }
	echo "prefixes_sent $(sent_a)"
	[ "$(sent_a)" -ge 2 ] &&
		! B a show route 10.244.2.64/26 | grep -q 10.244.2.64/26
}
check "node A (no asOverride) got node B's block from us (prefixes_sent >= 2) and dropped it: AS path 64514 64515 holds its own AS" a_lacks

step "aggregates"
has_t5() { evpn_line "$1" >/dev/null; }
agg_t5() {
	evpn_line 10.250.0.0/16 | tee /dev/stderr | grep -qE '10\.100\.0\.1 +64514 ' &&
		G global rib -a evpn | grep -F '[prefix:10.250.0.0/16]' | grep -qi 'atomic'
}
expect "GoBGP has the aggregate 10.250.0.0/16 as our type-5 (AS path 64514, ATOMIC_AGGREGATE)" wait_until 20 agg_t5
sleep 1
no_specific() { ! has_t5 10.250.1.0/24 && ! has_t5 10.250.2.0/24; }
check "summaryOnly: GoBGP has neither 10.250.1.0/24 nor 10.250.2.0/24" no_specific
in_fib() {
	pgj show route vrf red | jq -c '[.routes[] | select(.prefix | startswith("10.250.")) | .prefix] | sort' | tee /dev/stderr |
		jq -e '. == ["10.250.1.0/24", "10.250.2.0/24"]' >/dev/null
}
check "VRF red's FIB has the /24s (via node A), not the aggregate" in_fib
b_agg() {
	bird_path b 10.250.0.0/16 "64514" && ! B b show route 10.250.1.0/24 | grep -q 10.250.1.0/24 &&
		! B b show route 10.250.2.0/24 | grep -q 10.250.2.0/24
}
expect "node B (a host session of VRF red) got 10.250.0.0/16 (AS path 64514), not the /24s" wait_until 20 b_agg
both() { has_t5 10.251.0.0/16 && has_t5 10.251.5.0/24; }
expect "10.251.0.0/16 (not summaryOnly): GoBGP has the aggregate and node B's 10.251.5.0/24" wait_until 20 both
B a disable agg >/dev/null
agg_gone() { ! has_t5 10.250.0.0/16 && ! B b show route 10.250.0.0/16 | grep -q 10.250.0.0/16; }
expect "node A withdraws both /24s: the aggregate leaves GoBGP and node B" wait_until 20 agg_gone
still() { has_t5 10.251.0.0/16; }
check "... and 10.251.0.0/16 stays" still

step "route reflection: C and D are clients"
reflected() { # NODE PREFIX ORIGINATOR
	B "$1" show route "$2" all | tee /dev/stderr | grep -q "BGP.originator_id: $3" &&
		B "$1" show route "$2" all | grep -q 'BGP.cluster_list: 10.0.0.99$' &&
		B "$1" show route "$2" all | grep -qE 'BGP.next_hop: 192\.169\.[34]0\.1' &&
		B "$1" show route "$2" all | grep -qE 'BGP.as_path: *$'
}
expect "node D has C's 10.252.3.0/24: ORIGINATOR_ID 192.169.30.2, CLUSTER_LIST 10.0.0.99, next hop us, empty AS path" wait_until 20 reflected d 10.252.3.0/24 192.169.30.2
expect "node C has D's 10.252.4.0/24: ORIGINATOR_ID 192.169.40.2, CLUSTER_LIST 10.0.0.99" wait_until 20 reflected c 10.252.4.0/24 192.169.40.2
c_ebgp() { bird_path a 10.252.3.0/24 "64514" && ! B a show route 10.252.3.0/24 all | grep -q originator_id; }
expect "eBGP node A gets C's route as a plain one (AS path 64514, no ORIGINATOR_ID)" wait_until 20 c_ebgp
c_fab() { evpn_line 10.252.3.0/24 | tee /dev/stderr | grep -qE '10\.100\.0\.1 +64514 '; }
expect "and the fabric gets it as our type-5" wait_until 20 c_fab

step "stop"
pg_stop_check "peregrine stops on SIGINT" pe "" "" 5
pgt_finish
