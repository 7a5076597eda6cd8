#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The demo lab: installs what is missing, builds, then runs scenario S0 (tests/netns/s0_calico.sh):
# two Kubernetes-like nodes with Calico's BIRD and a pod each, node A behind Peregrine (configured
# with OpenPERouter's kinds), node B behind FRR with the kernel's VXLAN (as OpenPERouter runs
# FRR), both under an FRR spine, an external host behind an FRR leaf in VRF red. It shows the BGP
# sessions, the routes Peregrine learned and sent, pings and a TCP transfer crossing Peregrine as
# VXLAN (VNI 100) captured on the wire, the counters that moved, a withdrawal, then tears it all
# down. Every step is checked (PASS/FAIL); exit status 0 when every check passed.
#
# usage: scripts/demo.sh [s0|vxlan]    as root on Debian 12; run it again any time (idempotent)
#   s0     the default, above
#   vxlan  the single-node demo: a Calico node's vxlan.calico (VNI 4096, static like Felix) <->
#          Peregrine <-> a host in VRF red, with iperf3 and IPv4 fragments (vxlan_calico.sh)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
case "${1:-s0}" in
s0) scenario=s0_calico ;;
vxlan) scenario=vxlan_calico ;;
*)
	echo "usage: $0 [s0|vxlan]" >&2
	exit 64
	;;
esac
[ "$(id -u)" -eq 0 ] || {
	echo "$0: must run as root (it installs packages and creates network namespaces)" >&2
	exit 2
}
t0=$SECONDS
echo "== 1/4 installing what is missing (Debian packages: DPDK, FRR, BIRD, tshark, ...)"
scripts/install-deps.sh
echo "== 2/4 building Peregrine (meson + ninja, ./build)"
scripts/build.sh "$top/build"
echo "== 3/4 the lab (tests/netns/$scenario.sh)"
# the scenario's own description: its header comment up to the usage line
sed -n '2,/^# usage:/p' "tests/netns/$scenario.sh" | sed '$d; s/^# \{0,1\}/   /'
echo
echo "== 4/4 running it: PASS/FAIL lines are the checks, '--' sections show what each router saw"
rc=0
if [ "$scenario" = s0_calico ]; then
	DEMO=1 bash "tests/netns/$scenario.sh" || rc=$?
else
	DEMO=1 VERBOSE=1 bash "tests/netns/$scenario.sh" || rc=$?
fi
echo
if [ "$rc" -eq 0 ]; then
	echo "== demo done in $((SECONDS - t0)) s: every check passed, the lab is torn down"
else
	echo "== demo: some checks failed (status $rc); logs and captures in ${PGT_TMP:-${TMPDIR:-/tmp}}/pgt-*" >&2
fi
exit "$rc"
