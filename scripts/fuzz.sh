#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Build every libFuzzer target (tests/fuzz/fuzz_*.c) with clang, ASan and UBSan, and run each for a
# bounded time. A crash, leak or sanitizer report fails the run (exit 1) and leaves the reproducer
# in build-fuzz/artifacts/.
#
#   scripts/fuzz.sh [--time SECONDS] [target...]      (default 20 s each, every target)
#
# The targets link the BGP codec only (control/bgp/bgp_msg.c, bgp_update.c and lib/addr.c): no DPDK.
# Seeds: tests/fuzz/corpus/<target>/ when it exists (the golden vectors of the unit tests).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
secs=20
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --time) secs=$2; shift ;;
    -h|--help) sed -n '3,10p' "$0"; exit 0 ;;
    *) targets+=("$1") ;;
  esac
  shift
done
out="$top/build-fuzz"
mkdir -p "$out/artifacts"
srcs=("$top/control/bgp/bgp_msg.c" "$top/control/bgp/bgp_update.c" "$top/lib/addr.c")
if [ ${#targets[@]} -eq 0 ]; then
  for f in "$top"/tests/fuzz/fuzz_*.c; do t=$(basename "$f" .c); targets+=("${t#fuzz_}"); done
fi
passed=0 failed=0
for t in "${targets[@]}"; do
  exe="$out/fuzz_$t"
  clang -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
    -fno-sanitize-recover=undefined -D_GNU_SOURCE -I"$top/lib" -I"$top/control/bgp" \
    -o "$exe" "$top/tests/fuzz/fuzz_$t.c" "${srcs[@]}"
  corpus="$out/corpus/$t"
  mkdir -p "$corpus"
  seeds=()
  [ -d "$top/tests/fuzz/corpus/$t" ] && seeds=("$top/tests/fuzz/corpus/$t")
  if UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ASAN_OPTIONS=detect_leaks=1 \
     "$exe" -max_total_time="$secs" -max_len=4096 -timeout=10 -rss_limit_mb=1024 \
       -artifact_prefix="$out/artifacts/$t-" -print_final_stats=1 "$corpus" "${seeds[@]}" \
       >"$out/fuzz_$t.log" 2>&1; then
    runs=$(awk '/stat::number_of_executed_units/ {print $2}' "$out/fuzz_$t.log")
    echo "ok   fuzz_$t: ${runs:-?} inputs in ${secs}s"
    passed=$((passed + 1))
  else
    echo "FAIL fuzz_$t (log: $out/fuzz_$t.log)"
    grep -m5 -E "ERROR|runtime error|SUMMARY" "$out/fuzz_$t.log" || tail -n 20 "$out/fuzz_$t.log"
    failed=$((failed + 1))
  fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
