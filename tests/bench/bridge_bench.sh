#!/usr/bin/env bash
# bridge_bench.sh: what corebridge costs the channels, measured in one run.
#
#   tests/bench/bridge_bench.sh [BUILD_DIR]      (make bench runs it last)
#
# On loopback, port 0 everywhere, a fresh temporary directory per setup,
# channel-sim drives the demo bank through each of:
#   direct          channel-sim -> legacy-host
#   haproxy         channel-sim -> HAProxy (mode tcp) -> legacy-host
#   bridge          channel-sim -> corebridge LEGACY_ONLY -> legacy-host
#   bridge-slow-lo  corebridge LEGACY_ONLY, newcore slowed by DELAY ms (baseline of the next)
#   bridge-shadow   corebridge SHADOW on every product line, newcore slowed by DELAY ms
#                   (its journal on, as shipped: SHADOW writes are dual-written durably)
#   bridge-dualwrite  corebridge DUAL_WRITE on every line, journal on, a
#                   write-heavy mix (postings and transfers): the durable
#                   dual-write throughput and the journal's group commit
# Each setup is loaded twice, by the same channel-sim: saturated (every
# connection sends when its last reply came: the throughput figures), then
# paced at a fixed rate (BENCH_RATE; the latency figures, each request timed
# from when it was due: docs/channel-sim.md). A saturated bank's latency is
# its queue, which any process on the same cores lengthens; at a rate it
# keeps up with, the latency is what the path adds.
# It prints both tables (throughput, p50/p99/p99.9, ratios to direct), what
# the bridge itself added per phase (p50/p99 of its own
# corebridge_bridge_added_seconds histogram, which the machine's stalls
# outside the bridge do not reach), the goals with PASS/MISS, and the
# bridge's secondary queue in the SHADOW runs.
#
# Environment:
#   BENCH_SECONDS      seconds of load per setup (default 20)
#   BENCH_RUNS         rounds of the setups; the table shows medians and
#                      ranges when more than 1 (default 1)
#   BENCH_CONNECTIONS  channel connections (default 8)
#   BENCH_DELAY_MS     newcore --inject-latency-ms for the slowed setups (default 20)
#   BENCH_ACCOUNTS     accounts legacy-host seeds (default 2000)
#   BENCH_KEEP         1: keep the temporary directory (logs, JSON) and print it
#   BENCH_RATE         the paced phase's requests/s (default auto: a quarter of
#                      what the direct setup took saturated in the same round)
#   BENCH_SIM_ACCOUNTS accounts each channel connection uses (default 32)
#   BENCH_ONLY         comma list of setups to run (default the six above and
#                      bridge-shadow-ncidle, below); also
#                      bridge-shadow-nodelay: SHADOW with an unslowed newcore,
#                      to tell the cost of the secondary work from the delay's;
#                      bridge-shadow-nojournal: SHADOW +DELAY without the
#                      journal (the secondary queue of issue 5 alone);
#                      bridge-shadow-ncidle: SHADOW +DELAY with newcore run
#                      under `chrt --idle 0` (SCHED_IDLE), a stand-in for a
#                      new core on hardware of its own: its CPU then runs only
#                      when the channel's path leaves a core idle
#
# CPU heavy: on a shared machine run it alone (the project's convention is
# `flock /tmp/cb-build.lock tests/bench/bridge_bench.sh`). docs/benchmarks.md
# has the figures and what bounds them.
set -euo pipefail

