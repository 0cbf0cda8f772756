#!/usr/bin/env bash
# What the pipeline itself costs across versions: the cached path (every answer from the cache,
# so no model runs) of this checkout against an earlier revision, same machine, same run,
# alternating rounds. Per request this is HTTP, JSON, the key check, sanitising and inspection,
# Camel routing, the cache, tracing spans and the audit.
#   bench/versions.sh <base revision> [clients=32] [requests=6000] [rounds=2]
#   WARMUP=3000 requests before each measured run (they also fill the cache)
# The key's rate limit is raised out of the way (its default, 50/s, is the point of a limit, not of
# this measure); the limiter itself still runs on every request.
# Results: docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:?usage: bench/versions.sh <base revision> [clients] [requests] [rounds]}
clients=${2:-32}
requests=${3:-6000}
rounds=${4:-2}
port=18182
export OMP_NUM_THREADS=1

worktree=target/bench-base
rm -rf "$worktree"
git worktree prune
git worktree add -q --detach "$worktree" "$base"
trap 'git worktree remove --force "$worktree" 2>/dev/null || true' EXIT
(cd "$worktree" && ./mvnw -B -q -DskipTests package)
./mvnw -B -q -DskipTests package dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt
head_jar=$(ls target/model-api-service-*.jar | grep -v original | head -1)
base_jar=$(ls "$worktree"/target/model-api-service-*.jar | grep -v original | head -1)

run() {
  local name=$1 jar=$2 dir=$3
  # each version runs in its own checkout, with its own routes/ and models/
  (cd "$dir" && exec java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 \
    -Dai.djl.pytorch.num_interop_threads=1 -jar "$jar" --server.port=$port --modelapi.folder.enabled=false \
    --modelapi.security.requests-per-second=1000000 \
    --logging.level.root=WARN) > "target/bench-versions-$name.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$port/actuator/health" > /dev/null && break
    sleep 1
  done
  java -cp "$(cat target/bench-classpath.txt)" bench/LoadBench.java "http://127.0.0.1:$port/api/v1/predict" \
    "$clients" "${WARMUP:-3000}" > /dev/null
  local result
  result=$(java -cp "$(cat target/bench-classpath.txt)" bench/LoadBench.java \
    "http://127.0.0.1:$port/api/v1/predict" "$clients" "$requests")
  kill "$pid"
  wait "$pid" 2> /dev/null || true
  echo "{\"version\": \"$name\", \"result\": $result}"
}

for round in $(seq 1 "$rounds"); do
  echo "round $round: $(run base "$(realpath "$base_jar")" "$(realpath "$worktree")")"
  echo "round $round: $(run head "$(realpath "$head_jar")" "$(pwd)")"
done
