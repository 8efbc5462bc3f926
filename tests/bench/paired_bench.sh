#!/usr/bin/env bash
# paired_bench.sh: what corebridge costs the channels, from paired slices.
#
#   tests/bench/paired_bench.sh [BUILD_DIR]      (make bench runs it after bridge_bench.sh)
#
# bridge_bench.sh gives every setup its own processes and 20 s in turn, so a
# setup's figures also carry what the machine did in its 20 s; on a shared
# 2-core machine that moved a p99 by milliseconds and a throughput by a
# third between rounds. Here one legacy-host serves, at the same time:
#   direct   channel-sim -> legacy-host
#   haproxy  channel-sim -> HAProxy (mode tcp) -> legacy-host
#   bridge   channel-sim -> corebridge LEGACY_ONLY -> legacy-host
#   shadow   channel-sim -> corebridge SHADOW on every product line (journal
#            on, as shipped) -> legacy-host, and newcore slowed by DELAY ms
# and channel-sim drives one path at a time in short slices. A set is one
# saturated slice of direct, haproxy and bridge (throughput), then one paced
# slice of each of the four (latency, timed from when each request was due),
# in an order that rotates from set to set. Each goal is judged per set,
# from paths measured seconds apart against the same bank; the figures are
# the medians over the sets, and each goal says in how many sets it held.
#
# Environment:
#   PAIRED_SETS        sets of slices (default 6)
#   PAIRED_SECONDS     seconds per slice (default 5)
#   BENCH_CONNECTIONS, BENCH_DELAY_MS, BENCH_ACCOUNTS, BENCH_SIM_ACCOUNTS,
#   BENCH_SECONDARY_WORKERS, BENCH_SECONDARY_QUEUE, BENCH_KEEP: as in
#   bridge_bench.sh
#   BENCH_RATE         the paced slices' requests/s (default auto: a quarter of
#                      what direct took in a first saturated slice)
#
# CPU heavy: run it alone (flock /tmp/cb-build.lock). docs/benchmarks.md has
# the figures.
set -euo pipefail

build=${1:-build}
cd "$(dirname "$0")/../.."
bin=$build/bin
sets=${PAIRED_SETS:-6}
seconds=${PAIRED_SECONDS:-5}
connections=${BENCH_CONNECTIONS:-8}
delay_ms=${BENCH_DELAY_MS:-20}
accounts=${BENCH_ACCOUNTS:-2000}
sim_accounts=${BENCH_SIM_ACCOUNTS:-32}
sec_workers=${BENCH_SECONDARY_WORKERS:-128}
sec_queue=${BENCH_SECONDARY_QUEUE:-10000}
rate=${BENCH_RATE:-auto}

for b in legacy-host newcore corebridge channel-sim; do
  if [ ! -x "$bin/$b" ]; then
    echo "paired_bench: $bin/$b is not built" >&2
    exit 1
  fi
done
if ! command -v haproxy >/dev/null; then
  echo "paired_bench: haproxy is not installed (make deps)" >&2
  exit 1
fi

bench_name=paired_bench
# shellcheck source=tests/bench/bench_lib.sh
. tests/bench/bench_lib.sh

echo "paired_bench: $sets sets of ${seconds}s slices, $connections connections," \
  "newcore slowed by ${delay_ms} ms; commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')" >&2
mkdir -p "$work/lo" "$work/sh" "$work/hp"
start_legacy "$work"
start_haproxy "$work/hp" "$legacy_port"
start_newcore "$work/sh" "$delay_ms"
start_bridge "$work/lo" LEGACY_ONLY "$legacy_port" "$newcore_port" ""
lo_port=$bridge_port
start_bridge "$work/sh" SHADOW "$legacy_port" "$newcore_port" "$work/sh/journal"
sh_port=$bridge_port sh_admin=$admin_port

port_of() {
  case $1 in
    direct) echo "$legacy_port" ;;
    haproxy) echo "$proxy_port" ;;
    bridge) echo "$lo_port" ;;
    shadow) echo "$sh_port" ;;
  esac
}

out=$work/paired.jsonl
: >"$out"
slice() {  # SET KIND PATH [RATE]
  local dir=$work/set$1-$2-$3 json
  mkdir -p "$dir"
  sync
  json=$(sim "$dir" "$(port_of "$3")" "" "${4:-}")
  if [ "$3" = shadow ]; then
    drain_wait "$sh_admin"
  fi
  if [ -z "$json" ] || [ "${json:0:1}" != "{" ]; then
    echo "paired_bench: set $1 $2 $3: channel-sim gave no summary" >&2
    return 0
  fi
  echo "{\"set\":$1,\"kind\":\"$2\",\"path\":\"$3\",\"sim\":$json}" >>"$out"
}

