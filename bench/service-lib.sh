# Sourced by bench/idle.sh, bench/rss.sh, bench/windows.sh and bench/paired.sh: the machine's benchmark lock,
# the jar to run, and the one service process a script runs at a time (started by launch_service,
# its pid in $pid, stopped when the script exits).
# Needs log() and, for wait_ready, SERVICE_PORT; for service_jar, ROOT.

# Holds /tmp/bench.lock on fd 9 until the script exits (the machine's rule for any measurement).
take_bench_lock() {
  exec 9> /tmp/bench.lock
  flock -w "${LOCK_WAIT:-3600}" 9 || { log "another benchmark holds /tmp/bench.lock"; exit 1; }
}

# service_jar out: the jar to run (JAR, or this checkout's, built unless SKIP_BUILD=1) and the
# routes, copied into out as they are now: a rebuild or an edit during the run changes nothing there
service_jar() {
  local jar=${JAR:-}
  if [ -z "$jar" ]; then
    [ "${SKIP_BUILD:-}" = 1 ] || (cd "$ROOT" && ./mvnw -B -q -DskipTests package)
    jar=$(ls "$ROOT"/target/model-api-service-*.jar | grep -v -- '-plain' | head -1)
  fi
  cp "$jar" "$1/service.jar"
  cp -r "$ROOT/routes" "$1/routes"
}

pid=
stop_service() {
  if [ -n "$pid" ]; then
    kill "$pid" 2> /dev/null || true
    wait "$pid" 2> /dev/null || true
  fi
  pid=
}
trap stop_service EXIT

# shellcheck source=bench/jvm-options.sh
. "$(dirname "${BASH_SOURCE[0]}")/jvm-options.sh"

# launch_service dir jar data [JVM options...] [-- service arguments...]: the service as the
# benchmarks run it (one PyTorch thread per predictor, offline, -Xmx1g, C2's thresholds and the
# allocator as ./mvnw spring-boot:run sets them) in dir (for its models/), on 127.0.0.1:$SERVICE_PORT, with data/routes and
# data/service-data, logging to data/service.log; in the background, its pid in $pid
launch_service() {
  local dir=$1 jar=$2 data=$3 jvm=()
  shift 3
  while [ $# -gt 0 ] && [ "$1" != -- ]; do jvm+=("$1"); shift; done
  [ $# -eq 0 ] || shift
  (cd "$dir" && exec env OMP_NUM_THREADS=1 ${SERVICE_PRELOAD[@]+"${SERVICE_PRELOAD[@]}"} java "${SERVICE_JVM_OPTS[@]}" "${jvm[@]}" -jar "$jar" --server.port="$SERVICE_PORT" \
    --server.address=127.0.0.1 --logging.level.root=WARN --modelapi.routes.directory="$data/routes" \
    --modelapi.data-directory="$data/service-data" "$@") > "$data/service.log" 2>&1 9>&- &
  pid=$!
}

# wait_ready tag log: until readiness answers 200; fails if the service exits or is not ready in 300 s
wait_ready() {
  local deadline=$((SECONDS + 300))
  until [ "$(curl -s -o /dev/null -m 5 -w '%{http_code}' "http://127.0.0.1:$SERVICE_PORT/actuator/health/readiness" || true)" = 200 ]; do
    kill -0 "$pid" 2> /dev/null || { log "$1: the service exited, see $2"; return 1; }
    [ "$SECONDS" -lt "$deadline" ] || { log "$1: not ready in 300 s"; return 1; }
    sleep 1
  done
}
