#!/usr/bin/env bash
# The service against its peers on the same texts, serially, in one run (issue #13): requests/s,
# p50/p99, errors, RSS and threads of
#   service       this checkout's jar over HTTP (cache off, every other default on)
#   seed          ../shared/peers/seed-fastapi (FastAPI + uvicorn + TorchScript, WORKERS=2 BATCH=0)
#   torchserve    ../shared/peers/torchserve (spam-distilbert only: one-model column)
#   djl           in-process DJL, no HTTP (bench/InProcessBench.java), 2 threads, batch 1
#   torch         in-process PyTorch, no HTTP (bench/torch_inprocess.py), 2 processes, batch 1
# in two columns, one model (spam-distilbert) and the three-model ensemble, each HTTP row loaded
# with wrk -t2 -c$CLIENTS and ../shared/peers/load/texts.lua (868 distinct held-out e-mails) for
# $WARMUP s, then measured for $MEASURE s; one server at a time. Then the cached path: the service
# with its cache on, one text repeated (same-text.lua) at 1, 4, 32 and 256 connections.
# Latency percentiles are wrk's, which it corrects for coordinated omission (stats_correct): at one
# connection a few stalls a second set the p99 (bench/stalls.py reads a scheduler trace for them).
# Prints markdown tables, absolute and as ratios to the seed peer measured in the same run.
# The service is measured WARMUP s after it is ready, while the JIT may still be compiling (on 2
# cores it settles 4-7 minutes after start: docs/performance.md); bench/warmup.sh draws that curve.
# A/B two jars or settings in alternating order (A B B A): on this machine the first of two runs
# back to back was the faster in 6 of 7 pairs, whichever it was.
#
#   bench/compare.sh
#   ROWS="service seed" COLUMNS=one WARMUP=3 MEASURE=3 SKIP_BUILD=1 bench/compare.sh   # a quick partial run
#
# Env (defaults in brackets):
#   ROWS ["service seed torchserve djl torch cached"]  what to run; "cached" is the cached-path section
#   COLUMNS ["one ensemble"]   CLIENTS [32]   WARMUP [120, the issue's]   MEASURE [30]   (seconds)
#   ONE_MODEL [spam-distilbert]  the model of the one-model column
#   MODEL_VERSION [1]          its version for the service and the in-process DJL rows (1-int8: the
#                              int8 variant; bench/variants.sh); the peers always run version 1
#   ROUNDS [1]                 2 or more repeats the whole sequence; the tables show each cell's best round
#   SKIP_BUILD=1               use the jar already in target/ (otherwise ./mvnw -B -q -DskipTests package)
#   SKIP_TORCHSERVE=1, SKIP_CACHED=1   drop those rows
#   SERVICE_ARGS               extra service arguments (e.g. --modelapi.batching.max-batch-size=1);
#                              one naming a property the script sets replaces the script's
#   JAVA_OPTS                  extra JVM options for the service; DJL_JAVA_OPTS for the in-process DJL row
#   SERVICE_ENV                extra environment of the service's JVM (NAME=value ...; e.g. MALLOC_ARENA_MAX=2)
#   SERVICE_ALLOCATOR          glibc: the service and the in-process DJL row on glibc's malloc; by default
#                              both preload jemalloc where libjemalloc2 is installed, as spring-boot:run does
#   DJL_TRANSLATOR [service]   the in-process DJL row's translator: the service's, or djl (DJL's own)
#   SERVICE_ROUTES [routes]    the routes the service runs (copied at the start: routes/ may change meanwhile)
#   SERVICE_PORT [18190]       API_KEY [modelapi-dev-key]
#   CACHED_CLIENTS ["1 4 32 256"]  CACHED_WARMUP [180: the cached path settles 3-4 minutes after
#   ready]  CACHED_MEASURE [$MEASURE/2]
#   SEED_WORKERS [2]  SEED_BATCH [0]   the seed peer's WORKERS and BATCH
#   WRK_TIMEOUT [10s]          wrk's per-request timeout (its default 2 s would count slow answers as errors)
#   READY_TIMEOUT [300]        seconds a server may take to become ready; LOCK_WAIT [3600] for /tmp/bench.lock
#   PEERS_DIR [../shared/peers]  PEERS_VENV [~/.cache/modelapi/peers-venv]  PEERS_WORK [~/.cache/modelapi/peers-work]
#   TEXTS_FILE [$PEERS_WORK/texts-2000.jsonl, written by the peers' prepare_texts.py when missing]
# Output: $PEERS_WORK/compare-<timestamp>/ (or $COMPARE_OUT): results.jsonl (every measurement, warm-ups included),
# report.md (the tables), servers' logs, each service start's GC log beside its log (<log>-gc.log: what
# the heap was when an RSS reads high), wrk's output. Only loopback addresses are used. Exits 1
# when any row failed (the report names it under "Failures:").
# The run holds /tmp/bench.lock throughout (the machine's rule for any load) and stops every server
# it started when it ends, also on Ctrl-C. The service runs a copy of the jar and of the routes taken
# at the start, with its data directory (broker journal, folder inbox) under the output directory,
# so that neither a rebuild nor the checkout's data/ interferes. In the one-model column the service
# still loads all three models (only its default ensemble is spam-distilbert), so its RSS covers them.
# shellcheck disable=SC2016 # the single-quoted $names are jq's variables
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
# shellcheck source=bench/jvm-options.sh
. "$ROOT/bench/jvm-options.sh"

