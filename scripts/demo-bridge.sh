#!/usr/bin/env bash
# The facade part of `make demo`: legacy-host, newcore (SQLite) and
# corebridge on loopback, channel-sim driving savings traffic through the
# bridge while SAVINGS moves through every stage, each move proposed by
# alice (operator) and approved by bob (approver) through the admin API
# (bridgectl flags), in force without a restart; per stage: throughput,
# latency, comparisons and mismatches by field. Then the rules that refuse
# unsafe moves, the audit log and its check, and the guard demoting a line
# on a wrong mapping by itself (docs/cutover-control.md).
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

# Who may move stages: alice proposes, bob approves (passwords hashed by
# bridgectl hash-password; the users file holds no secret in the clear).
echo alice-demo-pw > "$dir/alice.pw"
echo bob-demo-pw > "$dir/bob.pw"
cat > "$dir/users.yaml" <<YAML
users:
  alice: {role: operator, password: "$("$bin/bridgectl" hash-password --password-file "$dir/alice.pw")"}
  bob: {role: approver, password: "$("$bin/bridgectl" hash-password --password-file "$dir/bob.pw")"}
YAML

config=$dir/corebridge.yaml
write_config() {  # STAGE [FLAG_STORE] [GUARD_MISMATCH_RATE]
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
control:
  flag_store: "Driver=SQLite3;Database=${2:-$dir/flags.db}"
  users_file: $dir/users.yaml
  guard: {max_mismatch_rate: ${3:-0}, min_samples: 20, window_seconds: 60}
  guard_interval_ms: 500
product_lines:
  SAVINGS: {stage: $1}
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
echo "   (admin API, console and /metrics on http://127.0.0.1:$aport/); channel-sim: $secs s a stage,"
echo "   4 connections, savings accounts; every stage change proposed by alice, approved by bob"
as() {  # USER bridgectl-args...: bridgectl as that user against this bridge
  local user=$1
  shift
  "$bin/bridgectl" "$@" --admin "http://127.0.0.1:$aport" --user "$user" --password-file "$dir/$user.pw"
}
in_force() {  # STAGE: wait until the bridge routes SAVINGS at STAGE
  for _ in $(seq 1 50); do
    as alice status --json 2>/dev/null | python3 -c '
import json, sys
want = sys.argv[1]
for l in json.load(sys.stdin)["lines"]:
    if l["line"] == "SAVINGS":
        f = l.get("in_force", {})
        sys.exit(0 if f.get("stage") == want else 1)
sys.exit(1)' "$1" && return 0
    sleep 0.1
  done
  echo "SAVINGS did not reach $1; see $dir/corebridge.log" >&2
  exit 1
}
promote() {  # STAGE RAMP REASON: alice proposes, bob approves
  local out id
  out=$(as alice flags propose --line SAVINGS --stage "$1" --ramp "$2" --reason "$3" --json) ||
    { echo "the proposal was refused: $out" >&2; exit 1; }
  id=$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["change"]["id"])')
  as bob flags approve "$id" --note "figures checked" > "$dir/approve.$id.txt" ||
    { cat "$dir/approve.$id.txt" >&2; exit 1; }
  in_force "$1"
}
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
  [ "$stage" != LEGACY_ONLY ] && promote "$stage" "$ramp" "demo: the figures of the stage before"
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
    wait_drained
    # The evidence for the next promotion: the same extract against the new
    # store, recorded in the flag store (a promotion is refused while the
    # latest reconciliation is out of balance).
    (cd "$root" && as alice reconcile --product-line SAVINGS --extract "$dir/savings.extract.dat" \
      --new-store "Driver=SQLite3;Database=$dir/newcore.db" --out "$dir/reconcile" --quiet \
      --record) > "$dir/reconcile.txt" 2>&1 || true
    python3 - "$dir/reconcile/summary.json" <<'PY' || echo "   reconciliation: see $dir/reconcile.txt"
