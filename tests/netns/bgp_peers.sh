#!/bin/bash
# BGP with BIRD and ExaBGP on one segment: BIRD configured like a Calico node (Calico's confd
# templates in BIRD 2 form: AS 64512, graceful restart, ADD-PATH offered, the node's /26 block
# exported, hold 240) establishes IPv4 unicast and Peregrine learns and installs the block;
# ExaBGP (receive-only, JSON) and an independent decoder of the captured session
# (bgp_decode.py) agree on the EVPN routes Peregrine announces: type-5 for the VRF's subnets,
# type-3 for L2VNI 300, type-2 MAC and MAC/IP for the host behind its bridged port.
#
#                          ┌── eth0 [bird]  10.100.0.2/24  AS 64512 (Calico node)
#  [pe] pe-up 10.100.0.1 ══ br0 [sw]
#   AS 65001, VTEP         └── eth0 [exa]   10.100.0.3/24  AS 65003 (EVPN receiver)
#   pe-ten (VRF red, L3VNI 5000) ── [tenant] 192.168.60.2
#   pe-l2 (L2VNI 300, gateway 10.30.0.1 in VRF red) ── [l2h] 10.30.0.10 02:00:00:00:03:0a
#
# usage: bgp_peers.sh [clean]     (KEEP=1 leaves the topology up)
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib.sh"
pgt_init bp "pe sw bird exa tenant l2h" "$@"
need_tool bird birdc exabgp
need_scapy

step "topology"
ns_add pe sw bird exa tenant l2h
ip -n "$(ns sw)" link add br0 type bridge
ip -n "$(ns sw)" link set br0 up
veth pe pe-up sw p0
veth bird eth0 sw p1
veth exa eth0 sw p2
for p in p0 p1 p2; do ip -n "$(ns sw)" link set "$p" master br0; done
offload_off bird eth0
offload_off exa eth0
offload_off sw p0
ip -n "$(ns bird)" addr add 10.100.0.2/24 dev eth0
ip -n "$(ns exa)" addr add 10.100.0.3/24 dev eth0
host_leg tenant pe-ten 192.168.60.2/24 192.168.60.1
ip -n "$(ns l2h)" link add eth0 address 02:00:00:00:03:0a type veth peer name pe-l2 netns "$(ns pe)"
ip -n "$(ns l2h)" link set eth0 up
ip -n "$(ns pe)" link set pe-l2 up
offload_off l2h eth0
ip -n "$(ns l2h)" addr add 10.30.0.10/24 dev eth0

cat >"$T/pg.yaml" <<EOF
apiVersion: peregrine.io/v1alpha1
kind: Peregrine
metadata: {name: pgt-bgp-peers}
spec:
  dataplane: $PG_DATAPLANE_YAML
  management: {socket: $PG_SOCK}
  vtep: 10.100.0.1
  vrfs: [{name: red}]
  ports:
    - {name: uplink, device: pe-up, driver: $PG_DRIVER, addresses: [10.100.0.1/24]}
    - {name: tenant, device: pe-ten, driver: $PG_DRIVER, vrf: red, addresses: [192.168.60.1/24]}
    - {name: l2host, device: pe-l2, driver: $PG_DRIVER}
  l3vnis: [{vni: 5000, vrf: red, exportRTs: ["65001:5000", "65001:777"]}]
  l2vnis: [{vni: 300, ports: [l2host], vrf: red, gatewayIPs: [10.30.0.1/24]}]
  bgp:
    asn: 65001
    routerId: 10.100.0.1
    neighbors:
      - {address: 10.100.0.2, asn: 64512, description: calico-node, holdTime: 240}
      - {address: 10.100.0.3, asn: 65003, families: [l2vpn-evpn], description: exabgp}
EOF

# BIRD 2 translation of Calico's confd output (bird.cfg, bird_aggr.cfg, bird_ipam.cfg).
cat >"$T/bird.conf" <<EOF
log stderr all;
router id 10.100.0.2;
protocol static { ipv4; route 10.244.1.64/26 blackhole; }
function calico_aggr() {
  if ( net = 10.244.1.64/26 ) then { accept; }
  if ( net ~ 10.244.1.64/26 ) then { reject; }
}
filter calico_export_to_bgp_peers {
  calico_aggr();
  if ( net ~ 10.244.0.0/16 ) then { accept; }
  reject;
}
filter calico_kernel_programming { accept; }
protocol kernel {
  learn; persist; scan time 2; graceful restart; merge paths on;
  ipv4 { import all; export filter calico_kernel_programming; };
}
protocol device { scan time 2; }
protocol direct { ipv4; interface -"cali*", -"kube-ipvs*", "*"; }
template bgp bgp_template {
  description "Connection to BGP peer";
  local as 64512;
  graceful restart;
  connect delay time 2;
  connect retry time 5;
  error wait time 5,30;
  ipv4 { gateway recursive; import all; export filter calico_export_to_bgp_peers; add paths on; };
}
protocol bgp Global_10_100_0_1 from bgp_template {
  neighbor 10.100.0.1 as 65001;
  source address 10.100.0.2;
}
EOF

