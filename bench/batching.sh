#!/usr/bin/env bash
# The dynamic batcher over HTTP: max-batch-size 16 (the default, length-aware: max-batch-tokens 256)
# against 1 (batching off), on the held-out e-mails (cut to 2,000 characters) and on chat-length
# texts (the same messages' subject lines), one model, cache off, 32 clients. Each cell is a run of
# bench/compare.sh (service row, one-model column), so warm-up, lock and output are compare.sh's.
#   bench/batching.sh                     # WARMUP=120 MEASURE=30 by default, as compare.sh
# Env: WARMUP, MEASURE, CLIENTS, SKIP_BUILD (passed on); PEERS_WORK as compare.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
PEERS_WORK=${PEERS_WORK:-$HOME/.cache/modelapi/peers-work}
emails=$PEERS_WORK/texts-2000.jsonl
short=$PEERS_WORK/texts-subjects.jsonl
[ -s "$emails" ] || python3 ../shared/peers/load/prepare_texts.py
# a subject line is one short sentence: what a chat message or a notification looks like
python3 - "$emails" "$short" <<'PY'
import json, sys
with open(sys.argv[1]) as src, open(sys.argv[2], "w") as out:
    for line in src:
        text = json.loads(line)["text"].split("\n", 1)[0].removeprefix("Subject:").strip() or "hello"
        out.write(json.dumps({"text": text}) + "\n")
PY
[ "${SKIP_BUILD:-0}" = 1 ] || ./mvnw -B -q -DskipTests package
for texts in "$emails" "$short"; do
  for size in 1 16; do
    echo "== $(basename "$texts"), max-batch-size $size"
    ROWS=service COLUMNS=one SKIP_BUILD=1 SKIP_CACHED=1 TEXTS_FILE="$texts" \
      SERVICE_ARGS="--modelapi.batching.max-batch-size=$size" bench/compare.sh | grep -E '^\| service \| one'
  done
done