import json, sys
s = json.load(open(sys.argv[1]))
t = s["totals"]
print(f"   reconcile SAVINGS: {'in balance' if s['balanced'] else 'OUT OF BALANCE'}, "
      f"{t['legacy']['accounts']:,} accounts on each side, balances {t['legacy']['balance_total']} / "
      f"{t['new']['balance_total']}, {s['differences']['total']} differences; recorded for the rules")
PY
  fi
done
echo "   the repair queue (bridgectl repairs): $("$bin/bridgectl" repairs \
  --store "Driver=SQLite3;Database=$dir/repairs.db" 2>&1 | tail -1)"
echo "   what the rules refuse (each answer is the server's):"
refused() {  # LABEL bridgectl-args...
  local label=$1
  shift
  printf '     %-44s %s\n' "$label" "$("$@" 2>&1 | tr '\n' ' ' | cut -c1-120)"
}
refused "alice: SAVINGS NEW_ONLY -> NEW_PRIMARY" as alice flags demote --line SAVINGS \
  --reason "demo: back off"
refused "alice: CHECKING LEGACY_ONLY -> SHADOW" as alice flags propose --line CHECKING \
  --stage SHADOW --reason "demo: skip a stage"
cid=$(as alice flags propose --line CHECKING --stage DUAL_WRITE --reason "demo: start checking" \
  --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["change"]["id"])')
refused "alice approving her own change $cid" as alice flags approve "$cid"
as bob flags reject "$cid" --note "demo: not this week" > /dev/null
echo "   the audit log (bridgectl audit), newest last:"
as bob audit --limit 8 2>&1 | cut -c1-150 | sed 's/^/     /'
echo "   $(as bob audit verify 2>&1 | head -1)"
kill -TERM $bridge_pid; wait $bridge_pid 2>/dev/null || true

# The comparator's worth is what it catches: the same pack with debit and
# credit swapped in ACCTPOST's request mapping, at DUAL_WRITE for 3 s.
sed -e "s|codes: {D: DEBIT, C: CREDIT}|codes: {D: CREDIT, C: DEBIT}|" \
    -e "s|^copybook_dir: .*|copybook_dir: $root/legacy/cobol/copybooks|" \
    "$root/mappings/packs/demobank/pack.yaml" > "$dir/wrong-pack.yaml"
write_config SHADOW "$dir/wrong-flags.db" 0.05
sed -i "s|^pack: .*|pack: $dir/wrong-pack.yaml|; s|mismatches.db|wrong-mismatches.db|; s|/journal}|/wrong-journal}|; s|repairs.db|wrong-repairs.db|" "$config"
"$bin/corebridge" --config "$config" > "$dir/corebridge-wrong.out" 2> "$dir/corebridge-wrong.log" &
bridge_pid=$!
pids+=($bridge_pid)
bport=$(port_of "$dir/corebridge-wrong.out" "listening on")
aport=$(port_of "$dir/corebridge-wrong.out" "admin")
"$bin/channel-sim" --target "127.0.0.1:$bport" --duration 3 --connections 2 --products SAVB \
  --quiet --copybooks "$root/legacy/cobol/copybooks" > "$dir/channel-sim.wrong.json" || true
sleep 1
echo "   a deliberately wrong pack (ACCTPOST's D/C codes swapped: wrong-pack.yaml) at SHADOW for 3 s,"
echo "   with a guard of 5% mismatches over 20 compared calls; the guard demoted SAVINGS by itself:"
as bob audit --line SAVINGS --limit 1 2>&1 | cut -c1-150 | sed 's/^/     /'
kill -TERM $bridge_pid; wait $bridge_pid 2>/dev/null || true
echo "   the channels saw nothing (legacy answered); the comparator, as bridgectl mismatches --by-field shows:"
"$bin/bridgectl" mismatches --store "Driver=SQLite3;Database=$dir/wrong-mismatches.db" --by-field \
  2>&1 | head -6 | sed 's/^/     /'
"$bin/bridgectl" mismatches --store "Driver=SQLite3;Database=$dir/wrong-mismatches.db" \
  --trancode ACCTPOST --field PST-LEDGER-BALANCE --limit 2 2>&1 | head -3 | cut -c1-150 | sed 's/^/     /'