ROWS=${ROWS:-"service seed torchserve djl torch cached"}
COLUMNS=${COLUMNS:-"one ensemble"}
CLIENTS=${CLIENTS:-32}
WARMUP=${WARMUP:-120}
MEASURE=${MEASURE:-30}
ROUNDS=${ROUNDS:-1}
CACHED_CLIENTS=${CACHED_CLIENTS:-"1 4 32 256"}
CACHED_WARMUP=${CACHED_WARMUP:-180}
CACHED_MEASURE=${CACHED_MEASURE:-$(( (MEASURE + 1) / 2 ))}
SERVICE_PORT=${SERVICE_PORT:-18190}
API_KEY=${API_KEY:-modelapi-dev-key}
SEED_WORKERS=${SEED_WORKERS:-2}
SEED_BATCH=${SEED_BATCH:-0}
WRK_TIMEOUT=${WRK_TIMEOUT:-10s}
DJL_TRANSLATOR=${DJL_TRANSLATOR:-service}
READY_TIMEOUT=${READY_TIMEOUT:-300}
LOCK_WAIT=${LOCK_WAIT:-3600}
ONE_MODEL=${ONE_MODEL:-spam-distilbert}
MODEL_VERSION=${MODEL_VERSION:-1}
SEED_PORT=18091
TS_PORT=18092
TS_MANAGEMENT_PORT=18093

