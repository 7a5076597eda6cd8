# shellcheck shell=bash
# Common helpers for the Peregrine network-namespace scenario tests (tests/netns/*.sh).
#
# Every scenario script:
#   set -euo pipefail
#   . "$(dirname "$(readlink -f "$0")")/lib.sh"
#   pgt_init TAG "node pe host" "$@"   # namespaces pgt-TAG-<role>, work dir /tmp/pgt-TAG;
#                                      # cleans leftovers first; "clean" argument: only that
#   ns_add ...; veth ...; pg_start pe "$T/pg.yaml"
#   check/expect "description" cmd...  # PASS/FAIL lines
#   pg_stop_check ...                  # SIGINT, clean exit, nothing left behind
#   pgt_finish                         # "NAME: N passed, M failed", exit status 1 on failures
#
# Rules the helpers enforce:
#   * all namespaces are named pgt-TAG-*, created by the script, deleted on exit (trap) and
#     before the run (leftovers of an earlier, interrupted run);
#   * every background process is started by pgt_bg, its PID is written to $T/NAME.pid
#     together with a pattern of its command line, and it is only ever killed by that PID,
#     after checking /proc/PID/cmdline still matches the pattern;
#   * traffic only goes to addresses inside the namespaces the script created;
#   * no static ARP/ND for Peregrine's underlay or host neighbours anywhere.
#
# Environment:
#   PG_BUILD   build directory (default: <repo>/build)
#   PGT_TMP    parent of the per-script work directory (default: ${TMPDIR:-/tmp})
#   KEEP=1     leave the topology and processes running at exit (for poking around);
#              `SCRIPT clean` removes them.
#   VERBOSE=1  print the commands' output of failed and passed checks
#   PG_DRIVER  auto (default: AF_XDP, libpcap when AF_XDP cannot attach), af_packet, af_xdp
#              or pcap

PGT_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PG_ROOT="$(cd "$PGT_LIB_DIR/../.." && pwd)"
PG_BUILD="${PG_BUILD:-$PG_ROOT/build}"
PG_BIN="$PG_BUILD/control/peregrine"
PGCTL_BIN="$PG_BUILD/control/peregrinectl"
PGT_PY=/usr/bin/python3 # the pyenv python3 on PATH has no scapy
# How the ports attach to their veth.
PG_DRIVER="${PG_DRIVER:-auto}"
# Small tables: the scenarios need a handful of routes, and the defaults (1M IPv4 routes in the
# default VRF, two copies of every DIR-24-8 table) do not fit the default 1 GiB of ordinary
# memory. Ordinary memory: hugepages are a shared resource on this host.
PG_DATAPLANE_YAML='{hugepages: off, memoryMB: 768, mbufs: 8191, maxRoutes4: 4096, tbl8Groups: 256, maxRoutes6: 1024, maxNexthops: 1024}'

PASS_N=0
FAIL_N=0
FAILED=()
PGT_NS=()

# ------------------------------------------------------------------------------------ output
say() { printf '   %s\n' "$*"; }
step() { printf '== %s\n' "$*"; }
pass() {
	PASS_N=$((PASS_N + 1))
	printf 'PASS %s\n' "$*"
}
fail() {
	FAIL_N=$((FAIL_N + 1))
	FAILED+=("$*")
	printf 'FAIL %s\n' "$*"
}
# check "description" cmd...   PASS when cmd exits 0; on failure its output is shown.
# (the locals are prefixed: the command runs in their dynamic scope)
check() {
	local _c_d="$1" _c_out _c_rc=0
	shift
	_c_out=$("$@" 2>&1) || _c_rc=$?
	if [ "$_c_rc" -eq 0 ]; then
		pass "$_c_d"
		[ "${VERBOSE:-0}" = 1 ] && [ -n "$_c_out" ] && printf '%s\n' "$_c_out" | sed 's/^/     | /'
	else
		fail "$_c_d"
		[ -n "$_c_out" ] && printf '%s\n' "$_c_out" | tail -n 25 | sed 's/^/     | /'
	fi
	return 0
}
# expect "description" cmd...  like check, but cmd prints its own explanation on failure and
# a short result on success that is appended to the PASS line.
expect() {
	local _e_d="$1" _e_out _e_rc=0
	shift
	_e_out=$("$@" 2>&1) || _e_rc=$?
	if [ "$_e_rc" -eq 0 ]; then
		pass "$_e_d${_e_out:+: $(printf '%s' "$_e_out" | tail -n 1)}"
	else
		fail "$_e_d"
		[ -n "$_e_out" ] && printf '%s\n' "$_e_out" | tail -n 25 | sed 's/^/     | /'
	fi
	return 0
}
# wait_until TIMEOUT_S cmd...   poll every 0.2 s
wait_until() {
	local t="$1" end
	shift
	end=$(($(date +%s%N) / 1000000 + t * 1000))
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ $(($(date +%s%N) / 1000000)) -ge "$end" ] && return 1
		sleep 0.2
	done
}

