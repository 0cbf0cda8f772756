#!/usr/bin/env bash
# How soon after start the service serves at its steady rate, with the start-up warm-up of the
# request path (modelapi.warm-up) on, on with another request count, and off (issue #13: "warm
# within a minute of start").
# For each configuration, alternating, $ROUNDS times: start the jar (cache off, every other
# default on, the three-model ensemble unless COLUMN=one), wait for readiness (with the warm-up
# on, readiness waits for it), then load it with wrk -c$CLIENTS and the held-out e-mails of
# ../shared/peers/load/texts.lua in $WINDOW-second windows until $SPAN s after the start, then
# $STEADY s more, in windows of the same length, as the run's steady state. Prints each window's
# req/s as a ratio of that steady state (the median of its windows, whose spread the report gives:
# one window of a shared machine is not a reference), against the time since the JVM started; the
# first window at >= 0.9x of it, and the first of two in a row (one fast window is not warm); and
# the CPU the JIT's compiler threads took by the end of the span.
#
#   bench/warmup.sh                       # ROUNDS=2 WINDOW=10 SPAN=150 STEADY=60 CLIENTS=32
#   SKIP_BUILD=1 CONFIGS="on:1500 on off" bench/warmup.sh   # on:N sets modelapi.warm-up.requests=N
#   SKIP_BUILD=1 CONFIGS="on on%small" JAVA_OPTS_small="-XX:MaxInlineLevel=9" bench/warmup.sh
#       # %tag: that config's JVM also gets $JAVA_OPTS_<tag> (alternating with the others, A B A B)
#   SKIP_BUILD=1 CONFIGS="off off@cds" bench/warmup.sh       # @extracted, @cds: how the JVM is launched
#   SKIP_BUILD=1 CONFIGS="on@cds on@jdk25 on@aot" bench/warmup.sh   # JDK 25's AOT cache against its own JIT
#
# Launch (a config's @ suffix): the jar as built (`java -jar`, the default); @extracted, the jar
# extracted as Spring Boot's tools extract it (an app jar beside lib/, as the container image runs
# it); @cds, extracted and with a class data sharing archive of its own made first by the image's
# training run (docker/cds-training.sh: a start with -XX:ArchiveClassesAtExit up to readiness, warm-up on);
# @jdk25, extracted and run by $JAVA25 (a JDK 25 or later) instead of the java on PATH; @aot, as @jdk25
# with an AOT cache of its own made first by the same training run (-XX:AOTCacheOutput: the classes
# loaded and linked, and the profiles of the methods the start-up warm-up ran, JEP 483 and 515).
# Every JVM gets the options `./mvnw spring-boot:run` and bench/compare.sh start it with
# (bench/jvm-options.sh: -Xmx1g, C2's thresholds, the JIT queue's TieredOldPercentage, jemalloc where
# installed unless SERVICE_ALLOCATOR=glibc), then JAVA_OPTS.
#
# Env: CONFIGS ["on off"]  ROUNDS [2]  WINDOW [10]  SPAN [150]  STEADY [60]  CLIENTS [32]
#      COLUMN [ensemble|one]  ONE_MODEL [spam-distilbert]  SERVICE_ARGS  JAVA_OPTS  SKIP_BUILD=1
#      JAVA25 [/usr/lib/jvm/temurin-25-jdk-amd64/bin/java]: the java of @jdk25 and @aot
#      SERVICE_PORT [18190]  API_KEY [modelapi-dev-key]  PEERS_DIR [../shared/peers]
#      PEERS_WORK [~/.cache/modelapi/peers-work]  TEXTS_FILE [$PEERS_WORK/texts-2000.jsonl]
# Output: $PEERS_WORK/warmup-<timestamp>/ (results.jsonl, report.md, logs). Holds /tmp/bench.lock.
set -euo pipefail
cd "$(dirname "$0")/.."

