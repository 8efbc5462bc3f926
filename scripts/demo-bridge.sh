#!/usr/bin/env bash
# The facade part of `make demo`: legacy-host, newcore (SQLite) and
# corebridge on loopback, channel-sim driving savings traffic through the
# bridge while SAVINGS moves through every stage (SIGHUP, no restart); per
# stage: throughput, latency, comparisons and mismatches by field.
#   scripts/demo-bridge.sh BIN_DIR OUT_DIR [SECONDS_PER_STAGE]
set -euo pipefail
bin=$1
dir=$2
secs=${3:-${DEMO_STAGE_SECONDS:-6}}
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$dir"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

port_of() {  # FILE WORD: the port after "WORD HOST:" in FILE's first line, waiting up to 10 s
  local p=
  for _ in $(seq 1 100); do
    p=$(grep -o "$2 [0-9.]*:[0-9]*" "$1" 2>/dev/null | head -1 | cut -d: -f2 || true)
    [ -n "$p" ] && break
    sleep 0.1
  done
  [ -n "$p" ] || { echo "no '$2' line in $1; see the logs in $dir" >&2; exit 1; }
  echo "$p"
}

"$bin/legacy-host" --port 0 --data-dir "$dir/bank" --accounts 500 --log-level warn \
  > "$dir/legacy-host.out" 2> "$dir/legacy-host.log" &
pids+=($!)
"$bin/newcore" --port 0 --dsn "Driver=SQLite3;Database=$dir/newcore.db" \
  > "$dir/newcore.out" 2> "$dir/newcore.log" &
pids+=($!)
lport=$(port_of "$dir/legacy-host.out" "listening on")
nport=$(port_of "$dir/newcore.out" "listening on")

config=$dir/corebridge.yaml
write_config() {  # STAGE [RAMP]
  cat > "$config" <<YAML
pack: $root/mappings/packs/demobank/pack.yaml
listen: {port: 0}
admin: {port: 0}
legacy: {port: $lport, timeout_ms: 2000}
newcore: {port: $nport, timeout_ms: 2000}
mismatch_store: "Driver=SQLite3;Database=$dir/mismatches.db"
dualwrite: {journal: $dir/journal}
repairs: {store: "Driver=SQLite3;Database=$dir/repairs.db"}
log: {level: info}
product_lines:
  SAVINGS: {stage: $1, ramp: ${2:-100}}
  CHECKING: {stage: LEGACY_ONLY}
  TERM_DEPOSIT: {stage: LEGACY_ONLY}
  LOAN: {stage: LEGACY_ONLY}
YAML
}
write_config LEGACY_ONLY
"$bin/corebridge" --config "$config" > "$dir/corebridge.out" 2> "$dir/corebridge.log" &
bridge_pid=$!
pids+=($bridge_pid)
bport=$(port_of "$dir/corebridge.out" "listening on")
aport=$(port_of "$dir/corebridge.out" "admin")
echo "   legacy-host 127.0.0.1:$lport, newcore 127.0.0.1:$nport (SQLite), corebridge 127.0.0.1:$bport"
echo "   (admin and /metrics on 127.0.0.1:$aport); channel-sim: $secs s a stage, 4 connections, savings accounts"
printf '   %-18s %9s %7s %8s %8s %9s %9s  %s\n' stage requests "req/s" "p50 ms" "p99 ms" compared different "mismatches by field"

metrics() { curl -s "http://127.0.0.1:$aport/metrics"; }
wait_drained() {
  for _ in $(seq 1 200); do
    depth=$(metrics | awk '/^corebridge_secondary_queue_depth /{print $2}')
    [ "${depth:-0}" = 0 ] && return 0
    sleep 0.05
  done
}

