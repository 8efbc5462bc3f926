#!/usr/bin/env bash
# make bench: runs every benchmark program and prints its figures, then the
# end-to-end bridge benchmarks (tests/bench/bridge_bench.sh, then
# tests/bench/paired_bench.sh).
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
# The bridge's cost end to end: real processes (legacy-host, HAProxy,
# corebridge, newcore, channel-sim), so a driver script rather than a
# *_bench program; last, because it takes about three minutes
# (BENCH_SECONDS, default 20, per setup; tests/bench/bridge_bench.sh).
echo "== bridge_bench.sh"
tests/bench/bridge_bench.sh "$build"
# The same goals from paired, interleaved slices against one bank: a few
# minutes (PAIRED_SETS, default 6, of PAIRED_SECONDS, default 5, slices).
echo
echo "== paired_bench.sh"
tests/bench/paired_bench.sh "$build"
echo
echo "== PAIRED_PIN=1 paired_bench.sh (legacy-host on CPU 0, the rest on CPU 1)"
PAIRED_PIN=1 tests/bench/paired_bench.sh "$build"