build=${1:-build}
cd "$(dirname "$0")/../.."
bin=$build/bin
seconds=${BENCH_SECONDS:-20}
runs=${BENCH_RUNS:-1}
connections=${BENCH_CONNECTIONS:-8}
delay_ms=${BENCH_DELAY_MS:-20}
accounts=${BENCH_ACCOUNTS:-2000}
# Accounts each channel connection opens and uses (channel-sim --accounts).
# 32 spreads 8 connections' traffic over 256 accounts, a few requests a
# second each; with channel-sim's default of 4, 32 accounts take ~40
# requests/s each, more than one account's in-order secondary lane does
# against a new core slowed by 20 ms (~50 calls/s at best), and the SHADOW
# figures then measure that pile-up rather than the bridge.
sim_accounts=${BENCH_SIM_ACCOUNTS:-32}
only=${BENCH_ONLY:-direct,haproxy,bridge,bridge-slow-lo,bridge-shadow,bridge-shadow-ncidle,bridge-dualwrite}
# The write-heavy mix of bridge-dualwrite.
write_mix=${BENCH_WRITE_MIX:-inquiry=10,post=60,transfer=30,statement=0,invalid=0,open=0,close=0}

# Secondary side sizing for the slowed new core (docs/benchmarks.md): the
# host answers at most about 2,600 requests/s, every one of which SHADOW
# sends to the new core; at 20 ms plus the store's own time a call holds a
# worker about 21 ms, so Little's law needs about 55 calls in flight. 128
# workers (and as many Thrift connections, or workers would wait for the
# pool) leave twice that; the default queue of 10,000 rides out about 4 s of
# a stalled new core at that rate.
# The paced phase's offered load (requests/s over all connections); auto:
# a quarter of what legacy-host took directly in the same round (quarter_of),
# or 500 when the round has no direct setup.
rate=${BENCH_RATE:-auto}
round_rate=$rate
[ "$rate" = auto ] && round_rate=500
sec_workers=${BENCH_SECONDARY_WORKERS:-128}
sec_queue=${BENCH_SECONDARY_QUEUE:-10000}

bench_name=bridge_bench
# shellcheck source=tests/bench/bench_lib.sh
. tests/bench/bench_lib.sh

results=$work/results.jsonl
: >"$results"

record() {  # RUN SETUP JSON PACED-JSON [EXTRA-JSON-FIELDS]
  local extra=${5:-}
  if [ -z "$3" ] || [ "${3:0:1}" != "{" ] || [ -z "$4" ] || [ "${4:0:1}" != "{" ]; then
    echo "bridge_bench: $2 (run $1): channel-sim gave no summary" >&2
    return 0
  fi
  echo "{\"run\":$1,\"setup\":\"$2\",\"sim\":$3,\"paced\":$4${extra:+,$extra}}" >>"$results"
}

# bridge_health DIR: counts of warning/error lines in the bridge's log, for
# the table's footnotes (the bridge runs at --log.level warn).
bridge_health() {
  local warn err
  warn=$(grep -c . "$1/bridge.err" 2>/dev/null || true)
  err=$(grep -c -E '^[0-9-]+ [0-9:.]+ (error|critical)' "$1/bridge.err" 2>/dev/null || true)
  echo "\"bridge_log_lines\":${warn:-0},\"bridge_log_errors\":${err:-0}"
}

# The two phases against one target, in this order in every setup: as fast
# as the replies come (sets json: throughput), then paced at the round's rate
# (sets paced: the latency goals). A bridge's secondary queue is drained in
# between (drain_wait), so that the saturating phase's backlog is not in the
# paced figures.
saturated() {  # DIR PORT [MIX]
  json=$(sim "$1" "$2" "${3:-}")
}
paced_phase() {  # DIR PORT [MIX]
  sync  # what the saturated phase left dirty, written back now (see run_setup)
  paced=$(sim "$1" "$2" "${3:-}" "$round_rate")
}


