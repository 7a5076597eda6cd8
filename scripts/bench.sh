#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Fast-path benchmark: every path on one worker core against dpdk-testpmd io (the I/O floor) and,
# for the VXLAN paths, Open vSwitch-DPDK (userspace VXLAN tunnel), on the same input pcap, sink,
# memory mode and core, in the same run.
#
#   scripts/bench.sh [--json] [--routes N] [--macs M] [--duration S] [--runs R] [--paths "p1 p2"]
#                    [--frames "64 imix"] [--no-ovs] [--no-huge]
#   scripts/bench.sh --write-pcaps DIR [--routes N] [--macs M] [--paths ...] [--frames ...]
#
# Source: net_pcap infinite_rx (64-byte frames, or the simple IMIX 7x64:4x576:1x1500; encap paths:
# inner frames of those sizes), sink: net_null. Peregrine's FIB holds N random prefixes (default
# 1M) and destinations are spread over them; the L2VNI paths' FDB holds M MACs (default 65536).
# Figures: Mpps, TSC cycles per packet (TSC Hz / packet rate, the worker core is 100% busy), Gbit/s
# (frames with FCS, without preamble and gap), the ratio to the I/O floor and Peregrine/OVS.
# Floor, Peregrine and OVS runs alternate; with --runs R (default 5) each side's figure is its
# best run (this VM slows down in bursts by tens of percent, so the fastest run is the least
# disturbed one), the ratios are best against best, the spread (slowest/fastest Peregrine run) and
# the medians of the runs are printed too. OVS (Debian's openvswitch-switch-dpdk) is started
# privately for each run (own DB, run dir and network namespace, PMD thread on the worker's core).
# --write-pcaps DIR writes every path's input pcap (64 B and IMIX) for a line-rate lab and exits:
# see docs/PERFORMANCE.md, "Generator mode".
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
json=0 routes=1000000 macs=65536 duration=3 runs=5 huge=auto ovs=1 frames=64 pcapdir=
paths="underlay vxlan-encap vxlan-decap ipip-encap ipip-decap l2vni-encap l2vni-decap"
mbufs=8191
frames_set=0
while [ $# -gt 0 ]; do
  case "$1" in
    --json) json=1 ;;
    --routes) routes=$2; shift ;;
    --macs) macs=$2; shift ;;
    --duration) duration=$2; shift ;;
    --runs) runs=$2; shift ;;
    --paths) paths=$2; shift ;;
    --frames) frames=$2; frames_set=1; shift ;;
    --no-ovs) ovs=0 ;;
    --no-huge) huge=off ;;
    --write-pcaps) pcapdir=$2; shift ;;
    -h|--help) sed -n '3,22p' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown option $1" >&2; exit 64 ;;
  esac
  shift
done
for f in $frames; do
  case "$f" in 64|imix) ;; *) echo "bench.sh: --frames takes 64 and/or imix" >&2; exit 64 ;; esac
done

"$top/scripts/install-deps.sh"
"$top/scripts/build.sh" "$top/build"
bench="$top/build/tests/bench/peregrine-bench"

# The addresses the pcaps use (tests/bench/pg_bench.c) and a lab DUT must be configured with.
pcap_assumptions() {
  cat <<EOF
# Peregrine-bench pcaps ($routes routes, $macs MACs; see docs/PERFORMANCE.md, Generator mode).
# Every frame is addressed to the DUT port that receives it: Ethernet destination 02:00:00:00:00:0a.
# underlay, ipip-encap:  IPv4/UDP from 10.0.2.0/24 to the random prefixes (seeded: same --routes,
#                        same prefixes); the DUT routes them to 16 next hops 10.0.1.2-10.0.1.17.
# vxlan-encap:           the same frames on a host port in VRF red (L3VNI 100, router MAC
#                        02:00:00:00:01:00); remote VTEPs 10.0.1.2-10.0.1.17 (router MAC
#                        66:00:00:00:02:64), our VTEP 10.0.0.1.
# vxlan-decap:           VXLAN VNI 100 from VTEPs 10.0.0.2-10.0.0.17 to 10.0.0.1 (UDP 4789), inner
#                        frames to 02:00:00:00:01:00, routed in VRF red to 10.0.1.2-10.0.1.17.
# ipip-encap/decap:      IPIP to/from 10.0.1.2-10.0.1.17 (encap) or 10.0.0.2-10.0.0.17 (decap)
#                        and our VTEP 10.0.0.1.
# l2vni-encap:           bridged frames (L2VNI 200) from 256 hosts 02:4c:00:XX:XX:XX to $macs MACs
#                        02:52:00:00:00:00.. behind VTEPs 10.0.1.2-10.0.1.17 (MAC i behind
#                        VTEP 10.0.1.2 + i % 16).
# l2vni-decap:           VXLAN VNI 200 from VTEPs 10.0.0.2-10.0.0.17 to 10.0.0.1, inner frames to
#                        $macs MACs 02:4c:00:00:00:00.. on the bridged port.
# Frames: 64 = 64 bytes on the wire (inner frame for encap paths); imix = 7x64:4x576:1x1500, in
# a pattern of 12. Every pcap has 4096 frames. DUT configurations for a two-port lab:
# conf/bench-lab-decap.yaml (vxlan-decap, ipip-decap), conf/bench-lab-encap.yaml (vxlan-encap).
EOF
}