PEERS_DIR=$(realpath "${PEERS_DIR:-../shared/peers}")
PEERS_VENV=${PEERS_VENV:-$HOME/.cache/modelapi/peers-venv}
PEERS_WORK=${PEERS_WORK:-$HOME/.cache/modelapi/peers-work}
case $PEERS_VENV in /*) ;; *) PEERS_VENV=$ROOT/$PEERS_VENV ;; esac
case $PEERS_WORK in /*) ;; *) PEERS_WORK=$ROOT/$PEERS_WORK ;; esac
export PEERS_VENV PEERS_WORK
# the peers' folder may be read-only and is shared: no __pycache__ from anything run here
export PYTHONDONTWRITEBYTECODE=1
TEXTS_FILE=${TEXTS_FILE:-$PEERS_WORK/texts-2000.jsonl}

[ "${SKIP_TORCHSERVE:-}" = 1 ] && ROWS=$(tr ' ' '\n' <<< "$ROWS" | grep -vx torchserve | xargs || true)
[ "${SKIP_CACHED:-}" = 1 ] && ROWS=$(tr ' ' '\n' <<< "$ROWS" | grep -vx cached | xargs || true)
for r in $ROWS; do
  case $r in service | seed | torchserve | djl | torch | cached) ;; *) echo "unknown row '$r' in ROWS" >&2; exit 2 ;; esac
done
for c in $COLUMNS; do
  case $c in one | ensemble) ;; *) echo "unknown column '$c' in COLUMNS (one, ensemble)" >&2; exit 2 ;; esac
done
has_row() { [[ " $ROWS " == *" $1 "* ]]; }
for tool in wrk curl jq python3 java flock timeout ss; do
  command -v "$tool" > /dev/null || { echo "$tool is needed on PATH" >&2; exit 2; }
done

OUT=${COMPARE_OUT:-$PEERS_WORK/compare-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
RESULTS=$OUT/results.jsonl
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

# --- the peers' venv ----------------------------------------------------------------------------

venv_ready() {
  [ -x "$PEERS_VENV/bin/uvicorn" ] && [ -x "$PEERS_VENV/bin/torchserve" ] \
    && "$PEERS_VENV/bin/python" -c "import torch, tokenizers, fastapi" 2> /dev/null
}

ensure_venv() {
  venv_ready && return 0
  # someone may be installing it right now: wait for that pip rather than race it
  local waited=0
  while pgrep -f "$PEERS_VENV/bin/pip" > /dev/null && [ "$waited" -lt 1800 ]; do
    [ "$waited" = 0 ] && log "waiting for the pip install into $PEERS_VENV to finish"
    sleep 10
    waited=$((waited + 10))
  done
  venv_ready && return 0
  log "creating the peers' venv $PEERS_VENV (pip install -r $PEERS_DIR/requirements.txt)"
  [ -x "$PEERS_VENV/bin/pip" ] || python3 -m venv "$PEERS_VENV"
  "$PEERS_VENV/bin/pip" install -q -r "$PEERS_DIR/requirements.txt" > "$OUT/pip-install.log" 2>&1 \
    || { log "pip install failed: $OUT/pip-install.log"; return 1; }
  venv_ready
}

# --- measuring -----------------------------------------------------------------------------------

# pid and every descendant (uvicorn's workers, TorchServe's Python workers)
process_tree() {
  ps -e -o pid=,ppid= | awk -v root="$1" '
    { children[$2] = children[$2] " " $1 }
    END {
      queue = root
      while (queue != "") {
        n = split(queue, pids, " "); queue = ""
        for (i = 1; i <= n; i++) { print pids[i]; if (pids[i] in children) queue = queue children[pids[i]] }
      }
    }'
}

# {"processes", "rss_mib", "pss_mib", "threads", "cpu_ticks", "at", "machine_ticks"} of a process tree. PSS
# shares the pages the workers have in common (libtorch), so it is the fairer sum; RSS counts them
# once per process.
tree_stats() {
  local pid rss=0 pss=0 threads=0 ticks=0 count=0 v at machine
  at=$(date +%s.%N)
  # the whole machine's busy and total ticks (user nice system idle iowait irq softirq steal)
  machine=$(awk 'NR == 1 {print "[" ($2 + $3 + $4 + $7 + $8 + $9) ", " ($2 + $3 + $4 + $5 + $6 + $7 + $8 + $9) "]"}' /proc/stat)
  for pid in $(process_tree "$1"); do
    [ -r "/proc/$pid/status" ] || continue
    count=$((count + 1))
    v=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2> /dev/null || true); rss=$((rss + ${v:-0}))
    v=$(awk '/^Threads:/ {print $2}' "/proc/$pid/status" 2> /dev/null || true); threads=$((threads + ${v:-0}))
    v=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup" 2> /dev/null || true); pss=$((pss + ${v:-0}))
    # utime + stime: fields 14 and 15, counted after the command name, which may hold spaces
    v=$(sed 's/.*) //' "/proc/$pid/stat" 2> /dev/null | awk '{print $12 + $13}' || true); ticks=$((ticks + ${v:-0}))
  done
  jq -nc --argjson n "$count" --argjson rss "$rss" --argjson pss "$pss" --argjson t "$threads" --argjson ticks "$ticks" \
    --argjson at "$at" --argjson machine "$machine" '{processes: $n, rss_mib: ($rss / 1024 | . * 10 | round / 10),
      pss_mib: ($pss / 1024 | . * 10 | round / 10), threads: $t, cpu_ticks: $ticks, at: $at, machine_ticks: $machine}'
}

record() { jq -c "$@" >> "$RESULTS"; }

record_error() { # section row column round message
  log "$2/$3 round $4: $5"
  jq -nc --arg s "$1" --arg row "$2" --arg col "$3" --argjson round "$4" --arg e "$5" \
    '{section: $s, row: $row, column: $col, round: $round, error: $e}' >> "$RESULTS"
}

# shellcheck source=bench/wrk-lib.sh
. "$ROOT/bench/wrk-lib.sh"

# One request before the load, so that a refused key or a wrong path shows as a clear failure.
probe() { # url key answer-file
  local key_header=()
  [ -z "$2" ] || key_header=(-H "X-API-Key: $2")
  local code
  code=$(head -1 "$TEXTS_FILE" | curl -s -m 30 -o "$3" -w '%{http_code}' -H 'Content-Type: application/json' \
    ${key_header[@]+"${key_header[@]}"} --data-binary @- "$1" || true)
  [ "$code" = 200 ] || { log "probe $1 answered ${code:-nothing}: $(head -c 300 "$3" 2> /dev/null)"; return 1; }
}

# warm_up section row column round url key lua connections seconds: the same wrk load, recorded apart
warm_up() {
  local section=$1 row=$2 col=$3 round=$4 url=$5 key=$6 lua=$7 connections=$8 seconds=$9 result
  [ "$seconds" -gt 0 ] || return 0
  log "$section $row/$col: warm-up, ${seconds}s at -c$connections"
  result=$(wrk_run "$section-$row-$col-c$connections-r$round-warmup" "$url" "$lua" "$(wrk_threads "$connections")" \
    "$connections" "$seconds" "$key") || return 1
  record -n --arg s "$section" --arg row "$row" --arg col "$col" --argjson round "$round" \
    --argjson c "$connections" --argjson wrk "$result" \
    '{section: $s, row: $row, column: $col, round: $round, phase: "warmup", clients: $c} + $wrk'
}

# measure section row column round url root-pid key lua connections seconds
measure() {
  local section=$1 row=$2 col=$3 round=$4 url=$5 pid=$6 key=$7 lua=$8 connections=$9 seconds=${10}
  local result before after
  local port=${url#http://127.0.0.1:}
  owns_port "${port%%/*}" "$pid" || { log "port ${port%%/*} is not served by pid $pid and its children"; return 1; }
  log "$section $row/$col: measuring ${seconds}s at -c$connections"
  before=$(tree_stats "$pid")
  result=$(wrk_run "$section-$row-$col-c$connections-r$round" "$url" "$lua" "$(wrk_threads "$connections")" \
    "$connections" "$seconds" "$key") || return 1
  # right at the end of the measured run, while the server still holds what the load made it take
  after=$(tree_stats "$pid")
  kill -0 "$pid" 2> /dev/null || { log "pid $pid exited during the run"; return 1; }
  record -n --arg s "$section" --arg row "$row" --arg col "$col" --argjson round "$round" \
    --argjson c "$connections" --argjson wrk "$result" --argjson before "$before" --argjson after "$after" \
    --argjson hz "$(getconf CLK_TCK)" --argjson cpus "$(nproc)" --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" \
    '(($after.cpu_ticks - $before.cpu_ticks) / $hz / ($after.at - $before.at)) as $server
     | (($after.machine_ticks[0] - $before.machine_ticks[0]) / ($after.machine_ticks[1] - $before.machine_ticks[1])
        * $cpus) as $machine
     | {section: $s, row: $row, column: $col, round: $round, phase: "measure", clients: $c} + $wrk
     + {server: ($after | del(.cpu_ticks, .at, .machine_ticks) + {cpu_cores: ($server * 100 | round / 100)}),
        other_cores: (($machine - $server) * 100 | round / 100), loadavg: $load}'
  log "$section $row/$col: $(jq -r '"\(.rps) req/s, p50 \(.latency_ms.p50) ms, p99 \(.latency_ms.p99) ms, non-2xx \(.errors.non_2xx_3xx)"' <<< "$result")"
}

# measure_http row column round url root-pid key: the uncached section's warm-up and measured run
measure_http() {
  warm_up uncached "$1" "$2" "$3" "$4" "$6" "$PEERS_DIR/load/texts.lua" "$CLIENTS" "$WARMUP" \
    && measure uncached "$1" "$2" "$3" "$4" "$5" "$6" "$PEERS_DIR/load/texts.lua" "$CLIENTS" "$MEASURE"
}

port_busy() { ss -H -ltn "sport = :$1" | grep -q .; }

# Whether every socket listening on the port belongs to the process tree: a server that failed to
# bind while another (someone else's) holds the port would otherwise pass for ready and be measured.
owns_port() { # port root-pid
  local tree pid mine=
  tree=" $(process_tree "$2" | xargs) "
  for pid in $(ss -H -ltnp "sport = :$1" | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u); do
    [[ $tree == *" $pid "* ]] || return 1
    mine=1
  done
  [ -n "$mine" ]
}

# wrk needs a connection per thread
wrk_threads() { if [ "$1" -ge 2 ]; then echo 2; else echo 1; fi; }

# --- the service ---------------------------------------------------------------------------------

service_args() { # cache on|off, column
  local args=(--server.port="$SERVICE_PORT" --server.address=127.0.0.1
    --modelapi.security.requests-per-second=1000000 --logging.level.root=WARN
    --modelapi.routes.directory="$OUT/routes" --modelapi.data-directory="$OUT/service-data")
  [ "$1" = on ] || args+=(--modelapi.cache.enabled=false)
  [ "$2" = ensemble ] || args+=(--modelapi.ensemble.default-models="$ONE_MODEL:$MODEL_VERSION")
  local a
  for a in "${args[@]}"; do
    # SERVICE_ARGS wins: Spring would read a property given twice as a list
    [[ " ${SERVICE_ARGS:-} " == *" ${a%%=*}="* ]] || printf '%s\n' "$a"
  done
  for a in ${SERVICE_ARGS:-}; do printf '%s\n' "$a"; done
}

start_service() { # cache column log
  port_busy "$SERVICE_PORT" && { log "port $SERVICE_PORT is taken"; return 1; }
  local args
  mapfile -t args < <(service_args "$1" "$2")
  # like bench/serve.sh: one PyTorch thread per predictor, offline; in the checkout for models/;
  # the heap, C2's thresholds and the allocator as ./mvnw spring-boot:run sets them (pom.xml; JAVA_OPTS
  # and SERVICE_ENV come later and win)
  # shellcheck disable=SC2086 # JAVA_OPTS is a list of options, SERVICE_ENV of NAME=value
  (cd "$ROOT" && exec env OMP_NUM_THREADS=1 ${SERVICE_PRELOAD[@]+"${SERVICE_PRELOAD[@]}"} ${SERVICE_ENV:-} \
    java "${SERVICE_JVM_OPTS[@]}" -Xlog:gc:file="${3%.log}-gc.log" ${JAVA_OPTS:-} \
    -jar "$OUT/service.jar" "${args[@]}") \
    > "$3" 2>&1 9>&- &
  service_pid=$!
  local health=http://127.0.0.1:$SERVICE_PORT/actuator/health/readiness code
  local deadline=$((SECONDS + READY_TIMEOUT))
  while [ "$SECONDS" -lt "$deadline" ]; do
    code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$health" || true)
    if [ "$code" = 200 ]; then
      owns_port "$SERVICE_PORT" "$service_pid" && return 0
      log "port $SERVICE_PORT answers, but not from pid $service_pid: another server holds it"
      return 1
    fi
    # a build without the probe groups has only /actuator/health
    [ "$code" != 404 ] || health=http://127.0.0.1:$SERVICE_PORT/actuator/health
    kill -0 "$service_pid" 2> /dev/null || { log "the service exited, see $3"; return 1; }
    sleep 1
  done
  log "service not ready in ${READY_TIMEOUT}s, see $3"
  return 1
}

# the root cause in a server log, for the failure record: "" or " (...)"
first_error() {
  local line
  line=$(grep -s -E '^Caused by' "$1" | tail -1 | cut -c1-200 || true)
  [ -n "$line" ] || line=$(grep -s -m1 ERROR "$1" | cut -c1-200 || true)
  [ -z "$line" ] || echo " ($line)"
}

stop_service() {
  [ -n "$service_pid" ] || return 0
  kill "$service_pid" 2> /dev/null || true
  for _ in $(seq 1 30); do kill -0 "$service_pid" 2> /dev/null || break; sleep 1; done
  if kill -0 "$service_pid" 2> /dev/null; then
    log "the service (pid $service_pid) did not stop within 30 s of SIGTERM: SIGKILL"
    kill -9 "$service_pid" 2> /dev/null || true
  fi
  wait "$service_pid" 2> /dev/null || true
  service_pid=
}

run_service() { # column round
  local log=$OUT/service-$1-r$2.log
  log "service/$1: starting"
  if start_service off "$1" "$log" && probe "http://127.0.0.1:$SERVICE_PORT/api/v1/predict" "$API_KEY" "$OUT/probe-service-$1.json"; then
    measure_http service "$1" "$2" "http://127.0.0.1:$SERVICE_PORT/api/v1/predict" "$service_pid" "$API_KEY" \
      || record_error uncached service "$1" "$2" "load run failed"
  else
    record_error uncached service "$1" "$2" "did not start or answer$(first_error "$log"); see $log"
  fi
  stop_service
}

# --- seed-fastapi peer ---------------------------------------------------------------------------

stop_seed() {
  local pid_file=$PEERS_WORK/seed-fastapi/uvicorn.pid pids
  if [ -f "$pid_file" ]; then
    pids=$(process_tree "$(cat "$pid_file")")
    # shellcheck disable=SC2086 # a list of pids
    "$PEERS_DIR/seed-fastapi/stop.sh" > /dev/null 2>&1 9>&- || { log "seed stop.sh failed; killing $pids"; kill $pids 2> /dev/null || true; }
  fi
  cp "$PEERS_WORK/seed-fastapi/uvicorn.log" "$OUT/seed-${seed_started:-x}.log" 2> /dev/null || true
  seed_started=
}

run_seed() { # column round
  local models=(-u MODELS) pid_file=$PEERS_WORK/seed-fastapi/uvicorn.pid
  [ "$1" = ensemble ] || models=(MODELS="$ONE_MODEL")
  if { [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2> /dev/null; } || port_busy "$SEED_PORT"; then
    record_error uncached seed "$1" "$2" "a seed peer not started here is running (port $SEED_PORT)"
    return 0
  fi
  log "seed/$1: starting (WORKERS=$SEED_WORKERS BATCH=$SEED_BATCH)"
  seed_started=$1-r$2
  if env "${models[@]}" WORKERS="$SEED_WORKERS" BATCH="$SEED_BATCH" PORT="$SEED_PORT" MODELS_DIR="$ROOT/models" \
      timeout $((READY_TIMEOUT + 30)) "$PEERS_DIR/seed-fastapi/start.sh" > "$OUT/seed-$1-r$2-start.txt" 2>&1 9>&- \
      && probe "http://127.0.0.1:$SEED_PORT/predict" "" "$OUT/probe-seed-$1.json"; then
    measure_http seed "$1" "$2" "http://127.0.0.1:$SEED_PORT/predict" "$(cat "$pid_file")" "" \
      || record_error uncached seed "$1" "$2" "load run failed"
  else
    record_error uncached seed "$1" "$2" "did not start or answer; see $OUT/seed-$1-r$2-start.txt"
  fi
  stop_seed
}

# --- TorchServe peer -----------------------------------------------------------------------------

stop_torchserve() {
  local pid_file=$PEERS_WORK/torchserve/run/.model_server.pid pids=
  [ -f "$pid_file" ] && pids=$(process_tree "$(cat "$pid_file")")
  # shellcheck disable=SC2086 # a list of pids
  "$PEERS_DIR/torchserve/stop.sh" > "$OUT/torchserve-stop.txt" 2>&1 9>&- \
    || { log "torchserve stop.sh failed; killing $pids"; [ -z "$pids" ] || kill $pids 2> /dev/null || true; }
  mkdir -p "$OUT/torchserve-logs-${ts_started:-x}"
  cp -r "$PEERS_WORK/torchserve/logs/." "$OUT/torchserve-logs-${ts_started:-x}/" 2> /dev/null || true
  ts_started=
}

run_torchserve() { # column round
  local mar=$PEERS_WORK/torchserve/model-store/$ONE_MODEL.mar
  if port_busy "$TS_PORT" || port_busy "$TS_MANAGEMENT_PORT"; then
    record_error uncached torchserve "$1" "$2" "a TorchServe not started here is running (ports $TS_PORT/$TS_MANAGEMENT_PORT)"
    return 0
  fi
  # start.sh packs the .mar only when it is missing; a newer model needs a new one
  if [ -f "$mar" ] && [ "$mar" -ot "models/$ONE_MODEL/1/$ONE_MODEL.pt" ]; then
    "$PEERS_DIR/torchserve/build.sh" > "$OUT/torchserve-build.txt" 2>&1 9>&- || true
  fi
  log "torchserve/$1: starting"
  ts_started=$1-r$2
  if timeout $((READY_TIMEOUT + 60)) "$PEERS_DIR/torchserve/start.sh" > "$OUT/torchserve-$1-r$2-start.txt" 2>&1 9>&- \
      && probe "http://127.0.0.1:$TS_PORT/predictions/$ONE_MODEL" "" "$OUT/probe-torchserve-$1.json"; then
    measure_http torchserve "$1" "$2" "http://127.0.0.1:$TS_PORT/predictions/$ONE_MODEL" \
      "$(cat "$PEERS_WORK/torchserve/run/.model_server.pid")" "" \
      || record_error uncached torchserve "$1" "$2" "load run failed"
  else
    record_error uncached torchserve "$1" "$2" "did not start or answer; see $OUT/torchserve-$1-r$2-start.txt and its logs"
  fi
  stop_torchserve
}

# --- in process ----------------------------------------------------------------------------------

record_inprocess() { # row column round output-file
  local result
  result=$(sed -n 's/^RESULT //p' "$4" | tail -1)
  if [ -z "$result" ]; then
    record_error uncached "$1" "$2" "$3" "no result; see $4"
    return 0
  fi
  record -n --arg row "$1" --arg col "$2" --argjson round "$3" --argjson r "$result" --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" \
    '{section: "uncached", row: $row, column: $col, round: $round, phase: "measure"}
     + ($r | del(.rss_mib, .threads_os, .cpu_cores, .machine_cores))
     + {server: {processes: ($r.procs // 1), rss_mib: $r.rss_mib, threads: $r.threads_os, cpu_cores: $r.cpu_cores},
        other_cores: (if $r.machine_cores == null or $r.cpu_cores == null then null
                      else ($r.machine_cores - $r.cpu_cores) * 100 | round / 100 end), loadavg: $load}'
  log "$1/$2: $(jq -r '"\(.rps) texts/s, p50 \(.latency_ms.p50) ms, p99 \(.latency_ms.p99) ms"' <<< "$result")"
}

run_djl() { # column round
  local models=() out=$OUT/djl-$1-r$2.txt
  [ "$1" = ensemble ] || models=(--models="$ONE_MODEL")
  log "djl/$1: ${WARMUP}s warm-up, ${MEASURE}s measured, 2 threads"
  # shellcheck disable=SC2086 # DJL_JAVA_OPTS is a list of options
  # one thread per tokenizer call, as the service (DjlRuntime) and the seed's stack run them
  # and the service's allocator (SERVICE_ALLOCATOR): the same work, in the same malloc
  env OMP_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false ${SERVICE_PRELOAD[@]+"${SERVICE_PRELOAD[@]}"} \
    timeout --foreground -k 10 $((WARMUP + MEASURE + READY_TIMEOUT)) \
    java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1 \
    ${DJL_JAVA_OPTS:-} -cp "$OUT/classes:$(cat "$OUT/classpath.txt")" bench/InProcessBench.java \
    --models-dir=models --texts="$TEXTS_FILE" --threads=2 --warmup="$WARMUP" --measure="$MEASURE" \
    --translator="$DJL_TRANSLATOR" --version="$MODEL_VERSION" ${models[@]+"${models[@]}"} > "$out" 2>&1 \
    || log "djl/$1 failed, see $out"
  record_inprocess djl "$1" "$2" "$out"
}

run_torch() { # column round
  local models=() out=$OUT/torch-$1-r$2.txt
  [ "$1" = ensemble ] || models=(--models "$ONE_MODEL")
  log "torch/$1: ${WARMUP}s warm-up, ${MEASURE}s measured, 2 processes"
  OMP_NUM_THREADS=1 timeout --foreground -k 10 $((WARMUP + MEASURE + READY_TIMEOUT)) \
    "$PEERS_VENV/bin/python" bench/torch_inprocess.py --models-dir models --texts "$TEXTS_FILE" --procs 2 \
    --warmup "$WARMUP" --measure "$MEASURE" ${models[@]+"${models[@]}"} > "$out" 2>&1 || log "torch/$1 failed, see $out"
  record_inprocess torch "$1" "$2" "$out"
}

# --- the cached path -----------------------------------------------------------------------------

run_cached() { # rounds
  local log=$OUT/service-cached.log url=http://127.0.0.1:$SERVICE_PORT/api/v1/predict c
  log "cached: starting the service with its cache on"
  if ! start_service on ensemble "$log" || ! probe "$url" "$API_KEY" "$OUT/probe-service-cached.json"; then
    record_error cached service ensemble 1 "did not start or answer$(first_error "$log"); see $log"
    stop_service
    return 0
  fi
  # one warm-up, at the uncached runs' connections: afterwards the cached path is warm at any count
  warm_up cached service ensemble 1 "$url" "$API_KEY" "$PEERS_DIR/load/same-text.lua" "$CLIENTS" "$CACHED_WARMUP" \
    || record_error cached service ensemble 1 "warm-up failed"
  for round in $(seq 1 "$1"); do
    for c in $CACHED_CLIENTS; do
      measure cached service ensemble "$round" "$url" "$service_pid" "$API_KEY" "$PEERS_DIR/load/same-text.lua" \
        "$c" "$CACHED_MEASURE" || record_error cached service ensemble "$round" "load run at -c$c failed"
    done
  done
  stop_service
}

# --- the run -----------------------------------------------------------------------------------

# One load at a time on these 2 shared cores: every benchmark on this machine takes this lock, and
# this run holds it from the build to the last measurement. Servers are started with fd 9 closed,
# so one left behind cannot hold the lock after this script.
exec 9> /tmp/bench.lock
if ! flock -n 9; then
  log "waiting up to ${LOCK_WAIT}s for /tmp/bench.lock (another benchmark is running)"
  flock -w "$LOCK_WAIT" 9 || { log "no lock after ${LOCK_WAIT}s"; exit 1; }
fi

service_pid=
seed_started=
ts_started=
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_service || true
  [ -z "$seed_started" ] || stop_seed || true
  [ -z "$ts_started" ] || stop_torchserve || true
  # the jar is a copy, and the broker journal and spool hold nothing measured
  rm -rf "$OUT/service.jar" "$OUT/service-data"
  log "output: $OUT"
  exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM

if has_row seed || has_row torchserve || has_row torch; then
  ensure_venv || { log "no usable venv in $PEERS_VENV"; exit 1; }
fi

if [ ! -s "$TEXTS_FILE" ]; then
  [ "$TEXTS_FILE" = "$PEERS_WORK/texts-2000.jsonl" ] || { log "TEXTS_FILE $TEXTS_FILE not found"; exit 1; }
  python3 "$PEERS_DIR/load/prepare_texts.py" >&2
fi
TEXT_COUNT=$(grep -c . "$TEXTS_FILE")

if has_row service || has_row cached || has_row djl; then
  if [ "${SKIP_BUILD:-}" != 1 ]; then
    log "building the jar (./mvnw -B -q -DskipTests package)"
    ./mvnw -B -q -DskipTests package
  fi
  jars=(target/model-api-service-*.jar)
  jar=${jars[0]}
  [ -f "$jar" ] || { log "no target/model-api-service-*.jar: run without SKIP_BUILD=1"; exit 1; }
  # A snapshot, so that a rebuild in target/ during the run changes nothing measured here; the
  # routes too, because the service reloads routes/ when a file in it changes.
  cp "$jar" "$OUT/service.jar"
  cp -r "${SERVICE_ROUTES:-routes}" "$OUT/routes"
  # routes are not in the jar: edited after the build, they may call what the jar does not have yet
  stale_routes=$(find "${SERVICE_ROUTES:-routes}" -name '*.yaml' -newer "$jar" -printf '%p ')
  [ -z "$stale_routes" ] || log "warning: changed since the jar was built: $stale_routes (rebuild, or SERVICE_ROUTES=<dir>)"
  if has_row djl; then
    cp -r target/classes "$OUT/classes"
    ./mvnw -B -q dependency:build-classpath -Dmdep.outputFile="$OUT/classpath.txt" > "$OUT/classpath.log" 2>&1 \
      || { log "could not build the classpath: $OUT/classpath.log"; exit 1; }
  fi
fi

jq -nc --arg at "$(date -Iseconds)" --arg rev "$(git rev-parse --short HEAD 2> /dev/null || echo unknown)" \
  --argjson dirty "$(git status --porcelain 2> /dev/null | grep -c . || true)" \
  --arg jar "${jar:-}" --arg jarTime "$(if [ -n "${jar:-}" ]; then date -r "$jar" -Iseconds; fi)" \
  --arg rows "$ROWS" --arg columns "$COLUMNS" --argjson clients "$CLIENTS" --argjson warmup "$WARMUP" \
  --argjson measure "$MEASURE" --argjson rounds "$ROUNDS" --arg serviceArgs "${SERVICE_ARGS:-}" \
  --argjson cachedWarmup "$CACHED_WARMUP" --argjson cachedMeasure "$CACHED_MEASURE" \
  --arg javaOpts "${JAVA_OPTS:-}" --arg serviceEnv "${SERVICE_ENV:-}" \
  --arg allocator "$SERVICE_ALLOCATOR" --arg texts "$TEXTS_FILE" --argjson textCount "$TEXT_COUNT" \
  --argjson cpus "$(nproc)" --arg wrkTimeout "$WRK_TIMEOUT" --arg staleRoutes "${stale_routes:-}" \
  --arg oneModel "$ONE_MODEL" --arg modelVersion "$MODEL_VERSION" --arg djlTranslator "$DJL_TRANSLATOR" \
  '{meta: {at: $at, revision: $rev, uncommitted_files: $dirty, jar: $jar, jar_time: $jarTime, rows: $rows,
    columns: $columns, clients: $clients, warmup_s: $warmup, measure_s: $measure, rounds: $rounds,
    cached_warmup_s: $cachedWarmup, cached_measure_s: $cachedMeasure,
    service_args: $serviceArgs, java_opts: $javaOpts, service_env: $serviceEnv, allocator: $allocator, texts_file: $texts, texts: $textCount, cpus: $cpus,
    wrk_timeout: $wrkTimeout, routes_newer_than_jar: $staleRoutes, one_model: $oneModel,
    model_version: $modelVersion, djl_translator: $djlTranslator}}' > "$RESULTS"

log "rows: $ROWS; columns: $COLUMNS; $ROUNDS round(s); -c$CLIENTS, ${WARMUP}s warm-up, ${MEASURE}s measured; output $OUT"
for round in $(seq 1 "$ROUNDS"); do
  for col in $COLUMNS; do
    for row in $ROWS; do
      case $row in
        service) run_service "$col" "$round" ;;
        seed) run_seed "$col" "$round" ;;
        torchserve) [ "$col" = ensemble ] || run_torchserve "$col" "$round" ;;
        djl) run_djl "$col" "$round" ;;
        torch) run_torch "$col" "$round" ;;
      esac
    done
  done
done
if has_row cached; then run_cached "$ROUNDS"; fi

python3 - "$RESULTS" > "$OUT/report.md" <<'PY'
import json, sys

lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
meta = lines[0]["meta"]
measured = [l for l in lines[1:] if l.get("phase") == "measure"]
errors = [l for l in lines[1:] if "error" in l]
ROWS = [("service", "service"), ("seed", "seed-fastapi peer"), ("torchserve", "TorchServe peer"),
        ("djl", "in-process DJL"), ("torch", "in-process torch")]
COLS = [("one", f"one model ({meta.get('one_model', 'spam-distilbert')}:{meta.get('model_version', '1')})"), ("ensemble", "three-model ensemble")]
cols = [c for c in COLS if c[0] in meta["columns"].split()]


NOISY_CORES = 0.5  # other processes' CPU during a measurement past which a cell is starred


def windows(section, row, col, clients=None):
    """The cell's measured windows, in the order run."""
    return [m for m in measured if m["section"] == section and m["row"] == row and m["column"] == col
            and (clients is None or m["clients"] == clients)]


def best(section, row, col, clients=None):
    """The cell's round with the most requests/s: a noisy neighbour only ever slows a round down."""
    cells = windows(section, row, col, clients)
    return max(cells, key=lambda m: m["rps"]) if cells else None


def ratio(a, b):
    return f"{a / b:.2f}x" if a is not None and b else "–"


def num(v, fmt="{:.0f}"):
    return "–" if v is None else fmt.format(v)


def started():
    """When and what ran, and the service's settings (each section names the allocator itself): its first line's parts."""
    return (f"{meta['at']}, revision {meta['revision']} ({meta['uncommitted_files']} uncommitted files), "
            f"{meta['cpus']} CPUs", (f"; SERVICE_ARGS `{meta['service_args']}`" if meta["service_args"] else "")
            + (f"; JAVA_OPTS `{meta['java_opts']}`" if meta["java_opts"] else "")
            + (f"; SERVICE_ENV `{meta['service_env']}`" if meta.get("service_env") else ""))


out = []
p = out.append
rows = [r for r in ROWS if r[0] in meta["rows"].split()]
if rows and cols:
    p(f"## Uncached: {meta['texts']} distinct texts, {meta['clients']} connections, one server at a time")
    p("")
    when, settings = started()
    p(f"{when}; {meta['warmup_s']} s warm-up, {meta['measure_s']} s measured"
      + (f", best of {meta['rounds']} rounds" if meta["rounds"] > 1 else "")
      + settings
      + (f"; the service and in-process DJL on {meta['allocator']}'s malloc" if meta.get("allocator") else "")
      + ". HTTP rows: requests/s (wrk); in-process rows: texts/s. Ratios against the seed-fastapi peer in the same column.")
    p("")
    p("| | " + " | ".join(c[1] for c in cols) + " |")
    p("|---|" + "---:|" * len(cols))
    for key, name in rows:
        cells = []
        for col, _ in cols:
            m, seed = best("uncached", key, col), best("uncached", "seed", col)
            if key == "torchserve" and col == "ensemble":
                cells.append("n/a")
            elif m is None:
                cells.append("failed" if any(e["row"] == key and e["column"] == col for e in errors) else "–")
            else:
                noisy = (m.get("other_cores") or 0) > NOISY_CORES
                cells.append(f"{m['rps']:.0f} ({ratio(m['rps'], seed and seed['rps'])}){' *' if noisy else ''}")
        p(f"| {name} | " + " | ".join(cells) + " |")
    for a, b, label in (("service", "djl", "service / in-process DJL"), ("seed", "torch", "seed-fastapi / in-process torch")):
        if any(r[0] == a for r in rows) and any(r[0] == b for r in rows):
            cells = []
            for col, _ in cols:
                x, y = best("uncached", a, col), best("uncached", b, col)
                cells.append(ratio(x and x["rps"], y and y["rps"]))
            p(f"| {label} | " + " | ".join(cells) + " |")
    shown = [best("uncached", key, col) for key, _ in rows for col, _ in cols]
    if any((m.get("other_cores") or 0) > NOISY_CORES for m in shown if m):
        p("")
        p(f"\\* other processes used more than {NOISY_CORES} core while this cell was measured (see other cores below).")
    p("")
    details = [(key, name, col) for key, name in rows for col, _ in cols if best("uncached", key, col)]
    if details:
        p("| row | column | req/s | vs seed | p50 ms | p99 ms | non-2xx | socket errors | RSS MiB | PSS MiB | processes | threads | cores | other cores |")
        p("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for key, name in rows:
        for col, _ in cols:
            m = best("uncached", key, col)
            if m is None:
                continue
            seed = best("uncached", "seed", col)
            e = m.get("errors", {})
            s = m.get("server", {})
            socket = sum(e.get(k, 0) for k in ("connect", "read", "write", "timeout")) if e else None
            p(f"| {name} | {col} | {m['rps']:.1f} | {ratio(m['rps'], seed and seed['rps'])} | "
              f"{m['latency_ms']['p50']:.1f} | {m['latency_ms']['p99']:.1f} | {num(e.get('non_2xx_3xx'))} | "
              f"{num(socket)} | {num(s.get('rss_mib'))} | {num(s.get('pss_mib'))} | {num(s.get('processes'))} | "
              f"{num(s.get('threads'))} | {num(s.get('cpu_cores'), '{:.2f}')} | {num(m.get('other_cores'), '{:.2f}')} |")
    if details:
        p("")
        p("RSS sums the server's processes (PSS shares their common pages); cores: CPU the server (or the "
          "in-process bench) used in the measured window; other cores: the rest of the machine meanwhile, wrk "
          "included. Much more than wrk's share means a neighbour took CPU and the row is not comparable.")
    p("")

if "cached" in meta["rows"].split():
    cached = sorted({m["clients"] for m in measured if m["section"] == "cached"})
    base = best("cached", "service", "ensemble", 4)
    p("## Cached path: the service, cache on, one text repeated (same-text.lua)")
    p("")
    when, settings = started()
    p(f"{when}; {meta.get('cached_warmup_s', '?')} s warm-up at {meta['clients']} connections, then "
      f"{meta.get('cached_measure_s', '?')} s at each count" + settings
      + (f"; the service on {meta['allocator']}'s malloc" if meta.get("allocator") else "")
      + ". Ratios against the best run at 4 connections; p50 and p99 as wrk reports them, corrected for "
      "coordinated omission (at one connection a few stalls a second set the p99: bench/stalls.py). A count "
      "measured more than once (ROUNDS, or repeated in CACHED_CLIENTS) shows its window with the most "
      "requests a second, and every window's, in the order run, in the last column.")
    p("")
    if cached:
        p("| connections | req/s | p50 ms | p99 ms | req/s vs c=4 | p50 vs c=4 | p99 vs c=4 | non-2xx | RSS MiB | threads | cores | other cores | every window: req/s @ p99 ms |")
        p("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for c in cached:
        m = best("cached", "service", "ensemble", c)
        lat = m["latency_ms"]
        b = base["latency_ms"] if base else {}
        every = "; ".join(f"{w['rps']:.0f} @ {w['latency_ms']['p99']:.2f}"
                          for w in windows("cached", "service", "ensemble", c))
        p(f"| {c} | {m['rps']:.0f} | {lat['p50']:.2f} | {lat['p99']:.2f} | {ratio(m['rps'], base and base['rps'])} | "
          f"{ratio(lat['p50'], b.get('p50'))} | {ratio(lat['p99'], b.get('p99'))} | {m['errors']['non_2xx_3xx']} | "
          f"{num(m['server'].get('rss_mib'))} | {num(m['server'].get('threads'))} | "
          f"{num(m['server'].get('cpu_cores'), '{:.2f}')} | {num(m.get('other_cores'), '{:.2f}')} | {every} |")
    p("")

if errors:
    p("Failures:")
    for e in errors:
        p(f"- {e['section']} {e['row']}/{e['column']} round {e['round']}: {e['error']}")
    p("")
print("\n".join(out))
PY
cat "$OUT/report.md"
# a row that failed fails the run (the report lists it under "Failures:"), so that no caller
# takes a partial table for a whole one
if grep -q '"error":' "$RESULTS"; then
  log "some rows failed (see Failures: above)"
  exit 1
fi
