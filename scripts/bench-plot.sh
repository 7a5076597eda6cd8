#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Bar charts (PNG, gnuplot) from scripts/bench.sh --json output: per path, Peregrine against the
# dpdk-testpmd io floor and Open vSwitch-DPDK, one chart per frame mix.
#
#   scripts/bench.sh --json > bench.json
#   scripts/bench-plot.sh bench.json OUT-PREFIX [mpps|cycles]
#
# writes OUT-PREFIX-64.png and/or OUT-PREFIX-imix.png (the frame mixes bench.json has). mpps
# (default): best-run Mpps; cycles: TSC cycles per packet. Missing OVS rows plot as no bar.
set -euo pipefail
[ $# -ge 2 ] || { sed -n '3,10p' "$0"; exit 64; }
in=$1 prefix=$2 what=${3:-mpps}
case "$what" in mpps|cycles) ;; *) echo "bench-plot.sh: mpps or cycles" >&2; exit 64 ;; esac
command -v gnuplot >/dev/null || "$(dirname "$0")/install-deps.sh"
command -v jq >/dev/null || "$(dirname "$0")/install-deps.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

head_line=$(jq -rs '.[0] | "\(.routes) routes, \(.memory), best of \(.runs) run(s)"' "$in")
for fr in $(jq -r '.frames // "64"' "$in" | sort -u); do
  dat="$tmp/$fr.dat"
  if [ "$what" = mpps ]; then
    jq -r --arg fr "$fr" 'select((.frames // "64") == $fr) |
      [.path, .mpps, .io_floor_mpps, (.ovs_mpps // "NaN")] | @tsv' "$in" > "$dat"
    ylabel="Mpps (one core)" title="Packet rate"
  else
    jq -r --arg fr "$fr" 'select((.frames // "64") == $fr) |
      [.path, .cycles_per_packet, .io_floor_cycles_per_packet, (.ovs_cycles_per_packet // "NaN")] | @tsv' "$in" > "$dat"
    ylabel="TSC cycles per packet" title="Cycles per packet"
  fi
  [ -s "$dat" ] || continue
  ovs_ver=$(jq -r 'select(.ovs_version != null) | .ovs_version' "$in" | head -n 1)
  gnuplot <<EOF
set terminal pngcairo size 1000,520 font "DejaVu Sans,11" noenhanced
set output "$prefix-$fr.png"
set title "Peregrine fast path, $title, frames: $fr ($head_line)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set ylabel "$ylabel"
set yrange [0:*]
set offsets 0, 0, graph 0.12, 0
set grid ytics
set key top right
set xtics rotate by -20
set datafile separator "\t"
set datafile missing "NaN"
plot "$dat" using 2:xtic(1) title "Peregrine" lc rgb "#1f77b4", \
     "" using 3 title "dpdk-testpmd io (I/O floor)" lc rgb "#bbbbbb", \
     "" using 4 title "Open vSwitch-DPDK ${ovs_ver:-}" lc rgb "#d62728"
EOF
  echo "$prefix-$fr.png"
done
