#!/usr/bin/env bash
# make crash-test: corebridge's durable dual-write path under SIGKILL
# (docs/crash-test.md). Per stage (DUAL_WRITE, NEW_PRIMARY), on a fresh bank:
# legacy-host, newcore (SQLite) and corebridge (every product line at the
# stage, a journal, a SQLite repair store) on fixed loopback ports;
# channel-sim drives write-heavy traffic through the bridge in back-to-back
# rounds while the phases run, each phase ending with a drain and the
# checker (crash-check) over both stores and channel-sim's --ack-log:
#   1 bridge   SIGKILL at each labelled step (COREBRIDGE_CRASH_AT) and at
#              random moments (50-800 ms after each restart), same port
#   2 backends legacy-host and newcore SIGKILLed and restarted mid-run
#   3 stop     the new store's server stopped (SIGSTOP) for --stop-seconds
#              under load: newcore itself on SQLite, the PostgreSQL server
#              (postmaster and backends) with --store postgres
#   4 truncate the bridge SIGKILLed after a burst; for every byte offset
#              within the journal's last --truncate-records records a bridge
#              recovers a copy cut there and drains
# and once, on a bank of its own (stage dir BACKFILL):
#   5 backfill legacy-only traffic, then every line put at DUAL_WRITE
#              (SIGHUP) under load, the legacy EXTRACT taken and loaded by
#              bridgectl backfill while the channels keep posting; checked
#              with crash-check --backfilled
#
#   scripts/crash-test.sh [--kills N] [--stage DUAL_WRITE|NEW_PRIMARY|both]
#                         [--seconds S] [--keep DIR] [--short] [--build DIR]
#                         [--stop-seconds S] [--truncate-records K] [--truncate-step B]
#                         [--phases "1 2 3 4 5"] [--store sqlite|postgres]
# --short (make test): phases 1, 4 and 5 only, one kill at each label and 3
# at random per stage, a few cuts of the last 2 records; about a minute.
# Exit 0 only if every check of every phase passed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build
phases="1 2 3 4 5" kills=100 stages=both seconds=5 keep="" stop_secs=30 trunc_records=3 trunc_step=1
label_kills=1 store=sqlite
while [ $# -gt 0 ]; do
  case $1 in
    --kills) kills=$2; shift 2 ;;
    --stage) stages=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    --build) build=$(cd "$2" && pwd); shift 2 ;;
    --stop-seconds) stop_secs=$2; shift 2 ;;
    --truncate-records) trunc_records=$2; shift 2 ;;
    --truncate-step) trunc_step=$2; shift 2 ;;
    --phases) phases=$2; shift 2 ;;
    --store) store=$2; shift 2 ;;
    --short) phases="1 4 5"; kills=3; seconds=3; stop_secs=3; trunc_records=2; trunc_step=0; shift ;;
    -h | --help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "crash-test: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
case $store in
  sqlite | postgres) ;;
  *) echo "crash-test: --store sqlite|postgres" >&2; exit 2 ;;
esac
case $stages in
  both) stages="DUAL_WRITE NEW_PRIMARY" ;;
  DUAL_WRITE | NEW_PRIMARY) ;;
  *) echo "crash-test: --stage DUAL_WRITE|NEW_PRIMARY|both" >&2; exit 2 ;;
esac
bin=$build/bin
for f in "$bin/corebridge" "$bin/legacy-host" "$bin/newcore" "$bin/channel-sim" \
  "$bin/crash-check" "$bin/bridgectl" "$build/cobol/EXTRACT"; do
  [ -x "$f" ] || { echo "crash-test: FAIL: $f is missing (build it first: make)" >&2; exit 1; }