n=0
for spec in LEGACY_ONLY DUAL_WRITE SHADOW NEW_PRIMARY:50 NEW_PRIMARY NEW_ONLY; do
  n=$((n + 1))
  stage=${spec%%:*}
  ramp=100
  [ "$spec" != "$stage" ] && ramp=${spec#*:}
  write_config "$stage" "$ramp"
  kill -HUP $bridge_pid
  sleep 0.3
  metrics > "$dir/metrics.before.$n.txt"
  "$bin/channel-sim" --target "127.0.0.1:$bport" --duration "$secs" --connections 4 \
    --products SAVB,SAVP --seed "$n" --quiet --copybooks "$root/legacy/cobol/copybooks" \
    > "$dir/channel-sim.$n.json" || true
  wait_drained
  metrics > "$dir/metrics.after.$n.txt"
  label=$stage
  [ "$ramp" != 100 ] && label="$stage $ramp%"
  python3 - "$label" "$dir/channel-sim.$n.json" "$dir/metrics.before.$n.txt" \
    "$dir/metrics.after.$n.txt" <<'PY'
import json, re, sys
label, sim, before, after = sys.argv[1:]
s = json.loads(open(sim).read().splitlines()[-1])
def series(path):
    out = {}
    for line in open(path):
        if line.startswith("#") or " " not in line:
            continue
        name, value = line.rsplit(" ", 1)
        out[name] = float(value)
    return out
b, a = series(before), series(after)
delta = {k: v - b.get(k, 0) for k, v in a.items() if v - b.get(k, 0) > 0}
compared = sum(v for k, v in delta.items() if k.startswith("corebridge_comparisons_total"))
different = sum(v for k, v in delta.items()
                if k.startswith("corebridge_comparisons_total") and 'result="different"' in k)
fields = {}
for k, v in delta.items():
    if k.startswith("corebridge_mismatches_total"):
        f = re.search(r'field="([^"]*)"', k).group(1)
        fields[f] = fields.get(f, 0) + v
top = ", ".join(f"{f} {int(v)}" for f, v in sorted(fields.items(), key=lambda x: -x[1])[:3])
ok = s["unexpected_replies"] == 0 and s["errors"] == 0 and s["ledger_balanced"]
print(f"   {label:<18} {s['requests']:>9,} {s['throughput_rps']:>7,.0f} {s['p50_us']/1000:>8.1f} "
      f"{s['p99_us']/1000:>8.1f} {int(compared):>9,} {int(different):>9,}  {top or '-'}"
      + ("" if ok else f"   [channel-sim: {s['unexpected_replies']} unexpected, "
                       f"{s['errors']} errors, ledger balanced {s['ledger_balanced']}]"))
PY
  if [ "$stage" = DUAL_WRITE ]; then
    # The savings accounts legacy held before dual-writing began (the 500
    # seeded, and those opened at LEGACY_ONLY) go to the new core from the
    # bank's extract, before the line moves on (docs/backfill.md).
    BANK_DATA_DIR=$dir/bank "$bin/../cobol/EXTRACT" "$(date +%Y%m%d)" "$dir/savings.extract.dat" \
      > "$dir/extract.log" 2>&1 || { echo "EXTRACT failed; see $dir/extract.log" >&2; exit 1; }
    (cd "$root" && "$bin/bridgectl" backfill --product-line SAVINGS \
      --extract "$dir/savings.extract.dat" --newcore "127.0.0.1:$nport" \
      --checkpoint "$dir/savings.ckpt" --quiet) > "$dir/backfill.txt" 2>&1 ||
      { cat "$dir/backfill.txt" >&2; exit 1; }
    awk '/^backfill /{sub(/^backfill /, ""); print "   backfill " $0}
         /^  (created|updated|ignored_stale)/{printf "     %s %s\n", $1, $2}' "$dir/backfill.txt"
    # The writes that waited for their account's snapshot now land.
    for _ in $(seq 1 100); do
      p=$(metrics | awk '/^corebridge_repair_parked_accounts /{print $2}')
      [ "${p:-0}" = 0 ] && break
      sleep 0.1
    done
  fi
done
echo "   the repair queue (bridgectl repairs): $("$bin/bridgectl" repairs \
  --store "Driver=SQLite3;Database=$dir/repairs.db" 2>&1 | tail -1)"
kill -TERM $bridge_pid; wait $bridge_pid 2>/dev/null || true

# The comparator's worth is what it catches: the same pack with debit and
# credit swapped in ACCTPOST's request mapping, at DUAL_WRITE for 3 s.
sed -e "s|codes: {D: DEBIT, C: CREDIT}|codes: {D: CREDIT, C: DEBIT}|" \
    -e "s|^copybook_dir: .*|copybook_dir: $root/legacy/cobol/copybooks|" \
    "$root/mappings/packs/demobank/pack.yaml" > "$dir/wrong-pack.yaml"
write_config DUAL_WRITE
sed -i "s|^pack: .*|pack: $dir/wrong-pack.yaml|; s|mismatches.db|wrong-mismatches.db|; s|/journal}|/wrong-journal}|; s|repairs.db|wrong-repairs.db|" "$config"
"$bin/corebridge" --config "$config" > "$dir/corebridge-wrong.out" 2> "$dir/corebridge-wrong.log" &
bridge_pid=$!
pids+=($bridge_pid)
bport=$(port_of "$dir/corebridge-wrong.out" "listening on")
"$bin/channel-sim" --target "127.0.0.1:$bport" --duration 3 --connections 2 --products SAVB \
  --quiet --copybooks "$root/legacy/cobol/copybooks" > "$dir/channel-sim.wrong.json" || true
sleep 1
kill -TERM $bridge_pid; wait $bridge_pid 2>/dev/null || true
echo "   a deliberately wrong pack (ACCTPOST's D/C codes swapped: wrong-pack.yaml) at DUAL_WRITE for 3 s;"
echo "   the channels saw nothing (legacy answered); the comparator, as bridgectl mismatches --by-field shows:"
"$bin/bridgectl" mismatches --store "Driver=SQLite3;Database=$dir/wrong-mismatches.db" --by-field \
  2>&1 | head -6 | sed 's/^/     /'
"$bin/bridgectl" mismatches --store "Driver=SQLite3;Database=$dir/wrong-mismatches.db" \
  --trancode ACCTPOST --field PST-LEDGER-BALANCE --limit 2 2>&1 | head -3 | cut -c1-150 | sed 's/^/     /'