run_setup() {  # RUN SETUP
  local run=$1 setup=$2 dir=$work/run$1-$2 json paced extra=""
  mkdir -p "$dir"
  echo "-- run $run: $setup" >&2
  start_legacy "$dir"
  case $setup in
    direct)
      saturated "$dir" "$legacy_port"
      if [ "$rate" = auto ]; then
        round_rate=$(quarter_of "$json")
      fi
      echo "-- run $run: paced phases at $round_rate requests/s" >&2
      paced_phase "$dir" "$legacy_port"
      ;;
    haproxy)
      start_haproxy "$dir" "$legacy_port"
      saturated "$dir" "$proxy_port"
      paced_phase "$dir" "$proxy_port"
      stop "$proxy_pid"
      ;;
    bridge*)
      local d=$delay_ms stage=LEGACY_ONLY mix="" journal priority=normal
      case $setup in bridge | bridge-shadow-nodelay | bridge-dualwrite) d=0 ;; esac
      case $setup in bridge-shadow*) stage=SHADOW ;; esac
      journal=$dir/journal
      case $setup in bridge-shadow-nojournal) journal="" ;; esac
      case $setup in bridge-dualwrite) stage=DUAL_WRITE mix=$write_mix ;; esac
      case $setup in bridge-shadow-ncidle) priority=idle ;; esac
      start_newcore "$dir" "$d" "$priority"
      start_bridge "$dir" "$stage" "$legacy_port" "$newcore_port" "$journal"
      # Sample the secondary queue once a second while the load runs.
      (
        while kill -0 "$bridge_pid" 2>/dev/null; do
          metric "$(metrics "$admin_port")" corebridge_secondary_queue_depth
          echo
          sleep 1
        done
      ) >"$dir/depth.log" 2>/dev/null &
      local sampler=$!
      saturated "$dir" "$bridge_port" "$mix"
      local m_end m_drained depth_max waited=0 sat_waited
      m_end=$(metrics "$admin_port")
      drain_wait "$admin_port"
      sat_waited=$waited
      paced_phase "$dir" "$bridge_port" "$mix"
      local m_paced
      m_paced=$(metrics "$admin_port")
      # Then let the queue drain again and read the final counters.
      drain_wait "$admin_port"
      m_drained=$(metrics "$admin_port")
      echo "$m_drained" >"$dir/metrics.txt"
      kill "$sampler" 2>/dev/null || true
      wait "$sampler" 2>/dev/null || true
      depth_max=$(sort -n "$dir/depth.log" | tail -1)
      extra="\"depth_end\":$(metric "$m_end" corebridge_secondary_queue_depth)"
      extra+=",\"depth_max\":${depth_max:-0}"
      extra+=",\"drain_s\":$(awk -v w="$sat_waited" 'BEGIN{printf "%.1f", w / 10}')"
      extra+=",\"paced_depth_end\":$(metric "$m_paced" corebridge_secondary_queue_depth)"
      extra+=",\"paced_drain_s\":$(awk -v w="$waited" 'BEGIN{printf "%.1f", w / 10}')"
      extra+=",\"dropped\":$(metric "$m_drained" corebridge_secondary_dropped_total)"
      extra+=",\"secondary_errors\":$(metric "$m_drained" corebridge_secondary_errors_total)"
      extra+=",\"comparisons\":$(metric "$m_drained" corebridge_comparisons_total)"
      extra+=",\"mismatches\":$(metric "$m_drained" corebridge_mismatches_total)"
      extra+=",\"journal_records\":$(metric "$m_drained" corebridge_journal_records_total)"
      extra+=",\"journal_syncs\":$(metric "$m_drained" corebridge_journal_syncs_total)"
      extra+=",\"journal_unsettled\":$(metric "$m_drained" corebridge_journal_unsettled)"
      # What the bridge itself added: its own histogram at the end of each
      # phase (no channel traffic while the queue drains in between).
      extra+=",\"added_sat\":$(sum_by_label "$m_end" corebridge_bridge_added_seconds_bucket le)"
      extra+=",\"added_paced_end\":$(sum_by_label "$m_paced" corebridge_bridge_added_seconds_bucket le)"
      extra+=",\"repairs_opened\":$(metric "$m_drained" corebridge_repairs_opened_total)"
      extra+=",\"comparisons_by_result\":$(sum_by_label "$m_drained" corebridge_comparisons_total result)"
      stop "$bridge_pid"
      extra+=",$(bridge_health "$dir")"
      stop "$newcore_pid"
      ;;
  esac
  stop "$legacy_pid"
  record "$run" "$setup" "$json" "$paced" "$extra"
  # Write back what this setup left dirty (the host's indexed files, the
  # SQLite store, the journal) now: left to the kernel, it is written about
  # 30 s later, in the middle of the next setup's paced phase, and that
  # setup's p99 is then the disk's.
  sync
}