cat >"$T/exa-dump.py" <<EOF
import sys
with open("$T/exabgp.jsonl", "a") as f:
    for line in sys.stdin:
        f.write(line)
        f.flush()
EOF
cat >"$T/exabgp.conf" <<EOF
process dump {
  run $PGT_PY $T/exa-dump.py;
  encoder json;
}
neighbor 10.100.0.1 {
  router-id 10.100.0.3;
  local-address 10.100.0.3;
  local-as 65003;
  peer-as 65001;
  family { l2vpn evpn; }
  api { processes [ dump ]; receive { parsed; update; } }
}
EOF
: >"$T/exabgp.jsonl"

step "daemons"
cap_start bgp exa eth0 tcp port 179
if pg_start pe "$T/pg.yaml"; then pass "peregrine starts"; else
	fail "peregrine starts"
	pgt_finish
fi
pgt_bg bird "bird -f -c $T/bird.conf" bird bird -f -c "$T/bird.conf" -s "$T/bird.ctl" -P "$T/bird.pidf"
pgt_bg exabgp "exabgp $T/exabgp.conf" exa env exabgp.daemon.user=root exabgp.daemon.daemonize=false \
	exabgp.log.destination="$T/exabgp.log" exabgp "$T/exabgp.conf"

state_of() { pgj show bgp summary | jq -r --arg a "$1" '.peers[] | select(.neighbor == $a) | .state'; }
est() { [ "$(state_of "$1")" = Established ]; }
expect "BIRD (Calico node) session Established" wait_until 40 est 10.100.0.2
expect "ExaBGP session Established" wait_until 40 est 10.100.0.3
caps_ok() {
	pgj show bgp neighbor 10.100.0.2 | jq -r '.capabilities_received, .hold_time'
	local j
	j=$(pgj show bgp neighbor 10.100.0.2)
	jq -e '(.capabilities_received | test("add-path")) and (.capabilities_received | test("graceful-restart")) and (.capabilities_received | test("as4\\(64512\\)")) and .hold_time == 240 and .families == ["ipv4-unicast"]' <<<"$j" >/dev/null
}
check "BIRD's ADD-PATH and GR capabilities tolerated, AS4 64512, hold 240, IPv4 unicast" caps_ok
bird_sees() {
	birdc -s "$T/bird.ctl" show protocols Global_10_100_0_1 | tail -n 1
	birdc -s "$T/bird.ctl" show protocols Global_10_100_0_1 | grep -q Established
}
check "birdc: the protocol is Established" bird_sees

step "the Calico node's block"
block_ok() {
	pgj show bgp ipv4 | jq -c '.[]'
	pgj show bgp ipv4 | jq -e '.[] | select(.prefix == "10.244.1.64/26") | .nexthop == "10.100.0.2" and .as_path == "64512"' >/dev/null &&
		[ "$(pgj show bgp ipv4 | jq length)" = 1 ]
}
expect "Peregrine learned 10.244.1.64/26 (next hop 10.100.0.2, AS path 64512) and nothing else (Calico's export filter)" wait_until 20 block_ok
fib_ok() { pgj show route | jq -e '.routes[] | select(.prefix == "10.244.1.64/26" and .origin == "bgp") | .nexthop | test("via 10.100.0.2")' >/dev/null; }
expect "installed in the default VRF via 10.100.0.2" wait_until 10 fib_ok

