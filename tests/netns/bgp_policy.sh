#!/bin/bash
# Routing policy (docs/config.md, "Routing policy") with real peers: Calico's BIRD on a host
# session in VRF red (AS 64515, from the node address) and GoBGP as the EVPN + IPv4 fabric
# (AS 64512).
#
#   [pe: the node's namespace] BIRD AS 64515 (172.18.0.10 on mgmt0) -- host-e-100 --
#        peregrine AS 64514: host-e-100 192.169.10.1 (VRF red, L3VNI 100), pe-up 10.100.0.1
#   [fab] eth0 10.100.0.2/24 gobgpd AS 64512                 ==== pe-up
#   [mgmt] eth0 172.18.0.1/24                                ==== mgmt0
#
# S1: the node announces service /32s; the one tagged 64514:100 reaches the fabric as our type-5
# (with the tag, MED 10, our AS prepended), the untagged one stays in VRF red. The node's import
# policy keeps its block and services and drops the rest; the fabric's import policy drops a
# route with 64512:666 (also one it had accepted before) and sets LOCAL_PREF and a community on
# another; the export policy to the node drops one fabric prefix and prepends the others;
# defaultOriginate sends the fabric 0.0.0.0/0. Counters in show bgp neighbor.
#
# usage: bgp_policy.sh [clean]     (KEEP=1 leaves the topology up)
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"
pgt_init pol "pe fab mgmt" "$@"
need_tool bird birdc gobgpd gobgp

step "topology"
ns_add pe fab mgmt
veth mgmt eth0 pe mgmt0
ip -n "$(ns pe)" addr add 172.18.0.10/24 dev mgmt0
ip -n "$(ns mgmt)" addr add 172.18.0.1/24 dev eth0
veth fab eth0 pe pe-up
offload_off fab eth0
ip -n "$(ns fab)" addr add 10.100.0.2/24 dev eth0
ip -n "$(ns pe)" route add default via 172.18.0.1

cat >"$T/pg.yaml" <<EOF
apiVersion: peregrine.io/v1alpha1
kind: Peregrine
metadata: {name: pgt-bgp-policy}
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
    prefixSets:
      blocks: [{prefix: 10.244.0.0/16, ge: 26, le: 26}]
      services: [{prefix: 10.96.0.0/12, ge: 32}]
      deny-to-node: [{prefix: 10.244.3.0/24, le: 32}]
    communitySets:
      to-fabric: ["64514:100"]
      bad: ["64512:666"]
    policies:
      from-node:
        - match: {prefixSet: services}
          action: accept
        - match: {prefixSet: blocks}
          action: accept
      to-node:
        - match: {prefixSet: deny-to-node}
          action: reject
        - set: {prependAs: 2}
          action: accept
      from-fabric:
        - match: {community: bad}
          action: reject
        - match: {family: ipv4-unicast}
          set: {localPref: 250, addCommunities: ["64514:900"]}
          action: accept
        - action: accept
      to-fabric:
        - match: {prefixSet: services, community: to-fabric}
          set: {med: 10, prependAs: 1}
          action: accept
        - match: {prefixSet: services}
          action: reject
        - action: accept
    neighbors:
      - {address: 10.100.0.2, asn: 64512, families: [ipv4-unicast, l2vpn-evpn],
         importPolicy: from-fabric, exportPolicy: to-fabric, defaultOriginate: true}
  hostSessions:
    - name: host-e-100
      vrf: red
      hostASN: 64515
      addresses: [{router: 192.169.10.1/24, host: 192.169.10.2/24}]
      importPolicy: from-node
      exportPolicy: to-node
EOF

cat >"$T/bird.conf" <<EOF
log stderr all;
router id 172.18.0.10;
protocol static {
  ipv4;
  route 10.244.1.64/26 blackhole;
  route 10.96.0.10/32 blackhole;
  route 10.96.0.11/32 blackhole;
  route 10.99.0.0/24 blackhole;
}
protocol device { scan time 2; }
protocol bgp Global_192_169_10_1 {
  local 172.18.0.10 as 64515;
  strict bind yes;
  neighbor 192.169.10.1 as 64514;
  multihop;
  connect delay time 1;
  connect retry time 2;
  error wait time 2,10;
  ipv4 {
    gateway recursive; import all;
    export filter {
      if net = 10.96.0.10/32 then bgp_community.add((64514,100));
      if proto = "static1" then accept;
      reject;
    };
  };
}
EOF

