#!/usr/bin/env bash
# Where the service's resident memory goes (issue #13's RSS goal): for each jar in turn, starts it as
# bench/compare.sh does (cache off, the key's rate limit lifted, -Xmx1g) with Native Memory Tracking
# and a GC log, reads the RSS at readiness, loads it with the held-out e-mails (texts.lua, wrk -t2
# -c$CLIENTS) for LOAD s, and reads the RSS again, with NMT's summary, the C allocator's heap
# (modelapi_native_malloc_bytes), the heap's capacity and `pmap -x`; with IDLE > 0, IDLE s later
# (no requests: the forward pool's idle trim runs after modelapi.models.native-heap-trim-after, 30 s)
# the RSS, the allocator's heap and what the trims gave back (modelapi_native_malloc_trimmed_bytes)
# once more. Prints one markdown row per start; several jars and rounds make an A/B in one run
# (A B B A with JARS="a b" ROUNDS=2 ORDER=abba).
#
#   bench/rss.sh                                     # this checkout's jar (built unless SKIP_BUILD=1)
#   JARS="/tmp/old.jar /tmp/new.jar" ROUNDS=2 ORDER=abba bench/rss.sh
#   JCMD_SETTLE=1 bench/rss.sh                       # jcmd GC.run and System.trim_native_heap at readiness
#   COLUMN=one LOAD=60 IDLE=45 bench/rss.sh          # and 45 s after the load stops
#
# Env: JARS [this checkout's jar]  COLUMN [ensemble|one]  CLIENTS [32]  LOAD [150]  IDLE [0]  ROUNDS [1]  ORDER [same|abba]
#   JAVA_OPTS  SERVICE_PORT [18192]  API_KEY [modelapi-dev-key]  RSS_OUT [/tmp/rss-<time>]  LOCK_WAIT [3600]
#   TEXTS_FILE [$PEERS_WORK/texts-2000.jsonl, written by ../shared/peers/load/prepare_texts.py]
# Holds /tmp/bench.lock throughout (the machine's rule for any measurement).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PEERS_DIR=${PEERS_DIR:-$(cd "$ROOT/../shared/peers" && pwd)}
PEERS_WORK=${PEERS_WORK:-$HOME/.cache/modelapi/peers-work}
TEXTS_FILE=${TEXTS_FILE:-$PEERS_WORK/texts-2000.jsonl}
COLUMN=${COLUMN:-ensemble}
CLIENTS=${CLIENTS:-32}
LOAD=${LOAD:-150}
IDLE=${IDLE:-0}
ROUNDS=${ROUNDS:-1}
ORDER=${ORDER:-same}
SERVICE_PORT=${SERVICE_PORT:-18192}
API_KEY=${API_KEY:-modelapi-dev-key}
OUT=${RSS_OUT:-/tmp/rss-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
[ -f "$TEXTS_FILE" ] || { log "no $TEXTS_FILE: run python3 $PEERS_DIR/load/prepare_texts.py"; exit 1; }

if [ -z "${JARS:-}" ]; then
  [ "${SKIP_BUILD:-}" = 1 ] || (cd "$ROOT" && ./mvnw -B -q -DskipTests package)
  JARS=$(ls "$ROOT"/target/model-api-service-*.jar | grep -v -- '-plain' | head -1)
fi

# shellcheck source=bench/service-lib.sh
. "$ROOT/bench/service-lib.sh"
take_bench_lock

rss_mib() { awk '/^VmRSS/ {printf "%d", $2 / 1024}' "/proc/$1/status"; }

run_one() { # jar tag
  local data=$OUT/$2 args=()
  mkdir -p "$data"
  cp -r "$ROOT/routes" "$data/routes"
  [ "$COLUMN" = ensemble ] || args+=(--modelapi.ensemble.default-models=spam-distilbert:1)
  # shellcheck disable=SC2086 # JAVA_OPTS is a list of options
  launch_service "$ROOT" "$1" "$data" -XX:NativeMemoryTracking=summary -Xlog:gc:file="$data/gc.log" ${JAVA_OPTS:-} \
    -- --modelapi.security.requests-per-second=1000000 --modelapi.cache.enabled=false "${args[@]}"
  wait_ready "$2" "$data/service.log" || return 1
  local ready settled=-
  ready=$(rss_mib "$pid")
  if [ "${JCMD_SETTLE:-}" = 1 ]; then
    jcmd "$pid" GC.run > /dev/null
    jcmd "$pid" System.trim_native_heap > "$data/settle.txt"
    settled=$(rss_mib "$pid")
  fi
  log "$2: ready at $ready MiB; $LOAD s at -c$CLIENTS"
  API_KEY=$API_KEY TEXTS_FILE=$TEXTS_FILE wrk -t2 -c"$CLIENTS" -d"${LOAD}s" --timeout 30s --latency \
    -s "$PEERS_DIR/load/texts.lua" "http://127.0.0.1:$SERVICE_PORT/api/v1/predict" > "$data/wrk.txt" 2>&1 9>&-
  local after
  after=$(rss_mib "$pid")
  jcmd "$pid" VM.native_memory summary > "$data/nmt.txt" 2>&1 || true
  curl -s "http://127.0.0.1:$SERVICE_PORT/actuator/prometheus" > "$data/prometheus.txt" || true
  pmap -x "$pid" > "$data/pmap.txt" 2> /dev/null || true
  local idle=- idle_heap=- trimmed=-
  if [ "$IDLE" -gt 0 ]; then
    sleep "$IDLE"
    idle=$(rss_mib "$pid")
    curl -s "http://127.0.0.1:$SERVICE_PORT/actuator/prometheus" > "$data/prometheus-idle.txt" || true
    idle_heap="$(mib 'modelapi_native_malloc_bytes{state="in_use"' "$data/prometheus-idle.txt") / $(mib \
      'modelapi_native_malloc_bytes{state="free"' "$data/prometheus-idle.txt")"
    trimmed=$(mib modelapi_native_malloc_trimmed_bytes_total "$data/prometheus-idle.txt")
  fi
  stop_service
  local rps heap in_use free settled_detail
  rps=$(sed -n 's/^RESULT //p' "$data/wrk.txt" | jq -r '.rps')
  heap=$(grep 'Pause Young' "$data/gc.log" | tail -1 | sed -n 's/.*(\([0-9]*M\)).*/\1/p')
  in_use=$(mib 'modelapi_native_malloc_bytes{state="in_use"' "$data/prometheus.txt")
  free=$(mib 'modelapi_native_malloc_bytes{state="free"' "$data/prometheus.txt")
  settled_detail=$(grep -o 'Pause Full (System.gc())[^)]*)[^ ]* [0-9.]*ms' "$data/gc.log" | head -1 || true)
  echo "| $2 | $ready | $settled | $after | ${heap:-?} | ${in_use:-?} / ${free:-?} | $idle | $idle_heap | $trimmed | $rps | ${settled_detail:--} |"
}

mib() { # metric-line-prefix prometheus-file: the first sample starting so, in MiB; ? when absent
  awk -v p="$1" 'index($0, p) == 1 {printf "%d", $2 / 1048576; found = 1; exit} END {if (!found) printf "?"}' "$2"
}

{
  echo "## RSS, $COLUMN, -c$CLIENTS for $LOAD s ($(date -Is))"
  echo
  echo "| start | RSS at readiness, MiB | after jcmd settle | after the load | heap capacity | allocator in use / free, MiB | after $IDLE s idle | allocator then | trims gave back, MiB | req/s | full collection before readiness |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
} > "$OUT/report.md"
read -r -a jars <<< "$JARS"
n=0
for round in $(seq 1 "$ROUNDS"); do
  order=("${jars[@]}")
  if [ "$ORDER" = abba ] && [ $((round % 2)) = 0 ]; then
    order=()
    for ((i = ${#jars[@]} - 1; i >= 0; i--)); do order+=("${jars[i]}"); done
  fi
  for jar in "${order[@]}"; do
    n=$((n + 1))
    run_one "$jar" "r$round-$n-$(basename "$jar" .jar)" >> "$OUT/report.md"
  done
done
cat "$OUT/report.md"
log "output: $OUT (report.md; per start: service.log, gc.log, nmt.txt, pmap.txt, prometheus.txt, wrk.txt)"
