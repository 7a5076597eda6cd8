#!/usr/bin/env bash
# shellcheck disable=SC2317 # the count_* functions are called indirectly ("count_$tgt")
# SPDX-License-Identifier: BSD-3-Clause
# Control-plane convergence benchmark: one deterministic BGP feed (tests/bench/bgp_inject.c) into
# Peregrine, BIRD, FRR and GoBGP, one target at a time, in network namespaces.
#
#   scripts/bench-bgp.sh [--json] [--routes N] [--runs R] [--feeds "F..."] [--targets "T..."]
#
# Feeds (default "ipv4:100000 ipv4:1000000 evpn:100000 ipv4-diverse:1000000"; --routes N makes it
# "ipv4:N evpn:N ipv4-diverse:N"; a feed given without :N takes --routes): ipv4 = N random /16../24 prefixes with one attribute set,
# ipv4-diverse = the same with 1000 attribute sets (AS paths of 1-5, 0-4 communities), evpn = N
# EVPN type-5 routes (RT 65010:5000, VXLAN, router MAC) that Peregrine imports into VRF red
# (L3VNI 5000). Targets: peregrine bird frr gobgp (BIRD 2.0 has no EVPN). Method and results:
# docs/BENCH-BGP.md.
#
# Figures per target and feed: seconds from the injector's Established to "all there" (Peregrine:
# all routes installed in the FIB, `show bgp memory` fib_installed; BIRD: routes imported; FRR:
# pfxRcd; GoBGP: accepted), the CPU time the daemon used meanwhile (Peregrine: its control thread;
# the others: the whole process), routes/s, peak RSS of the daemon (VmHWM) and bytes per route
# ((VmHWM after - VmRSS before) / N). Each daemon is started fresh for every run; the median of
# --runs R runs (default: 3 for feeds below 1M routes, 1 from 1M) is printed. Logs: /tmp/pgb-bench.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
json=0 routes="" runs="" feeds="" targets="peregrine bird frr gobgp"
while [ $# -gt 0 ]; do
  case "$1" in
    --json) json=1 ;;
    --routes) routes=$2; shift ;;
    --runs) runs=$2; shift ;;
    --feeds) feeds=$2; shift ;;
    --targets) targets=$2; shift ;;
    -h|--help) sed -n '4,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench-bgp.sh: unknown option $1" >&2; exit 64 ;;
  esac
  shift
done
if [ -z "$feeds" ]; then
  if [ -n "$routes" ]; then feeds="ipv4:$routes evpn:$routes ipv4-diverse:$routes"
  else feeds="ipv4:100000 ipv4:1000000 evpn:100000 ipv4-diverse:1000000"; fi
fi
[ "$(id -u)" -eq 0 ] || { echo "bench-bgp.sh: must run as root (network namespaces)" >&2; exit 2; }

"$top/scripts/install-deps.sh"
build=${PG_BUILD:-$top/build}
"$top/scripts/build.sh" "$build"
PG_BIN="$build/control/peregrine"
PGCTL="$build/control/peregrinectl"
INJ="$build/tests/bench/peregrine-bgp-inject"
POLL="$top/tests/bench/bgp_poll.py"
for b in "$PG_BIN" "$PGCTL" "$INJ"; do [ -x "$b" ] || { echo "bench-bgp.sh: $b missing" >&2; exit 2; }; done

W=/tmp/pgb-bench
NSS=(pgb-inj pgb-pe pgb-bird pgb-frr pgb-gobgp)
INJ_AS=65010 TGT_AS=65001
SOCK="$W/pg.sock"
FRR_D=/usr/lib/frr

log() { [ "$json" = 1 ] || printf '%s\n' "$*" >&2; }

