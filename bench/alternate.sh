#!/usr/bin/env bash
# Alternating runs of one loadgen scenario against several servers:
# A B C, A B C, ... each run with a fresh server on 127.0.0.1:0.
#
#   bench/alternate.sh ROUNDS "SCENARIO ARGS" NAME='CMD ARGS' NAME='CMD ARGS' ...
#   bench/alternate.sh 5 "fanout --clients 100 --msgs 2000 --window 16" \
#       floor="target/release/floor" event_server="target/release/event_server"
#
# Prints one line per run: NAME, then loadgen's JSON line (or `FAILED:`
# and loadgen's last words). `--pid` is added for fanout and idle. Build
# first (cargo build --release -p chat). `loadgen chart --input FILE`
# draws the output.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
loadgen="${LOADGEN:-$root/target/release/loadgen}"
rounds="$1"; scenario="$2"; shift 2

one() { # one NAME CMD
  local name="$1" cmd="$2" out pid addr
  out="$(mktemp)"
  # shellcheck disable=SC2086
  $cmd --addr 127.0.0.1:0 >"$out" 2>/dev/null &
  pid=$!
  while ! grep -q '^listening on ' "$out"; do
    kill -0 "$pid" 2>/dev/null || { echo "$name: did not start" >&2; return 1; }
    sleep 0.05
  done
  addr="$(sed -n 's/^listening on //p' "$out" | head -1)"
  local extra=""
  case "$scenario" in fanout*|idle*) extra="--pid $pid" ;; esac
  # shellcheck disable=SC2086
  line="$("$loadgen" $scenario --addr "$addr" $extra 2>"$out.err" || true)"
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  [[ -n "$line" ]] || line="FAILED: $(tail -1 "$out.err")"
  rm -f "$out" "$out.err"
  echo "$name $line"
}

for ((r = 1; r <= rounds; r++)); do
  for spec in "$@"; do
    one "${spec%%=*}" "${spec#*=}"
  done
done