CONFIGS=${CONFIGS:-"on off"}
ROUNDS=${ROUNDS:-2}
WINDOW=${WINDOW:-10}
SPAN=${SPAN:-150}
STEADY=${STEADY:-60}
CLIENTS=${CLIENTS:-32}
COLUMN=${COLUMN:-ensemble}
JAVA25=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
ONE_MODEL=${ONE_MODEL:-spam-distilbert}
SERVICE_PORT=${SERVICE_PORT:-18190}
API_KEY=${API_KEY:-modelapi-dev-key}
PEERS_DIR=$(realpath "${PEERS_DIR:-../shared/peers}")
PEERS_WORK=${PEERS_WORK:-$HOME/.cache/modelapi/peers-work}
TEXTS_FILE=${TEXTS_FILE:-$PEERS_WORK/texts-2000.jsonl}
export PEERS_WORK TEXTS_FILE
for tool in wrk curl jq python3 java flock; do
  command -v "$tool" > /dev/null || { echo "$tool is needed on PATH" >&2; exit 2; }
done

if [[ $CONFIGS == *@jdk25* || $CONFIGS == *@aot* ]]; then
  "$JAVA25" -XX:AOTMode=off -version > /dev/null 2>&1 \
    || { echo "@jdk25 and @aot need a JDK 25 or later as JAVA25 (now $JAVA25)" >&2; exit 2; }
fi

OUT=$PEERS_WORK/warmup-$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
RESULTS=$OUT/results.jsonl
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

[ -s "$TEXTS_FILE" ] || python3 "$PEERS_DIR/load/prepare_texts.py"
if [ "${SKIP_BUILD:-}" != 1 ]; then
  log "building the jar"
  ./mvnw -B -q -DskipTests package
fi
jars=(target/model-api-service-*.jar)
cp "${jars[0]}" "$OUT/service.jar"
if [[ $CONFIGS == *@* ]]; then
  java -Djarmode=tools -jar "$OUT/service.jar" extract --destination "$OUT/extracted" > /dev/null
fi
cp -r routes "$OUT/routes"

exec 9> /tmp/bench.lock
log "waiting for /tmp/bench.lock"
flock -w 3600 9 || { log "the lock stayed taken"; exit 1; }

service_pid=
stop_service() {
  [ -n "$service_pid" ] || return 0
  kill "$service_pid" 2> /dev/null || true
  wait "$service_pid" 2> /dev/null || true
  service_pid=
}
trap stop_service EXIT

cpu_seconds() { # utime + stime of a process (pid) or one of its threads (pid/task/tid), in seconds
  awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$1/stat"
}

now() { date +%s.%N; }

# The JVM options of every run (and of the @cds training run, whose archive is only mapped by a JVM
# started with the same options): -Xmx1g and C2's thresholds as `./mvnw spring-boot:run` sets them,
# then JAVA_OPTS.
# shellcheck source=bench/jvm-options.sh
. bench/jvm-options.sh
# shellcheck disable=SC2206 # JAVA_OPTS is a list of options
jvm_opts=("${SERVICE_JVM_OPTS[@]}" ${JAVA_OPTS:-})
# and on JDK 25, as the image's entry point: native access and sun.misc.Unsafe allowed, without warnings
jdk25_opts=(--enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow)

# The service's JVM, started in the background (service_pid): launch (jar, extracted, cds),
# log file, then the service's arguments.
start_service() {
  local launch=$1 log_file=$2 jar=$OUT/service.jar launch_opts=() java=java
  shift 2
  case $launch in
    jar) ;;
    extracted) jar=$OUT/extracted/service.jar ;;
    cds) jar=$OUT/extracted/service.jar launch_opts=(-XX:SharedArchiveFile="$OUT/extracted/service.jsa") ;;
    jdk25) jar=$OUT/extracted/service.jar java=$JAVA25 launch_opts=("${jdk25_opts[@]}") ;;
    aot) jar=$OUT/extracted/service.jar java=$JAVA25 launch_opts=(-XX:AOTCache="$OUT/extracted/service.aot" "${jdk25_opts[@]}") ;;
    *) log "unknown launch $launch"; exit 2 ;;
  esac
  env OMP_NUM_THREADS=1 ${SERVICE_PRELOAD[@]+"${SERVICE_PRELOAD[@]}"} \
    "$java" "${jvm_opts[@]}" ${EXTRA_OPTS:-} "${launch_opts[@]}" -jar "$jar" "$@" > "$log_file" 2>&1 9>&- &
  service_pid=$!
}

