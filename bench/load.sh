#!/usr/bin/env bash
# End-to-end HTTP load: concurrent single-text POST /api/v1/predict against the service on
# loopback, with the dynamic batcher off (max-batch-size 1) and on, in alternating rounds so that
# a noisy neighbour hurts both alike. The cache is off so every request runs the models.
#   bench/load.sh [clients=32] [requests=1500] [rounds=2] [batch sizes to compare="1 4 16"]
#   WARMUP=3000 requests before each measured run
#   BENCH_ROUTES=<dir> runs the service on another copy of routes/ (bench/guards.sh)
#   SKIP_BUILD=1 reuses the jar built by an earlier run
# Results: docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
clients=${1:-32}
requests=${2:-1500}
rounds=${3:-2}
sizes=${4:-"1 4 16"}
port=18181

if [ -z "${SKIP_BUILD:-}" ]; then
  ./mvnw -B -q -DskipTests package dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt
fi
jar=$(ls target/model-api-service-*.jar | grep -v original | head -1)
export OMP_NUM_THREADS=1

run() {
  local size=$1
  java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1 \
    -jar "$jar" --server.port=$port --modelapi.batching.max-batch-size="$size" \
    --modelapi.routes.directory="${BENCH_ROUTES:-routes}" --modelapi.security.requests-per-second=1000000 \
    --modelapi.cache.enabled=false --logging.level.root=WARN > "target/bench-service-$size.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$port/actuator/health" > /dev/null && break
    sleep 1
  done
  # warm-up long enough for the JIT: with 200 requests C2 was still compiling Camel, Spring and
  # Jackson paths through the measured run and took ~20 % of the throughput on 2 cores
  java -cp "$(cat target/bench-classpath.txt)" bench/LoadBench.java "http://127.0.0.1:$port/api/v1/predict" \
    "$clients" "${WARMUP:-3000}" > /dev/null
  local result
  result=$(java -cp "$(cat target/bench-classpath.txt)" bench/LoadBench.java \
    "http://127.0.0.1:$port/api/v1/predict" "$clients" "$requests")
  kill "$pid"
  wait "$pid" 2> /dev/null || true
  echo "{\"maxBatchSize\": $size, \"result\": $result}"
}

for round in $(seq 1 "$rounds"); do
  for size in $sizes; do
    echo "round $round: $(run "$size")"
  done
done
