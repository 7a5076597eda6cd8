#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Build Peregrine and run every test: unit tests (release and ASan/UBSan builds), packet-path
# goldens, netns scenarios. Ends with "N passed, N failed". Run as root on Debian 12.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
passed=0
failed=0
failures=()

add() { # add PASSED FAILED NAME
  passed=$((passed + $1))
  failed=$((failed + $2))
  [ "$2" -gt 0 ] && failures+=("$3")
  return 0
}

# "name: N passed, M failed" -> "N M"
counts() { sed -n 's/.*[^0-9]\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed.*/\1 \2/p' | tail -n 1; }

step() { printf '\n=== %s\n' "$*"; }

step "dependencies"
if ! "$top/scripts/install-deps.sh"; then
  echo "install-deps failed"; add 0 1 install-deps
fi

step "build (release)"
if ! scripts/build.sh "$top/build"; then
  echo "build failed"; add 0 1 build
  printf '\n%d passed, %d failed\n' "$passed" "$failed"; exit 1
fi

run_meson_tests() { # DIR LABEL
  local log="$1/meson-test.out"
  meson test -C "$1" --print-errorlogs >"$log" 2>&1
  cat "$log" | grep -E '^ *[0-9]+/[0-9]+ |^Ok:|^Fail:|^Timeout:' || true
  local ok fail to
  ok=$(sed -n 's/^Ok: *\([0-9]*\).*/\1/p' "$log"); fail=$(sed -n 's/^Fail: *\([0-9]*\).*/\1/p' "$log")
  to=$(sed -n 's/^Timeout: *\([0-9]*\).*/\1/p' "$log")
  [ -n "$ok" ] || { tail -n 30 "$log"; add 0 1 "$2"; return; }
  add "$ok" $(( ${fail:-0} + ${to:-0} )) "$2"
  [ "${fail:-0}${to:-0}" = "00" ] || tail -n 60 "$log"
}

step "format (clang-format, .clang-format)"
if command -v clang-format >/dev/null; then
  bad=$(git ls-files '*.c' '*.h' 2>/dev/null | while read -r f; do
    clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || echo "$f"; done)
  if [ -z "$bad" ]; then echo "all C files formatted"; add 1 0 format
  else echo "not formatted (run clang-format -i): $bad"; add 0 1 format; fi
fi

step "libFuzzer targets (clang, ASan/UBSan, ${PG_FUZZ_SECONDS:-20} s each)"
out=$(scripts/fuzz.sh --time "${PG_FUZZ_SECONDS:-20}" 2>&1); rc=$?
echo "$out" | grep -E '^(ok|FAIL)|fuzz:|ERROR|SUMMARY' || true
fp=$(echo "$out" | sed -n 's/^fuzz: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
ff=$(echo "$out" | sed -n 's/^fuzz: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
[ -n "$fp" ] || { fp=0; ff=1; }
[ "$rc" -ne 0 ] && [ "$ff" -eq 0 ] && ff=1
add "$fp" "$ff" fuzz

step "unit tests (release)"
run_meson_tests "$top/build" unit-release

if [ "${PG_SKIP_ASAN:-0}" != 1 ]; then
  step "unit tests (ASan/UBSan)"
  if scripts/build.sh "$top/build-asan" -Dbuildtype=debug -Db_sanitize=address,undefined -Db_lundef=false; then
    run_meson_tests "$top/build-asan" unit-asan
  else
    echo "ASan build failed"; add 0 1 build-asan
  fi
fi

if [ -f tests/golden/run_golden.py ]; then
  for workers in 1 2; do
    step "packet-path goldens ($workers worker(s))"
    out=$(/usr/bin/python3 tests/golden/run_golden.py --build "$top/build" --workers $workers 2>&1); rc=$?
    echo "$out" | grep -vE '^PASS ' || true
    read -r p f < <(echo "$out" | counts) || true
    [ -n "${p:-}" ] || { p=0; f=1; }
    [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
    add "$p" "$f" "golden-$workers"
  done
fi

if [ -f tests/netns/run_all.sh ]; then
  step "netns scenarios"
  out=$(PG_BUILD="$top/build" bash tests/netns/run_all.sh 2>&1); rc=$?
  echo "$out" | grep -vE '^PASS ' || true
  read -r p f < <(echo "$out" | counts) || true
  [ -n "${p:-}" ] || { p=0; f=1; }
  [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
  add "$p" "$f" netns
  # The default attaches Linux interfaces with AF_XDP; the Calico VXLAN, TAP exception and GoBGP
  # scenarios again over libpcap (TAPs, kernel isolated with the tc program: BGP through the TAPs).
  step "netns scenarios over libpcap"
  out=$(PG_BUILD="$top/build" PG_DRIVER=pcap bash tests/netns/run_all.sh vxlan_calico exception bgp_gobgp 2>&1); rc=$?
  echo "$out" | grep -vE '^PASS ' || true
  read -r p f < <(echo "$out" | counts) || true
  [ -n "${p:-}" ] || { p=0; f=1; }
  [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
  add "$p" "$f" netns-pcap
fi

echo
[ ${#failures[@]} -gt 0 ] && echo "failed suites: ${failures[*]}"
printf '%d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
