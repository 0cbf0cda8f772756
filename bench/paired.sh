#!/usr/bin/env bash
# The service against DJL alone in windows that alternate within minutes: issue #13's "service >=
# 0.9x of in-process DJL on the same work", measured so that the machine's drift cancels. compare.sh
# runs the two rows one after the other, minutes apart, and on this shared machine DJL alone's rate
# moved by 1.2x between such runs (490-598 texts/s on one model, stops 62-67), as much as the ratio
# it is meant to give. Here both run at once but never together: one start of the service and one
# DJL-alone process (bench/InProcessBench.java, 2 threads, batch 1, the service's translator and
# allocator, as compare.sh's row), each warmed up while the other waits, then windows of WIN s in
# the order S D D S, PAIRS times: S is wrk (-c CLIENTS, the held-out e-mails, cache off) against the
# service while DJL alone is stopped (SIGSTOP); D is DJL alone continued (SIGCONT) while the service
# has no requests. Each pair's ratio is its two S windows' requests a second over its two D windows'
# texts a second.
#
#   bench/paired.sh                                # one model, 4 pairs of 20 s windows
#   COLUMN=ensemble PAIRS=3 bench/paired.sh
#   SERVICE_ARGS="--modelapi.audit.enabled=false" bench/paired.sh
#
# Env: COLUMN [one|ensemble]  ONE_MODEL [spam-distilbert]  CLIENTS [32]  WARM [120] (each side's warm-up)  WIN [20]  PAIRS [4]
#   JAR [this checkout's, built unless SKIP_BUILD=1]  JAVA_OPTS  SERVICE_ARGS  DJL_JAVA_OPTS
#   SERVICE_PORT [18194]  API_KEY [modelapi-dev-key]  PAIRED_OUT [/tmp/paired-<time>]  LOCK_WAIT [3600]
#   TEXTS_FILE [$PEERS_WORK/texts-2000.jsonl, written by ../shared/peers/load/prepare_texts.py]
# Output: PAIRED_OUT/windows.txt (one line a window), PAIRED_OUT/report.md. Holds /tmp/bench.lock.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PEERS_DIR=${PEERS_DIR:-$(cd "$ROOT/../shared/peers" && pwd)}
PEERS_WORK=${PEERS_WORK:-$HOME/.cache/modelapi/peers-work}
TEXTS_FILE=${TEXTS_FILE:-$PEERS_WORK/texts-2000.jsonl}
COLUMN=${COLUMN:-one}
CLIENTS=${CLIENTS:-32}
WARM=${WARM:-120}
WIN=${WIN:-20}
PAIRS=${PAIRS:-4}
ONE_MODEL=${ONE_MODEL:-spam-distilbert}
SERVICE_PORT=${SERVICE_PORT:-18194}
API_KEY=${API_KEY:-modelapi-dev-key}
OUT=${PAIRED_OUT:-/tmp/paired-$(date +%Y%m%d-%H%M%S)}
case $COLUMN in one | ensemble) ;; *) echo "COLUMN is one or ensemble, not $COLUMN" >&2; exit 2 ;; esac
mkdir -p "$OUT"

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
[ -f "$TEXTS_FILE" ] || { log "no $TEXTS_FILE: run python3 $PEERS_DIR/load/prepare_texts.py"; exit 1; }

# shellcheck source=bench/service-lib.sh
. "$ROOT/bench/service-lib.sh"
# shellcheck source=bench/wrk-lib.sh
. "$ROOT/bench/wrk-lib.sh"
service_jar "$OUT"
# and the classes for DJL alone (the service's translator and runtime settings)
[ -d "$ROOT/target/classes" ] || { log "no target/classes: build first (./mvnw -B -DskipTests package)"; exit 1; }
cp -r "$ROOT/target/classes" "$OUT/classes"
(cd "$ROOT" && ./mvnw -B -q -o dependency:build-classpath -Dmdep.outputFile="$OUT/classpath.txt" > "$OUT/classpath.log" 2>&1) \
  || (cd "$ROOT" && ./mvnw -B -q dependency:build-classpath -Dmdep.outputFile="$OUT/classpath.txt" > "$OUT/classpath.log" 2>&1)

take_bench_lock