# ------------------------------------------------------------------ processes (killed by PID only)
# bg NAME NS PATTERN cmd...: start cmd in namespace NS; PID and a pattern of its command line are
# recorded in $W/NAME.pid/.pat (ip netns exec and env exec, so the PID is the daemon's own).
bg() {
  local name=$1 ns=$2 pat=$3
  shift 3
  ip netns exec "$ns" "$@" </dev/null >"$W/$name.log" 2>&1 &
  echo $! >"$W/$name.pid"
  printf '%s\n' "$pat" >"$W/$name.pat"
}
pid_of() { cat "$W/$1.pid" 2>/dev/null; }
alive() {
  local pid pat
  pid=$(pid_of "$1") || return 1
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  pat=$(cat "$W/$1.pat" 2>/dev/null) || return 1
  grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null && return 1
  tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF -- "$pat"
}
# stop NAME [SIGNAL] [WAIT_S]: signal the recorded PID, wait, SIGKILL if still there.
stop() {
  local name=$1 sig=${2:-TERM} w=${3:-10} pid i
  pid=$(pid_of "$name") || return 0
  if alive "$name"; then
    kill "-$sig" "$pid" 2>/dev/null || true
    for ((i = 0; i < w * 20; i++)); do alive "$name" || break; sleep 0.05; done
    if alive "$name"; then kill -KILL "$pid" 2>/dev/null || true; sleep 0.2; fi
  fi
  wait "$pid" 2>/dev/null || true
  [ "$name" = peregrine ] && rm -rf "/var/run/dpdk/peregrine-$pid"
  rm -f "$W/$name.pid" "$W/$name.pat"
}

