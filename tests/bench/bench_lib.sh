# bench_lib.sh: the processes and load of the end-to-end benchmarks, sourced
# by tests/bench/bridge_bench.sh and tests/bench/paired_bench.sh after they
# set bin, seconds, connections, accounts, sim_accounts, sec_workers,
# sec_queue and (for messages) bench_name; exits if a binary or haproxy is
# missing. Sets work (a new temporary directory, removed at exit unless
# BENCH_KEEP=1) and pids.
# The arrays back_cpu (legacy-host and its COBOL worker) and side_cpu
# (everything else) prefix each command, e.g. (taskset -c 0); empty: no
# pinning.
# shellcheck shell=bash
back_cpu=("${back_cpu[@]}")
side_cpu=("${side_cpu[@]}")

for b in legacy-host newcore corebridge channel-sim; do
  if [ ! -x "$bin/$b" ]; then
    echo "$bench_name: $bin/$b is not built" >&2
    exit 1
  fi
done
if ! command -v haproxy >/dev/null; then
  echo "$bench_name: haproxy is not installed (make deps)" >&2
  exit 1
fi

work=$(mktemp -d "/tmp/${bench_name}.XXXXXX")
pids=()
scratch=()  # more folders the script made, removed at exit whatever BENCH_KEEP says
cleanup() {
  local p
  for p in "${pids[@]:-}"; do
    [ -n "$p" ] && kill "$p" 2>/dev/null || true
  done
  for p in "${pids[@]:-}"; do
    [ -n "$p" ] && wait "$p" 2>/dev/null || true
  done
  if [ "${BENCH_KEEP:-0}" = 1 ]; then
    echo "$bench_name: files kept in $work" >&2
  else
    rm -rf "$work"
  fi
  for p in "${scratch[@]}"; do
    rm -rf "$p"
  done
}
trap cleanup EXIT

# wait_line FILE REGEX: prints the first line of FILE matching REGEX, waiting
# up to 60 s (seeding 2,000 accounts takes a few seconds).
wait_line() {
  local i
  for i in $(seq 1 600); do
    if grep -m1 -E "$2" "$1" 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  echo "$bench_name: no '$2' in $1 after 60 s" >&2
  return 1
}

