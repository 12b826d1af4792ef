#!/usr/bin/env bash
# A throw-away standalone Flink session cluster for tests, started with the Flink home's own
# bin/start-cluster.sh on a copy of its conf/ in DIR, listening on 127.0.0.1:PORT (REST) only, with
# one TaskManager of 2 slots. The home itself is never changed.
#
#   scripts/flink-session.sh start DIR HOME PORT   copies HOME/conf to DIR/conf, starts the cluster,
#                                                  waits until its TaskManager registered (120 s at
#                                                  most), prints the REST URL
#   scripts/flink-session.sh stop  DIR HOME PORT   stops it (stop-cluster.sh) and makes sure no
#                                                  process of it is left; no-op when not running
#
# Logs and pid files: DIR/log.
set -euo pipefail

usage() { echo "usage: $0 start|stop DIR HOME PORT" >&2; exit 2; }
[[ $# -eq 4 ]] || usage
action="$1"
dir=$(realpath -m -- "$2")
home=$(realpath -- "$3")
port="$4"
[[ "$port" =~ ^[0-9]+$ ]] || { echo "flink-session.sh: PORT must be a number" >&2; exit 2; }
[[ -x "$home/bin/start-cluster.sh" ]] || { echo "flink-session.sh: $home is not a Flink home" >&2; exit 1; }
url="http://127.0.0.1:$port"
export FLINK_CONF_DIR="$dir/conf" FLINK_LOG_DIR="$dir/log" FLINK_PID_DIR="$dir/log"

die() { echo "flink-session.sh: $*" >&2; exit 1; }

free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  die "no free port"
}

case "$action" in
  start)
    mkdir -p "$dir/log"
    rm -rf "$dir/conf"
    cp -r "$home/conf" "$dir/conf"
    config="$dir/conf/config.yaml"
    [[ -f "$dir/conf/flink-conf.yaml" ]] && config="$dir/conf/flink-conf.yaml"
    # Flat keys are read by every version's parser; the last occurrence of a key wins.
    cat >>"$config" <<CONF

rest.port: $port
rest.address: 127.0.0.1
rest.bind-address: 127.0.0.1
jobmanager.rpc.address: 127.0.0.1
jobmanager.rpc.port: $(free_port)
jobmanager.bind-host: 127.0.0.1
taskmanager.bind-host: 127.0.0.1
taskmanager.host: 127.0.0.1
jobmanager.memory.process.size: 1024m
taskmanager.memory.process.size: 1024m
taskmanager.numberOfTaskSlots: 2
execution.checkpointing.savepoint-dir: file://$dir/savepoints
CONF
    # start-cluster.sh takes the REST port of conf/masters over rest.port.
    echo "127.0.0.1:$port" >"$dir/conf/masters"
    echo localhost >"$dir/conf/workers"
    "$home/bin/start-cluster.sh" >"$dir/log/start.out" 2>&1 || die "start-cluster.sh failed: $(tail -5 "$dir/log/start.out")"
    deadline=$((SECONDS + 120))
    # Ready means the TaskManager registered *and* reported its slots: for a moment after it
    # registers, /overview counts it with "slots-total":0.
    until curl -sf -m 2 "$url/overview" 2>/dev/null | grep '"taskmanagers":1' |
      grep -q '"slots-total":[1-9]'; do
      ((SECONDS < deadline)) || die "no TaskManager with slots registered at $url after 120 s (logs in $dir/log)"
      sleep 0.2
    done
    echo "$url"
    ;;
  stop)
    [[ -d "$dir/conf" ]] || exit 0
    "$home/bin/stop-cluster.sh" >/dev/null 2>&1 || true
    # Whatever stop-cluster.sh missed: every JVM started with this conf folder.
    deadline=$((SECONDS + 30))
    while pgrep -f -- "$dir/" >/dev/null; do
      if ((SECONDS >= deadline)); then pkill -9 -f -- "$dir/" || true; break; fi
      sleep 0.2
    done
    ;;
  *) usage ;;
esac