cleanup() {
  local f ns
  if [ -d "$W" ]; then
    [ -f "$W/inj.pid" ] && stop inj TERM 3
    [ -f "$W/peregrine.pid" ] && stop peregrine INT 15
    for f in "$W"/*.pid; do [ -e "$f" ] && stop "$(basename "$f" .pid)" TERM 5; done
  fi
  for ns in "${NSS[@]}"; do
    ip netns list | awk '{print $1}' | grep -qx -- "$ns" && ip netns del "$ns" 2>/dev/null
  done
  rm -rf /var/run/frr/pgb-frr /etc/frr/pgb-frr
  return 0
}
cleanup
rm -rf "$W"
mkdir -p "$W"
chmod 755 "$W"
trap 'cleanup' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ------------------------------------------------------------------ topology
# [pgb-inj] i-pe 10.200.1.2 ==== pe-up 10.200.1.1 [pgb-pe] (and .2/.3/.4 for bird, frr, gobgp)
for ns in "${NSS[@]}"; do
  ip netns add "$ns"
  ip -n "$ns" link set lo up
done
idx=1
for t in pe bird frr gobgp; do
  dev=eth0
  [ "$t" = pe ] && dev=pe-up
  ip link add "i-$t" netns pgb-inj type veth peer name "$dev" netns "pgb-$t"
  ip -n pgb-inj addr add "10.200.$idx.2/24" dev "i-$t"
  ip -n pgb-inj link set "i-$t" up
  # the injector's side: no TSO/GSO/checksum offload (as the netns tests do towards Peregrine)
  ip netns exec pgb-inj ethtool -K "i-$t" tx off tso off gso off >/dev/null 2>&1 || true
  [ "$t" != pe ] && ip -n "pgb-$t" addr add "10.200.$idx.1/24" dev "$dev"
  ip -n "pgb-$t" link set "$dev" up
  idx=$((idx + 1))
done
local_of() { case $1 in peregrine) echo 10.200.1.2 ;; bird) echo 10.200.2.2 ;; frr) echo 10.200.3.2 ;; gobgp) echo 10.200.4.2 ;; esac; }
remote_of() { local l; l=$(local_of "$1"); echo "${l%.2}.1"; }

# ------------------------------------------------------------------ targets
now_ms() { local t=${EPOCHREALTIME/./}; NOW=$((10#$t / 1000)); }
kb() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
# cpu_ticks PID TARGET: user + system time in clock ticks: Peregrine's control thread (its
# workers busy-poll and would count their idle polling), the whole process for the others.
cpu_ticks() {
  local f="/proc/$1/stat"
  [ "$2" = peregrine ] && f="/proc/$1/task/$1/stat"
  awk '{print $14 + $15}' "$f" 2>/dev/null || echo 0
}

# start_T FAMILY N: start the target, configured for the feed; DAEMON = the recorded name whose
# RSS is measured. count_T: routes there so far.
start_peregrine() {
  local fam=$1 n=$2 r4 mem
  # every VRF may hold maxRoutes4 IPv4 routes (EVPN type-5 routes go to VRF red)
  r4=$((n + n / 16 + 4096))
  r4=$(((r4 + 1023) / 1024 * 1024))
  [ "$r4" -gt 16777216 ] && r4=16777216
  [ "$r4" -lt 65536 ] && r4=65536
  # DPDK memory (--no-huge): mbufs, rings and the tbl8 groups; the IPv4 tables themselves are
  # on the heap when the EAL has no hugepages.
  mem=$((1024 + r4 * 100 / 1048576))
  local avail
  avail=$(awk '/MemAvailable/ {print int($2 / 1024)}' /proc/meminfo)
  if [ "$avail" -lt $((mem + 2048)) ]; then
    echo "peregrine: the tables for this feed need memoryMB $mem, only $avail MB available" >&2
    return 1
  fi
  cat >"$W/pg.yaml" <<EOF
apiVersion: peregrine.io/v1alpha1
kind: Peregrine
metadata: {name: pgb-bench}
spec:
  dataplane: {hugepages: off, memoryMB: $mem, mbufs: 8191, maxRoutes4: $r4, tbl8Groups: 4096, maxRoutes6: 1024, maxNexthops: 1024}
  management: {socket: $SOCK}
  vtep: 10.200.1.1
  vrfs: [{name: red}]
  ports:
    - {name: uplink, device: pe-up, driver: ${PG_DRIVER:-auto}, addresses: [10.200.1.1/24]}
  l3vnis: [{vni: 5000, vrf: red}]
  bgp:
    asn: $TGT_AS
    routerId: 10.200.1.1
    neighbors:
      - {address: 10.200.1.2, asn: $INJ_AS, passive: true, families: [ipv4-unicast, l2vpn-evpn]}
EOF
  # Now and then (a few % of starts on the shared host, with or without the feeds' changes)
  # DPDK's mbuf pool set-up spins and the daemon never gets ready: after 20 s (+ 1 s per 50k
  # routes) it is stopped (its threads' stacks go to peregrine-fail.log) and started again, at
  # most 3 times.
  local i try
  for ((try = 1; try <= 3; try++)); do
    rm -f "$SOCK"
    bg peregrine pgb-pe "$PG_BIN -c $W/pg.yaml" env --default-signal=INT,TERM,HUP "$PG_BIN" -c "$W/pg.yaml"
    for ((i = 0; i < 200 + n / 5000; i++)); do
      grep -q 'peregrine: ready' "$W/peregrine.log" 2>/dev/null && break
      alive peregrine || { echo "peregrine exited:" >&2; tail -n 20 "$W/peregrine.log" >&2; return 1; }
      sleep 0.1
    done
    grep -q 'peregrine: ready' "$W/peregrine.log" && break
    echo "peregrine not ready after $((20 + n / 50000)) s (start $try of 3); stopping it (log: $W/peregrine-fail.log)" >&2
    cp "$W/peregrine.log" "$W/peregrine-fail.log"
    { for t in /proc/"$(pid_of peregrine)"/task/*; do echo "== $t $(cat "$t/comm") $(cat "$t/wchan")"; cat "$t/stack"; done; timeout 20 gdb -p "$(pid_of peregrine)" -batch -ex "thread apply all bt"; } >>"$W/peregrine-fail.log" 2>&1 || true
    stop peregrine
  done
  grep -q 'peregrine: ready' "$W/peregrine.log" || return 1
  DAEMON=peregrine
}
pg_mem() { "$PGCTL" -s "$SOCK" --json show bgp memory 2>/dev/null; }
jnum() { sed -n "s/.*\"$1\": *\\([0-9]*\\).*/\\1/p" | head -n 1; }
count_peregrine() {
  local m
  m=$(pg_mem | tr -d '\n')
  CNT=$(jnum fib_installed <<<"$m")
}

start_bird() {
  cat >"$W/bird.conf" <<EOF
router id 10.200.2.1;
protocol device { scan time 60; }
protocol bgp inj {
  local 10.200.2.1 as $TGT_AS;
  neighbor 10.200.2.2 as $INJ_AS;
  passive on;
  ipv4 { import all; export none; };
}
EOF
  bg bird pgb-bird "bird -f -c $W/bird.conf" bird -f -c "$W/bird.conf" -s "$W/bird.ctl" -P "$W/bird.pidf"
  local i
  for ((i = 0; i < 100; i++)); do birdc -s "$W/bird.ctl" show status >/dev/null 2>&1 && break; sleep 0.1; done
  DAEMON=bird
}
count_bird() { CNT=$(birdc -s "$W/bird.ctl" show protocols all inj 2>/dev/null | sed -n 's/.*Routes: *\([0-9]*\) imported.*/\1/p' | head -n 1); }

start_frr() {
  install -d -o frr -g frr -m 755 /var/run/frr/pgb-frr "$W/frr"
  install -d -o frr -g frr -m 750 /etc/frr/pgb-frr
  touch /etc/frr/pgb-frr/vtysh.conf
  bg frr-zebra pgb-frr "$FRR_D/zebra -N pgb-frr" "$FRR_D/zebra" -N pgb-frr -A 127.0.0.1 -f /dev/null --log "file:$W/frr/zebra.log"
  bg frr-bgpd pgb-frr "$FRR_D/bgpd -N pgb-frr" "$FRR_D/bgpd" -N pgb-frr -A 127.0.0.1 -f /dev/null --log "file:$W/frr/bgpd.log"
  local i
  for ((i = 0; i < 100; i++)); do vtysh -N pgb-frr -c 'show version' >/dev/null 2>&1 && break; sleep 0.2; done
  # bgp no-rib: received routes are not handed to zebra (no kernel FIB), so bgpd's receive path
  # is measured alone, like BIRD without a kernel protocol and GoBGP without zebra.
  cat >"$W/frr.conf" <<EOF
frr defaults traditional
hostname pgb-frr
bgp no-rib
!
route-map ALL permit 10
!
route-map NONE deny 10
!
router bgp $TGT_AS
 bgp router-id 10.200.3.1
 no bgp default ipv4-unicast
 no bgp ebgp-requires-policy
 neighbor 10.200.3.2 remote-as $INJ_AS
 neighbor 10.200.3.2 passive
 address-family ipv4 unicast
  neighbor 10.200.3.2 activate
  neighbor 10.200.3.2 route-map ALL in
  neighbor 10.200.3.2 route-map NONE out
 exit-address-family
 address-family l2vpn evpn
  neighbor 10.200.3.2 activate
  neighbor 10.200.3.2 route-map ALL in
  neighbor 10.200.3.2 route-map NONE out
 exit-address-family
!
EOF
  vtysh -N pgb-frr -f "$W/frr.conf" >"$W/frr-config.log" 2>&1
  # bgpd refuses connections until the neighbor has left Idle
  for ((i = 0; i < 100; i++)); do
    vtysh -N pgb-frr -c 'show bgp neighbors 10.200.3.2 json' 2>/dev/null | grep -Eq '"bgpState": *"Active"' && break
    sleep 0.1
  done
  DAEMON=frr-bgpd
  FRR_FAM=$1
}
count_frr() {
  local cmd='show bgp ipv4 unicast summary json'
  [ "$FRR_FAM" = evpn ] && cmd='show bgp l2vpn evpn summary json'
  CNT=$(vtysh -N pgb-frr -c "$cmd" 2>/dev/null | tr -d '\n' | jnum pfxRcd)
}
stop_frr() {
  stop frr-bgpd TERM 10
  stop frr-zebra TERM 5
  rm -rf /var/run/frr/pgb-frr /etc/frr/pgb-frr
}

start_gobgp() {
  cat >"$W/gobgp.toml" <<EOF
[global.config]
  as = $TGT_AS
  router-id = "10.200.4.1"
  local-address-list = ["10.200.4.1"]
[global.apply-policy.config]
  default-export-policy = "reject-route"
[[neighbors]]
  [neighbors.config]
    neighbor-address = "10.200.4.2"
    peer-as = $INJ_AS
  [neighbors.transport.config]
    passive-mode = true
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "l2vpn-evpn"
EOF
  bg gobgpd pgb-gobgp "gobgpd -f $W/gobgp.toml" gobgpd -f "$W/gobgp.toml" -p -l warn --api-hosts=127.0.0.1:50051 --pprof-disable
  local i
  for ((i = 0; i < 100; i++)); do ip netns exec pgb-gobgp gobgp -u 127.0.0.1 -p 50051 neighbor >/dev/null 2>&1 && break; sleep 0.1; done
  DAEMON=gobgpd
}
count_gobgp() {
  CNT=$(ip netns exec pgb-gobgp gobgp -u 127.0.0.1 -p 50051 neighbor -j 2>/dev/null | grep -o '"accepted": *[0-9]*' | awk -F: '{s += $2} END {print s + 0}')
}

start_target() {
  case $1 in
    peregrine) start_peregrine "$2" "$3" ;;
    bird) start_bird "$2" ;;
    frr) start_frr "$2" ;;
    gobgp) start_gobgp "$2" ;;
  esac
}
stop_target() {
  case $1 in
    peregrine) stop peregrine INT 30 ;;
    bird) stop bird TERM 10 ;;
    frr) stop_frr ;;
    gobgp) stop gobgpd TERM 10 ;;
  esac
}