if [ -n "$pcapdir" ]; then
  [ "$frames_set" = 1 ] || frames="64 imix"
  mkdir -p "$pcapdir"
  pcap_assumptions > "$pcapdir/README.txt"
  for fr in $frames; do
    for p in $paths; do
      "$bench" --path "$p" --routes "$routes" --macs "$macs" --frames "$fr" --json \
        --write-pcap "$pcapdir/$p-$fr.pcap"
    done
  done | tee "$pcapdir/pcaps.json"
  cat "$pcapdir/README.txt" >&2
  exit 0
fi

work=$(mktemp -d /tmp/pg-bench.XXXXXX)
ovs_ns="pgbench-ovs-$$"
cleanup() {
  ovs_stop 2>/dev/null || true
  ip netns del "$ovs_ns" 2>/dev/null || true
  rm -rf "$work"
  [ -n "${restore_huge:-}" ] && echo "$restore_huge" > /proc/sys/vm/nr_hugepages
  true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mem_mb=2560
mem_args=(--no-huge -m "$mem_mb" --no-shconf)
mode="no-huge"
ovs_mem="--no-huge --legacy-mem -m 1024"
if [ "$huge" = auto ]; then
  want=$(( mem_mb / 2 + 64 ))
  have=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
  if [ "$have" -lt "$want" ]; then
    total=$(cat /proc/sys/vm/nr_hugepages)
    echo $(( total + want - have )) > /proc/sys/vm/nr_hugepages 2>/dev/null || true
    restore_huge=$total
    have=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
  fi
  if [ "$have" -ge "$want" ]; then
    mem_args=(--in-memory -m "$mem_mb")
    mode="hugepages"
    ovs_mem="" # OVS adds --in-memory itself
  fi
fi
eal_common=(-l 0-1 --no-pci "--log-level=*:warning" "${mem_args[@]}")

median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) print 0; else print a[int((NR+1)/2)]}'; }
best() { sort -g | tail -n 1; }
worst() { sort -g | head -n 1; }

# testpmd io over the same pcap: Mpps of port 0, median of the per-second samples after warm-up.
floor_run() {
  local pcap=$1 out="$work/testpmd.out"
  timeout $(( ${duration%.*} + 4 )) dpdk-testpmd "${eal_common[@]}" --file-prefix pgbench-tp \
    --vdev "net_pcap0,rx_pcap=$pcap,infinite_rx=1" --vdev "net_null0,no-rx=1" -- \
    --forward-mode=io --nb-cores=1 --total-num-mbufs=$mbufs --stats-period 1 --no-lsc-interrupt \
    >"$out" 2>&1 || true
  awk '/NIC statistics for port 0/ {p=1; next} /NIC statistics for port/ {p=0} p && /Rx-pps:/ {print $2}' "$out" |
    awk '$1 > 0' | tail -n +2 | median | awk '{printf "%.3f\n", $1/1e6}'
}

