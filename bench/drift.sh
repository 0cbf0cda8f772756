#!/usr/bin/env bash
# What drift detection costs a text on the request path (docs/performance.md): the drift-observe
# step's time per answer of the three-model ensemble, against spam-roberta's inference time per
# text at batch 1, in one process, one thread. bench/drift.sh [models-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q compile dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt
export OMP_NUM_THREADS=1
exec flock /tmp/bench.lock java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1 \
  ${JAVA_OPTS:-} -cp "target/classes:$(cat target/bench-classpath.txt)" bench/DriftCost.java "$@"