# ------------------------------------------------------------------ one run
median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) print 0; else print a[int((NR+1)/2)]}'; }

# run_one TARGET FAMILY N DIVERSE -> R_OK R_SECS R_HWM_KB R_BASE_KB R_SENT_MS R_LOAD R_EXTRA
run_one() {
  local tgt=$1 fam=$2 n=$3 div=$4 c=0 t1=0 deadline line t0
  R_OK=0 R_EXTRA=""
  start_target "$tgt" "$fam" "$n" || return 1
  sleep 1
  local pid
  pid=$(pid_of "$DAEMON")
  R_LOAD=$(cut -d' ' -f1 /proc/loadavg)
  R_BASE_KB=$(kb "$pid" VmRSS)
  local c0 c1=0
  c0=$(cpu_ticks "$pid" "$tgt")
  local args=(--local "$(local_of "$tgt")" --remote "$(remote_of "$tgt")" --as "$INJ_AS" --peer-as "$TGT_AS"
    --family "$fam" --routes "$n" --seed 1)
  [ "$div" = 1 ] && args+=(--diverse)
  rm -f "$W/inj.out" "$W/poll.out" "$W/poll.ready"
  # Peregrine, BIRD, FRR: the poller (tests/bench/bgp_poll.py) asks over the daemon's own control
  # socket every 1 ms and reads the CPU time from schedstat (ns); GoBGP (gRPC): its CLI, below.
  local poll_sock="" ppid=""
  case $tgt in
    peregrine) poll_sock=$SOCK ;;
    bird) poll_sock="$W/bird.ctl" ;;
    frr) poll_sock=/var/run/frr/pgb-frr/bgpd.vty ;;
  esac
  if [ -n "$poll_sock" ]; then
    /usr/bin/python3 "$POLL" --target "$tgt" --socket "$poll_sock" --routes "$n" --family "$fam" \
      --pid "$pid" --watch-pid-file "$W/inj.pid" --timeout-s $((120 + n / 5000)) \
      --ready "$W/poll.ready" >"$W/poll.out" 2>"$W/poll.log" &
    ppid=$!
    echo "$ppid" >"$W/poll.pid"
    echo "$POLL" >"$W/poll.pat"
    local i
    for ((i = 0; i < 200; i++)); do [ -s "$W/poll.ready" ] && break; alive poll || break; sleep 0.05; done
    [ -s "$W/poll.ready" ] || { echo "poller failed:" >&2; cat "$W/poll.out" "$W/poll.log" >&2; stop poll; stop_target "$tgt"; return 1; }
  fi
  # PGB_ATTACH: a profiler for the run, e.g. "perf record -g -t %PID% -o /tmp/p-%RUN%.data"
  # (%PID%: the daemon, %RUN%: a counter), started now and stopped (SIGINT) once all is there
  local attpid=""
  if [ -n "${PGB_ATTACH:-}" ]; then
    RUN_NO=$((${RUN_NO:-0} + 1))
    local acmd=${PGB_ATTACH//%PID%/$pid}
    bash -c "exec ${acmd//%RUN%/$RUN_NO}" >"$W/attach.log" 2>&1 &
    attpid=$!
    sleep 0.5
  fi
  ip netns exec pgb-inj "$INJ" "${args[@]}" </dev/null >"$W/inj.out" 2>"$W/inj.log" &
  echo $! >"$W/inj.pid"
  echo "$INJ" >"$W/inj.pat"
  now_ms
  local start=$NOW iv t1_us=0 c0_ns=0 c1_ns=0 pl=""
  deadline=$((NOW + 120000 + n / 5))
  if [ -n "$ppid" ]; then
    wait "$ppid" || true
    rm -f "$W/poll.pid" "$W/poll.pat"
    pl=$(head -n 1 "$W/poll.out" 2>/dev/null || true)
    c=$(jnum count <<<"$pl")
    if grep -q '"done": true' <<<"$pl"; then
      t1_us=$(jnum t1_unix_us <<<"$pl")
      t1=$((t1_us / 1000))
      c0_ns=$(jnum cpu_ns0 <<<"$pl")
      c1_ns=$(jnum cpu_ns1 <<<"$pl")
    else
      grep -q 'injector gone' <<<"$pl" && { echo "injector failed:" >&2; cat "$W/inj.log" >&2; }
      grep -q '"error"' <<<"$pl" && echo "poller: $pl" >&2
    fi
    now_ms
  else
    while :; do
      CNT=0
      "count_$tgt" || true
      c=${CNT:-0}
      now_ms
      if [ "${c:-0}" -ge "$n" ] 2>/dev/null; then t1=$NOW; c1=$(cpu_ticks "$pid" "$tgt"); break; fi
      [ "$NOW" -ge "$deadline" ] && break
      alive inj || [ -s "$W/inj.out" ] || { echo "injector failed:" >&2; cat "$W/inj.log" >&2; break; }
      # poll every 10 ms, or 2.5% of the time so far: a status query is not free for the daemon
      # (GoBGP's neighbor listing takes ~0.1 s with 1M routes, its per-neighbor one seconds)
      iv=$(((NOW - start) / 40))
      [ "$iv" -lt 10 ] && iv=10
      sleep "$((iv / 1000)).$(printf '%03d' $((iv % 1000)))"
    done
  fi
  if [ -n "$attpid" ]; then kill -INT "$attpid" 2>/dev/null || true; wait "$attpid" 2>/dev/null || true; fi
  # the injector's report (it prints once everything is written)
  local i
  for ((i = 0; i < 600; i++)); do [ -s "$W/inj.out" ] && break; alive inj || break; sleep 0.1; done
  line=$(head -n 1 "$W/inj.out" 2>/dev/null || true)
  t0=$(jnum t0_unix_ms <<<"$line")
  local t0_us
  t0_us=$(jnum t0_unix_us <<<"$line")
  R_SENT_MS=$(jnum sent_ms <<<"$line")
  R_RES_MS=null R_QUERY_US=null
  sleep 1
  R_HWM_KB=$(kb "$pid" VmHWM)
  if [ "$t1" -gt 0 ] && [ -n "$t0" ]; then
    R_OK=1
    if [ "$t1_us" -gt 0 ] && [ -n "$t0_us" ]; then
      R_SECS=$(awk -v a="$t0_us" -v b="$t1_us" 'BEGIN {printf "%.3f", (b - a) / 1e6}')
      R_CPU=$(awk -v a="$c0_ns" -v b="$c1_ns" 'BEGIN {printf "%.3f", (b - a) / 1e9}')
      R_RES_MS=$(awk -v a="$(jnum prev_unix_us <<<"$pl")" -v b="$t1_us" 'BEGIN {printf "%.1f", (b - a) / 1e3}')
      R_QUERY_US=$(jnum query_us_median <<<"$pl")
    else
      R_SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", (b - a) / 1000}')
      R_CPU=$(awk -v a="$c0" -v b="$c1" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f", (b - a) / hz}')
    fi
  else
    R_SECS=null
    log "   $tgt: only ${c:-0} of $n routes after $(((NOW - ${t0:-$NOW}) / 1000)) s"
  fi
  if [ "$tgt" = peregrine ]; then
    local m fib
    m=$(pg_mem | tr -d '\n')
    local vrf=default rj
    [ "$fam" = evpn ] && vrf=red
    rj=$("$PGCTL" -s "$SOCK" --json show route vrf $vrf ipv4 2>/dev/null | tr -d '\n' || true)
    fib=$(jnum total <<<"$rj")
    # one installed BGP route's next hop, e.g. "vxlan vtep 10.200.1.2 vni 5000 rmac 02:00:00:00:aa:01"
    R_NH=$(grep -o '"origin": *"bgp", *"nexthop": *"[^"]*"' <<<"$rj" | head -n 1 | sed 's/.*"nexthop": *"\([^"]*\)"/\1/' || true)
    R_EXTRA=",\"rib_bytes_per_path\":$(jnum rib_bytes_per_path <<<"$m"),\"rib_bytes\":$(jnum rib_bytes <<<"$m"),\"fib_routes\":${fib:-0},\"fib_install_failed\":$(jnum fib_install_failed <<<"$m"),\"fib_nexthop\":\"$R_NH\""
    cp "$W/peregrine.log" "$W/peregrine-last.log"
  fi
  stop inj TERM 3
  stop_target "$tgt"
  return 0
}

# ------------------------------------------------------------------ main loop
[ "$json" = 1 ] || printf '# %s, %s CPUs; targets one at a time, each started fresh per run; logs in %s\n' \
  "$(uname -r)" "$(nproc)" "$W"
[ "$json" = 1 ] || printf '%-10s %-13s %8s %8s %6s %6s %10s %7s %8s %6s %s\n' target feed routes seconds best "cpu s" routes/s "sent s" "peak MB" "B/rt" notes
status=0
for f in $feeds; do
  kind=${f%%:*} n=${f#*:}
  # a feed without a count ("--routes 1000000 --feeds ipv4") takes --routes (default 100000)
  [ "$kind" = "$f" ] && n=${routes:-100000}
  fam=ipv4 div=0
  case $kind in
    ipv4) ;;
    ipv4-diverse) div=1 ;;
    evpn) fam=evpn ;;
    *) echo "bench-bgp.sh: unknown feed $f" >&2; exit 64 ;;
  esac
  r=${runs:-$([ "$n" -ge 1000000 ] && echo 1 || echo 3)}
  for tgt in $targets; do
    if [ "$tgt" = bird ] && [ "$fam" = evpn ]; then
      if [ "$json" = 1 ]; then
        printf '{"target":"bird","feed":"%s","routes":%d,"seconds":null,"note":"BIRD 2.0 has no EVPN"}\n' "$kind" "$n"
      else
        printf '%-10s %-13s %8d %8s %6s %6s %10s %7s %8s %6s %s\n' bird "$kind" "$n" - - - - - - - "no EVPN in BIRD 2.0"
      fi
      continue
    fi
    secs=() cpus=() hwm=() per=() sent=() loads=() ress=() qus=() extra="" fails=0
    for ((k = 1; k <= r; k++)); do
      if ! run_one "$tgt" "$fam" "$n" "$div" || [ "$R_OK" != 1 ]; then
        fails=$((fails + 1))
        continue
      fi
      secs+=("$R_SECS")
      sent+=("$(awk -v s="${R_SENT_MS:-0}" 'BEGIN {printf "%.2f", s / 1000}')")
      hwm+=("$R_HWM_KB")
      cpus+=("$R_CPU")
      loads+=("$R_LOAD")
      ress+=("$R_RES_MS")
      qus+=("$R_QUERY_US")
      per+=("$(awk -v h="$R_HWM_KB" -v b="$R_BASE_KB" -v n="$n" 'BEGIN {printf "%.0f", (h - b) * 1024 / n}')")
      extra=$R_EXTRA
    done
    if [ ${#secs[@]} -eq 0 ]; then
      status=1
      if [ "$json" = 1 ]; then
        printf '{"target":"%s","feed":"%s","routes":%d,"seconds":null,"note":"did not converge"}\n' "$tgt" "$kind" "$n"
      else
        printf '%-10s %-13s %8d %8s %6s %6s %10s %7s %8s %6s %s\n' "$tgt" "$kind" "$n" fail - - - - - - "see $W"
      fi
      continue
    fi
    s=$(printf '%s\n' "${secs[@]}" | median)
    cpu=$(printf '%s\n' "${cpus[@]}" | median)
    sn=$(printf '%s\n' "${sent[@]}" | median)
    h=$(printf '%s\n' "${hwm[@]}" | median)
    p=$(printf '%s\n' "${per[@]}" | median)
    best=$(printf '%s\n' "${secs[@]}" | sort -g | head -n 1)
    rate=$(awk -v n="$n" -v s="$s" 'BEGIN {if (s > 0) printf "%.0f", n / s; else print 0}')
    mb=$(awk -v h="$h" 'BEGIN {printf "%.1f", h / 1024}')
    note=""
    [ "$tgt" = peregrine ] && note="FIB $(jnum fib_routes <<<"$extra") routes; RIB $(jnum rib_bytes_per_path <<<"$extra") B/path"
    [ "${ress[0]}" != null ] && note="${note:+$note; }poll res $(printf '%s\n' "${ress[@]}" | median) ms, query $(printf '%s\n' "${qus[@]}" | median) us"
    [ "$fails" -gt 0 ] && note="$note ($fails of $r runs failed)"
    if [ "$json" = 1 ]; then
      printf '{"target":"%s","feed":"%s","routes":%d,"seconds":%s,"cpu_s":%s,"routes_per_s":%s,"sent_s":%s,"peak_rss_mb":%s,"bytes_per_route":%s,"best_seconds":%s,"runs":%d,"failed_runs":%d,"all_seconds":[%s],"all_cpu_s":[%s],"loadavg":[%s],"all_resolution_ms":[%s],"all_query_us":[%s]%s}\n' \
        "$tgt" "$kind" "$n" "$s" "$cpu" "$rate" "$sn" "$mb" "$p" "$best" "${#secs[@]}" "$fails" "$(IFS=,; echo "${secs[*]}")" "$(IFS=,; echo "${cpus[*]}")" "$(IFS=,; echo "${loads[*]}")" \
        "$(IFS=,; echo "${ress[*]}")" "$(IFS=,; echo "${qus[*]}")" \
        "$extra"
    else
      printf '%-10s %-13s %8d %8s %6s %6s %10s %7s %8s %6s %s\n' "$tgt" "$kind" "$n" "$s" "$best" "$cpu" "$rate" "$sn" "$mb" "$p" "$note"
    fi
  done
done
exit $status