echo "bridge_bench: ${seconds}s per setup, $connections connections, $runs run(s)," \
  "newcore slowed by ${delay_ms} ms, secondary workers $sec_workers queue $sec_queue" >&2
echo "bridge_bench: commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), corebridge built" \
  "$(date -u -r "$bin/corebridge" '+%Y-%m-%d %H:%M:%S UTC')" >&2
sync
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for run in $(seq 1 "$runs"); do
  for setup in direct haproxy bridge bridge-slow-lo bridge-shadow bridge-shadow-nojournal \
    bridge-shadow-ncidle bridge-shadow-nodelay bridge-dualwrite; do
    case ",$only," in *",$setup,"*) run_setup "$run" "$setup" ;; esac
  done
done

echo "load average (1, 5, 15 min) before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg)" \
  "(the load is 5 processes on 2 cores; more means something else ran too)"
python3 - "$results" "$delay_ms" <<'EOF'
import json, statistics, sys

rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
delay = sys.argv[2]
by = {}
for r in rows:
    by.setdefault(r["setup"], []).append(r)
names = {
    "direct": "direct to legacy-host",
    "haproxy": "HAProxy (tcp) in front",
    "bridge": "corebridge LEGACY_ONLY",
    "bridge-slow-lo": f"corebridge LEGACY_ONLY, newcore +{delay} ms",
    "bridge-shadow": f"corebridge SHADOW, newcore +{delay} ms",
    "bridge-shadow-nojournal": f"corebridge SHADOW, newcore +{delay} ms, no journal",
    "bridge-shadow-ncidle": f"corebridge SHADOW, newcore +{delay} ms at idle priority",
    "bridge-shadow-nodelay": "corebridge SHADOW, newcore not slowed",
    "bridge-dualwrite": "corebridge DUAL_WRITE, journal on, write-heavy mix",
}

def med(setup, key, phase="sim"):
    v = [r[phase][key] for r in by.get(setup, [])]
    return statistics.median(v) if v else None

def rng(setup, key, phase="sim"):
    v = [r[phase][key] for r in by.get(setup, [])]
    if len(v) < 2:
        return ""
    return f" ({min(v):g}-{max(v):g})"

def fmt(x, unit=""):
    return "-" if x is None else f"{x:,.0f}{unit}"

def table(phase):
    hdr = ["setup", "req/s", "p50 us", "p99 us", "p99.9 us", "x direct", "+p50 us", "+p99 us",
           "errors", "unexpected", "ledger"]
    print("| " + " | ".join(hdr) + " |")
    print("|" + "---|" * len(hdr))
    d_tp, d50, d99 = (med("direct", k, phase) for k in ("throughput_rps", "p50_us", "p99_us"))
    for s in names:
        if s not in by:
            continue
        tp, p50, p99, p999 = (med(s, k, phase)
                              for k in ("throughput_rps", "p50_us", "p99_us", "p999_us"))
        ratio = f"{tp / d_tp:.3f}" if d_tp else "-"
        a50 = f"{p50 - d50:+,.0f}" if d50 is not None else "-"
        a99 = f"{p99 - d99:+,.0f}" if d99 is not None else "-"
        errs = sum(r[phase].get("errors", 0) for r in by[s])
        unexp = sum(r[phase].get("unexpected_replies", 0) for r in by[s])
        bal = ("all balanced" if all(r[phase].get("ledger_balanced") for r in by[s])
               else "NOT balanced")
        print(f"| {names[s]} | {fmt(tp)}{rng(s, 'throughput_rps', phase)} | "
              f"{fmt(p50)}{rng(s, 'p50_us', phase)} | {fmt(p99)}{rng(s, 'p99_us', phase)} | "
              f"{fmt(p999)}{rng(s, 'p999_us', phase)} | {ratio} | {a50} | {a99} | {errs} | "
              f"{unexp} | {bal} |")