done
dir=${keep:-$(mktemp -d /tmp/crash-test.XXXXXX)}
# --keep DIR is wiped first, so it must be a folder crash-test made (it
# leaves .crash-test in it), an empty one or a new one: never anything else.
if [ -e "$dir" ] && { [ ! -d "$dir" ] || { [ -n "$(ls -A "$dir")" ] && [ ! -e "$dir/.crash-test" ]; }; }; then
  echo "crash-test: FAIL: --keep $dir exists and is not a folder crash-test made (no $dir/.crash-test); name a new or empty folder" >&2
  exit 2
fi
rm -rf "$dir"
mkdir -p "$dir"
touch "$dir/.crash-test"
echo "crash-test: everything goes to $dir"
labels="after_intent after_primary after_outcome before_secondary after_secondary after_settle"
business_date=$(date +%Y%m%d)
export BANK_BUSINESS_DATE=$business_date
start_time=$(date +%s)
summary=$dir/summary.txt
: > "$summary"
failures=0

pids=() pg_stops=()
cleanup() {
  for p in "${pids[@]}"; do kill -CONT "$p" 2>/dev/null || true; kill -9 "$p" 2>/dev/null || true; done
  for d in "${pg_stops[@]}"; do
    [ -f "$d/postmaster.pid" ] && pkill -CONT -P "$(head -1 "$d/postmaster.pid")" 2>/dev/null
    [ -f "$d/postmaster.pid" ] && kill -CONT "$(head -1 "$d/postmaster.pid")" 2>/dev/null
    as_pg "$pg_bindir/pg_ctl" -D "$d" -m immediate stop > /dev/null 2>&1 || true
  done
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_line() {  # FILE TEXT PID: wait up to 60 s for TEXT in FILE while PID lives
  for _ in $(seq 1 600); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    kill -0 "$3" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
has_phase() { case " $phases " in *" $1 "*) return 0 ;; esac; return 1; }
rand() { echo $(( $1 + RANDOM % ($2 - $1 + 1) )); }  # LO HI
msleep() { sleep "$(printf '0.%03d' "$1")"; }           # MS < 1000
metric() { awk -v n="$1" '$1 == n {print $2; exit}' "$2"; }

starts=0
start_legacy() {
  starts=$((starts + 1))
  "$bin/legacy-host" --port "$lport" --data-dir "$sd/bank" --accounts 0 --log-level warn \
    > "$sd/legacy-host.$starts.out" 2>> "$sd/legacy-host.log" &
  legacy_pid=$!
  pids+=("$legacy_pid")
  wait_line "$sd/legacy-host.$starts.out" "listening on" "$legacy_pid" ||
    { echo "legacy-host did not start; see $sd/legacy-host.log" >&2; exit 1; }
}
# --store postgres: one PostgreSQL server per stage folder, durable (fsync
# on), as the postgres user (it refuses root; ../shared/NOTES.md).
pg_bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
start_postgres() {
  [ -x "$pg_bindir/pg_ctl" ] || { echo "crash-test: FAIL: no PostgreSQL server (make deps)" >&2; exit 1; }
  pgport=$(free_port)
  mkdir -p "$sd/pg"
  [ "$(id -u)" = 0 ] && chown postgres "$sd/pg"
  as_pg "$pg_bindir/initdb" -D "$sd/pg/data" -U postgres --auth=trust --encoding=UTF8 \
    --locale=C > "$sd/pg.init.log" 2>&1 || { echo "initdb failed: $sd/pg.init.log" >&2; exit 1; }
  as_pg "$pg_bindir/pg_ctl" -D "$sd/pg/data" -l "$sd/pg/postgres.log" -w \
    -o "-p $pgport -k $sd/pg -c listen_addresses=127.0.0.1" start > "$sd/pg.start.log" 2>&1 ||
    { echo "PostgreSQL did not start: $sd/pg/postgres.log" >&2; exit 1; }
  pg_pid=$(head -1 "$sd/pg/data/postmaster.pid")
  pg_stops+=("$sd/pg/data")
  "$pg_bindir/psql" -X -q -h 127.0.0.1 -p "$pgport" -U postgres -d postgres \
    -c "CREATE DATABASE newcore" > /dev/null || { echo "CREATE DATABASE failed" >&2; exit 1; }
}
pg_processes() { echo "$pg_pid" $(pgrep -P "$pg_pid"); }
new_dsn() {
  if [ "$store" = postgres ]; then
    echo "Driver=PostgreSQL Unicode;Server=127.0.0.1;Port=$pgport;Database=newcore;Uid=postgres;Pwd=;"
  else
    echo "Driver=SQLite3;Database=$sd/newcore.db"
  fi
}
start_newcore() {
  starts=$((starts + 1))
  "$bin/newcore" --port "$nport" --dsn "$(new_dsn)" \
    > "$sd/newcore.$starts.out" 2>> "$sd/newcore.log" &
  newcore_pid=$!
  pids+=("$newcore_pid")
  wait_line "$sd/newcore.$starts.out" "listening on" "$newcore_pid" ||
    { echo "newcore did not start; see $sd/newcore.log" >&2; exit 1; }
}
write_config() {  # STAGE JOURNAL_DIR
  cat > "$sd/corebridge.yaml" <<YAML
pack: $root/mappings/packs/demobank/pack.yaml
listen: {host: 127.0.0.1, port: $bport}
admin: {host: 127.0.0.1, port: $aport}
legacy: {port: $lport, timeout_ms: 2000}
newcore: {port: $nport, timeout_ms: 2000}
mismatch_store: "Driver=SQLite3;Database=$sd/mismatches.db"
dualwrite: {journal: $2}
repairs: {store: "Driver=SQLite3;Database=$sd/repairs.db", initial_backoff_ms: 100, max_backoff_ms: 1000}
log: {level: info}
control: {flag_store: ""}  # stages move by SIGHUP here; docs/cutover-control.md
product_lines:
  SAVINGS: {stage: $1}
  CHECKING: {stage: $1}
  TERM_DEPOSIT: {stage: $1}
  LOAN: {stage: $1}
YAML
}
bridge_starts=0
start_bridge() {  # [CRASH_AT]: starts corebridge, waits until it listens (after recovery)
  bridge_starts=$((bridge_starts + 1))
  local out=$sd/corebridge.$bridge_starts
  COREBRIDGE_CRASH_AT=${1:-} "$bin/corebridge" --config "$sd/corebridge.yaml" \
    > "$out.out" 2> "$out.log" &
  bridge_pid=$!
  pids+=("$bridge_pid")
  if ! wait_line "$out.out" "listening on" "$bridge_pid"; then
    # A crash point may be reached during recovery: that is a kill too.
    if ! kill -0 "$bridge_pid" 2>/dev/null && grep -q "crash point reached" "$out.log"; then
      wait "$bridge_pid" 2>/dev/null || true
      start_bridge
      return
    fi
    echo "corebridge did not start; see $out.log" >&2
    tail -5 "$out.log" >&2
    exit 1
  fi
}
kill_bridge() {
  kill -9 "$bridge_pid" 2>/dev/null || true
  wait "$bridge_pid" 2>/dev/null || true
}
start_load() {  # TAG  # channel-sim rounds back to back until $sd/stop-load exists
  rm -f "$sd/stop-load"
  (
    sim_round=0
    while [ ! -e "$sd/stop-load" ]; do
      sim_round=$((sim_round + 1))
      "$bin/channel-sim" --target "127.0.0.1:$bport" --duration "$seconds" --connections 4 \
        --accounts 4 --mix inquiry=5,post=45,transfer=35,statement=2,invalid=2,open=8,close=3 \
        --timeout-ms 5000 --retries 40 --seed "$RANDOM" --quiet \
        --copybooks "$root/legacy/cobol/copybooks" --ack-log "$sd/acks.tsv" \
        > "$sd/channel-sim.$1.$sim_round.json" 2> "$sd/channel-sim.$1.$sim_round.log" || true
    done
  ) &
  load_pid=$!
}
stop_load() {
  touch "$sd/stop-load"
  wait "$load_pid" 2>/dev/null || true
}
drain() {  # waits until nothing is pending; false (metrics printed) after 180 s
  local m=$sd/metrics.txt
  for _ in $(seq 1 1800); do
    if curl -sf "http://127.0.0.1:$aport/metrics" > "$m"; then
      local q u f b p
      q=$(metric corebridge_secondary_queue_depth "$m")
      u=$(metric corebridge_journal_unsettled "$m")
      f=$(metric 'corebridge_repairs_open{kind="secondary_failed"}' "$m")
      b=$(metric 'corebridge_repairs_open{kind="backlog"}' "$m")
      p=$(metric 'corebridge_repairs_open{kind="parked"}' "$m")
      if [ "${q:-x}${u:-x}${f:-0}${b:-0}${p:-0}" = 00000 ]; then
        return 0
      fi
    fi
    sleep 0.1
  done
  echo "crash-test: FAIL: the bridge did not drain in 180 s; its metrics:" >&2
  grep -E '^corebridge_(secondary_queue_depth|journal_unsettled|repairs_open|repair_parked)' \
    "$sd/metrics.txt" >&2 || true
  return 1
}
check() {  # STAGE PHASE KILLS [CRASH-CHECK FLAGS]: extract, crash-check, one summary row
  local out
  out=$sd/check.${2%% *}
  BANK_DATA_DIR=$sd/bank "$build/cobol/EXTRACT" "$business_date" "$out.extract.dat" \
    > "$out.extract.log" 2>&1 || { echo "EXTRACT failed: $out.extract.log" >&2; }
  local rc=0
  (cd "$root" && "$bin/crash-check" --legacy-extract "$out.extract.dat" \
    --new-store "$(new_dsn)" --ack-log "$sd/acks.tsv" ${4:-}) \
    > "$out.txt" 2>&1 || rc=$?
  sed 's/^/     /' "$out.txt"
  local acked passed
  acked=$(awk -F'\t' '$3 == "00" && !seen[$1]++' "$sd/acks.tsv" 2>/dev/null | wc -l)
  passed=$(grep -c '^PASS (' "$out.txt" || true)
  local result=PASS
  [ "$rc" = 0 ] || { result=FAIL; failures=$((failures + 1)); }
  printf '%-12s %-44s %6s %9s %7s  %s\n' "$1" "$2" "$3" "$acked" "$passed/4" "$result" >> "$summary"
}

# A fresh bank in $dir/NAME: legacy-host with no accounts, an empty new
# store, corebridge with every line at STAGE; NOTE goes on the banner.
start_bank() {  # NAME STAGE [NOTE]
  sd=$dir/$1
  mkdir -p "$sd"
  lport=$(free_port) nport=$(free_port) bport=$(free_port) aport=$(free_port)
  echo "== $1: legacy-host :$lport, newcore :$nport ($store${3:-}), corebridge :$bport (admin :$aport); $sd"
  start_legacy
  [ "$store" = postgres ] && start_postgres
  start_newcore
  write_config "$2" "$sd/journal"
  start_bridge
}
stop_bank() {
  kill -TERM "$bridge_pid" "$newcore_pid" "$legacy_pid" 2>/dev/null || true
  wait "$bridge_pid" "$newcore_pid" "$legacy_pid" 2>/dev/null || true
  if [ "$store" = postgres ]; then
    as_pg "$pg_bindir/pg_ctl" -D "$sd/pg/data" -m fast stop > /dev/null 2>&1 || true
  fi
}

run_stage() {
  local stage=$1
  start_bank "$stage" "$stage"
  local n=0 reached=0 label k
  if has_phase 1; then
  start_load "$stage.1"
  # Phase 1: the labelled steps, then random moments.
  for label in $labels; do
    for _ in $(seq 1 "$label_kills"); do
      kill_bridge
      k=$(rand 1 20)
      start_bridge "$label:$k"
      for _ in $(seq 1 100); do kill -0 "$bridge_pid" 2>/dev/null || break; sleep 0.1; done
      if kill -0 "$bridge_pid" 2>/dev/null; then
        echo "   $label:$k not reached in 10 s: killed from outside" >&2
      else
        reached=$((reached + 1))
      fi
      kill_bridge
      n=$((n + 1))
      start_bridge
    done
  done
  echo "   $n labelled kills ($reached at their label), now $kills at random moments"
  for _ in $(seq 1 "$kills"); do
    msleep "$(rand 50 800)"
    kill_bridge
    n=$((n + 1))
    start_bridge
  done
  stop_load
  drain || failures=$((failures + 1))
  check "$stage" "1 bridge SIGKILL ($reached labelled + $kills random)" "$n"
  fi

  # Phase 2: each back end killed mid-run and restarted on its port and data.
  if has_phase 2; then
  start_load "$stage.2"
  sleep 1
  kill -9 "$legacy_pid"; wait "$legacy_pid" 2>/dev/null || true
  sleep 0.5
  start_legacy
  sleep 1
  kill -9 "$newcore_pid"; wait "$newcore_pid" 2>/dev/null || true
  sleep 0.5
  start_newcore
  sleep 1
  stop_load
  drain || failures=$((failures + 1))
  check "$stage" "2 legacy-host and newcore SIGKILL" 2
  n=$((n + 2))
  fi

  # Phase 3: the new store's server stopped under load.
  if has_phase 3; then
  start_load "$stage.3"
  sleep 1
  local stopped what
  if [ "$store" = postgres ]; then
    stopped=$(pg_processes) what="PostgreSQL SIGSTOP"
  else
    stopped=$newcore_pid what="newcore SIGSTOP"
  fi
  kill -STOP $stopped
  sleep "$stop_secs"
  kill -CONT $stopped
  sleep 1
  stop_load
  drain || failures=$((failures + 1))
  check "$stage" "3 $what ${stop_secs} s" 0
  fi

  # Phase 4: journal truncation. A burst, drained, then the bridge SIGKILLed:
  # the last records' effects are all done, so every cut must converge.
  if has_phase 4; then
  start_load "$stage.4"
  sleep 2
  stop_load
  local drained=1
  drain || { failures=$((failures + 1)); drained=0; }
  kill_bridge
  cp -a "$sd/journal" "$sd/journal.snapshot"
  local cuts
  cuts=$(python3 - "$sd/journal.snapshot" "$trunc_records" "$trunc_step" <<'PY'
import os, struct, sys
d, k, step = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
seg = sorted(f for f in os.listdir(d) if f.startswith("journal-") and f.endswith(".log"))[-1]
data = open(os.path.join(d, seg), "rb").read()
starts, pos = [], 0
while pos + 17 <= len(data) and data[pos + 8] != 0:  # type 0: the preallocated zeros
    n = struct.unpack_from("<I", data, pos)[0]
    starts.append(pos)
    pos += 17 + n
data = data[:pos]
first = starts[-k] if len(starts) >= k else 0
if step > 0:
    offs = list(range(first, len(data), step))
else:  # the short form: each record's start, a byte into its header, its payload, its last byte
    offs = sorted({o for s in starts[-k:] for o in (s, s + 1, s + 17, s + 18)} |
                  {e - 1 for e in starts[-k + 1:] + [len(data)]})
print(seg, " ".join(str(o) for o in offs if o < len(data)))
PY
)
  local seg=${cuts%% *} offsets=${cuts#* } cut=0
  write_config "$stage" "$sd/journal.cut"
  # Not drained before the cut: the cuts would only time out one by one.
  [ "$drained" = 1 ] || offsets=""
  for off in $offsets; do
    rm -rf "$sd/journal.cut"
    cp -a "$sd/journal.snapshot" "$sd/journal.cut"
    truncate -s "$off" "$sd/journal.cut/$seg"
    start_bridge
    local ok=1
    drain || { failures=$((failures + 1)); ok=0; echo "   cut at byte $off of $seg did not drain" >&2; }
    kill -TERM "$bridge_pid"; wait "$bridge_pid" 2>/dev/null || true
    cut=$((cut + 1))
    [ "$ok" = 1 ] || break
  done
  echo "   journal: $cut cuts of $seg (last $trunc_records records, bytes $(echo "$offsets" | awk '{print $1 "-" $NF}'))"
  check "$stage" "4 journal cut at $cut offsets (last $trunc_records records)" "$cut"
  n=$((n + 1))
  fi
  total_kills=$((total_kills + n))

  stop_bank
}

# Phase 5: the backfill meets live dual-writes at the watermark
# (docs/backfill.md's procedure, through the real processes).
run_backfill() {
  start_bank BACKFILL LEGACY_ONLY ", empty"
  start_load BACKFILL
  sleep 3  # history the new core never saw: accounts opened and posted in legacy only
  write_config DUAL_WRITE "$sd/journal"
  kill -HUP "$bridge_pid"
  sleep 1  # writes now go to the new core too; its unloaded accounts wait in the repair queue
  local ok=1 line
  # The extract is read from quiesced files, as a bank takes it (at end of
  # day, or from an image copy): legacy-host is stopped between calls (its
  # worker finishes the call in flight and closes the files), EXTRACT reads
  # them, legacy-host goes on; the channels' calls meanwhile wait or time
  # out, and are resent. Read while the worker writes, the indexed file's
  # sequential read can end early: a run's extract lacked every account
  # after the savings ones, its trailer counting only what it had read.
  kill -STOP "$legacy_pid"
  sleep 0.3
  BANK_DATA_DIR=$sd/bank "$build/cobol/EXTRACT" "$business_date" "$sd/backfill.extract.dat" \
    > "$sd/backfill.extract.log" 2>&1 || { ok=0; echo "   EXTRACT failed: $sd/backfill.extract.log" >&2; }
  kill -CONT "$legacy_pid"
  for line in SAVINGS CHECKING TERM_DEPOSIT LOAN; do
    [ "$ok" = 1 ] || break
    (cd "$root" && "$bin/bridgectl" backfill --product-line "$line" \
      --extract "$sd/backfill.extract.dat" --newcore "127.0.0.1:$nport" \
      --checkpoint "$sd/backfill.$line.ckpt" --batch 50 --quiet) >> "$sd/backfill.log" 2>&1 ||
      { ok=0; echo "   bridgectl backfill --product-line $line failed: $sd/backfill.log" >&2; }
  done
  [ "$ok" = 1 ] || failures=$((failures + 1))
  grep -h "^  \(created\|updated\|ignored_stale\)" "$sd/backfill.log" 2>/dev/null |
    awk '{n[$1] += $2} END {printf "   backfill: created %d, updated %d, ignored_stale %d\n", n["created"], n["updated"], n["ignored_stale"]}'
  sleep 2  # dual-writes go on after the load
  stop_load
  drain || failures=$((failures + 1))
  check BACKFILL "5 backfill racing DUAL_WRITE" 0 --backfilled
  stop_bank
}

total_kills=0
if has_phase 1 || has_phase 2 || has_phase 3 || has_phase 4; then
  for stage in $stages; do
    run_stage "$stage"
  done
fi
if has_phase 5; then
  run_backfill
fi
elapsed=$(( $(date +%s) - start_time ))
echo
printf '%-12s %-44s %6s %9s %7s  %s\n' stage variant kills "acked" checks result
cat "$summary"
echo "crash-test: $total_kills process kills (bridge and back ends), $elapsed s; $failures failures; files in $dir"
[ "$failures" = 0 ]
