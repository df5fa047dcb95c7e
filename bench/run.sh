#!/usr/bin/env bash
# The benchmark suite: every server under `loadgen`, 3 rounds, one table,
# and SVG charts of it.
#
#   bench/run.sh                 # full suite (about 5 minutes)
#   bench/run.sh --quick true    # smaller runs, for a quick look
#   bench/run.sh --scale true    # also 10 000 idle clients and fanout N=1000
#
# It builds the release binaries, then runs `loadgen suite`, which starts
# a fresh server on 127.0.0.1:0 for every run, alternates the servers run
# by run, and prints a Markdown table of medians and of the ratios to the
# reference. Progress and each run's JSON line go to standard error, and
# to bench/runs.log; `loadgen chart` then draws them into bench/*.svg
# (CHART_DIR to write them elsewhere). `floor` (chat/src/bin/floor.rs) runs
# beside the servers: the least a server can do, drawn as a line.
#
# The reference (tokio-chat) is built outside the tree; set REF_BIN to use
# another binary, or REF_DIR for its target directory. Not run by CI: too
# long and too noisy for it.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

ref_manifest="$root/../shared/reference/tokio-chat/Cargo.toml"
ref_dir="${REF_DIR:-/work/refbuild}"
ref_bin="${REF_BIN:-$ref_dir/release/tokio-chat}"

cargo build --release -p chat --bins >&2
if [[ ! -x "$ref_bin" && -f "$ref_manifest" ]]; then
    cargo build --release --locked --manifest-path "$ref_manifest" --target-dir "$ref_dir" >&2
fi

bin="$root/target/release"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), Linux $(uname -r), CLK_TCK $(getconf CLK_TCK)" >&2

chart_dir="${CHART_DIR:-$root/bench}"
log="$chart_dir/runs.log"
# The table to standard output; standard error through tee into the log.
{ "$bin/loadgen" suite \
    --servers "floor=$bin/floor,event_server=$bin/event_server,thread_server=$bin/thread_server,async_server=$bin/async_server,tokio-chat=$ref_bin" \
    --reference tokio-chat "$@" 2>&1 1>&3 | tee "$log" >&2; } 3>&1
"$bin/loadgen" chart --input "$log" --out "$chart_dir" >&2
