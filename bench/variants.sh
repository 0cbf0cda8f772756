#!/usr/bin/env bash
# The demo models' int8 variant (models/<name>/1-int8, issue #18) against version 1 (fp32) on the
# same texts (the peers' 868 held-out e-mails), through bench/compare.sh:
#   http   the service over HTTP, one model ($HTTP_MODEL), compare.sh's service row (wrk -t2 -c32,
#          every default on, cache off), with the variants loaded at start-up in both runs
#   djl    in-process DJL (bench/InProcessBench.java), 2 threads, batch 1, each model of $MODELS
# Each measurement runs four times, 1, 1-int8, 1-int8, 1: on this machine the first of two runs back
# to back was usually the faster, so A B B A cancels the order. Prints requests (texts)/s of each
# run and the ratio of the means, int8 / fp32.
#
#   bench/variants.sh
#   PARTS=djl MODELS=spam-distilbert DJL_WARMUP=5 DJL_MEASURE=5 SKIP_BUILD=1 bench/variants.sh   # quick
#
# Env (defaults in brackets): PARTS ["http djl"]  HTTP_MODEL [spam-distilbert]
#   MODELS ["spam-distilbert spam-roberta spam-deberta"]  WARMUP [60] MEASURE [30] (HTTP, seconds)
#   DJL_WARMUP [20] DJL_MEASURE [20]  SKIP_BUILD=1 (use the jar in target/)
# Output: $PEERS_WORK/variants-<timestamp>/ (one compare.sh output directory per run, report.md).
# compare.sh holds /tmp/bench.lock while it measures; do not run this under the lock.
set -euo pipefail
cd "$(dirname "$0")/.."
PARTS=${PARTS:-"http djl"}
HTTP_MODEL=${HTTP_MODEL:-spam-distilbert}
MODELS=${MODELS:-"spam-distilbert spam-roberta spam-deberta"}
PEERS_WORK=${PEERS_WORK:-$HOME/.cache/modelapi/peers-work}
OUT=$PEERS_WORK/variants-$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
ORDER="1 1-int8 1-int8 1"

for model in $MODELS $HTTP_MODEL; do
  for version in 1 1-int8; do
    [ -f "models/$model/$version/$model.pt" ] || { echo "no models/$model/$version: run tools/train_demo_models.py" >&2; exit 2; }
  done
done
if [ -z "${SKIP_BUILD:-}" ]; then
  flock /tmp/bench.lock ./mvnw -B -q -DskipTests package
fi

run=0
compare() { # part model version [env...]
  local part=$1 model=$2 version=$3
  shift 3
  run=$((run + 1))
  env "$@" COMPARE_OUT="$OUT/$run-$part-$model-$version" ONE_MODEL="$model" MODEL_VERSION="$version" \
    COLUMNS=one SKIP_CACHED=1 SKIP_BUILD=1 bash bench/compare.sh > "$OUT/$run-$part-$model-$version.txt" 2>&1 \
    || echo "compare.sh failed: $OUT/$run-$part-$model-$version.txt" >&2
}

for part in $PARTS; do
  case $part in
    http)
      for version in $ORDER; do
        compare http "$HTTP_MODEL" "$version" ROWS=service WARMUP="${WARMUP:-60}" MEASURE="${MEASURE:-30}" \
          SERVICE_ARGS="--modelapi.models.variants-at-start-up=true ${SERVICE_ARGS:-}"
      done ;;
    djl)
      for model in $MODELS; do
        for version in $ORDER; do
          compare djl "$model" "$version" ROWS=djl WARMUP="${DJL_WARMUP:-20}" MEASURE="${DJL_MEASURE:-20}"
        done
      done ;;
    *) echo "unknown part $part (http, djl)" >&2; exit 2 ;;
  esac
done

status=0
python3 - "$OUT" > "$OUT/report.md" <<'PY' || status=$?
import json, pathlib, re, statistics, sys
out = pathlib.Path(sys.argv[1])
runs = {}
for directory in sorted(out.iterdir(), key=lambda p: int(p.name.split("-")[0]) if p.name[0].isdigit() else 0):
    match = re.fullmatch(r"(\d+)-(http|djl)-(.+)-(1|1-int8)", directory.name)
    if not match or not directory.is_dir():
        continue
    part, model, version = match.group(2), match.group(3), match.group(4)
    results = directory / "results.jsonl"
    rows = [json.loads(line) for line in results.read_text().splitlines()] if results.exists() else []
    measured = [r for r in rows if r.get("phase") == "measure" and r.get("section") == "uncached"]
    runs.setdefault((part, model), []).append((version, measured[0] if measured else None))
print("| measure | model | order: texts/s (p99 ms) | fp32 mean | int8 mean | int8 / fp32 |")
print("|---|---|---|---:|---:|---:|")
for (part, model), seq in runs.items():
    cells, by_version = [], {"1": [], "1-int8": []}
    for version, r in seq:
        if r is None or "rps" not in r:
            cells.append(f"{version}: failed")
            continue
        by_version[version].append(r["rps"])
        cells.append(f"{version}: {r['rps']:.1f} ({r['latency_ms']['p99']:.0f})")
    fp32 = statistics.mean(by_version["1"]) if by_version["1"] else float("nan")
    int8 = statistics.mean(by_version["1-int8"]) if by_version["1-int8"] else float("nan")
    what = "HTTP, service, -c32" if part == "http" else "in-process DJL, 2 threads"
    print(f"| {what} | {model} | {', '.join(cells)} | {fp32:.1f} | {int8:.1f} | {int8 / fp32:.2f}x |")
failed = sum(r is None or "rps" not in r for seq in runs.values() for _, r in seq)
if failed:
    print(f"\n{failed} run(s) failed: see the compare.sh output next to each run directory")
sys.exit(1 if failed or not runs else 0)
PY
cat "$OUT/report.md"
exit "$status"
