#!/bin/bash
# Run every netns scenario (or the ones named) one after the other and sum the results.
#
# usage: run_all.sh [vxlan_calico ipip exception xdp_exception rss bgp_gobgp bgp_frr bgp_peers host_session bgp_policy bgp_policy2 opr_calico reload loopback s0_calico]
# Each scenario's full output goes to ${PGT_TMP:-${TMPDIR:-/tmp}}/pgt-run_all/NAME.log and its
# PASS/FAIL lines are echoed here. Exit status 0 only when every check of every scenario passed.
set -uo pipefail
DIR="$(cd "$(dirname "$(readlink -f "$0")")" && pwd)"
LOGS="${PGT_TMP:-${TMPDIR:-/tmp}}/pgt-run_all"
mkdir -p "$LOGS"
SCENARIOS=("$@")
[ ${#SCENARIOS[@]} -gt 0 ] || SCENARIOS=(vxlan_calico ipip exception xdp_exception rss bgp_gobgp bgp_frr bgp_peers host_session bgp_policy bgp_policy2 opr_calico reload loopback s0_calico)

total_p=0
total_f=0
t0=$SECONDS
for s in "${SCENARIOS[@]}"; do
	s="${s%.sh}"
	echo "=== $s"
	st=$SECONDS
	"$DIR/$s.sh" 2>&1 | tee "$LOGS/$s.log" | grep -E '^(PASS|FAIL) |^ +\||passed, [0-9]+ failed'
	rc=${PIPESTATUS[0]}
	line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$LOGS/$s.log" | tail -n 1)
	if [[ "$line" =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
		p=${BASH_REMATCH[1]}
		f=${BASH_REMATCH[2]}
	else
		p=0
		f=1
		echo "FAIL $s: no result line (exit status $rc)"
	fi
	# a script that exits non-zero without a counted failure still counts as one
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "FAIL $s: exit status $rc"
	fi
	total_p=$((total_p + p))
	total_f=$((total_f + f))
	echo "=== $s: $p passed, $f failed, $((SECONDS - st))s (log: $LOGS/$s.log)"
done
echo
echo "netns: $total_p passed, $total_f failed ($((SECONDS - t0))s)"
[ "$total_f" -eq 0 ]
