# Sourced by bench/idle.sh and bench/rss.sh: the machine's benchmark lock, and the one service
# process a script runs at a time (its pid in $pid, stopped when the script exits).
# Needs log() and, for wait_ready, SERVICE_PORT.

# Holds /tmp/bench.lock on fd 9 until the script exits (the machine's rule for any measurement).
take_bench_lock() {
  exec 9> /tmp/bench.lock
  flock -w "${LOCK_WAIT:-3600}" 9 || { log "another benchmark holds /tmp/bench.lock"; exit 1; }
}

pid=
stop_service() {
  if [ -n "$pid" ]; then
    kill "$pid" 2> /dev/null || true
    wait "$pid" 2> /dev/null || true
  fi
  pid=
}
trap stop_service EXIT

# wait_ready tag log: until readiness answers 200; fails if the service exits or is not ready in 300 s
wait_ready() {
  local deadline=$((SECONDS + 300))
  until [ "$(curl -s -o /dev/null -m 5 -w '%{http_code}' "http://127.0.0.1:$SERVICE_PORT/actuator/health/readiness" || true)" = 200 ]; do
    kill -0 "$pid" 2> /dev/null || { log "$1: the service exited, see $2"; return 1; }
    [ "$SECONDS" -lt "$deadline" ] || { log "$1: not ready in 300 s"; return 1; }
    sleep 1
  done
}