pgt_finish() {
	local s=$((SECONDS - PGT_T0))
	PGT_FINISHED=1
	echo
	if [ "$FAIL_N" -gt 0 ]; then
		local f
		for f in "${FAILED[@]}"; do printf '   failed: %s\n' "$f"; done
		printf '   logs and captures: %s\n' "$T"
	fi
	printf '%s: %d passed, %d failed (%ds)\n' "$PGT_NAME" "$PASS_N" "$FAIL_N" "$s"
	[ "$FAIL_N" -eq 0 ]
	exit $?
}

# ------------------------------------------------------------------------------------ setup
need_tool() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 && continue
		case "$t" in
		tshark) pkg=tshark ;; tcpdump) pkg=tcpdump ;; socat) pkg=socat ;; iperf3) pkg=iperf3 ;;
		ethtool) pkg=ethtool ;; jq) pkg=jq ;; bridge | ip) pkg=iproute2 ;; ping) pkg=iputils-ping ;;
		*) pkg="$t" ;;
		esac
		step "installing missing tool $t (apt package $pkg)"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$pkg" >/dev/null 2>&1 ||
			{
				echo "cannot install $pkg (needed for $t)" >&2
				exit 2
			}
	done
}
need_scapy() {
	"$PGT_PY" -c 'import scapy.all' 2>/dev/null && return 0
	step "installing python3-scapy"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-scapy >/dev/null 2>&1 ||
		{
			echo "cannot install python3-scapy" >&2
			exit 2
		}
}

# pgt_init TAG "ROLE..." "$@"   namespaces pgt-TAG-ROLE are used by the script (ns_add creates
# them); the script's own arguments follow ("clean": remove leftovers and exit).
pgt_init() {
	[ "$(id -u)" -eq 0 ] || {
		echo "$0: must run as root" >&2
		exit 2
	}
	PGT_TAG="$1"
	local roles="$2"
	shift 2
	PGT_NAME="$(basename "$0" .sh)"
	PGT_T0=$SECONDS
	T="${PGT_TMP:-${TMPDIR:-/tmp}}/pgt-$PGT_TAG"
	PG_SOCK="$T/pg.sock" # configs must set management.socket to this
	local r
	for r in $roles; do PGT_NS+=("pgt-$PGT_TAG-$r"); done
	for r in "$PG_BIN" "$PGCTL_BIN"; do
		[ -x "$r" ] || {
			echo "$0: $r not built (cd $PG_ROOT && ninja -C build)" >&2
			exit 2
		}
	done
	need_tool ip bridge ethtool tcpdump tshark jq ping
	pgt_cleanup quiet
	if [ "${1:-}" = clean ]; then exit 0; fi
	rm -rf "$T"
	mkdir -p "$T"
	chmod 755 "$T"
	set -E
	trap 'PGT_ERR_LINE=$LINENO; PGT_ERR_CMD=$BASH_COMMAND' ERR
	trap 'pgt_on_exit' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	step "$PGT_NAME: work directory $T, namespaces ${PGT_NS[*]}"
}

