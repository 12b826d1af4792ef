#!/usr/bin/env bash
# Runs the benchmarks behind docs/performance.md on this machine and prints their figures.
#   scripts/run-bench.sh            (or: make bench)
# Builds a Release build in build-bench/, then measures:
#   1. start to /readyz and idle memory (bench/startup_bench.cc, Google Benchmark);
#   2. GET /api/v1/me and GET /api/v1/users over 10,000 users under wrk, 64 connections;
#   3. a managed Flink cluster's start against Flink's own start-cluster.sh, on each provisioned
#      Flink (bench/cluster_start.sh; scripts/provision/flink.sh all provisions them);
#   4. the SQL workbench: lint, migration and completion of 50/500/5,000-line scripts, and
#      validation by Flink (first check after start, warm repeat) per version (bench/sql_bench.cc).
set -euo pipefail
cd "$(dirname "$0")/.."
build=build-bench
duration="${SLUICE_BENCH_DURATION:-15s}"
if [[ ! -f "$build/build.ninja" ]]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSLUICE_BUILD_TESTS=OFF \
    -DSLUICE_BUILD_BENCH=ON >/dev/null
fi
cmake --build "$build" -j "$(nproc)" >/dev/null
command -v wrk >/dev/null || { echo "wrk is missing: run scripts/install-deps.sh test" >&2; exit 1; }

echo "== start to ready, idle memory"
"$build/startup_bench" --sluice="$build/sluice"

work="$(mktemp -d)"
server_pid=""
cleanup() {
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
start_server() {
  SLUICE_ADMIN_PASSWORD=bench-admin-password SLUICE_LOG_LEVEL=warn \
    "$build/sluice" serve --listen "127.0.0.1:$port" --data-dir "$work/data" &
  server_pid=$!
  for _ in $(seq 1 400); do
    curl -sf "$base/readyz" >/dev/null && return 0
    sleep 0.05
  done
  echo "sluice did not become ready" >&2
  exit 1
}
start_server
kill "$server_pid"; wait "$server_pid" || true; server_pid=""
"$build/seed_users" --db "sqlite://$work/data/sluice.db" --count 10000
start_server
token=$(curl -sf -X POST "$base/api/v1/auth/login" -H 'Content-Type: application/json' \
  -d '{"username":"admin","password":"bench-admin-password"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
total=$(curl -sf "$base/api/v1/users?limit=1" -H "Authorization: Bearer $token" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
echo "users in the store: $total"

for path in "/api/v1/me" "/api/v1/users?limit=50" "/api/v1/users?limit=50&offset=5000"; do
  echo "== wrk -t2 -c64 -d$duration --latency GET $path"
  wrk -t2 -c64 -d"$duration" --latency -H "Authorization: Bearer $token" "$base$path" |
    grep -E 'Requests/sec|Latency|50%|90%|99%|Non-2xx|Socket errors'
done
echo "== server resident memory after the load"
grep VmRSS "/proc/$server_pid/status"

echo "== managed cluster start against start-cluster.sh (2 TaskManagers)"
for home in $(scripts/provision/flink.sh all); do
  bench/cluster_start.sh "$build/sluice" "$home" "${SLUICE_BENCH_CLUSTER_ROUNDS:-5}" 2 | tail -5
done

echo "== SQL workbench: lint, migration, completion; validation first check and warm repeat"
SLUICE_BENCH_FLINK_HOMES="$(scripts/provision/flink.sh --with-connectors all | paste -sd:)" \
  SLUICE_BENCH_RUNNER_JAR="$(scripts/provision/runner.sh)" "$build/sql_bench"
