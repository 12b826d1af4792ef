#!/usr/bin/env bash
# Deploy to RUNNING: a Sluice SQL app against the same job submitted with Flink's own `bin/flink
# run` to the same cluster.
#
#   bench/deploy.sh SLUICE_BINARY FLINK_HOME RUNNER_JAR [ROUNDS]
#
# One server on a throw-away data folder, started with the home as its bootstrap Flink (so it
# starts the managed cluster `local` and creates the demo app). Sluice's round: from
# `POST /api/v1/apps/{demo}/deploy` until the app's state is RUNNING (the tracker has seen Flink
# report it). Flink's round: from calling `bin/flink run -t remote -d` with the same runner jar and
# the same script until `GET /jobs/overview` lists the new job RUNNING. Each job is cancelled
# before the next round; rounds alternate. Prints the medians and their ratio (Sluice / Flink).
set -euo pipefail
sluice="$1"
home="$2"
runner="$3"
rounds="${4:-5}"
work="$(mktemp -d /tmp/sluice-deploy-bench-XXXXXX)"
server_pid=""
cleanup() {
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  pkill -9 -f "$work" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
now_ms() { date +%s%3N; }

SLUICE_ADMIN_PASSWORD=bench-admin-password SLUICE_LOG_LEVEL=warn SLUICE_TRACKING_INTERVAL_MS=200 \
  "$sluice" serve --listen "127.0.0.1:$port" --data-dir "$work/data" \
  --bootstrap-flink-home "$home" --runner-jar "$runner" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 400); do curl -sf "$base/readyz" >/dev/null && break; sleep 0.05; done
token=$(curl -sf -X POST "$base/api/v1/auth/login" -H 'Content-Type: application/json' \
  -d '{"username":"admin","password":"bench-admin-password"}' | json 'd["token"]')
auth=(-H "Authorization: Bearer $token" -H 'Content-Type: application/json')
for _ in $(seq 1 600); do
  state=$(curl -sf "${auth[@]}" "$base/api/v1/clusters?limit=1" | json 'd["items"][0]["state"]')
  [[ $state == RUNNING ]] && break
  sleep 0.2
done
[[ $state == RUNNING ]] || { echo "the managed cluster did not start" >&2; exit 1; }
web=$(curl -sf "${auth[@]}" "$base/api/v1/clusters?limit=1" | json 'd["items"][0]["web_url"]')
app=$(curl -sf "${auth[@]}" "$base/api/v1/apps?q=demo" | json 'd["items"][0]["id"]')
curl -sf "${auth[@]}" "$base/api/v1/apps/$app" | json 'd["sql"]' >"$work/script.sql"
rest_port=${web##*:}

# A POST that says what went wrong (status and body) instead of curl's bare exit 22.
post() {
  local answer
  answer=$(curl -s -w '\n%{http_code}' "${auth[@]}" -X POST "$base$1" -d "${2:-{\}}")
  local code=${answer##*$'\n'}
  [[ $code == 2* ]] && return 0
  echo "POST $1 answered $code: ${answer%$'\n'*}" >&2
  return 1
}
app_state() { curl -sf "${auth[@]}" "$base/api/v1/apps/$app" | json 'd["state"]'; }
wait_app() {
  for _ in $(seq 1 1500); do [[ $(app_state) == "$1" ]] && return 0; sleep 0.02; done
  echo "app did not reach $1" >&2; exit 1
}
running_jobs() {
  curl -sf "$web/jobs/overview" | json '" ".join(j["jid"] for j in d["jobs"] if j["state"]=="RUNNING")'
}

sluice_times=()
flink_times=()
for round in $(seq 1 "$rounds"); do
  # Wait on the event stream, not by polling: a poll loop spawning curl and python3 every 20 ms
  # takes most of a core away from the CLI Sluice is running (the shell's `bin/flink run` below
  # runs with nothing beside it, as its poll loop starts only after it returns).
  : >"$work/events-$round"
  curl -sN "${auth[@]}" "$base/api/v1/events/stream" >"$work/events-$round" &
  stream_pid=$!
  # The stream's first lines (`: connected`) say it follows from here on.
  tail -n +1 -f "$work/events-$round" --pid="$stream_pid" | grep -m1 -q '^: connected' || true
  start=$(now_ms)
  post "/api/v1/apps/$app/deploy"
  tail -n +1 -f "$work/events-$round" --pid="$stream_pid" | grep -m1 -q '"to":"RUNNING"' || true
  sluice_times+=($(($(now_ms) - start)))
  kill "$stream_pid" 2>/dev/null || true
  wait "$stream_pid" 2>/dev/null || true
  [[ $(app_state) == RUNNING ]] || { echo "app is not RUNNING after its RUNNING event" >&2; exit 1; }
  post "/api/v1/apps/$app/stop"
  wait_app CANCELED

  start=$(now_ms)
  FLINK_CONF_DIR="$home/conf" "$home/bin/flink" run -t remote -Drest.address=127.0.0.1 \
    -Drest.port="$rest_port" -d -c dev.sluice.runner.SqlRunner "$runner" \
    --script "$work/script.sql" >"$work/flink-run-$round.log" 2>&1
  job=""
  for _ in $(seq 1 1500); do
    job=$(running_jobs)
    [[ -n $job ]] && break
    sleep 0.02
  done
  flink_times+=($(($(now_ms) - start)))
  curl -sf -X PATCH "$web/jobs/$job?mode=cancel" >/dev/null
  for _ in $(seq 1 1500); do [[ -z $(running_jobs) ]] && break; sleep 0.02; done
  echo "round $round: sluice ${sluice_times[-1]} ms, bin/flink run ${flink_times[-1]} ms"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
s=$(median "${sluice_times[@]}")
f=$(median "${flink_times[@]}")
echo "median deploy to RUNNING: sluice $s ms, bin/flink run $f ms, ratio $(awk "BEGIN {printf \"%.2f\", $s / $f}")"
