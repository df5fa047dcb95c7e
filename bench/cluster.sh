#!/usr/bin/env bash
# Cluster figures: `loadgen fanout` and `latency` against
#
#   single   event_server alone (no Redis), the single-process baseline
#   node1    one event_server --redis node and its redis-server
#   node2    two event_server --redis nodes sharing one redis-server, the
#            clients split between them (loadgen --addr A,B)
#
# with the CPU time of every process (loadgen --pid NODE[,NODE],REDIS). A
# fresh Redis and fresh nodes for every run; the setups take turns run by
# run (single node1 node2, single node1 node2, ...), so that background
# load hits them alike. Each run's JSON line goes to standard output,
# prefixed with its setup; the summary (medians) to standard error.
#
#   bench/cluster.sh                  # 3 rounds
#   ROUNDS=5 bench/cluster.sh
#   FANOUT="--clients 100 --msgs 500" LATENCY="--rate 5000" bench/cluster.sh
#   SCENARIOS=latency SETUPS="node1 node2" bench/cluster.sh
#
# Needs redis-server and jq. Not run by CI.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
cargo build --release -p chat --bins >&2
bin="$root/target/release"
rounds="${ROUNDS:-3}"
fanout_args="${FANOUT:---clients 100 --msgs 2000 --size 64 --window 16}"
latency_args="${LATENCY:---clients 100 --rate 20000 --seconds 5 --size 64}"
setups="${SETUPS:-single node1 node2}"
scenarios="${SCENARIOS:-fanout latency}"
tmp="$(mktemp -d)"
pids=()

cleanup() {
    for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    pids=()
}
trap 'cleanup; rm -rf "$tmp"' EXIT

# Waits (at most 20 s) until file $1 holds a line matching $2.
wait_for() {
    for _ in $(seq 200); do
        if grep -q "$2" "$1" 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    echo "timed out waiting for '$2' in $1:" >&2
    cat "$1" >&2
    return 1
}

# Starts redis-server on a free port; sets redis_pid and redis_addr.
start_redis() {
    for _ in $(seq 10); do
        local port=$((20000 + RANDOM % 40000))
        redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
            --daemonize no --logfile '' >"$tmp/redis.log" 2>&1 &
        redis_pid=$!
        pids+=("$redis_pid")
        for _ in $(seq 200); do
            if grep -q "Ready to accept" "$tmp/redis.log"; then
                redis_addr="127.0.0.1:$port"
                return 0
            fi
            if ! kill -0 "$redis_pid" 2>/dev/null; then break; fi
            sleep 0.05
        done
    done
    echo "redis-server did not start:" >&2
    cat "$tmp/redis.log" >&2
    return 1
}

# Starts event_server $1 (a name) with the remaining arguments; appends
# its pid to node_pids and its address to node_addrs.
start_node() {
    local name=$1
    shift
    "$bin/event_server" --addr 127.0.0.1:0 "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
    local pid=$!
    pids+=("$pid")
    wait_for "$tmp/$name.out" "^listening on "
    node_pids+=("$pid")
    node_addrs+=("$(sed -n 's/^listening on //p' "$tmp/$name.out")")
}

# Runs loadgen $2... against setup $1; prints "$1 JSON".
run() {
    local setup=$1
    shift
    node_pids=()
    node_addrs=()
    case $setup in
        single) start_node n0 ;;
        node1)
            start_redis
            start_node n0 --redis "$redis_addr" --node-id n0
            ;;
        node2)
            start_redis
            start_node n0 --redis "$redis_addr" --node-id n0
            start_node n1 --redis "$redis_addr" --node-id n1
            ;;
    esac
    local all_pids
    all_pids="$(IFS=,; echo "${node_pids[*]}")"
    if [[ $setup != single ]]; then all_pids="$all_pids,$redis_pid"; fi
    local addrs
    addrs="$(IFS=,; echo "${node_addrs[*]}")"
    local line
    if line="$("$bin/loadgen" "$@" --addr "$addrs" --pid "$all_pids")"; then
        echo "$setup $line"
    else
        echo "$setup FAILED $line" >&2
    fi
    cleanup
}

# Another load generator on the machine (another benchmark) would skew
# both: wait until none runs (ours has ended between two runs).
wait_quiet() {
    while pgrep -x loadgen >/dev/null; do sleep 2; done
}

out="$tmp/runs"
for round in $(seq "$rounds"); do
    echo "round $round ($(uptime | sed 's/.*load/load/'))" >&2
    for scenario in $scenarios; do
        for setup in $setups; do
            wait_quiet
            if [[ $scenario == fanout ]]; then args=$fanout_args; else args=$latency_args; fi
            # shellcheck disable=SC2086
            run "$setup" "$scenario" $args >"$tmp/line"
            cat "$tmp/line" >>"$out"
            cat "$tmp/line"
        done
    done
done

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2); else print "-" }'; }
field() { grep "^$1 " "$out" | cut -d' ' -f2- | jq -r "select(.scenario == \"$2\") | $3" | median; }

{
    echo
    echo "medians of $rounds rounds; CPU is ns per delivery, per process (nodes, then Redis)"
    for setup in $setups; do
        if [[ $scenarios == *fanout* ]]; then echo "$setup fanout: $(field "$setup" fanout .deliveries_per_sec) deliveries/s," \
            "p50 $(field "$setup" fanout .latency.p50_us) us, p99 $(field "$setup" fanout .latency.p99_us) us," \
            "CPU total $(field "$setup" fanout .server_cpu_ns_per_delivery)," \
            "each [$(for i in 0 1 2; do field "$setup" fanout "(.server_cpu_ticks_each[$i] // empty) * 1e7 / .deliveries"; done | tr '\n' ' ')]"; fi
        if [[ $scenarios == *latency* ]]; then echo "$setup latency: sent $(field "$setup" latency .sent_per_sec)/s," \
            "p50 $(field "$setup" latency .latency.p50_us) us, p99 $(field "$setup" latency .latency.p99_us) us," \
            "CPU total $(field "$setup" latency .server_cpu_ns_per_delivery)," \
            "each [$(for i in 0 1 2; do field "$setup" latency "(.server_cpu_ticks_each[$i] // empty) * 1e7 / .deliveries"; done | tr '\n' ' ')]"; fi
    done
} >&2
