#!/usr/bin/env bash
# Cluster start: Sluice's managed cluster against Flink's own bin/start-cluster.sh, on the same
# Flink home, the same settings and the same number of TaskManagers.
#
#   bench/cluster_start.sh SLUICE_BINARY FLINK_HOME [ROUNDS] [TASKMANAGERS]
#
# Flink's own: a copy of the home's conf/ with free ports and TASKMANAGERS "localhost" lines in
# conf/workers; the clock runs from calling start-cluster.sh until GET /overview counts every
# TaskManager. Sluice: a server on a throw-away data folder with the home registered and a managed
# cluster; the clock runs from POST /api/v1/clusters/{id}/start until GET /overview on the
# cluster's web_url counts every TaskManager. Rounds alternate between the two; the figures are the
# median of each and their ratio (Sluice / Flink; lower is better). Also prints Sluice's resident
# memory while it supervises the running cluster.
set -euo pipefail
sluice="$1"
home="$2"
rounds="${3:-3}"
tms="${4:-2}"
work="$(mktemp -d /tmp/sluice-cluster-bench-XXXXXX)"
server_pid=""
flink_conf=""
cleanup() {
  if [[ -n "$flink_conf" ]]; then FLINK_CONF_DIR="$flink_conf" "$home/bin/stop-cluster.sh" >/dev/null 2>&1 || true; fi
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  pkill -9 -f "$work" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now_ms() { date +%s%3N; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
# wait_taskmanagers URL N: polls /overview until it counts N TaskManagers (deadline 180 s).
wait_taskmanagers() {
  local deadline=$((SECONDS + 180)) count
  while ((SECONDS < deadline)); do
    count=$(curl -sf -m 2 "$1/overview" 2>/dev/null | json 'd["taskmanagers"]' 2>/dev/null || echo 0)
    [[ "$count" == "$2" ]] && return 0
    sleep 0.05
  done
  echo "no $2 TaskManagers at $1 after 180 s" >&2
  return 1
}

settings=$'jobmanager.memory.process.size: 1024m\ntaskmanager.memory.process.size: 1024m\ntaskmanager.numberOfTaskSlots: 2'

flink_round() {
  local conf="$work/flink-conf-$1" rest rpc started
  cp -r "$home/conf" "$conf"
  rest=$(free_port)
  rpc=$(free_port)
  # Flat keys are read by every version's parser; the last occurrence of a key wins.
  printf '\n%s\nrest.port: %s\njobmanager.rpc.port: %s\nrest.address: 127.0.0.1\njobmanager.rpc.address: 127.0.0.1\n' \
    "$settings" "$rest" "$rpc" >>"$conf/config.yaml"
  echo "127.0.0.1:$rest" >"$conf/masters"
  : >"$conf/workers"
  for _ in $(seq 1 "$tms"); do echo localhost >>"$conf/workers"; done
  mkdir -p "$work/flink-log-$1"
  flink_conf="$conf"
  started=$(now_ms)
  FLINK_CONF_DIR="$conf" FLINK_LOG_DIR="$work/flink-log-$1" FLINK_PID_DIR="$work/flink-log-$1" \
    "$home/bin/start-cluster.sh" >/dev/null
  wait_taskmanagers "http://127.0.0.1:$rest" "$tms"
  echo $(($(now_ms) - started))
  FLINK_CONF_DIR="$conf" FLINK_LOG_DIR="$work/flink-log-$1" FLINK_PID_DIR="$work/flink-log-$1" \
    "$home/bin/stop-cluster.sh" >/dev/null 2>&1
  flink_conf=""
}

port=$(free_port)
base="http://127.0.0.1:$port"
SLUICE_ADMIN_PASSWORD=bench-admin-password SLUICE_LOG_LEVEL=warn \
  "$sluice" serve --listen "127.0.0.1:$port" --data-dir "$work/sluice" >"$work/sluice.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 400); do curl -sf "$base/readyz" >/dev/null && break; sleep 0.05; done
token=$(curl -sf -X POST "$base/api/v1/auth/login" -H 'Content-Type: application/json' \
  -d '{"username":"admin","password":"bench-admin-password"}' | json 'd["token"]')
auth=(-H "Authorization: Bearer $token" -H 'Content-Type: application/json')
env_id=$(curl -sf "${auth[@]}" -d "{\"name\":\"bench\",\"home\":\"$home\"}" "$base/api/v1/flink-envs" | json 'd["id"]')
cluster_id=$(curl -sf "${auth[@]}" -d "{\"name\":\"bench\",\"kind\":\"managed\",\"flink_env_id\":$env_id,\"taskmanagers\":$tms,\"config\":{\"jobmanager.memory.process.size\":\"1024m\",\"taskmanager.memory.process.size\":\"1024m\",\"taskmanager.numberOfTaskSlots\":2}}" \
  "$base/api/v1/clusters" | json 'd["id"]')
idle_rss=$(awk '/VmRSS/ {print $2}' "/proc/$server_pid/status")

sluice_round() {
  local started web
  started=$(now_ms)
  web=$(curl -sf -X POST "${auth[@]}" "$base/api/v1/clusters/$cluster_id/start" | json 'd["web_url"]')
  wait_taskmanagers "$web" "$tms"
  echo $(($(now_ms) - started))
  awk '/VmRSS/ {print $2}' "/proc/$server_pid/status" >"$work/supervising-rss"
  curl -sf -X POST "${auth[@]}" "$base/api/v1/clusters/$cluster_id/stop" >/dev/null
}

flink_times=()
sluice_times=()
for round in $(seq 1 "$rounds"); do
  flink_times+=("$(flink_round "$round")")
  sluice_times+=("$(sluice_round)")
  echo "round $round: start-cluster.sh ${flink_times[-1]} ms, Sluice ${sluice_times[-1]} ms"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
flink_median=$(median "${flink_times[@]}")
sluice_median=$(median "${sluice_times[@]}")
echo "version: $(basename "$home"), $tms TaskManagers, $rounds rounds"
echo "start-cluster.sh to $tms TaskManagers registered: median $flink_median ms"
echo "Sluice POST start to $tms TaskManagers registered: median $sluice_median ms"
echo "ratio Sluice / start-cluster.sh: $(awk -v s="$sluice_median" -v f="$flink_median" 'BEGIN {printf "%.2f", s / f}')"
echo "Sluice resident memory: idle ${idle_rss} kB, while supervising $(cat "$work/supervising-rss") kB"
