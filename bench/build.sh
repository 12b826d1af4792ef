#!/usr/bin/env bash
# A project build through Sluice against `git clone` plus `mvn package` run by hand.
#
#   bench/build.sh SLUICE_BINARY [ROUNDS]
#
# Serves tests/projects/flink-multi from a bare repository through the tests' Git server
# (tests/projects/git_http_server.py: git http-backend behind basic auth) on loopback, and starts
# one Sluice on a throw-away data folder. Each round, alternating:
#  - by hand: `git clone` (the password through GIT_ASKPASS, as Sluice does) into a new folder,
#    then `mvn -B -ntp -DskipTests package` in it;
#  - Sluice, first build: a new project (so a new checkout), from `POST .../builds` until the
#    build log's event stream says `end` (then the build must be SUCCEEDED);
#  - Sluice, second build of the same, unchanged project: the checkout and ~/.m2 are reused.
# Both use the same ~/.m2 (warm). Prints the medians and the ratio (Sluice first build / by hand).
set -euo pipefail
sluice="$1"
rounds="${2:-5}"
here="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/sluice-build-bench-XXXXXX)"
server_pid=""
git_pid=""
cleanup() {
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  [[ -n "$git_pid" ]] && kill "$git_pid" 2>/dev/null && wait "$git_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
now_ms() { date +%s%3N; }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2))}'; }

# The repository and its server.
password=bench-git-password
echo "$password" >"$work/password"
git init -q --bare -b main "$work/repos/multi.git"
cp -r "$here/tests/projects/flink-multi" "$work/src"
(cd "$work/src" && git init -q -b main && git add -A &&
  git -c user.email=b@example.com -c user.name=bench commit -qm bench &&
  git push -q "$work/repos/multi.git" main)
git_port=$(free_port)
python3 "$here/tests/projects/git_http_server.py" --root "$work/repos" --port "$git_port" \
  --user bench --password-file "$work/password" >"$work/git.log" 2>&1 &
git_pid=$!
for _ in $(seq 1 200); do grep -q READY "$work/git.log" && break; sleep 0.05; done
url="http://127.0.0.1:$git_port/multi.git"
printf '#!/bin/sh\ncase "$1" in Username*) echo bench;; *) echo %s;; esac\n' "$password" \
  >"$work/askpass"
chmod 700 "$work/askpass"

port=$(free_port)
base="http://127.0.0.1:$port"
SLUICE_ADMIN_PASSWORD=bench-admin-password SLUICE_LOG_LEVEL=warn \
  "$sluice" serve --listen "127.0.0.1:$port" --data-dir "$work/data" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 400); do curl -sf "$base/readyz" >/dev/null && break; sleep 0.05; done
token=$(curl -sf -X POST "$base/api/v1/auth/login" -H 'Content-Type: application/json' \
  -d '{"username":"admin","password":"bench-admin-password"}' | json 'd["token"]')
auth=(-H "Authorization: Bearer $token" -H 'Content-Type: application/json')
team=$(curl -sf "${auth[@]}" "$base/api/v1/teams" | json 'd["items"][0]["id"]')

build() {  # project id -> milliseconds until SUCCEEDED
  local start id state took
  start=$(now_ms)
  id=$(curl -sf "${auth[@]}" -X POST "$base/api/v1/projects/$1/builds" -d '{}' | json 'd["id"]')
  # Wait on the build log's event stream (it ends with `event: end`), not by polling: a poll loop
  # spawning curl and python3 would take CPU from the build it times.
  curl -sN "${auth[@]}" "$base/api/v1/builds/$id/log?follow=1" | grep -q '^event: end' || true
  took=$(($(now_ms) - start))
  state=$(curl -sf "${auth[@]}" "$base/api/v1/builds/$id" | json 'd["state"]')
  [[ $state == SUCCEEDED ]] || { echo "build $id ended $state" >&2; exit 1; }
  echo "$took"
}

hand_times=()
first_times=()
second_times=()
for round in $(seq 1 "$rounds"); do
  start=$(now_ms)
  GIT_ASKPASS="$work/askpass" GIT_TERMINAL_PROMPT=0 git clone -q "$url" "$work/hand-$round"
  (cd "$work/hand-$round" && mvn -B -ntp -q -DskipTests package >/dev/null)
  hand_times+=($(($(now_ms) - start)))

  project=$(curl -sf "${auth[@]}" -X POST "$base/api/v1/projects" -d "{\"team_id\": $team, \
\"name\": \"bench-$round\", \"git_url\": \"$url\", \"ref\": \"main\", \"credentials\": \
{\"username\": \"bench\", \"password\": \"$password\"}}" | json 'd["id"]')
  first_times+=($(build "$project"))
  second_times+=($(build "$project"))
  echo "round $round: by hand ${hand_times[-1]} ms, Sluice ${first_times[-1]} ms," \
    "Sluice again ${second_times[-1]} ms"
done
hand=$(median "${hand_times[@]}")
first=$(median "${first_times[@]}")
second=$(median "${second_times[@]}")
echo "median: git clone + mvn package ${hand} ms; Sluice build ${first} ms;" \
  "Sluice second build (checkout and ~/.m2 reused) ${second} ms"
python3 -c "print(f'ratio Sluice / by hand: {$first / $hand:.3f}')"