pg_gobgp_fabric_conf 10.100.0.2 10.100.0.1 fast >"$T/gobgp.toml"
G() { nsx fab gobgp -u 127.0.0.1 -p 50051 "$@"; }
B() { birdc -s "$T/bird.ctl" "$@"; }

step "peregrine, BIRD (the node) and GoBGP (the fabric)"
if pg_start pe "$T/pg.yaml"; then pass "peregrine starts with policies"; else
	fail "peregrine starts"
	pgt_finish
fi
pgt_bg gobgpd "gobgpd -f $T/gobgp.toml" fab gobgpd -f "$T/gobgp.toml" -p --api-hosts=127.0.0.1:50051 --pprof-disable
pgt_bg bird "bird -f -c $T/bird.conf" pe bird -f -c "$T/bird.conf" -s "$T/bird.ctl" -P "$T/bird.pidf"
gobgp_api() { G global >/dev/null 2>&1; }
expect "gobgpd answers" wait_until 15 gobgp_api
# the fabric's routes, before or after the session comes up: they arrive in the initial table
G global rib -a evpn add prefix 10.244.2.0/26 gw 0.0.0.0 etag 0 label 100 rd 10.100.0.2:100 rt 64512:100 encap vxlan router-mac 02:00:00:00:aa:01 nexthop 10.100.0.2
G global rib -a evpn add prefix 10.244.3.0/26 gw 0.0.0.0 etag 0 label 100 rd 10.100.0.2:100 rt 64512:100 encap vxlan router-mac 02:00:00:00:aa:01 nexthop 10.100.0.2
G global rib -a ipv4 add 198.51.100.0/24 nexthop 10.100.0.2 community 64512:1
G global rib -a ipv4 add 203.0.113.0/24 nexthop 10.100.0.2 community 64512:666

hs_peer() { pgj show bgp neighbor 192.169.10.2; }
fab_peer() { pgj show bgp neighbor 10.100.0.2; }
hs_up() { hs_peer | jq -e '.state == "Established"' >/dev/null; }
fab_up() { fab_peer | jq -e '.state == "Established"' >/dev/null; }
expect "host session (BIRD) Established" wait_until 30 hs_up
expect "fabric session (GoBGP) Established" wait_until 30 fab_up

step "import from the node (from-node): block and services in, the rest out"
vrf_rib() { pgj show bgp ipv4 | jq -c '[.[] | select(.vrf == "red") | .prefix] | sort'; }
node_in() {
	vrf_rib
	vrf_rib | jq -e '. == ["10.244.1.64/26", "10.244.2.0/26", "10.96.0.10/32", "10.96.0.11/32"] or . == ["10.244.1.64/26", "10.96.0.10/32", "10.96.0.11/32"]' >/dev/null &&
		vrf_rib | jq -e 'index("10.99.0.0/24") == null' >/dev/null
}
expect "VRF red has the block and both services from the node, not 10.99.0.0/24" wait_until 20 node_in
hs_rej() {
	hs_peer | jq -c '{prefixes_import_rejected, prefixes_export_rejected}'
	hs_peer | jq -e '.prefixes_import_rejected >= 1' >/dev/null
}
expect "show bgp neighbor 192.169.10.2: prefixes_import_rejected counts 10.99.0.0/24" hs_rej
no_fib() { ! pgj show route vrf red | jq -e '.routes[] | select(.prefix == "10.99.0.0/24")' >/dev/null; }
check "10.99.0.0/24 is not in VRF red's FIB" no_fib

