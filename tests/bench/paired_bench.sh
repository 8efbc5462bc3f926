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
#   shadow-nj  the same without the journal (the secondary queue alone), to
#            tell the journal's fdatasync from the rest
# and channel-sim drives one path at a time in short slices. A set is one
# saturated slice of direct, haproxy and bridge (throughput), then one paced
# slice of each of the five (latency, timed from when each request was due),
# in an order that rotates from set to set. Each goal is judged per set,
# from paths measured seconds apart against the same bank; the figures are
# the medians over the sets, and each goal says in how many sets it held.
#
# PAIRED_PIN=1 runs it as if the systems had machines of their own, as in a
# bank: legacy-host and its COBOL worker on CPU 0 (the mainframe), and
# channel-sim, HAProxy and the bridges on CPU 1; newcore on CPU 1 too but at
# idle priority (SCHED_IDLE: it runs only when CPU 1 is otherwise idle) with
# its SQLite store in /dev/shm (its disk is not the journal's). Then the
# bridge's CPU and the journal's fdatasyncs are the only things a path adds
# that the mainframe shares.
#
# Environment:
#   PAIRED_SETS        sets of slices (default 6)
#   PAIRED_PIN         1: pinned, as above (default 0: everything shares both cores)
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
pin=${PAIRED_PIN:-0}

bench_name=paired_bench
newcore_priority=normal mode="shared (every process on both cores)"
if [ "$pin" = 1 ]; then
  back_cpu=(taskset -c 0) side_cpu=(taskset -c 1) newcore_priority=idle
  mode="pinned (legacy-host on CPU 0; channel-sim, HAProxy, the bridges on CPU 1; newcore on CPU 1 at idle priority, its store in /dev/shm)"
fi
# shellcheck source=tests/bench/bench_lib.sh
. tests/bench/bench_lib.sh
nc_dir=$work/sh
if [ "$pin" = 1 ]; then
  nc_dir=$(mktemp -d /dev/shm/paired_bench.XXXXXX)
  scratch+=("$nc_dir")
fi

echo "paired_bench: $sets sets of ${seconds}s slices, $connections connections," \
  "newcore slowed by ${delay_ms} ms; commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'); $mode" >&2
mkdir -p "$work/lo" "$work/sh" "$work/hp"
start_legacy "$work"
start_haproxy "$work/hp" "$legacy_port"
start_newcore "$nc_dir" "$delay_ms" "$newcore_priority"
start_bridge "$work/lo" LEGACY_ONLY "$legacy_port" "$newcore_port" ""
lo_port=$bridge_port
start_bridge "$work/sh" SHADOW "$legacy_port" "$newcore_port" "$work/sh/journal"
sh_port=$bridge_port sh_admin=$admin_port
mkdir -p "$work/nj"
start_bridge "$work/nj" SHADOW "$legacy_port" "$newcore_port" ""
nj_port=$bridge_port nj_admin=$admin_port

port_of() {
  case $1 in
    direct) echo "$legacy_port" ;;
    haproxy) echo "$proxy_port" ;;
    bridge) echo "$lo_port" ;;
    shadow) echo "$sh_port" ;;
    shadow-nj) echo "$nj_port" ;;
  esac
}

out=$work/paired.jsonl
: >"$out"
slice() {  # SET KIND PATH [RATE]
  local dir=$work/set$1-$2-$3 json
  mkdir -p "$dir"
  sync
  json=$(sim "$dir" "$(port_of "$3")" "" "${4:-}")
  case $3 in
    shadow) drain_wait "$sh_admin" ;;
    shadow-nj) drain_wait "$nj_admin" ;;
  esac
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
  rate=$(quarter_of "$(sim "$work/warmup" "$legacy_port")")
fi
echo "paired_bench: paced slices at $rate requests/s" >&2
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for set in $(seq 1 "$sets"); do
  echo "-- set $set" >&2
  for path in $(rotate "$set" direct haproxy bridge); do slice "$set" sat "$path"; done
  for path in $(rotate "$set" direct haproxy bridge shadow shadow-nj); do slice "$set" paced "$path" "$rate"; done
done
m=$(metrics "$sh_admin")
echo "load average (1, 5, 15 min) before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$out" "$delay_ms" "$rate" "$mode" \
  "$(metric "$m" corebridge_secondary_dropped_total)" "$(metric "$m" corebridge_comparisons_total)" \
  "$(metric "$m" corebridge_mismatches_total)" <<'EOF'
import json, statistics, sys

rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
delay, rate, mode, dropped, comparisons, mismatches = sys.argv[2:8]
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

print(f"paired slices, {mode}: {len(sets)} sets; paced at {rate} requests/s; medians over "
      "the sets, ranges in brackets")
print("| path | saturated req/s | x direct (per set) | paced p50 us | paced p99 us | "
      "+p99 us over direct (per set) | errors | unexpected | ledger |")
print("|---|---|---|---|---|---|---|---|---|")
names = {"direct": "direct to legacy-host", "haproxy": "HAProxy (tcp) in front",
         "bridge": "corebridge LEGACY_ONLY",
         "shadow": f"corebridge SHADOW, newcore +{delay} ms, journal on",
         "shadow-nj": f"corebridge SHADOW, newcore +{delay} ms, no journal"}
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
nj = per_set(lambda s: v(s, "paced", "shadow-nj", "p99_us") / v(s, "paced", "bridge", "p99_us") - 1)
goal(f"SHADOW with new core +{delay} ms: channel p99 within 10 % of LEGACY_ONLY, without the "
     "journal", nj, lambda x: x <= 0.10, lambda x: f"{x:+.1%}")
EOF