pgt_on_exit() {
	local rc=$?
	if [ "${PGT_FINISHED:-0}" != 1 ]; then
		# set -e stopped the script (or a signal did): count it and summarise
		fail "script aborted (status $rc) at line ${PGT_ERR_LINE:-?}: ${PGT_ERR_CMD:-?}"
		[ -f "$T/peregrine.log" ] && tail -n 5 "$T/peregrine.log" | sed 's/^/     | /'
		printf '%s: %d passed, %d failed (%ds)\n' "$PGT_NAME" "$PASS_N" "$FAIL_N" $((SECONDS - PGT_T0))
		[ "$rc" -eq 0 ] && rc=1
	fi
	if [ "${KEEP:-0}" = 1 ]; then
		step "KEEP=1: topology left running (namespaces ${PGT_NS[*]}); '$0 clean' removes it"
		return $rc
	fi
	pgt_cleanup
	return $rc
}

# Kill what an earlier or this run started (by PID from the pid files), delete the namespaces.
pgt_cleanup() {
	local f
	if [ -d "${T:-/nonexistent}" ]; then
		# peregrine first (graceful), then everything else
		[ -f "$T/peregrine.pid" ] && pg_stop >/dev/null 2>&1 || true
		for f in "$T"/*.pid; do
			[ -e "$f" ] || continue
			proc_kill "$(basename "$f" .pid)" TERM
		done
	fi
	local ns
	for ns in "${PGT_NS[@]}"; do
		if ip netns list | awk '{print $1}' | grep -qx -- "$ns"; then
			ip netns del "$ns" 2>/dev/null || true
		fi
		# FRR pathspaces (frr_start)
		rm -rf "/var/run/frr/$ns" "/etc/frr/$ns"
	done
	return 0
}

# ns_add ROLE...   creates pgt-TAG-ROLE with lo up
ns() { printf 'pgt-%s-%s' "$PGT_TAG" "$1"; }
ns_add() {
	local r n
	for r in "$@"; do
		n="$(ns "$r")"
		ip netns add "$n"
		ip -n "$n" link set lo up
		ip netns exec "$n" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
	done
}
# veth ROLE1 IF1 ROLE2 IF2   (a veth pair between two namespaces, both ends up)
veth() {
	ip link add "$2" netns "$(ns "$1")" type veth peer name "$4" netns "$(ns "$3")"
	ip -n "$(ns "$1")" link set "$2" up
	ip -n "$(ns "$3")" link set "$4" up
}
# The common topology: [node] eth0 10.100.0.2/24 ==== pe-up [pe] pe-host ==== eth0 [host]
# 192.168.50.2/24 (default via 192.168.50.1), checksum offloads off towards Peregrine. Extra
# namespaces to create go as arguments. Routes beyond the host's default are the caller's.
topo_node_pe_host() {
	ns_add node pe host "$@"
	veth node eth0 pe pe-up
	offload_off node eth0
	ip -n "$(ns node)" addr add 10.100.0.2/24 dev eth0
	host_leg host pe-host 192.168.50.2/24 192.168.50.1
}
# host_leg ROLE PE_IF ADDR/LEN GATEWAY: namespace ROLE (created already) as a host behind
# Peregrine: its eth0 is a veth to PE_IF in namespace pe, offloads off, address, default route.
host_leg() {
	veth "$1" eth0 pe "$2"
	offload_off "$1" eth0
	ip -n "$(ns "$1")" addr add "$3" dev eth0
	ip -n "$(ns "$1")" route add default via "$4"
}
# The kernel side of a veth that feeds DPDK AF_PACKET must not hand over CHECKSUM_PARTIAL/GSO
# frames (they would leave Peregrine with bad UDP/TCP checksums).
offload_off() { ip netns exec "$(ns "$1")" ethtool -K "$2" tx off tso off gso off >/dev/null 2>&1; }
if_mac() { ip -n "$(ns "$1")" -j link show "$2" | jq -r '.[0].address'; }
nsx() {
	local r="$1"
	shift
	ip netns exec "$(ns "$r")" "$@"
}

# ------------------------------------------------------------------------------------ processes
# pgt_bg NAME PATTERN ROLE cmd...   start cmd in namespace ROLE in the background.
# Output goes to $T/NAME.log; PATTERN must occur in /proc/PID/cmdline for proc_kill to act.
pgt_bg() {
	local name="$1" pat="$2" role="$3"
	shift 3
	# Empty the log now: the background job opens it later, and a caller polling the log (for
	# "peregrine: ready") must not read what an earlier run of the same name left there.
	: >"$T/$name.log"
	ip netns exec "$(ns "$role")" "$@" </dev/null >>"$T/$name.log" 2>&1 &
	local pid=$!
	echo "$pid" >"$T/$name.pid"
	printf '%s\n' "$pat" >"$T/$name.pat"
}
proc_pid() { cat "$T/$1.pid" 2>/dev/null; }
# proc_alive NAME: the recorded PID exists and still runs the recorded command
proc_alive() {
	local pid pat
	pid=$(proc_pid "$1") || return 1
	[ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
	pat=$(cat "$T/$1.pat" 2>/dev/null) || return 1
	# (the process may end between the test and the read)
	{ tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -qF -- "$pat"
}
# proc_kill NAME [SIGNAL] [WAIT_S]: signal the recorded PID, wait, then SIGKILL it
proc_kill() {
	local name="$1" sig="${2:-TERM}" w="${3:-5}" pid i
	pid=$(proc_pid "$name") || return 0
	if proc_alive "$name"; then
		kill "-$sig" "$pid" 2>/dev/null || true
		for ((i = 0; i < w * 10; i++)); do
			proc_alive "$name" || break # gone, or a zombie (empty cmdline)
			sleep 0.1
		done
		if proc_alive "$name"; then kill -KILL "$pid" 2>/dev/null || true; fi
	fi
	wait "$pid" 2>/dev/null || true
	rm -f "$T/$name.pid" "$T/$name.pat"
}
# proc_wait NAME TIMEOUT_S: wait for a background process to end; returns its exit status
# (124 on timeout: then it is killed)
proc_wait() {
	local name="$1" t="$2" pid rc=0
	pid=$(proc_pid "$name") || return 0
	if ! wait_until "$t" bash -c "! [ -d /proc/$pid ] || grep -q '^State:.*Z' /proc/$pid/status"; then
		proc_kill "$name" KILL 1
		return 124
	fi
	wait "$pid" 2>/dev/null || rc=$?
	rm -f "$T/$name.pid" "$T/$name.pat"
	return $rc
}

# ------------------------------------------------------------------------------------ calico
# pg_calico_bird_conf ROUTER_ID BLOCK LOCAL_LINE [ALLOW_LOCAL_AS]: BIRD's configuration as
# calico-node renders bird.cfg for a node whose IPAM block is BLOCK (a blackhole static route,
# exported), with one BGPPeer {peerIP 192.169.10.1, asNumber 64514} (numAllowedLocalASNumbers:
# ALLOW_LOCAL_AS, none if empty) and the BGPConfiguration's node AS in LOCAL_LINE (e.g. "local
# 172.18.0.10 as 64515; strict bind yes;" for bindMode NodeIP). What BIRD learns goes to the
# kernel, as Calico has it. Append further protocols to the output as needed.
pg_calico_bird_conf() {
	local allow=""
	[ -n "${4:-}" ] && allow="allow local as $4;"
	cat <<BIRD
log stderr all;
router id $1;
protocol static { ipv4; route $2 blackhole; }
protocol device { scan time 2; }
protocol direct { ipv4; interface "host-e-*"; }
protocol kernel {
  learn; persist; scan time 2; graceful restart;
  ipv4 { import none; export where source = RTS_BGP; };
}
protocol bgp Global_192_169_10_1 {
  $3
  neighbor 192.169.10.1 as 64514;
  multihop;
  graceful restart;
  $allow
  connect delay time 2;
  connect retry time 5;
  error wait time 5,30;
  ipv4 { gateway recursive; import all; export where net = $2; add paths on; };
}
BIRD
}

# pg_gobgp_fabric_conf ROUTER_ID PEER_ADDR [fast]: gobgpd (AS 64512) as the EVPN fabric peering with
# Peregrine (AS 64514) at PEER_ADDR, EVPN and IPv4 unicast; "fast": hold 9 s, keepalive 3 s.
pg_gobgp_fabric_conf() {
	local timers="    connect-retry = 1"
	[ "${3:-}" = fast ] && timers+=$'\n    hold-time = 9\n    keepalive-interval = 3'
	cat <<EOF
[global.config]
  as = 64512
  router-id = "$1"
  local-address-list = ["$1"]
[[neighbors]]
  [neighbors.config]
    neighbor-address = "$2"
    peer-as = 64514
  [neighbors.timers.config]
$timers
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "l2vpn-evpn"
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
EOF
}

# ------------------------------------------------------------------------------------ peregrine
# pg_start ROLE CONFIG [SIGMODE]: run peregrine in namespace ROLE, wait for "peregrine: ready".
# SIGMODE "default" (default) starts it with SIGINT/SIGTERM/SIGHUP at their default disposition,
# as a service manager would; "inherit" leaves them as bash leaves them for a background job
# (SIGINT and SIGQUIT ignored).
pg_start() {
	local role="$1" conf="$2" mode="${3:-default}"
	# PG_EAL_ARGS: extra EAL arguments (after --), e.g. --lcores for more workers than CPUs;
	# PG_ARGS: extra peregrine options, e.g. --node-index 1
	local eal=() opts=()
	[ -n "${PG_EAL_ARGS:-}" ] && read -r -a eal <<<"-- $PG_EAL_ARGS"
	[ -n "${PG_ARGS:-}" ] && read -r -a opts <<<"$PG_ARGS"
	if [ "$mode" = default ]; then
		pgt_bg peregrine "$PG_BIN -c $conf" "$role" env --default-signal=INT,TERM,HUP "$PG_BIN" -c "$conf" "${opts[@]}" "${eal[@]}"
	else
		pgt_bg peregrine "$PG_BIN -c $conf" "$role" "$PG_BIN" -c "$conf" "${opts[@]}" "${eal[@]}"
	fi
	local i
	for ((i = 0; i < 300; i++)); do
		grep -q 'peregrine: ready' "$T/peregrine.log" 2>/dev/null && return 0
		proc_alive peregrine || break
		sleep 0.1
	done
	echo "peregrine did not become ready; log:" >&2
	sed 's/^/     | /' "$T/peregrine.log" >&2
	return 1
}
# pg_stop [SIGNAL] [WAIT_S]: stop peregrine; returns 0 if it exited by itself with status 0.
# PG_STOP_HOW says what happened: "exit N", "killed by SIGNAME" or "timeout".
pg_stop() {
	local sig="${1:-INT}" w="${2:-10}" pid rc=0 i
	PG_STOP_HOW=
	pid=$(proc_pid peregrine) || return 0
	if ! proc_alive peregrine; then
		wait "$pid" 2>/dev/null || rc=$?
		rm -f "$T/peregrine.pid" "$T/peregrine.pat"
		PG_STOP_HOW="already gone (status $rc)"
		return 1
	fi
	kill "-$sig" "$pid" 2>/dev/null || true
	for ((i = 0; i < w * 10; i++)); do
		[ -d "/proc/$pid" ] || break
		grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null && break
		sleep 0.1
	done
	if proc_alive peregrine && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null; then
		PG_STOP_HOW="timeout: still running ${w}s after SIG$sig"
		kill -TERM "$pid" 2>/dev/null || true
		sleep 2
		proc_alive peregrine && kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null || true
		rm -rf "/var/run/dpdk/peregrine-$pid"
		rm -f "$T/peregrine.pid" "$T/peregrine.pat"
		return 1
	fi
	wait "$pid" 2>/dev/null || rc=$?
	rm -f "$T/peregrine.pid" "$T/peregrine.pat"
	if [ "$rc" -gt 128 ]; then
		PG_STOP_HOW="killed by SIG$(kill -l $((rc - 128)))"
		# it did not clean up after itself: remove its EAL runtime directory
		rm -rf "/var/run/dpdk/peregrine-$pid"
		return 1
	fi
	PG_STOP_HOW="exit $rc"
	[ "$rc" -eq 0 ]
}
# pg_stop_check DESC ROLE "PORT_DEVS" "TAPS" [WAIT_S]: stop with SIGINT (PASS/FAIL DESC), then
# check that Peregrine removed what it set up: TAPs, tc ingress programs, EAL runtime directory.
# With KEEP=1 Peregrine is left running instead.
pg_stop_check() {
	local desc="$1" role="$2" devs="$3" taps="$4" w="${5:-10}" pid d left=""
	if [ "${KEEP:-0}" = 1 ]; then
		say "KEEP=1: peregrine left running (pid $(proc_pid peregrine), socket $PG_SOCK)"
		return 0
	fi
	pid=$(proc_pid peregrine)
	if pg_stop INT "$w"; then pass "$desc ($PG_STOP_HOW)"; else
		fail "$desc ($PG_STOP_HOW)"
		tail -n 5 "$T/peregrine.log" | sed 's/^/     | /'
		return 0
	fi
	for d in $taps; do
		ip -n "$(ns "$role")" link show "$d" >/dev/null 2>&1 && left+=" TAP $d"
	done
	for d in $devs; do
		ip netns exec "$(ns "$role")" tc filter show dev "$d" ingress 2>/dev/null | grep -q . && left+=" tc-ingress:$d"
	done
	[ -n "$pid" ] && [ -e "/var/run/dpdk/peregrine-$pid" ] && left+=" /var/run/dpdk/peregrine-$pid"
	if [ -z "$left" ]; then
		pass "after exit: TAPs ($taps), tc ingress programs ($devs) and EAL runtime directory removed"
	else
		fail "after exit: left behind:$left"
	fi
	for d in $devs; do
		say "after exit: $d disable_ipv6=$(nsx "$role" cat /proc/sys/net/ipv6/conf/$d/disable_ipv6) arp_ignore=$(nsx "$role" cat /proc/sys/net/ipv4/conf/$d/arp_ignore)"
	done
}
pgctl() { "$PGCTL_BIN" -s "$PG_SOCK" "$@"; }
# pgj COMMAND... -> the "data" member of the JSON reply
pgj() { "$PGCTL_BIN" -s "$PG_SOCK" --json "$@" | jq -c '.data'; }
# drop counter by reason (0 when absent)
pg_drop() { pgj show stats all | jq -r --arg r "$1" '[.drops[] | select(.reason == $r) | .packets] | add // 0'; }
# dump the state that matters when something fails
pg_dump() {
	local c
	for c in "show interfaces" "show route" "show neighbors" "show nexthops" "show tunnels" "show vni" "show stats"; do
		echo "--- peregrinectl $c"
		# shellcheck disable=SC2086
		pgctl $c 2>&1
	done
}

# ------------------------------------------------------------------------------------ capture
# cap_start NAME ROLE IFACE FILTER...   tcpdump into $T/NAME.pcap
cap_start() {
	local name="$1" role="$2" ifc="$3"
	shift 3
	rm -f "$T/$name.pcap"
	pgt_bg "cap-$name" "$T/$name.pcap" "$role" tcpdump -i "$ifc" -Z root --immediate-mode -U -n -s 512 -w "$T/$name.pcap" "$@"
	wait_until 10 grep -q 'listening on' "$T/cap-$name.log" || {
		echo "tcpdump $name did not start:" >&2
		cat "$T/cap-$name.log" >&2
		return 1
	}
}
cap_stop() {
	sleep 0.3
	proc_kill "cap-$1" INT 5
}
# tshark_f PCAP FILTER FIELD... -> one line per packet, fields separated by '|'
tshark_f() {
	local f="$1" flt="$2"
	shift 2
	local args=() x
	for x in "$@"; do args+=(-e "$x"); done
	tshark -r "$f" -Y "$flt" -T fields -E separator='|' -E occurrence=a -E aggregator=, "${args[@]}" 2>/dev/null
}
tshark_count() { tshark -r "$1" -Y "$2" 2>/dev/null | wc -l; }

# ------------------------------------------------------------------------------------ traffic
# ping_ok ROLE DST [COUNT]: COUNT echo replies within a generous deadline (2 cores, one busy-polled)
ping_ok() {
	local role="$1" dst="$2" c="${3:-3}" out
	out=$(nsx "$role" ping -n -c "$c" -i 0.2 -W 3 -w $((c + 8)) "$dst" 2>&1) || {
		printf '%s\n' "$out"
		return 1
	}
	printf '%s\n' "$out" | grep -E 'packets transmitted|rtt'
	printf '%s\n' "$out" | grep -q " $c received" || {
		printf '%s\n' "$out"
		return 1
	}
}
# ping_fails ROLE DST: no reply at all to 3 echo requests
ping_fails() {
	local out
	if out=$(nsx "$1" ping -n -c 3 -i 0.2 -W 1 "$2" 2>&1); then
		printf 'unexpected reply:\n%s\n' "$out"
		return 1
	fi
	printf '%s\n' "$out" | grep 'packets transmitted'
	return 0
}

# ------------------------------------------------------------------------------------ FRR
# frr_start ROLE [VRF_ROLE...]: zebra and bgpd of FRR in namespace ROLE, in the foreground (so
# pgt_bg records their PIDs), with FRR's pathspace named after the namespace (vtysh -N). VRF_ROLEs
# are namespaces used as VRFs through zebra's netns backend (-n; this kernel has no vrf device):
# zebra gets a private /run/netns that holds only them, or it would adopt every namespace on the
# host as a VRF. The VRF's name in FRR is the namespace's full name, $(ns VRF_ROLE).
# Configure with frr_vtysh ROLE -f FILE or -c "...".
FRR_D=/usr/lib/frr
frr_start() {
	local role="$1" n
	shift
	n="$(ns "$role")"
	install -d -o frr -g frr -m 755 "/var/run/frr/$n" "$T/frr-$role"
	install -d -o frr -g frr -m 750 "/etc/frr/$n"
	touch "/etc/frr/$n/vtysh.conf"
	local view="" zopt="" v i=3
	if [ $# -gt 0 ]; then
		zopt=-n
		for v in "$@"; do
			view+="exec $i</run/netns/$(ns "$v"); "
			i=$((i + 1))
		done
		view+="mount -t tmpfs -o size=1m,mode=755 pgt-frr-netns /run/netns || exit 11; "
		i=3
		for v in "$@"; do
			view+="touch /run/netns/$(ns "$v"); mount --no-canonicalize --bind /proc/self/fd/$i /run/netns/$(ns "$v") || exit 12; exec $i<&-; "
			i=$((i + 1))
		done
	fi
	# the pattern must match the command line exactly: no double space without -n
	pgt_bg "frr-zebra-$role" "$FRR_D/zebra ${zopt:+$zopt }-N $n" "$role" bash -c \
		"${view}exec $FRR_D/zebra $zopt -N $n -A 127.0.0.1 -f /dev/null --log file:$T/frr-$role/zebra.log"
	pgt_bg "frr-bgpd-$role" "$FRR_D/bgpd -N $n" "$role" \
		"$FRR_D/bgpd" -N "$n" -A 127.0.0.1 -f /dev/null --log "file:$T/frr-$role/bgpd.log"
	# both daemons must answer before the caller configures them: vtysh -f skips (with a warning
	# only) the commands of a daemon whose socket is not there yet, e.g. bgpd on a busy machine
	for ((i = 0; i < 100; i++)); do
		[ -S "/var/run/frr/$n/zebra.vty" ] && [ -S "/var/run/frr/$n/bgpd.vty" ] &&
			vtysh -N "$n" -c 'show version' >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	echo "FRR in $n did not come up" >&2
	cat "$T/frr-zebra-$role.log" "$T/frr-bgpd-$role.log" >&2
	return 1
}
frr_vtysh() {
	local role="$1"
	shift
	vtysh -N "$(ns "$role")" "$@"
}
# frr_stop ROLE: bgpd then zebra, by their recorded PIDs; remove the pathspace directories.
frr_stop() {
	proc_kill "frr-bgpd-$1" TERM 5
	proc_kill "frr-zebra-$1" TERM 5
	rm -rf "/var/run/frr/$(ns "$1")" "/etc/frr/$(ns "$1")"
}
