# Sourced by the HTTP benchmarks: start the service, warm it, measure it with LoadBench, stop it.
#   measure <checkout dir> <log file> <jar> [service arguments...]
# Uses $port, $clients, $requests, WARMUP (3000); prints LoadBench's JSON result. The service runs
# in <checkout dir>, so it reads that checkout's routes/ and models/. The key's rate limit is lifted
# out of the way (the limiter still runs); one thread per predictor, as docs/performance.md says.
measure() {
  local dir=$1 log=$2 jar=$3
  shift 3
  (cd "$dir" && OMP_NUM_THREADS=1 exec java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 \
    -Dai.djl.pytorch.num_interop_threads=1 -jar "$jar" --server.port="$port" \
    --modelapi.security.requests-per-second=1000000 --logging.level.root=WARN "$@") > "$log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$port/actuator/health" > /dev/null && break
    sleep 1
  done
  # warm-up long enough for the JIT: with 200 requests C2 was still compiling Camel, Spring and
  # Jackson paths through the measured run and took ~20 % of the throughput on 2 cores
  java -cp "$(cat target/bench-classpath.txt)" bench/LoadBench.java "http://127.0.0.1:$port/api/v1/predict" \
    "$clients" "${WARMUP:-3000}" > /dev/null
  java -cp "$(cat target/bench-classpath.txt)" bench/LoadBench.java "http://127.0.0.1:$port/api/v1/predict" \
    "$clients" "$requests"
  kill "$pid"
  wait "$pid" 2> /dev/null || true
}
