#!/usr/bin/env bash
# What the per-model guards cost: the HTTP load of bench/load.sh (cache off, batching on, the
# three-model ensemble) with routes/ as it is (each model call behind a bulkhead, in a circuit
# breaker with a time limit, on its model's own pool) against a copy whose model-call template
# calls the model bean directly. LoadBench counts degraded answers: a guard that sheds work would
# otherwise look like speed. Alternating rounds, same clients and warm-up.
#   bench/guards.sh [clients=32] [requests=1500] [rounds=2] [max-batch-size=16]
# Results: docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
clients=${1:-32}
requests=${2:-1500}
rounds=${3:-2}
size=${4:-16}

guarded=target/bench-routes-guarded
unguarded=target/bench-routes-unguarded
rm -rf "$guarded" "$unguarded"
cp -r routes "$guarded"
cp -r routes "$unguarded"
python3 - "$unguarded/ensemble.camel.yaml" <<'PY'
import re, sys
path = sys.argv[1]
text = open(path).read()
# Keep the template's bean step, drop the bulkhead and the circuitBreaker around it.
start = text.index("          # Bulkhead:")
bean = text.index("                - bean:", start)
steps = text[bean:]
dedented = "\n".join(line[6:] if line.startswith("      ") else line for line in steps.splitlines())
open(path, "w").write(text[:start] + dedented + "\n")
PY
grep -qE "circuitBreaker|throttle" "$unguarded/ensemble.camel.yaml" && { echo "unguarded copy still has a guard" >&2; exit 1; }

./mvnw -B -q -DskipTests package dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt
for round in $(seq 1 "$rounds"); do
  for variant in guarded unguarded; do
    dir=target/bench-routes-$variant
    result=$(SKIP_BUILD=1 BENCH_ROUTES="$dir" bench/load.sh "$clients" "$requests" 1 "$size" | sed 's/^round 1: //')
    echo "round $round $variant: $result"
  done
done
