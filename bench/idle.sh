#!/usr/bin/env bash
# What an idle service costs (issue #13): the CPU and the thread wake-ups of the service on its
# defaults (every feature on, the demo models) while no request comes. For each jar in turn: starts
# it as bench/compare.sh does, sends one prediction, waits SETTLE s (the start-up work and the first
# scheduled jobs pass), then reads /proc over MEASURE s: the process's CPU in cores, and each thread's
# CPU and wake-ups (voluntary context switches), named by jcmd's thread dump. Prints a markdown table
# per jar (the TOP threads by CPU) and the process totals; several jars make an A/B in one run.
# Each runs a copy of the routes taken at the start: a checkout's own, or this checkout's for a jar.
#
#   bench/idle.sh                                   # this checkout (its jar built unless SKIP_BUILD=1)
#   JARS="/tmp/wt-old ." ROUNDS=2 bench/idle.sh     # A B A B: two checkouts, each with its jar and routes
#
# Env: JARS [this checkout]: checkouts (their target/ jar and routes/) or jar files  SETTLE [60]  MEASURE [60]  TOP [8]  SERVICE_PORT [18191]  ROUNDS [1]
#   API_KEY [modelapi-dev-key]  IDLE_OUT [/tmp/idle-<time>]  LOCK_WAIT [3600] for /tmp/bench.lock
# Holds /tmp/bench.lock throughout (the machine's rule for any measurement).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SETTLE=${SETTLE:-60}
MEASURE=${MEASURE:-60}
TOP=${TOP:-8}
ROUNDS=${ROUNDS:-1}
SERVICE_PORT=${SERVICE_PORT:-18191}
API_KEY=${API_KEY:-modelapi-dev-key}
OUT=${IDLE_OUT:-/tmp/idle-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

if [ -z "${JARS:-}" ]; then
  [ "${SKIP_BUILD:-}" = 1 ] || (cd "$ROOT" && ./mvnw -B -q -DskipTests package)
  JARS=$ROOT
fi

# shellcheck source=bench/service-lib.sh
. "$ROOT/bench/service-lib.sh"
take_bench_lock

# per thread: "tid utime+stime(ticks) voluntary_switches"
sample() {
  local task
  for task in /proc/"$1"/task/*; do
    local tid=${task##*/} stat ticks switches
    stat=$(cat "$task/stat" 2> /dev/null) || continue
    stat=${stat##*) }
    ticks=$(awk '{print $12 + $13}' <<< "$stat")
    switches=$(awk '/^voluntary_ctxt_switches/ {print $2}' "$task/status" 2> /dev/null || echo 0)
    echo "$tid $ticks $switches"
  done
}

run_one() { # checkout-or-jar tag
  local jar=$1 dir=$ROOT tag=$2 data=$OUT/$2
  if [ -d "$1" ]; then
    dir=$(cd "$1" && pwd)
    jar=$(ls "$dir"/target/model-api-service-*.jar | grep -v -- '-plain' | head -1)
  fi
  local routes=$dir/routes
  mkdir -p "$data"
  cp "$jar" "$data/service.jar"
  cp -r "$routes" "$data/routes"
  log "$tag: starting $jar with $routes"
  launch_service "$dir" "$data/service.jar" "$data"
  wait_ready "$2" "$data/service.log" || return 1
  curl -s -m 30 -H "X-API-Key: $API_KEY" -H 'Content-Type: application/json' \
    -d '{"text": "Congratulations, you won a prize: claim it now"}' \
    "http://127.0.0.1:$SERVICE_PORT/api/v1/predict" > "$data/probe.json"
  log "$tag: ready, one prediction answered; idle for $SETTLE s, then measured for $MEASURE s"
  sleep "$SETTLE"
  local t0=$EPOCHREALTIME
  sample "$pid" > "$data/before.txt"
  sleep "$MEASURE"
  local t1=$EPOCHREALTIME
  sample "$pid" > "$data/after.txt"
  jcmd "$pid" Thread.print > "$data/threads.txt" 2> /dev/null || true
  grep VmRSS "/proc/$pid/status" | awk '{print $2}' > "$data/rss_kib.txt"
  stop_service
  python3 - "$data" "$t0" "$t1" "$TOP" "$tag" "$(getconf CLK_TCK)" << 'EOF'
import json, re, sys
data, t0, t1, top, tag, hz = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5], int(sys.argv[6])
seconds = t1 - t0
def load(name):
    rows = {}
    for line in open(f"{data}/{name}"):
        tid, ticks, switches = line.split()
        rows[tid] = (int(ticks), int(switches))
    return rows
before, after = load("before.txt"), load("after.txt")
names = {}
for line in open(f"{data}/threads.txt", errors="replace"):
    m = re.match(r'^"(.*?)".*\bnid=(0x[0-9a-f]+|\d+)', line)
    if m:
        nid = m.group(2)
        names[str(int(nid, 16) if nid.startswith("0x") else int(nid))] = m.group(1)
rows = []
for tid, (ticks, switches) in after.items():
    b = before.get(tid, (0, 0))
    rows.append((tid, names.get(tid, "(native or JVM-internal thread)"), (ticks - b[0]) / hz, switches - b[1]))
cpu = sum(r[2] for r in rows)
wakeups = sum(r[3] for r in rows)
rss = int(open(f"{data}/rss_kib.txt").read().split()[0]) / 1024
summary = {"tag": tag, "seconds": round(seconds, 1), "cores": round(cpu / seconds, 4),
           "wakeups_per_s": round(wakeups / seconds, 1), "threads": len(after), "rss_mib": round(rss)}
json.dump(summary, open(f"{data}/summary.json", "w"))
print(f"\n### {tag}: {summary['cores'] * 100:.2f} % of a core, {summary['wakeups_per_s']:.0f} wake-ups/s, "
      f"{summary['threads']} threads, RSS {summary['rss_mib']} MiB (idle, {seconds:.0f} s)\n")
print("| thread | CPU (% of a core) | wake-ups/s |\n|---|---:|---:|")
for tid, name, t, s in sorted(rows, key=lambda r: (r[2], r[3]), reverse=True)[:top]:
    print(f"| {name} | {100 * t / seconds:.2f} | {s / seconds:.0f} |")
EOF
}

n=0
for round in $(seq 1 "$ROUNDS"); do
  for jar in $JARS; do
    n=$((n + 1))
    run_one "$jar" "r$round-$n-$(basename "$(realpath "$jar")" .jar)" >> "$OUT/report.md"
  done
done
cat "$OUT/report.md"
log "output: $OUT (report.md, per jar: service.log, threads.txt, summary.json)"