djl=
stop_all() {
  if [ -n "$djl" ]; then
    kill -CONT "$djl" 2> /dev/null || true
    kill "$djl" 2> /dev/null || true
    wait "$djl" 2> /dev/null || true
  fi
  stop_service
}
trap stop_all EXIT

# the native heap's idle trim (30 s without forwards) would give back the allocator's pages in the
# service's two D windows and make the next S window pay for them again: it is for an idle
# service, which the windows are not
args=(--modelapi.security.requests-per-second=1000000 --modelapi.cache.enabled=false
  --modelapi.models.native-heap-trim-after=30m)
models=()
if [ "$COLUMN" = one ]; then
  args+=(--modelapi.ensemble.default-models="$ONE_MODEL:1")
  models=(--models="$ONE_MODEL")
fi
# shellcheck disable=SC2086 # JAVA_OPTS and SERVICE_ARGS are lists
launch_service "$ROOT" "$OUT/service.jar" "$OUT" ${JAVA_OPTS:-} -- "${args[@]}" ${SERVICE_ARGS:-}
wait_ready service "$OUT/service.log"
log "service ready (pid $pid)"

# DJL alone as bench/compare.sh runs it, without an end (its warm-up outlasts the run); a text
# counts in --progress's file as it ends
# shellcheck disable=SC2086 # DJL_JAVA_OPTS is a list
(cd "$ROOT" && exec env OMP_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false ${SERVICE_PRELOAD[@]+"${SERVICE_PRELOAD[@]}"} \
  java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1 ${DJL_JAVA_OPTS:-} \
  -cp "$OUT/classes:$(cat "$OUT/classpath.txt")" bench/InProcessBench.java --models-dir=models --texts="$TEXTS_FILE" \
  --threads=2 --warmup=10000000 --measure=1 --progress="$OUT/djl-progress" ${models[@]+"${models[@]}"}) \
  > "$OUT/djl.log" 2>&1 9>&- &
djl=$!
until [ -s "$OUT/djl-progress" ] && [ "$(cut -d' ' -f2 "$OUT/djl-progress")" -gt 0 ]; do
  kill -0 "$djl" 2> /dev/null || { log "DJL alone exited, see $OUT/djl.log"; exit 1; }
  sleep 1
done
log "DJL alone answering (pid $djl); warming it $WARM s while the service waits"
sleep "$WARM"
kill -STOP "$djl"

# CPU seconds a process has used so far (user and system, /proc/<pid>/stat)
HZ=$(getconf CLK_TCK)
cpu() { awk -v hz="$HZ" '{sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / hz}' "/proc/$1/stat"; }

# window side label seconds -> "rate p99 service-cores djl-cores": S is wrk against the service (its
# requests a second and p99); D is DJL alone continued, its texts a second by the progress file's counts
# over its own clock from half a second after it continues to the end. Both processes' CPU is
# counted in every window: the one that waits should use next to none.
window() {
  local side=$1 label=$2 seconds=$3 s0 d0 w0 s1 d1 w1 rate p99=- result t0 c0 t1 c1
  s0=$(cpu "$pid"); d0=$(cpu "$djl"); w0=$(date +%s.%N)
  if [ "$side" = S ]; then
    result=$(wrk_run "$label" "http://127.0.0.1:$SERVICE_PORT/api/v1/predict" "$PEERS_DIR/load/texts.lua" 2 \
      "$CLIENTS" "$seconds" "$API_KEY") || return 1
    rate=$(jq -r .rps <<< "$result")
    p99=$(jq -r .latency_ms.p99 <<< "$result")
  else
    kill -CONT "$djl"
    sleep 0.5
    read -r t0 c0 < "$OUT/djl-progress"
    sleep "$(awk -v s="$seconds" 'BEGIN {print s - 0.5}')"
    read -r t1 c1 < "$OUT/djl-progress"
    kill -STOP "$djl"
    rate=$(awk -v t0="$t0" -v c0="$c0" -v t1="$t1" -v c1="$c1" 'BEGIN {printf "%.1f", (c1 - c0) / ((t1 - t0) / 1e9)}')
  fi
  s1=$(cpu "$pid"); d1=$(cpu "$djl"); w1=$(date +%s.%N)
  awk -v r="$rate" -v p="$p99" -v s0="$s0" -v s1="$s1" -v d0="$d0" -v d1="$d1" -v w0="$w0" -v w1="$w1" \
    'BEGIN {printf "%s %s %.2f %.2f\n", r, p, (s1 - s0) / (w1 - w0), (d1 - d0) / (w1 - w0)}'
}

