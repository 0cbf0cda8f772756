# Sourced by bench/compare.sh, bench/paired.sh and bench/windows.sh: one wrk run of a load script of
# ../shared/peers/load (texts.lua, same-text.lua), whose done() prints a "RESULT {json}" line.
# Needs log(), OUT and TEXTS_FILE; WRK_TIMEOUT [10s] is wrk's per-request timeout (its default 2 s
# would count slow answers as errors).

# wrk_run name url lua threads connections seconds key: runs wrk into OUT/wrk-<name>.txt and prints
# its RESULT json; fails, saying so, when wrk fails or prints none. An empty key sends no API key.
wrk_run() {
  local name=$1 url=$2 lua=$3 threads=$4 connections=$5 seconds=$6 key=$7 key_env
  if [ -n "$key" ]; then key_env=(API_KEY="$key"); else key_env=(-u API_KEY); fi
  # 9>&-: wrk does not hold the benchmark lock the script holds on fd 9
  env "${key_env[@]}" LABEL="$name" TEXTS_FILE="$TEXTS_FILE" timeout --foreground -k 10 $((seconds + 60)) \
    wrk -t"$threads" -c"$connections" -d"${seconds}s" --timeout "${WRK_TIMEOUT:-10s}" --latency -s "$lua" "$url" \
    > "$OUT/wrk-$name.txt" 2>&1 9>&- || { log "wrk failed, see $OUT/wrk-$name.txt"; return 1; }
  local result
  result=$(sed -n 's/^RESULT //p' "$OUT/wrk-$name.txt" | tail -1)
  jq -e .rps <<< "$result" > /dev/null 2>&1 || { log "no RESULT in $OUT/wrk-$name.txt"; return 1; }
  echo "$result"
}
