#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The demo lab: installs what is missing, builds, then runs the Calico-style VXLAN scenario
#
#   [pod] -- [Calico node: Linux vxlan.calico, VNI 4096] ==underlay== [Peregrine] == [host, VRF red]
#
# with Peregrine forwarding real traffic between the namespaces (ping, a 4 MiB TCP transfer each
# way, iperf3), checked on the wire with tshark, then prints the counters that moved and tears
# everything down. No static ARP anywhere: Peregrine resolves its neighbours itself.
# Run as root on Debian 12. Exit status 0 when every check passed.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
echo "== installing what is missing (Debian packages)"
scripts/install-deps.sh
echo "== building (meson + ninja, ./build)"
scripts/build.sh "$top/build"
echo "== demo: Calico node <-> Peregrine (DPDK, VXLAN L3VNI 4096) <-> host"
DEMO=1 VERBOSE=1 exec bash tests/netns/vxlan_calico.sh
