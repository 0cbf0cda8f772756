#!/usr/bin/env bash
# In-process throughput of the demo models at batch 1, 8 and 32 (see docs/performance.md).
#   bench/inference.sh [--workers=2] [--batches=1,8,32] [--rounds=3] [--texts=N (default: the whole test split)] [--order=length] [--form=subject]
# DJL_THREADS=default runs the same bench with DJL's own thread settings, for comparison.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q compile dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt
threads=(-Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1)
if [ "${DJL_THREADS:-one}" = default ]; then
  threads=()
  unset OMP_NUM_THREADS
else
  export OMP_NUM_THREADS=1
fi
exec java -Dai.djl.offline=true "${threads[@]}" ${JAVA_OPTS:-} \
  -cp "target/classes:$(cat target/bench-classpath.txt)" bench/InferenceBench.java "$@"