# ---- Open vSwitch-DPDK (userspace datapath) doing the same work as Peregrine's VXLAN paths ----
# br-int holds the host side (and the vxlan port), br-phy the underlay side: its LOCAL port (a tap
# in our namespace) carries the VTEP address, which is how OVS's native tunnelling routes,
# resolves (tnl/arp/set) and terminates tunnels. The input port is net_pcap on the same pcap as
# Peregrine, the output net_null (or net_pcap tx to a file for the check).
#   vxlan-encap: in_port=pin,ip -> rewrite MACs (router MAC -> remote router MAC), dec_ttl, out vx0
#                (key 100, remote 10.0.1.2 via br-phy 10.0.1.1/24) -> pout
#   vxlan-decap: pin (br-phy, 10.0.0.1/24, MAC 02:00:00:00:00:0a) -> LOCAL = tnl_pop -> vx0
#                (key 100, remote_ip=flow) -> rewrite MACs, dec_ttl, out pout
#   l2vni-encap: in_port=pin -> vx0 (key 200) unchanged; l2vni-decap: vx0 (key 200) -> pout unchanged
# Both OVS ports have a 1600-byte MTU (IMIX: 1500-byte frames in VXLAN; Peregrine's have 9000).
# OVS gets one OpenFlow rule where Peregrine looks up a 1M-route FIB or a 64k-MAC FDB: its cached
# datapath (EMC, megaflows) does not depend on the table size, so this favours OVS if anything.
ovs_dir="$work/ovs"
ovs_vswitchd=/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk
ovs_has_path() {
  case "$1" in vxlan-encap|vxlan-decap|l2vni-encap|l2vni-decap) [ "$ovs" = 1 ] && [ -x "$ovs_vswitchd" ] ;; *) false ;; esac
}
ovs_vsctl() { ovs-vsctl --db="unix:$ovs_dir/db.sock" --timeout=20 "$@"; }
ovs_ofctl() { OVS_RUNDIR=$ovs_dir ovs-ofctl "$@"; }
ovs_appctl() { ovs-appctl -t "$ovs_dir/ovs-vswitchd.ctl" "$@"; }
pid_stop() { # pidfile: TERM, wait up to 5 s, then KILL (the daemons detached: not our children)
  local f=$1 pid i
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  kill "$pid" 2>/dev/null || return 0
  for i in $(seq 50); do
    { [ -e "/proc/$pid" ] && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null; } || return 0
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
}
ovs_stop() {
  [ -d "$ovs_dir" ] || return 0
  pid_stop "$ovs_dir/ovs-vswitchd.pid"
  pid_stop "$ovs_dir/ovsdb-server.pid"
  rm -rf "/var/run/dpdk/pgbench-ovs" "$ovs_dir"
  ip netns del "$ovs_ns" 2>/dev/null || true
}
ovs_port_stat() { # bridge port rx|tx -> packets
  ovs_ofctl dump-ports "$1" "$2" 2>/dev/null |
    awk -v k="$3" '$0 ~ /port/ && $0 ~ /rx pkts/ {r=$0} /tx pkts/ {t=$0}
      END { s = (k == "rx" ? r : t); sub(/.*pkts=/, "", s); sub(/,.*/, "", s); print s + 0 }'
}
# ovs_start PATH RX-DEVARGS SINK-DEVARGS: a private OVS doing PATH's work, input port attached last.
ovs_start() {
  local p=$1 rx=$2 sink=$3 key=100 i
  case "$p" in l2vni-*) key=200 ;; esac
  mkdir -p "$ovs_dir"
  export OVS_RUNDIR=$ovs_dir OVS_LOGDIR=$ovs_dir OVS_DBDIR=$ovs_dir
  ip netns add "$ovs_ns"
  ip netns exec "$ovs_ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ovsdb-tool create "$ovs_dir/conf.db" /usr/share/openvswitch/vswitch.ovsschema
  ovsdb-server "$ovs_dir/conf.db" --remote=punix:"$ovs_dir/db.sock" --pidfile="$ovs_dir/ovsdb-server.pid" \
    --log-file="$ovs_dir/ovsdb-server.log" --unixctl="$ovs_dir/ovsdb-server.ctl" --detach 2>/dev/null
  ovs_vsctl --no-wait init
  ovs_vsctl --no-wait set Open_vSwitch . other_config:dpdk-init=true \
    "other_config:dpdk-extra=$ovs_mem --no-pci --file-prefix pgbench-ovs --log-level=*:warning" \
    other_config:dpdk-lcore-mask=0x1 other_config:pmd-cpu-mask=0x2 other_config:per-port-memory=true
  ip netns exec "$ovs_ns" "$ovs_vswitchd" unix:"$ovs_dir/db.sock" --pidfile="$ovs_dir/ovs-vswitchd.pid" \
    --log-file="$ovs_dir/ovs-vswitchd.log" --unixctl="$ovs_dir/ovs-vswitchd.ctl" --detach >/dev/null 2>&1
  for i in $(seq 100); do
    [ "$(ovs_vsctl get Open_vSwitch . dpdk_initialized 2>/dev/null)" = true ] && break
    sleep 0.2
  done
  [ "$(ovs_vsctl get Open_vSwitch . dpdk_initialized 2>/dev/null)" = true ] || { echo "bench: OVS-DPDK did not initialise (see $ovs_dir/ovs-vswitchd.log)" >&2; return 1; }
  local placeholder="net_null9,no-rx=1" # the input port, until the flows are in place
  case "$p" in
    *-encap)
      ovs_vsctl add-br br-phy -- set bridge br-phy datapath_type=netdev other_config:hwaddr=02:00:00:00:00:0b \
        -- add-port br-phy pout -- set Interface pout type=dpdk mtu_request=1600 "options:dpdk-devargs=$sink"
      ip -n "$ovs_ns" addr add 10.0.1.1/24 dev br-phy
      ip -n "$ovs_ns" link set br-phy up
      ovs_vsctl add-br br-int -- set bridge br-int datapath_type=netdev \
        -- add-port br-int vx0 -- set Interface vx0 type=vxlan options:remote_ip=10.0.1.2 \
           options:local_ip=10.0.1.1 options:key=$key \
        -- add-port br-int pin -- set Interface pin type=dpdk mtu_request=1600 "options:dpdk-devargs=$placeholder"
      ovs_ofctl del-flows br-phy
      ovs_ofctl add-flow br-phy "in_port=LOCAL,actions=output:pout"
      ovs_ofctl del-flows br-int
      if [ "$p" = vxlan-encap ]; then
        ovs_ofctl add-flow br-int "in_port=pin,ip,actions=mod_dl_src:02:00:00:00:01:00,mod_dl_dst:66:00:00:00:02:64,dec_ttl,output:vx0"
      else
        ovs_ofctl add-flow br-int "in_port=pin,actions=output:vx0"
      fi
      ovs_appctl tnl/arp/set br-phy 10.0.1.2 02:00:00:00:10:00 >/dev/null
      ovs_pin=(br-int pin) ovs_pout=(br-phy pout) ;;
    *-decap)
      ovs_vsctl add-br br-phy -- set bridge br-phy datapath_type=netdev other_config:hwaddr=02:00:00:00:00:0a \
        -- add-port br-phy pin -- set Interface pin type=dpdk mtu_request=1600 "options:dpdk-devargs=$placeholder"
      ip -n "$ovs_ns" addr add 10.0.0.1/24 dev br-phy
      ip -n "$ovs_ns" link set br-phy up
      ovs_vsctl add-br br-int -- set bridge br-int datapath_type=netdev \
        -- add-port br-int vx0 -- set Interface vx0 type=vxlan options:remote_ip=flow \
           options:local_ip=10.0.0.1 options:key=$key \
        -- add-port br-int pout -- set Interface pout type=dpdk mtu_request=1600 "options:dpdk-devargs=$sink"
      ovs_ofctl del-flows br-phy
      ovs_ofctl add-flow br-phy "in_port=pin,actions=LOCAL"
      ovs_ofctl del-flows br-int
      if [ "$p" = vxlan-decap ]; then
        ovs_ofctl add-flow br-int "in_port=vx0,ip,actions=mod_dl_src:02:00:00:00:00:0b,mod_dl_dst:02:00:00:00:10:00,dec_ttl,output:pout"
      else
        ovs_ofctl add-flow br-int "in_port=vx0,actions=output:pout"
      fi
      ovs_pin=(br-phy pin) ovs_pout=(br-int pout) ;;
  esac
  ovs_vsctl set Interface pin "options:dpdk-devargs=$rx"
  for i in $(seq 50); do
    [ "$(ovs_port_stat "${ovs_pin[@]}" rx)" -gt 0 ] && return 0
    sleep 0.1
  done
  echo "bench: OVS receives nothing on $rx (see $ovs_dir/ovs-vswitchd.log)" >&2
  return 1
}
now_ns() { date +%s%N; }
# One measured OVS run: "Mpps forwarded-ratio" (rx rate of the input port over DURATION s after
# a 1 s warm-up, as peregrine-bench measures; forwarded = tx of the output port / rx).
ovs_run() {
  local p=$1 pcap=$2 t0 t1 r0 r1 x0 x1
  if ! ovs_start "$p" "net_pcap_ovs0,rx_pcap=$pcap,infinite_rx=1" "net_null_ovs0,no-rx=1"; then
    ovs_stop; echo "0 0"; return
  fi
  sleep 1
  t0=$(now_ns); r0=$(ovs_port_stat "${ovs_pin[@]}" rx); x0=$(ovs_port_stat "${ovs_pout[@]}" tx)
  sleep "$duration"
  t1=$(now_ns); r1=$(ovs_port_stat "${ovs_pin[@]}" rx); x1=$(ovs_port_stat "${ovs_pout[@]}" tx)
  ovs_stop
  awk -v t="$(( t1 - t0 ))" -v r="$(( r1 - r0 ))" -v x="$(( x1 - x0 ))" \
    'BEGIN { printf "%.3f %.4f\n", r / (t / 1e9) / 1e6, (r > 0 ? x / r : 0) }'
}
# Before measuring: OVS reads the pcap once and writes what it sends to a pcap, which must hold
# only frames of the expected form (and at least half the input: the first packets of each flow
# wait for the upcall and some are dropped).
ovs_check() {
  local p=$1 pcap=$2 out="$work/ovs-out.pcap" filter n m i
  rm -f "$out"
  ovs_start "$p" "net_pcap_ovs0,rx_pcap=$pcap" "net_pcap_ovs1,tx_pcap=$out" || { ovs_stop; return 1; }
  for i in $(seq 30); do
    [ "$(ovs_port_stat "${ovs_pin[@]}" rx)" -ge 4096 ] && break
    sleep 0.1
  done
  sleep 0.5
  ovs_stop
  case "$p" in
    vxlan-encap) filter="vxlan.vni == 100 && ip.src == 10.0.1.1 && ip.dst == 10.0.1.2 && eth.dst == 66:00:00:00:02:64 && ip.ttl == 63" ;;
    vxlan-decap) filter="!(udp.dstport == 4789) && eth.src == 02:00:00:00:00:0b && eth.dst == 02:00:00:00:10:00 && ip.ttl == 63" ;;
    l2vni-encap) filter="vxlan.vni == 200 && ip.dst == 10.0.1.2 && eth.dst[0:2] == 02:52" ;;
    l2vni-decap) filter="!(udp.dstport == 4789) && eth.dst[0:2] == 02:4c && ip.ttl == 64" ;;
  esac
  n=$(tshark -r "$out" 2>/dev/null | wc -l)
  m=$(tshark -r "$out" -Y "$filter" 2>/dev/null | wc -l)
  if [ "$n" -lt 2048 ] || [ "$m" -ne "$n" ]; then
    echo "bench: OVS $p check failed: $m of $n frames sent match '$filter'" >&2
    return 1
  fi
  [ "$json" = 1 ] || echo "# OVS $p checked: $m of 4096 frames out, all of the expected form" >&2
}

