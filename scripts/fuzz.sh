#!/usr/bin/env bash
# make fuzz: runs each libFuzzer target for SECONDS on a copy of its seed
# corpus (new inputs land in out/fuzz/<target>/, the committed corpus is not
# touched). Any crash stops with the reproducer's path.
set -euo pipefail
build=${1:-build-fuzz}
seconds=${2:-60}
cd "$(dirname "$0")/.."
status=0
for t in "$build"/bin/*_fuzz; do
  [ -x "$t" ] || continue
  name=$(basename "$t")
  work=out/fuzz/$name
  mkdir -p "$work/corpus" "$work/crashes"
  cp -n tests/fuzz/corpus/"$name"/* "$work/corpus/" 2>/dev/null || true
  echo "== $name for ${seconds}s"
  if ! "$t" -max_total_time="$seconds" -artifact_prefix="$work/crashes/" -print_final_stats=1 \
      "$work/corpus" 2>"$work/log.txt"; then
    echo "!! $name failed; see $work/log.txt and $work/crashes/" >&2
    status=1
  fi
  grep -E 'stat::number_of_executed_units|stat::new_units_added' "$work/log.txt" || true
done
exit $status