# stop PID: SIGTERM, up to 30 s for a clean exit, then SIGKILL.
stop() {
  local pid=$1 i
  kill "$pid" 2>/dev/null || return 0
  for i in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

start_legacy() {  # DIR -> sets legacy_pid, legacy_port
  "${back_cpu[@]}" "$bin/legacy-host" --port 0 --data-dir "$1/bank" --accounts "$accounts" \
    >"$1/legacy.out" 2>"$1/legacy.err" &
  legacy_pid=$!
  pids+=("$legacy_pid")
  legacy_port=$(wait_line "$1/legacy.out" '^listening on ' | sed 's/.*://')
}

start_newcore() {  # DIR DELAY_MS [idle] -> sets newcore_pid, newcore_port
  local prefix=()
  if [ "${3:-}" = idle ]; then prefix=(chrt --idle 0); fi
  "${side_cpu[@]}" "${prefix[@]}" "$bin/newcore" --port 0 --dsn "Driver=SQLite3;Database=$1/nc.db" \
    --inject-latency-ms "$2" >"$1/newcore.out" 2>"$1/newcore.err" &
  newcore_pid=$!
  pids+=("$newcore_pid")
  newcore_port=$(wait_line "$1/newcore.out" '^listening on ' | sed 's/.*://')
}

# HAProxy in TCP mode, one server. nbthread 1: at a few thousand requests/s
# one event loop is a few per cent of a core, and on two cores shared with
# channel-sim, legacy-host and its COBOL worker a second thread would only add
# scheduling; it is also how HAProxy is usually pinned in front of a
# single-threaded back end.
start_haproxy() {  # DIR LEGACY_PORT -> sets proxy_pid, proxy_port
  # HAProxy cannot bind port 0: take a free port from the kernel, release it
  # and hand it over; if another process takes it in between, try again.
  local attempt i
  for attempt in 1 2 3 4 5; do
    proxy_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    cat >"$1/haproxy.cfg" <<EOF
global
  nbthread 1
  maxconn 1000
defaults
  mode tcp
  timeout connect 1s
  timeout client 60s
  timeout server 60s
frontend channels
  bind 127.0.0.1:$proxy_port
  default_backend legacy
backend legacy
  balance first
  server host 127.0.0.1:$2
EOF
    "${side_cpu[@]}" haproxy -db -f "$1/haproxy.cfg" >"$1/haproxy.out" 2>"$1/haproxy.err" &
    proxy_pid=$!
    pids+=("$proxy_pid")
    for i in $(seq 1 50); do
      if ! kill -0 "$proxy_pid" 2>/dev/null; then
        break
      fi
      if ss -Hltn "sport = :$proxy_port" 2>/dev/null | grep -q .; then
        return 0
      fi
      sleep 0.1
    done
    stop "$proxy_pid"
  done
  echo "$bench_name: haproxy did not listen:" >&2
  cat "$1/haproxy.err" >&2
  return 1
}

start_bridge() {  # DIR STAGE LEGACY_PORT NEWCORE_PORT JOURNAL -> sets bridge_pid, bridge_port, admin_port
  local stage_args=()
  if [ "$2" != LEGACY_ONLY ]; then
    stage_args=(--default_stage "$2")
    local line
    for line in SAVINGS CHECKING TERM_DEPOSIT LOAN; do
      stage_args+=(--product_lines.$line.stage "$2")
    done
  fi
  "${side_cpu[@]}" "$bin/corebridge" --config bridge/etc/corebridge.yaml --listen.port 0 --admin.port 0 \
    --legacy.port "$3" --newcore.port "$4" --newcore.pool "$sec_workers" \
    --secondary.workers "$sec_workers" --secondary.queue "$sec_queue" \
    --mismatch_store "" --dualwrite.journal "$5" --repairs.store memory: \
    --control.flag_store "" --log.level warn "${stage_args[@]}" \
    >"$1/bridge.out" 2>"$1/bridge.err" &
  bridge_pid=$!
  pids+=("$bridge_pid")
  local line
  line=$(wait_line "$1/bridge.out" '^listening on ')
  bridge_port=$(echo "$line" | awk '{print $3}' | sed 's/.*://')
  admin_port=$(echo "$line" | awk '{print $5}' | sed 's/.*://')
}

metrics() {  # ADMIN_PORT -> the exposition text
  curl -s --max-time 5 "http://127.0.0.1:$1/metrics" || true
}

# sum_by_label TEXT SERIES LABEL: the values of SERIES (a metric name, or a
# histogram's NAME_bucket) summed by the value of LABEL, as a JSON object
# {"value": sum}: e.g. a histogram's cumulative buckets by "le".
sum_by_label() {
  echo "$1" | awk -v series="$2" -v label="$3" '
    index($0, series "{") == 1 {
      if (match($0, "[{,]" label "=\"[^\"]*\"")) {
        v = substr($0, RSTART + length(label) + 3, RLENGTH - length(label) - 4); c[v] += $NF
      }
    }
    END { printf "{"; sep = ""; for (k in c) { printf "%s\"%s\":%d", sep, k, c[k]; sep = "," }
          printf "}" }'
}

# metric TEXT NAME: the sum of every series of NAME (0 when absent).
metric() {
  echo "$1" | awk -v n="$2" '$1 == n || index($1, n "{") == 1 { s += $NF } END { printf "%d", s }'
}

sim() {  # DIR PORT [MIX] [RATE] -> the JSON summary on stdout
  local args=() name=sim
  if [ -n "${3:-}" ]; then
    args+=(--mix "$3")
  fi
  if [ -n "${4:-}" ]; then
    args+=(--rate "$4")
    name=paced
  fi
  "${side_cpu[@]}" "$bin/channel-sim" --target "127.0.0.1:$2" --duration "$seconds" --connections "$connections" \
    --accounts "$sim_accounts" --quiet --copybooks legacy/cobol/copybooks "${args[@]}" >"$1/$name.json" 2>"$1/$name.err" ||
    true
  tail -1 "$1/$name.json"
}



# drain_wait ADMIN_PORT: waits (up to 60 s) for the secondary queue to be
# empty; sets waited (tenths of a second).
drain_wait() {
  waited=0
  while [ "$(metric "$(metrics "$1")" corebridge_secondary_queue_depth)" != 0 ] &&
    [ "$waited" -lt 600 ]; do
    sleep 0.1
    waited=$((waited + 1))
  done
}

# quarter_of JSON: a quarter of the throughput of a channel-sim summary, in
# steps of 50 requests/s (at least 50): the paced phase's rate when
# BENCH_RATE is auto. A quarter, not a half: SHADOW about doubles the CPU a
# request costs on these shared cores (newcore's SQLite work is about the
# COBOL's), so at half of what the bank takes directly SHADOW would run at
# three quarters of its own capacity and its latency would be its queue.
quarter_of() {
  echo "$1" | python3 -c 'import json, sys
print(max(50, round(json.load(sys.stdin)["throughput_rps"] / 200) * 50))' 2>/dev/null || echo 500
}
