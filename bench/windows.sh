#!/usr/bin/env bash
# An A/B inside one service start: after WARM s of load, load windows of WIN s alternate between two
# settings of the running process's threads (A B B A, PAIRS times), each applied by bench/threads.py
# just before its window. Starts of the same jar differ by more than a few per cent on this machine
# (278-345 req/s within 40 minutes at stop 56), which an A/B across starts cannot resolve; windows
# of one process share its JIT, heap and neighbours. Prints a row per window (requests/s, p99, the
# matching threads' involuntary switches and migrations a second) and the two means with their ratio.
#
#   A="policy * other" B="policy * batch" bench/windows.sh                 # the threads' policy
#   A="slice forward 0" B="slice forward 20000000" bench/windows.sh       # the forwards' time slice
#   A="affinity forward all" B="affinity forward spread" COLUMN=ensemble bench/windows.sh
#   A="affinity * all" B="affinity !forward-1 0; affinity forward-1 1" bench/windows.sh   # one core for one forward
#   LOAD=cached CLIENTS=1 A="policy * other" B="policy * batch" bench/windows.sh   # a cache hit's p99
#
# LOAD=cached runs the cached path instead: the cache on, one text repeated (same-text.lua), the
# warm-up at WARM_CLIENTS and the windows at CLIENTS connections.
# Env: A, B (bench/threads.py's arguments after the pid; several, separated by ';', in order)  WATCH [forward] (the threads counted)
#   LOAD [texts|cached]  COLUMN [one|ensemble]  CLIENTS [32]  WARM_CLIENTS [32]  WARM [120, cached 180]  WIN [15]  PAIRS [4]  JAR [this checkout's, built
#   unless SKIP_BUILD=1]  JAVA_OPTS  SERVICE_ARGS  SERVICE_PORT [18193]  API_KEY [modelapi-dev-key]
#   WINDOWS_OUT [/tmp/windows-<time>]  LOCK_WAIT [3600]
#   TEXTS_FILE [$PEERS_WORK/texts-2000.jsonl, written by ../shared/peers/load/prepare_texts.py]
# Holds /tmp/bench.lock throughout (the machine's rule for any measurement).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PEERS_DIR=${PEERS_DIR:-$(cd "$ROOT/../shared/peers" && pwd)}
PEERS_WORK=${PEERS_WORK:-$HOME/.cache/modelapi/peers-work}
TEXTS_FILE=${TEXTS_FILE:-$PEERS_WORK/texts-2000.jsonl}
: "${A:?A: bench/threads.py arguments for the first setting, e.g. \"policy * other\"}"
: "${B:?B: bench/threads.py arguments for the second setting}"
WATCH=${WATCH:-forward}
LOAD=${LOAD:-texts}
COLUMN=${COLUMN:-one}
CLIENTS=${CLIENTS:-32}
WARM_CLIENTS=${WARM_CLIENTS:-32}
case $LOAD in
  texts) SCRIPT=$PEERS_DIR/load/texts.lua CACHE=false WARM=${WARM:-120} ;;
  # the cached path settles 3-4 minutes after ready (docs/performance.md)
  cached) SCRIPT=$PEERS_DIR/load/same-text.lua CACHE=true WARM=${WARM:-180} ;;
  *) echo "LOAD is texts or cached, not $LOAD" >&2; exit 2 ;;
