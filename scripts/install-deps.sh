#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Install what Peregrine needs to build, test and benchmark on Debian 12 (idempotent).
set -euo pipefail

PKGS=(
  # build
  build-essential meson ninja-build pkg-config clang clang-format git
  dpdk dpdk-dev libdpdk-dev liburcu-dev libyaml-dev libbpf-dev libjson-c-dev libmnl-dev libpcap-dev
  libmicrohttpd-dev
  # tests, demo and benchmarks
  python3 python3-scapy tshark iproute2 iputils-ping ethtool iperf3 socat tcpdump netcat-openbsd
  procps psmisc jq
  # benchmark peer (scripts/bench.sh starts a private OVS-DPDK) and its plots (scripts/bench-plot.sh)
  openvswitch-switch-dpdk gnuplot-nox
  # BGP interop peers (started privately in namespaces by the tests)
  gobgpd frr bird2 exabgp
)
# Services those packages enable on install; the tests start their own instances in namespaces.
PEER_SERVICES=(gobgpd frr bird exabgp openvswitch-switch)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# A BGP daemon we just installed must not run on the host on its own: stop and disable it.
if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
  for s in "${PEER_SERVICES[@]}"; do
    for p in "${missing[@]}"; do
      case "$p:$s" in gobgpd:gobgpd | frr:frr | bird2:bird | exabgp:exabgp | openvswitch-switch-dpdk:openvswitch-switch)
        systemctl disable --now "$s" >/dev/null 2>&1 || true ;;
      esac
    done
  done
fi