step "what Peregrine sent, seen by ExaBGP and by an independent decoder"
check "the L2VNI host pings its gateway 10.30.0.1 (its MAC learned, its address resolved)" ping_ok l2h 10.30.0.1 3
exa_routes() {
	"$PGT_PY" - "$T/exabgp.jsonl" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    try:
        d = json.loads(line)
    except ValueError:
        continue
    if d.get("type") != "update":
        continue
    u = d["neighbor"]["message"].get("update")
    if u is None:  # End-of-RIB
        continue
    ec = [e.get("string") for e in u.get("attribute", {}).get("extended-community", [])]
    for nh, routes in u.get("announce", {}).get("l2vpn evpn", {}).items():
        for r in routes:
            print(json.dumps({"code": r["code"], "rd": r["rd"], "ip": r.get("ip"), "iplen": r.get("iplen"),
                              "label": r.get("label"), "nexthop": nh, "ec": ec,
                              "as_path": u["attribute"].get("as-path")}))
EOF
}
exa_ok() {
	exa_routes | tee "$T/exa-routes.txt"
	grep -q '"code": 5' "$T/exa-routes.txt" &&
		grep '"code": 5' "$T/exa-routes.txt" | grep -q '"rd": "10.100.0.1:1"' &&
		grep '"code": 5' "$T/exa-routes.txt" | grep -q '"ip": "192.168.60.0"' &&
		grep '"code": 5' "$T/exa-routes.txt" | grep -q '"nexthop": "10.100.0.1"' &&
		grep '"code": 5' "$T/exa-routes.txt" | grep -q 'target:65001:5000' &&
		grep '"code": 5' "$T/exa-routes.txt" | grep -q 'target:65001:777' &&
		grep '"code": 5' "$T/exa-routes.txt" | grep -qi 'encap:VXLAN'
}
expect "ExaBGP parsed our type-5: RD 10.100.0.1:1, 192.168.60.0/24, next hop 10.100.0.1, RTs 65001:5000 and 65001:777, encap VXLAN" wait_until 20 exa_ok
exa_l2() {
	grep '"code": 3' "$T/exa-routes.txt" | grep '"rd": "10.100.0.1:512"' | grep '"ip": "10.100.0.1"' |
		grep -q 'target:65001:300' &&
		[ "$(grep '"code": 2' "$T/exa-routes.txt" | grep -c '"rd": "10.100.0.1:512"')" -ge 2 ] &&
		grep '"code": 2' "$T/exa-routes.txt" | grep '"ip": "10.30.0.10"' | grep 'target:65001:300' |
		grep -q 'target:65001:5000'
}
expect "ExaBGP parsed our type-3 (RD 10.100.0.1:512, originator 10.100.0.1, RT 65001:300) and the host's type-2 MAC and MAC/IP (RTs of both VNIs)" wait_until 20 eval 'exa_routes >"$T/exa-routes.txt"; exa_l2'
cap_stop bgp
"$PGT_PY" "$PGT_LIB_DIR/bgp_decode.py" "$T/bgp.pcap" --from 10.100.0.1 >"$T/decoded.jsonl" 2>"$T/decode.err" || true
dec_ok() {
	cat "$T/decoded.jsonl"
	jq -se 'map(select(.family == "l2vpn-evpn" and .type == 5 and .prefix == "192.168.60.0/24")) | length == 1 and
		(.[0] | .rd == "10.100.0.1:1" and .prefix == "192.168.60.0/24" and .labels == [5000] and
		 .nexthop == "10.100.0.1" and .as_path == [65001] and .gw == "0.0.0.0" and
		 (.ext_communities | sort) == ["encap:8", "rmac:02:50:47:00:13:88", "rt:65001:5000", "rt:65001:777"])' "$T/decoded.jsonl" >/dev/null
}
check "the decoder agrees: label (VNI) 5000, gateway 0.0.0.0, the configured export RTs 65001:5000 and 65001:777, router MAC 02:50:47:00:13:88 (ExaBGP 4.2 cannot decode that one), AS path 65001" dec_ok
agree() {
	# ExaBGP prints the 24-bit label field as [[label>>4, raw]]: its raw value must be our VNI
	grep '"code": 5' "$T/exa-routes.txt" | grep -q '5000\]\]'
}
check "ExaBGP's view of the label field holds the VNI 5000 the decoder read" agree
eor_ok() { jq -se 'map(select(.family == "l2vpn-evpn")) | length >= 1' "$T/decoded.jsonl" >/dev/null && grep -q 'eor' "$T/exabgp.jsonl"; }
check "ExaBGP saw our End-of-RIB for EVPN" eor_ok
dec_l2() {
	local ann
	ann=$(jq -sc 'map(select(.family == "l2vpn-evpn" and (.withdraw | not) and (.type == 2 or .type == 3)))' "$T/decoded.jsonl")
	jq -e 'map(select(.type == 3)) | length == 1 and (.[0] | .rd == "10.100.0.1:512" and .ip == "10.100.0.1" and
		.pmsi == {"type": 6, "label": 300, "id": "10.100.0.1"} and (.ext_communities | sort) == ["encap:8", "rt:65001:300"])' <<<"$ann" >/dev/null &&
		jq -e 'map(select(.type == 2 and .mac == "02:00:00:00:03:0a" and .labels == [300] and (.ext_communities | sort) == ["encap:8", "rt:65001:300"])) | length >= 1' <<<"$ann" >/dev/null &&
		jq -e 'map(select(.type == 2 and .mac == "02:00:00:00:03:0a" and .ip == "10.30.0.10" and .labels == [300, 5000] and
			(.ext_communities | sort) == ["encap:8", "rmac:02:50:47:00:13:88", "rt:65001:300", "rt:65001:5000", "rt:65001:777"])) | length >= 1' <<<"$ann" >/dev/null
}
check "the decoder agrees: type-3 with PMSI ingress replication (label 300, tunnel 10.100.0.1); type-2 MAC label [300]; MAC/IP labels [300, 5000] with both VNIs' RTs and our router MAC" dec_l2

step "shutdown"
pg_stop_check "peregrine exits cleanly on SIGINT" pe "" ""
bird_down() { ! birdc -s "$T/bird.ctl" show protocols Global_10_100_0_1 | grep -q Established; }
expect "BIRD saw the session end" wait_until 10 bird_down
pgt_finish