nruns = max((len(v) for v in by.values()), default=0)
rates = sorted({r["paced"].get("offered_rps", 0) for r in rows})
print(f"corebridge bench: {nruns} run(s); " +
      ("medians, ranges in brackets" if nruns > 1 else "one run"))
print("\nsaturated (every connection sends when its last reply came): throughput")
table("sim")
print(f"\npaced at {'/'.join(f'{x:,.0f}' for x in rates)} requests/s (latency from when each "
      "request was due): added latency")
table("paced")

def quantile(cum, q):
    # cum: {"le": cumulative count}; linear inside the bucket that holds q.
    pts = sorted((float("inf") if k == "+Inf" else float(k), v) for k, v in cum.items())
    total = pts[-1][1] if pts else 0
    if total <= 0:
        return None
    want, lo, below = q * total, 0.0, 0
    for le, c in pts:
        if c >= want:
            if le == float("inf"):
                return lo
            return lo + (le - lo) * ((want - below) / (c - below) if c > below else 1.0)
        lo, below = le, c
    return lo

def added(r, phase):
    end = r.get("added_sat" if phase == "sim" else "added_paced_end")
    if not end:
        return None, None
    start = {} if phase == "sim" else r.get("added_sat", {})
    cum = {k: v - start.get(k, 0) for k, v in end.items()}
    return tuple(None if x is None else x * 1e6 for x in (quantile(cum, 0.5), quantile(cum, 0.99)))

def added_runs(setup, phase):
    # (p50, p99) of each run of `setup` that has the histogram.
    vals = [added(r, phase) for r in by.get(setup, [])]
    return [v for v in vals if v[0] is not None]

def added_table(phase):
    print("| setup | bridge-added p50 us | bridge-added p99 us |")
    print("|---|---|---|")
    for s in names:
        vals = added_runs(s, phase)
        if not vals:
            continue
        def cell(i):
            xs = [v[i] for v in vals]
            m = statistics.median(xs)
            return f"{m:,.0f}" + (f" ({min(xs):,.0f}-{max(xs):,.0f})" if len(xs) > 1 else "")
        print(f"| {names[s]} | {cell(0)} | {cell(1)} |")

if any(r.get("added_sat") for r in rows):
    print("\nwhat the bridge itself added (its corebridge_bridge_added_seconds histogram: from the "
          "start of a request's handling to its reply, minus the primary call; interpolated in "
          "its buckets), paced phase:")
    added_table("paced")
    print("saturated phase:")
    added_table("sim")

print("\ngoals (latency from the paced phase, throughput from the saturated one):")
def goal(text, ok, detail):
    print(f"  {'PASS' if ok else 'MISS'}  {text}: {detail}")
def latency_goals(phase, label):
    d99, h99, b99 = (med(s, "p99_us", phase) for s in ("direct", "haproxy", "bridge"))
    if None not in (d99, h99, b99):
        added_b, added_h = b99 - d99, h99 - d99
        goal(f"corebridge adds no more than HAProxy does plus 50 us at p99{label}",
             added_b <= added_h + 50,
             f"corebridge {added_b:+,.0f} us, HAProxy {added_h:+,.0f} us, "
             f"margin {added_h + 50 - added_b:+,.0f} us")
latency_goals("paced", "")
own = added_runs("bridge", "paced")
if own:
    print(f"  note  what corebridge itself added at LEGACY_ONLY (paced; its "
          f"corebridge_bridge_added_seconds, without the socket hop a proxy also pays): "
          f"p50 {statistics.median(v[0] for v in own):,.0f} us, "
          f"p99 {statistics.median(v[1] for v in own):,.0f} us")
