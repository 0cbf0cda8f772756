#!/usr/bin/env bash
# Where the forward threads' CPU goes, per unit of matrix product (docs/performance.md, stops 62-63).
# Runs one row of bench/compare.sh (the service, or DJL alone in process) on one column of the
# uncached load, attaches async-profiler (`jcmd JVMTI.agent_load`, event cpu, 1 ms, per thread) for
# PROFILE seconds ending 10 s before the warm-up does, and counts the inference threads' samples by
# leaf function per 1,000 samples of MKL's GEMM kernel (bench/forward_profile.py). The GEMM kernel
# is the same work per text in every process (same model, texts and shapes), so starts on a machine
# whose speed moves between them still compare: what grows against it is what the process adds.
#
#   bench/forward-profile.sh                                  # the service, its default allocator
#   SERVICE_ALLOCATOR=glibc NAME=glibc bench/forward-profile.sh
#   ROW=djl bench/forward-profile.sh                          # DJL alone, the same allocator
#   bench/forward_profile.py A=out-a/profile.txt B=out-b/profile.txt   # several runs side by side
#
# Env: ROW [service: threads forward-*; djl: bench-*]  COLUMN [one]  WARMUP [120]  MEASURE [30]
#      PROFILE [40] seconds profiled  NAME [ROW]  OUT [$PEERS_WORK/profile-<time>-NAME]
#      ASYNC_PROFILER [4.1, from Maven Central into ~/.m2]; everything else as bench/compare.sh
#      (SERVICE_ALLOCATOR, SERVICE_ENV, JAVA_OPTS, DJL_JAVA_OPTS, SKIP_BUILD, ...).
# Output: OUT/profile.txt (async-profiler's collapsed stacks, thread names first), OUT/table.md,
# and compare.sh's own files in OUT/compare. compare.sh takes /tmp/bench.lock itself.
set -euo pipefail
cd "$(dirname "$0")/.."

ROW=${ROW:-service}
COLUMN=${COLUMN:-one}
WARMUP=${WARMUP:-120}
MEASURE=${MEASURE:-30}
PROFILE=${PROFILE:-40}
NAME=${NAME:-$ROW}
ASYNC_PROFILER=${ASYNC_PROFILER:-4.1}
PEERS_WORK=${PEERS_WORK:-$HOME/.cache/modelapi/peers-work}
OUT=${OUT:-$PEERS_WORK/profile-$(date +%Y%m%d-%H%M%S)-$NAME}
case $ROW in
  service) threads=forward- pattern="$OUT/compare/service.jar" started="service/$COLUMN: warm-up" ;;
  djl) threads=bench- pattern=InProcessBench.java started="djl/$COLUMN: " ;;
  *) echo "ROW is service or djl" >&2; exit 2 ;;
esac
[ "$WARMUP" -ge $((PROFILE + 20)) ] || { echo "WARMUP must be at least PROFILE + 20 s" >&2; exit 2; }
mkdir -p "$OUT"

ap_jar=$HOME/.m2/repository/tools/profiler/async-profiler/$ASYNC_PROFILER/async-profiler-$ASYNC_PROFILER.jar
[ -f "$ap_jar" ] || ./mvnw -B -q dependency:get -Dartifact="tools.profiler:async-profiler:$ASYNC_PROFILER"
unzip -q -o "$ap_jar" 'linux-x64/*' -d "$OUT/async-profiler"
agent=$OUT/async-profiler/linux-x64/libasyncProfiler.so

(ROWS=$ROW COLUMNS=$COLUMN SKIP_CACHED=1 SKIP_TORCHSERVE=1 WARMUP=$WARMUP MEASURE=$MEASURE \
  COMPARE_OUT=$OUT/compare bash bench/compare.sh > "$OUT/compare.log" 2>&1) &
compare=$!
trap 'kill "$compare" 2> /dev/null || true' INT TERM

# the warm-up starts when the log says so (the service's row: once it is ready; DJL's: at its start)
until grep -qF "$started" "$OUT/compare.log" 2> /dev/null; do
  kill -0 "$compare" 2> /dev/null || { echo "compare.sh ended early: $OUT/compare.log" >&2; exit 1; }
  sleep 1
done
sleep $((WARMUP - PROFILE - 10))
# the JVM itself, not the env or timeout that started it (timeout would pass jcmd's SIGQUIT on as TERM)
pid=
for candidate in $(pgrep -f "$pattern"); do
  [ "$(cat "/proc/$candidate/comm" 2> /dev/null)" = java ] && { pid=$candidate; break; }
done
[ -n "$pid" ] || { echo "no java process matches $pattern" >&2; exit 1; }
jcmd "$pid" JVMTI.agent_load "$agent" "\"start,event=cpu,interval=1ms,threads\"" > "$OUT/attach.log"
sleep "$PROFILE"
jcmd "$pid" JVMTI.agent_load "$agent" "\"stop,collapsed,file=$OUT/profile.txt\"" >> "$OUT/attach.log"
wait "$compare" || echo "compare.sh failed: $OUT/compare.log" >&2

python3 bench/forward_profile.py --threads "$threads" "$NAME=$OUT/profile.txt" | tee "$OUT/table.md"
# that start's measured 30 s, after the profile: compare.sh's row of the detailed table
grep -E "^\| (service|in-process DJL) \| $COLUMN \|" "$OUT/compare/report.md" || true
