# Shared by dev/run.sh and dev/test.sh: start a background process whose log
# goes to a file, and wait until it prints its ready line.

# start_bg LOGFILE CMD... — starts CMD in the background, sets $! as BG_PID.
start_bg() {
  local log=$1; shift
  "$@" >"$log" 2>&1 &
  BG_PID=$!
}

# wait_ready PID LOGFILE PATTERN TIMEOUT_SECONDS NAME
wait_ready() {
  local pid=$1 log=$2 pattern=$3 timeout=$4 name=$5 waited=0
  while ! grep -q "$pattern" "$log" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "error: $name exited before it was ready; its log ($log):" >&2
      tail -n 40 "$log" >&2
      return 1
    fi
    if (( waited >= timeout * 2 )); then
      echo "error: $name not ready after ${timeout}s; its log ($log):" >&2
      tail -n 40 "$log" >&2
      return 1
    fi
    sleep 0.5
    waited=$((waited + 1))
  done
}

# stop_pids PID... — SIGTERM, then wait (SIGKILL after 20 s).
stop_pids() {
  local pid
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "$@"; do
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}