# rotate N WORD...: the words, starting at the (N mod count)-th.
rotate() {
  local n=$1
  shift
  local words=("$@") i
  for ((i = 0; i < ${#words[@]}; i++)); do
    echo "${words[$(((n + i) % ${#words[@]}))]}"
  done
}

if [ "$rate" = auto ]; then
  mkdir -p "$work/warmup"
  warm=$(sim "$work/warmup" "$legacy_port")
  rate=$(echo "$warm" | python3 -c 'import json, sys
print(max(50, round(json.load(sys.stdin)["throughput_rps"] / 200) * 50))' 2>/dev/null || echo 500)
fi
echo "paired_bench: paced slices at $rate requests/s" >&2
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for set in $(seq 1 "$sets"); do
  echo "-- set $set" >&2
  for path in $(rotate "$set" direct haproxy bridge); do slice "$set" sat "$path"; done
  for path in $(rotate "$set" direct haproxy bridge shadow); do slice "$set" paced "$path" "$rate"; done
done
m=$(metrics "$sh_admin")
echo "load average (1, 5, 15 min) before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$out" "$delay_ms" "$rate" \
  "$(metric "$m" corebridge_secondary_dropped_total)" "$(metric "$m" corebridge_comparisons_total)" \
  "$(metric "$m" corebridge_mismatches_total)" <<'EOF'
import json, statistics, sys

rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
delay, rate, dropped, comparisons, mismatches = sys.argv[2:7]
got = {(r["set"], r["kind"], r["path"]): r["sim"] for r in rows}
sets = sorted({r["set"] for r in rows})

def per_set(fn):
    """fn(set) for every set where it has what it needs."""
    out = []
    for s in sets:
        try:
            out.append(fn(s))
        except KeyError:
            pass
    return out

def v(s, kind, path, key):
    return got[(s, kind, path)][key]

def med(xs):
    return statistics.median(xs) if xs else float("nan")

def span(xs):
    return f"({min(xs):,.0f} to {max(xs):,.0f})" if xs else ""

print(f"paired slices: {len(sets)} sets; paced at {rate} requests/s; medians over the sets, "
      "ranges in brackets")
print("| path | saturated req/s | x direct (per set) | paced p50 us | paced p99 us | "
      "+p99 us over direct (per set) | errors | unexpected | ledger |")
print("|---|---|---|---|---|---|---|---|---|")
names = {"direct": "direct to legacy-host", "haproxy": "HAProxy (tcp) in front",
         "bridge": "corebridge LEGACY_ONLY",
         "shadow": f"corebridge SHADOW, newcore +{delay} ms, journal on"}
for p, name in names.items():
    tp = per_set(lambda s: v(s, "sat", p, "throughput_rps"))
    ratio = per_set(lambda s: v(s, "sat", p, "throughput_rps") / v(s, "sat", "direct", "throughput_rps"))
    p50 = per_set(lambda s: v(s, "paced", p, "p50_us"))
    p99 = per_set(lambda s: v(s, "paced", p, "p99_us"))
    add99 = per_set(lambda s: v(s, "paced", p, "p99_us") - v(s, "paced", "direct", "p99_us"))
    mine = [r["sim"] for r in rows if r["path"] == p]
    errors = sum(r.get("errors", 0) for r in mine)
    unexpected = sum(r.get("unexpected_replies", 0) for r in mine)
    ledger = "all balanced" if all(r.get("ledger_balanced") for r in mine) else "NOT BALANCED"
    tp_s = f"{med(tp):,.0f} {span(tp)}" if tp else "-"
    ratio_s = f"{med(ratio):.3f} ({min(ratio):.3f} to {max(ratio):.3f})" if ratio else "-"
    print(f"| {name} | {tp_s} | {ratio_s} | {med(p50):,.0f} | {med(p99):,.0f} {span(p99)} | "
          f"{med(add99):+,.0f} {span(add99)} | {errors} | {unexpected} | {ledger} |")
print(f"shadow's secondary: {comparisons} comparisons, {mismatches} mismatches, {dropped} dropped")

def goal(text, values, ok, figure):
    held = sum(1 for x in values if ok(x))
    verdict = "PASS" if values and ok(med(values)) else "MISS"
    print(f"  {verdict}  {text}: {figure(med(values))} on the median; held in {held} of "
          f"{len(values)} sets")

print("goals, per set (latency from the paced slices, throughput from the saturated ones):")
margin = per_set(lambda s: (v(s, "paced", "haproxy", "p99_us") + 50) - v(s, "paced", "bridge", "p99_us"))
goal("corebridge adds no more than HAProxy does plus 50 us at p99", margin, lambda x: x >= 0,
     lambda x: f"margin {x:+,.0f} us")
ratio = per_set(lambda s: v(s, "sat", "bridge", "throughput_rps") / v(s, "sat", "direct", "throughput_rps"))
goal("corebridge keeps >= 90 % of direct throughput", ratio, lambda x: x >= 0.9,
     lambda x: f"{x:.1%}")
shadow = per_set(lambda s: v(s, "paced", "shadow", "p99_us") / v(s, "paced", "bridge", "p99_us") - 1)
goal(f"SHADOW with new core +{delay} ms: channel p99 within 10 % of LEGACY_ONLY", shadow,
     lambda x: x <= 0.10, lambda x: f"{x:+.1%}")
EOF
