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

worktree=target/bench-base
rm -rf "$worktree"
git worktree prune
git worktree add -q --detach "$worktree" "$base"
trap 'git worktree remove --force "$worktree" 2>/dev/null || true' EXIT
(cd "$worktree" && ./mvnw -B -q -DskipTests package)
./mvnw -B -q -DskipTests package dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt
head_jar=$(ls target/model-api-service-*.jar | grep -v original | head -1)
base_jar=$(ls "$worktree"/target/model-api-service-*.jar | grep -v original | head -1)

source bench/serve.sh

run() {
  local name=$1 jar=$2 dir=$3
  local result
  result=$(measure "$dir" "$(pwd)/target/bench-versions-$name.log" "$jar" --modelapi.folder.enabled=false)
  echo "{\"version\": \"$name\", \"result\": $result}"
}

for round in $(seq 1 "$rounds"); do
  echo "round $round: $(run base "$(realpath "$base_jar")" "$(realpath "$worktree")")"
  echo "round $round: $(run head "$(realpath "$head_jar")" "$(pwd)")"
done