# The class data sharing archive for @cds, made as the container image makes its own: by
# docker/cds-training.sh on the extracted jar (a start up to readiness, warm-up on).
if [[ $CONFIGS == *@cds* ]]; then
  log "class data sharing: training run"
  OMP_NUM_THREADS=1 sh docker/cds-training.sh "$OUT/extracted/service.jsa" "$OUT/extracted/service.jar" \
    "${jvm_opts[@]}" > "$OUT/cds-training.log" 2>&1 9>&- || { log "no archive: $OUT/cds-training.log"; exit 1; }
  log "class data sharing: $(du -h "$OUT/extracted/service.jsa" | cut -f1) archive"
fi
if [[ $CONFIGS == *@aot* ]]; then
  log "AOT cache: training run on $JAVA25"
  JAVA=$JAVA25 OMP_NUM_THREADS=1 sh docker/cds-training.sh "$OUT/extracted/service.aot" "$OUT/extracted/service.jar" \
    "${jdk25_opts[@]}" "${jvm_opts[@]}" > "$OUT/aot-training.log" 2>&1 9>&- || { log "no AOT cache: $OUT/aot-training.log"; exit 1; }
  log "AOT cache: $(du -h "$OUT/extracted/service.aot" | cut -f1)"
fi

# CPU seconds the JIT's compiler threads of a process have taken: C1 and C2, as JSON
jit_cpu() {
  local task c1=0 c2=0
  for task in /proc/"$1"/task/*; do
    case $(cat "$task/comm" 2> /dev/null) in
      C1\ Compiler*) c1=$(python3 -c "print($c1 + $(cpu_seconds "$1/task/${task##*/}"))") ;;
      C2\ Compiler*) c2=$(python3 -c "print($c2 + $(cpu_seconds "$1/task/${task##*/}"))") ;;
    esac
  done
  echo "{\"c1_cpu_seconds\": $c1, \"c2_cpu_seconds\": $c2}"
}

run() { # config round
  local config=$1 round=$2 args t0 ready_at cpu_at_ready elapsed result launch=jar warm_up tag steady_end
  local -a extra_opts=()
  if [[ $config == *%* ]]; then
    tag=${config#*%}
    local var=JAVA_OPTS_$tag
    # shellcheck disable=SC2206 # a list of options
    extra_opts=(${!var:-})
    [ ${#extra_opts[@]} -gt 0 ] || { log "config $config: $var is empty"; exit 2; }
  fi
  [[ ${config%%%*} != *@* ]] || launch=${config%%%*} launch=${launch#*@}
  warm_up=${config%%%*} warm_up=${warm_up%@*}
  args=(--server.port="$SERVICE_PORT" --server.address=127.0.0.1 --logging.level.root=WARN
    --logging.level.dev.modelapi.warmup=INFO
    --modelapi.security.requests-per-second=1000000 --modelapi.cache.enabled=false
    --modelapi.routes.directory="$OUT/routes" --modelapi.data-directory="$OUT/data-$config-$round"
    --modelapi.warm-up.enabled="$([ "${warm_up%%:*}" = on ] && echo true || echo false)")
  [[ $warm_up != *:* ]] || args+=(--modelapi.warm-up.requests="${warm_up#*:}")
  [ "$COLUMN" = ensemble ] || args+=(--modelapi.ensemble.default-models="$ONE_MODEL")
  # shellcheck disable=SC2206 # SERVICE_ARGS is a list
  args+=(${SERVICE_ARGS:-})
  t0=$(now)
  EXTRA_OPTS="${extra_opts[*]}" start_service "$launch" "$OUT/service-$config-r$round.log" "${args[@]}"
  until [ "$(curl -s -o /dev/null -m 5 -w '%{http_code}' "http://127.0.0.1:$SERVICE_PORT/actuator/health/readiness")" = 200 ]; do
    kill -0 "$service_pid" 2> /dev/null || { log "the service exited: $OUT/service-$config-r$round.log"; exit 1; }
    sleep 0.5
  done
  ready_at=$(python3 -c "print(round($(now) - $t0, 1))")
  cpu_at_ready=$(cpu_seconds "$service_pid")
  log "warm-up $config, round $round: ready ${ready_at}s after start (${cpu_at_ready} s of CPU)"
  jq -nc --arg c "$config" --argjson r "$round" --argjson at "$ready_at" --argjson cpu "$cpu_at_ready" \
    '{config: $c, round: $r, phase: "ready", at: $at, cpu_seconds: $cpu}' >> "$RESULTS"
  local phase=window
  while :; do
    elapsed=$(python3 -c "print($(now) - $t0)")
    if [ "$phase" = window ] && python3 -c "import sys; sys.exit(0 if $elapsed >= $SPAN else 1)"; then
      jq -nc --arg c "$config" --argjson r "$round" --argjson t "$(python3 -c "print(round($elapsed, 1))")" \
        --argjson jit "$(jit_cpu "$service_pid")" '{config: $c, round: $r, phase: "jit", at: $t} + $jit' >> "$RESULTS"
      phase=steady steady_end=$(python3 -c "print($elapsed + $STEADY)")
    fi
    if [ "$phase" = steady ] && python3 -c "import sys; sys.exit(0 if $elapsed >= $steady_end - $WINDOW / 2 else 1)"; then
      break
    fi
    result=$(API_KEY=$API_KEY wrk -t2 -c"$CLIENTS" -d"${WINDOW}s" --timeout 10s -s "$PEERS_DIR/load/texts.lua" \
      "http://127.0.0.1:$SERVICE_PORT/api/v1/predict" | sed -n 's/^RESULT //p' | tail -1)
    jq -nc --arg c "$config" --argjson r "$round" --arg p "$phase" \
      --argjson t "$(python3 -c "print(round($(now) - $t0, 1))")" --argjson wrk "$result" \
      '{config: $c, round: $r, phase: $p, "end": $t} + $wrk' >> "$RESULTS"
  done
  stop_service
}

for round in $(seq 1 "$ROUNDS"); do
  for config in $CONFIGS; do run "$config" "$round"; done
done

python3 - "$RESULTS" "$COLUMN" "$CLIENTS" "$STEADY" "$WINDOW" > "$OUT/report.md" << 'EOF'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
runs = sorted({(r["config"], r["round"]) for r in rows}, key=lambda k: (k[1], k[0]))
print(f"Start-up warm-up on and off, {sys.argv[2]}, {sys.argv[3]} clients, cache off; each window's req/s "
      f"as a ratio of the same run's steady state (the median of its {sys.argv[5]} s windows in the "
      f"{sys.argv[4]} s after the span)\n")
for config, rnd in runs:
    mine = [r for r in rows if r["config"] == config and r["round"] == rnd]
    ready = next(r for r in mine if r["phase"] == "ready")
    jit = next((r for r in mine if r["phase"] == "jit"), None)
    steadies = [r for r in mine if r["phase"] == "steady"]
    windows = [r for r in mine if r["phase"] == "window"]
    reference = statistics.median(w["rps"] for w in steadies)
    warm = [w["rps"] >= 0.9 * reference for w in windows]
    first = next((w["end"] for w, ok in zip(windows, warm) if ok), None)
    held = next((w["end"] for i, w in enumerate(windows) if warm[i] and (i + 1 == len(windows) or warm[i + 1])), None)
    print(f"- warm-up {config}, round {rnd}: ready {ready['at']:.0f} s after start "
          f"({ready['cpu_seconds']:.0f} s of CPU); steady {reference:.1f} req/s (windows "
          f"{min(w['rps'] for w in steadies) / reference:.2f}-{max(w['rps'] for w in steadies) / reference:.2f}x of it); "
          f"first window at >= 0.9x ends {first if first is not None else '-'} s after start, the first of two in a row "
          f"{held if held is not None else '-'} s; "
          + (f"JIT CPU by {jit['at']:.0f} s: C2 {jit['c2_cpu_seconds']:.1f} s, C1 {jit['c1_cpu_seconds']:.1f} s; " if jit else "")
          + f"errors {sum(sum(w['errors'].values()) for w in windows + steadies)}")
    print("  " + ", ".join(f"{w['end']:.0f} s: {w['rps'] / reference:.2f}" for w in windows)
          + " | steady: " + ", ".join(f"{w['rps'] / reference:.2f}" for w in steadies))
EOF
cat "$OUT/report.md"
log "results in $OUT"