step "export to the fabric (to-fabric, S1): the tagged service only, tagged, MED 10, prepended"
evpn_line() { G global rib -a evpn | grep -F "[prefix:$1]"; }
t5_tagged() {
	evpn_line 10.96.0.10/32 | tee /dev/stderr | grep -E '10\.100\.0\.1 +64514 64514 64515 ' | grep -F '64514:100' | grep -qiE 'med: 10'
}
expect "GoBGP has type-5 10.96.0.10/32: AS path 64514 64514 64515 (prepended once, the node's AS), community 64514:100, MED 10" wait_until 20 t5_tagged
t5_block() { evpn_line 10.244.1.64/26 | tee /dev/stderr | grep -qE '10\.100\.0\.1 +64514 64515 '; }
expect "GoBGP has the block's type-5 10.244.1.64/26 (not a service: the last term accepts)" wait_until 20 t5_block
sleep 1
t5_untagged() { ! G global rib -a evpn | grep -qF '10.96.0.11/32'; }
check "the untagged service 10.96.0.11/32 did not reach the fabric" t5_untagged
local_ok() { pgj show route vrf red | jq -e '.routes[] | select(.prefix == "10.96.0.11/32" and .origin == "bgp")' >/dev/null; }
check "... but is installed in VRF red (via the host)" local_ok
fab_rej() {
	fab_peer | jq -c '{prefixes_import_rejected, prefixes_export_rejected}'
	fab_peer | jq -e '.prefixes_export_rejected >= 1 and .prefixes_import_rejected >= 1' >/dev/null
}
expect "show bgp neighbor 10.100.0.2: export and import rejections counted" fab_rej
def_ok() { G global rib -a ipv4 0.0.0.0/0 | tee /dev/stderr | grep -qE '0\.0\.0\.0/0 +10\.100\.0\.1 +64514 '; }
expect "defaultOriginate: GoBGP has 0.0.0.0/0 from us (next hop 10.100.0.1, AS path 64514)" wait_until 20 def_ok

step "import from the fabric (from-fabric)"
fab4() { pgj show bgp ipv4 detail | jq -c --arg p "$1" '.[] | select(.prefix == $p and .vrf == null) | .paths[0]'; }
set_ok() {
	fab4 198.51.100.0/24
	fab4 198.51.100.0/24 | jq -e '.local_pref == 250 and (.communities | sort) == ["64512:1", "64514:900"]' >/dev/null
}
expect "198.51.100.0/24: LOCAL_PREF 250 and community 64514:900 added (64512:1 kept)" wait_until 20 set_ok
bad_gone() { [ -z "$(fab4 203.0.113.0/24)" ]; }
check "203.0.113.0/24 with 64512:666 was rejected" bad_gone
G global rib -a ipv4 add 198.51.100.0/24 nexthop 10.100.0.2 community 64512:666
now_bad() {
	! pgj show bgp ipv4 | jq -e '.[] | select(.prefix == "198.51.100.0/24")' >/dev/null &&
		! pgj show route | jq -e '.routes[] | select(.prefix == "198.51.100.0/24")' >/dev/null
}
expect "re-announced with 64512:666: the accepted route is withdrawn from the RIB and the FIB" wait_until 20 now_bad

step "export to the node (to-node)"
bird_has() { B show route "$1" all; }
node_gets() {
	bird_has 10.244.2.0/26 | tee /dev/stderr | grep -q 'BGP.as_path: 64514 64514 64514 64512$' &&
		bird_has 10.244.2.0/26 | grep -q 'BGP.next_hop: 192.169.10.1'
}
expect "BIRD has 10.244.2.0/26: next hop 192.169.10.1, AS path 64514 64514 64514 64512 (prepended twice, the fabric's path)" wait_until 20 node_gets
node_denied() {
	pgj show route vrf red | jq -e '.routes[] | select(.prefix == "10.244.3.0/26")' >/dev/null &&
		! bird_has 10.244.3.0/26 | grep -q 10.244.3.0/26
}
check "10.244.3.0/26 is in VRF red but not sent to BIRD (deny-to-node)" node_denied
no_echo() { ! bird_has 10.244.1.64/26 | grep -q 'Global_192_169_10_1'; }
check "split horizon: BIRD did not get its own block back" no_echo

step "stop"
pg_stop_check "peregrine stops on SIGINT" pe "" "" 5
pgt_finish