# the service's CPU seconds by thread, threads of one name (digits left out) together
thread_cpu() {
  local t
  for t in /proc/"$pid"/task/*; do
    awk -v hz="$HZ" -v n="$(cat "$t/comm" 2> /dev/null)" \
      '{sub(/^.*\) /, ""); gsub(/[0-9]+/, "", n); printf "%s\t%.2f\n", n, ($12 + $13) / hz}' "$t/stat" 2> /dev/null || true
  done | awk -F'\t' '{c[$1] += $2} END {for (k in c) printf "%s\t%.2f\n", k, c[k]}' | sort
}

log "warming the service $WARM s at -c$CLIENTS while DJL alone waits"
window S warm "$WARM" > /dev/null
: > "$OUT/windows.txt"
thread_cpu > "$OUT/threads-before.txt"
n=0
for pair in $(seq 1 "$PAIRS"); do
  for side in S D D S; do
    n=$((n + 1))
    r=$(window "$side" "$side-$pair-$n" "$WIN") || exit 1
    echo "$pair $side $n $r $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/windows.txt"
    log "pair $pair, $side: $r"
  done
done
rss_service=$(awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status")
thread_cpu > "$OUT/threads-after.txt"
stop_all

{
  echo "paired: $COLUMN, -c$CLIENTS, each side warmed $WARM s, $PAIRS x S D D S of $WIN s; the service's RSS at the end $rss_service MiB"
  [ -z "${SERVICE_ARGS:-}${JAVA_OPTS:-}" ] || echo "service: ${JAVA_OPTS:-} ${SERVICE_ARGS:-}"
  echo
  echo "| pair | service req/s (two windows) | its p99 ms | DJL alone texts/s (two windows) | service / DJL alone |"
  echo "|---|---:|---:|---:|---:|"
  awk '$2 == "S" {s[$1] = s[$1] " " $4; p[$1] = p[$1] " " $5; ss[$1] += $4}
       $2 == "D" {d[$1] = d[$1] " " $4; dd[$1] += $4}
       END {for (i = 1; i in ss; i++) printf "| %d | %s | %s | %s | %.3f |\n", i, s[i], p[i], d[i], ss[i] / dd[i]}' "$OUT/windows.txt"
  echo
  awk '$2 == "S" {s += $4; ns++; sc += $6; dw += $7}
       $2 == "D" {d += $4; nd++; dc += $7; sw += $6}
       END {printf "service %.1f req/s, DJL alone %.1f texts/s: %.3f\n", s / ns, d / nd, (s / ns) / (d / nd)
            printf "cores in their own windows: the service %.2f, DJL alone %.2f; while waiting: the service %.2f, DJL alone %.2f\n",
                   sc / ns, dc / nd, sw / nd, dw / ns}' "$OUT/windows.txt"
  awk '$2 == "S" {ss[$1] += $4} $2 == "D" {dd[$1] += $4}
       END {min = 9; max = 0; for (i = 1; i in ss; i++) {r = ss[i] / dd[i]; if (r < min) min = r; if (r > max) max = r}
            printf "ratios of the pairs %.3f-%.3f\n", min, max}' "$OUT/windows.txt"
  echo
  # the S windows' requests, to put each thread's CPU of the windows (S and D) per request
  requests=$(awk -v w="$WIN" '$2 == "S" {n += $4 * w} END {printf "%.0f", n}' "$OUT/windows.txt")
  echo "the service's threads in the windows (their names without digits), CPU per request of the S windows ($requests):"
  echo
  echo "| threads | CPU s | µs a request |"
  echo "|---|---:|---:|"
  join -t "$(printf '\t')" -a 2 -e 0 -o 0,1.2,2.2 "$OUT/threads-before.txt" "$OUT/threads-after.txt" |
    awk -F'\t' -v r="$requests" '{d = $3 - $2; if (d > 0.05) printf "%.2f\t| %s | %.2f | %.1f |\n", d, $1, d, d / r * 1e6}' |
    sort -rn | cut -f2 | head -15
} | tee "$OUT/report.md"
