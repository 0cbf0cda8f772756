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

source bench/serve.sh

run() {
  local size=$1
  local result
  result=$(measure . "target/bench-service-$size.log" "$(realpath "$jar")" \
    --modelapi.batching.max-batch-size="$size" --modelapi.routes.directory="${BENCH_ROUTES:-routes}" \
    --modelapi.cache.enabled=false)
  echo "{\"maxBatchSize\": $size, \"result\": $result}"
}

for round in $(seq 1 "$rounds"); do
  for size in $sizes; do
    echo "round $round: $(run "$size")"
  done
done
