#!/usr/bin/env bash
# make bench: runs every benchmark program and prints its figures.
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
found=0
for b in "$build"/bin/*_bench; do
  [ -x "$b" ] || continue
  found=1
  echo "== $(basename "$b")"
  "$b"
  echo
done
if [ "$found" = 0 ]; then
  echo "no benchmarks built in $build/bin" >&2
  exit 1
fi