d_tp, b_tp = med("direct", "throughput_rps"), med("bridge", "throughput_rps")
if d_tp and b_tp:
    goal("corebridge keeps >= 90 % of direct throughput", b_tp >= 0.9 * d_tp,
         f"{b_tp / d_tp:.1%} ({b_tp:,.0f} of {d_tp:,.0f} req/s)")
def shadow_goal(phase, label, setup="bridge-shadow"):
    lo99, sh99 = med("bridge-slow-lo", "p99_us", phase), med(setup, "p99_us", phase)
    if lo99 and sh99:
        goal(f"SHADOW with new core +{delay} ms: channel p99 within 10 % of LEGACY_ONLY{label}",
             sh99 <= 1.10 * lo99, f"{sh99 / lo99 - 1:+.1%} ({sh99:,.0f} vs {lo99:,.0f} us)")
shadow_goal("paced", "")
shadow_goal("paced", ", without the journal", "bridge-shadow-nojournal")
shadow_goal("paced", ", newcore at idle priority (as if on its own cores)", "bridge-shadow-ncidle")
print("for comparison, the same latency goals on the saturated phase (a saturated bank's p99 "
      "is its queue; any process beside it on these cores lengthens it):")
latency_goals("sim", " (saturated)")
shadow_goal("sim", " (saturated)")

for r in (by.get("bridge-shadow", []) + by.get("bridge-shadow-nojournal", []) +
          by.get("bridge-shadow-ncidle", []) + by.get("bridge-shadow-nodelay", [])):
    print(f"\n{r['setup']} run {r['run']}: secondary queue depth at the end of the load "
          f"{r.get('depth_end')}, highest sampled {r.get('depth_max')}, drained in "
          f"{r.get('drain_s')} s; dropped {r.get('dropped')}; secondary errors "
          f"{r.get('secondary_errors')}; comparisons {r.get('comparisons')} "
          f"{json.dumps(r.get('comparisons_by_result', {}), sort_keys=True)}; "
          f"mismatches {r.get('mismatches')}; channel requests {r['sim'].get('requests')} "
          f"saturated + {r['paced'].get('requests')} paced; queue at the end of the paced "
          f"phase {r.get('paced_depth_end')}, drained in {r.get('paced_drain_s')} s")
for r in by.get("bridge-dualwrite", []):
    sim = r["sim"]
    ops = sim.get("by_operation", {})
    writes = sum(v for k, v in ops.items() if k in ("post", "transfer"))
    wps = writes / sim["duration_s"] if sim.get("duration_s") else 0
    rec, syncs = r.get("journal_records", 0), r.get("journal_syncs", 0)
    print(f"\nbridge-dualwrite run {r['run']}: {wps:,.0f} durable dual-written postings and "
          f"transfers/s ({writes} in {sim.get('duration_s', 0):.0f} s, p99 {sim.get('p99_us', 0):,.0f} us); "
          f"journal {rec} records in {syncs} fdatasyncs "
          f"({rec / syncs if syncs else 0:.1f} records per sync); unsettled after drain "
          f"{r.get('journal_unsettled')}; repair cases {r.get('repairs_opened')}; comparisons "
          f"{json.dumps(r.get('comparisons_by_result', {}), sort_keys=True)}")
for s in ("bridge", "bridge-slow-lo", "bridge-shadow", "bridge-shadow-nojournal",
          "bridge-shadow-ncidle", "bridge-shadow-nodelay", "bridge-dualwrite"):
    for r in by.get(s, []):
        bad = any(r[p].get("errors") or r[p].get("unexpected_replies") for p in ("sim", "paced"))
        if r.get("bridge_log_lines") or bad:
            print(f"note: {s} run {r['run']}: {r.get('bridge_log_lines')} bridge log lines at warn+ "
                  f"({r.get('bridge_log_errors')} errors); first unexpected reply: "
                  f"{r['sim'].get('first_unexpected') or r['paced'].get('first_unexpected') or '-'}")
EOF