ovs_version=$([ -x "$ovs_vswitchd" ] && "$ovs_vswitchd" --version 2>/dev/null | awk 'NR==1 {print $NF}' || echo none)
[ "$json" = 1 ] || printf '# memory: %s, mempool %d mbufs, %d routes, %d MACs, %ss per run, %d run(s), OVS %s\n' \
  "$mode" $mbufs "$routes" "$macs" "$duration" "$runs" "$([ "$ovs" = 1 ] && echo "$ovs_version" || echo off)"
[ "$json" = 1 ] || printf '%-12s %10s %12s %12s %14s %8s %7s %10s %12s %7s %7s %6s %10s\n' path "peregrine" "cycles/pkt" \
  "io floor" "floor cyc/pkt" ratio spread "ovs" "ovs cyc/pkt" "vs ovs" "Gbit/s" frames "median"
status=0
for fr in $frames; do
for p in $paths; do
  pcap="$work/$p-$fr.pcap"
  info=$("$bench" --path "$p" --routes "$routes" --macs "$macs" --frames "$fr" --json --write-pcap "$pcap")
  wire=$(echo "$info" | sed -n 's/.*"avg_wire_bytes":\([0-9.]*\).*/\1/p')
  do_ovs=0
  if ovs_has_path "$p"; then
    if ovs_check "$p" "$pcap"; then do_ovs=1; else status=1; fi
  fi
  pg_mpps=() pg_cpp=() fl=() ov=()
  for r in $(seq "$runs"); do
    fl+=("$(floor_run "$pcap")")
    line=$("$bench" --path "$p" --routes "$routes" --macs "$macs" --pcap "$pcap" --duration "$duration" \
      --mbufs $mbufs --json -- "${eal_common[@]}" --file-prefix pgbench-pg 2>/dev/null | grep '^{') ||
      { echo "bench: $p failed: $line" >&2; status=1; }
    pg_mpps+=("$(echo "$line" | sed -n 's/.*"mpps":\([0-9.]*\).*/\1/p')")
    pg_cpp+=("$(echo "$line" | sed -n 's/.*"cycles_per_packet":\([0-9.]*\).*/\1/p')")
    if [ "$do_ovs" = 1 ]; then
      read -r om ofwd < <(ovs_run "$p" "$pcap")
      if awk -v f="$ofwd" 'BEGIN { exit !(f < 0.99) }'; then
        echo "bench: OVS $p forwarded only $ofwd of what it received" >&2; status=1
      fi
      ov+=("$om")
    fi
  done
  m=$(printf '%s\n' "${pg_mpps[@]}" | best)
  c=$(printf '%s\n' "${pg_cpp[@]}" | worst)
  f=$(printf '%s\n' "${fl[@]}" | best)
  mm=$(printf '%s\n' "${pg_mpps[@]}" | median)
  mc=$(printf '%s\n' "${pg_cpp[@]}" | median)
  mf=$(printf '%s\n' "${fl[@]}" | median)
  tsc=$(awk -v c="$c" -v m="$m" 'BEGIN { printf "%.0f", c * m * 1e6 }') # TSC Hz = cycles/pkt * pkt/s
  cyc() { awk -v t="$tsc" -v m="$1" 'BEGIN { if (m > 0) printf "%.1f", t / m / 1e6; else print 0 }'; }
  div() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print 0 }'; }
  gbit() { awk -v m="$1" -v w="$wire" 'BEGIN { printf "%.2f", m * w * 8 / 1000 }'; }
  fc=$(cyc "$f")
  ratio=$(div "$m" "$f")
  spread=$(div "$(printf '%s\n' "${pg_mpps[@]}" | worst)" "$m")
  if [ "$do_ovs" = 1 ]; then
    o=$(printf '%s\n' "${ov[@]}" | best) mo=$(printf '%s\n' "${ov[@]}" | median)
    oc=$(cyc "$o") vo=$(div "$m" "$o") mvo=$(div "$mm" "$mo")
  else
    o=null mo=null oc=null vo=null mvo=null
  fi
  if [ "$json" = 1 ]; then
    printf '{"path":"%s","mpps":%s,"cycles_per_packet":%s,"io_floor_mpps":%s,"io_floor_cycles_per_packet":%s,"ratio_to_io_floor":%s,"spread":%s,"routes":%d,"memory":"%s","runs":%d' \
      "$p" "$m" "$c" "$f" "$fc" "$ratio" "$spread" "$routes" "$mode" "$runs"
    printf ',"frames":"%s","avg_wire_bytes":%s,"gbps":%s,"io_floor_gbps":%s,"macs":%d' \
      "$fr" "$wire" "$(gbit "$m")" "$(gbit "$f")" "$macs"
    printf ',"ovs_mpps":%s,"ovs_cycles_per_packet":%s,"ratio_to_ovs":%s,"ovs_gbps":%s,"ovs_version":%s' \
      "$o" "$oc" "$vo" "$([ "$do_ovs" = 1 ] && gbit "$o" || echo null)" "$([ "$do_ovs" = 1 ] && echo "\"$ovs_version\"" || echo null)"
    printf ',"median_mpps":%s,"median_cycles_per_packet":%s,"io_floor_median_mpps":%s,"median_ratio_to_io_floor":%s,"ovs_median_mpps":%s,"median_ratio_to_ovs":%s}\n' \
      "$mm" "$mc" "$mf" "$(div "$mm" "$mf")" "$mo" "$mvo"
  else
    ocol="$o Mpps"
    [ "$do_ovs" = 1 ] || { ocol=- oc=- vo=-; }
    printf '%-12s %7s Mpps %12s %7s Mpps %14s %8s %7s %10s %12s %7s %7s %6s %5s Mpps\n' "$p" "$m" "$c" "$f" "$fc" \
      "$ratio" "$spread" "$ocol" "$oc" "$vo" "$(gbit "$m")" "$fr" "$mm"
  fi
done
done
exit $status