esac
WIN=${WIN:-15}
PAIRS=${PAIRS:-4}
SERVICE_PORT=${SERVICE_PORT:-18193}
API_KEY=${API_KEY:-modelapi-dev-key}
OUT=${WINDOWS_OUT:-/tmp/windows-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
[ -f "$TEXTS_FILE" ] || { log "no $TEXTS_FILE: run python3 $PEERS_DIR/load/prepare_texts.py"; exit 1; }

# shellcheck source=bench/service-lib.sh
. "$ROOT/bench/service-lib.sh"
# shellcheck source=bench/wrk-lib.sh
. "$ROOT/bench/wrk-lib.sh"
service_jar "$OUT"

take_bench_lock

args=(--modelapi.security.requests-per-second=1000000 --modelapi.cache.enabled=$CACHE)
[ "$COLUMN" = ensemble ] || args+=(--modelapi.ensemble.default-models=spam-distilbert:1)
# shellcheck disable=SC2086 # JAVA_OPTS and SERVICE_ARGS are lists
launch_service "$ROOT" "$OUT/service.jar" "$OUT" ${JAVA_OPTS:-} -- "${args[@]}" ${SERVICE_ARGS:-}
wait_ready service "$OUT/service.log"
log "ready (pid $pid); warming $WARM s at -c$WARM_CLIENTS"

# involuntary switches and migrations of the watched threads, summed
counters() {
  python3 "$ROOT/bench/threads.py" "$pid" show "$WATCH" |
    awk '{for (i = 1; i <= NF; i++) {split($i, kv, "="); if (kv[1] == "invol") s += kv[2]; if (kv[1] == "migrations") m += kv[2]}} END {print s + 0, m + 0}'
}

window() { # label seconds [clients]
  local before after
  before=$(counters)
  local result
  result=$(wrk_run "$1" "http://127.0.0.1:$SERVICE_PORT/api/v1/predict" "$SCRIPT" "$(((${3:-$CLIENTS} > 1) + 1))" \
    "${3:-$CLIENTS}" "$2" "$API_KEY") || return 1
  after=$(counters)
  read -r inv0 mig0 <<< "$before"
  read -r inv1 mig1 <<< "$after"
  printf '%s %s %s %s %s %s\n' "$1" "${1%%-*}" "$(jq -r .rps <<< "$result")" "$(jq -r .latency_ms.p99 <<< "$result")" \
    "$(awk -v a="$inv0" -v b="$inv1" -v s="$2" 'BEGIN {printf "%.0f", (b - a) / s}')" \
    "$(awk -v a="$mig0" -v b="$mig1" -v s="$2" 'BEGIN {printf "%.0f", (b - a) / s}')" >> "$OUT/windows.txt"
}

window warm "$WARM" "$WARM_CLIENTS"
: > "$OUT/windows.txt"
n=0
for pair in $(seq 1 "$PAIRS"); do
  for side in A B B A; do
    n=$((n + 1))
    # a side may be several settings, separated by ';', applied in order; each split on blanks
    # without expanding '*' (read does no pathname expansion)
    if [ "$side" = A ]; then IFS=';' read -ra settings <<< "$A"; else IFS=';' read -ra settings <<< "$B"; fi
    for one in "${settings[@]}"; do
      read -ra setting <<< "$one"
      [ "${#setting[@]}" -gt 0 ] || continue
      python3 "$ROOT/bench/threads.py" "$pid" "${setting[@]}" > /dev/null
    done
    window "$side-$pair-$n" "$WIN"
  done
done
stop_service

{
  echo "A: $A; B: $B; $LOAD, $COLUMN, -c$CLIENTS, $WARM s warm-up at -c$WARM_CLIENTS, $PAIRS x A B B A of $WIN s; watched: $WATCH*"
  echo
  echo "| window | req/s | p99 ms | $WATCH involuntary switches/s | $WATCH migrations/s |"
  echo "|---|---:|---:|---:|---:|"
  awk '{printf "| %s | %s | %s | %s | %s |\n", $1, $3, $4, $5, $6}' "$OUT/windows.txt"
  echo
  awk '{n[$2]++; r[$2] += $3; p[$2] += $4}
       END {printf "A: %.1f req/s, p99 %.1f ms; B: %.1f req/s, p99 %.1f ms; B/A %.3f\n",
            r["A"] / n["A"], p["A"] / n["A"], r["B"] / n["B"], p["B"] / n["B"], (r["B"] / n["B"]) / (r["A"] / n["A"])}' "$OUT/windows.txt"
} | tee "$OUT/report.md"
