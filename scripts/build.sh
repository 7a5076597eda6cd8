#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Configure (once) and build Peregrine in ./build (release). Usage: scripts/build.sh [BUILD_DIR [meson options...]]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$top/build}
shift || true
if [ ! -f "$dir/build.ninja" ]; then
  meson setup "$dir" "$top" "$@" >/dev/null
fi
ninja -C "$dir" >/dev/null
