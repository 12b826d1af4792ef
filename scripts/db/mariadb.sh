#!/usr/bin/env bash
# A throw-away MariaDB server for tests, listening on 127.0.0.1:PORT only (and on the unix socket
# DIR/mysqld.sock). Its data lives in DIR/data; the database `sluice` (utf8mb4) is reachable by
# the user `sluice` (password `sluice`) from 127.0.0.1 and localhost. root has no password and
# is only used over the socket, by this script.
#
#   scripts/db/mariadb.sh start DIR PORT   initialises DIR/data if missing, starts the server
#                                          (no-op if it already runs), waits until it answers
#                                          (30 s at most), prints the URL
#   scripts/db/mariadb.sh stop  DIR PORT   shuts it down and waits for the process to exit;
#                                          no-op if it is not running
#   scripts/db/mariadb.sh url   DIR PORT   prints mysql://sluice:sluice@127.0.0.1:PORT/sluice
#
# Runs as the calling user (with --user=root when root). Logs: DIR/install.log, DIR/error.log.
set -euo pipefail

usage() { echo "usage: $0 start|stop|url DIR PORT" >&2; exit 2; }
[[ $# -eq 3 ]] || usage
action="$1"
port="$3"
[[ "$port" =~ ^[0-9]+$ ]] || { echo "mariadb.sh: PORT must be a number" >&2; exit 2; }
dir=$(realpath -m -- "$2")
data="$dir/data"
socket="$dir/mysqld.sock"
pidfile="$dir/mysqld.pid"
url="mysql://sluice:sluice@127.0.0.1:${port}/sluice"
timeout_s=30

die() { echo "mariadb.sh: $*" >&2; exit 1; }

if [[ "$action" == url ]]; then
  echo "$url"
  exit 0
fi

# find_tool NAME...: the first of NAME... on PATH or in /usr/sbin, /usr/bin (sbin is often
# missing from a normal user's PATH).
find_tool() {
  local name
  for name in "$@"; do
    if command -v "$name" >/dev/null 2>&1; then
      command -v "$name"
      return 0
    fi
    if [[ -x /usr/sbin/$name ]]; then echo "/usr/sbin/$name"; return 0; fi
    if [[ -x /usr/bin/$name ]]; then echo "/usr/bin/$name"; return 0; fi
  done
  return 1
}
server=$(find_tool mariadbd mysqld) || die "MariaDB is not installed (no mariadbd or mysqld)"
install_db=$(find_tool mariadb-install-db mysql_install_db) || die "mariadb-install-db is missing"
admin=$(find_tool mariadb-admin mysqladmin) || die "mariadb-admin is missing"
client=$(find_tool mariadb mysql) || die "the mariadb client is missing"

user_args=()
if [[ $(id -u) -eq 0 ]]; then
  user_args=(--user=root)
fi

# --no-defaults everywhere: no /etc/mysql/*.cnf or ~/.my.cnf may change these servers.
admin_cmd=("$admin" --no-defaults -uroot --socket="$socket" --connect-timeout=2)
# alive: something answers on DIR's socket (ping succeeds even when access is denied).
alive() { "${admin_cmd[@]}" ping >/dev/null 2>&1; }
# server_pid: the pid from DIR/mysqld.pid if that process is a MariaDB server, else fails.
server_pid() {
  local pid
  [[ -f "$pidfile" ]] || return 1
  pid=$(<"$pidfile")
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  grep -qE '(mariadbd|mysqld)' "/proc/$pid/cmdline" 2>/dev/null || return 1
  echo "$pid"
}

case "$action" in
  start)
    (( ${#socket} <= 107 )) || die "DIR is too long for a unix socket path ($socket)"
    mkdir -p "$dir"

    if [[ ! -d "$data/mysql" ]]; then
      # A half-initialised data folder (interrupted install) is started afresh.
      rm -rf "$data"
      if ! "$install_db" --no-defaults "${user_args[@]}" --datadir="$data" \
          --auth-root-authentication-method=normal --skip-test-db \
          >"$dir/install.log" 2>&1; then
        tail -20 "$dir/install.log" >&2
        die "mariadb-install-db failed (see $dir/install.log)"
      fi
    fi

    if ! alive; then
      # Detached from this shell and its terminal; the server writes its own log.
      setsid nohup "$server" --no-defaults "${user_args[@]}" --datadir="$data" \
        --bind-address=127.0.0.1 --port="$port" --skip-networking=0 --socket="$socket" \
        --pid-file="$pidfile" --log-error="$dir/error.log" --skip-name-resolve \
        --innodb-buffer-pool-size=64M --innodb-log-file-size=16M \
        >>"$dir/server.out" 2>&1 </dev/null &
      started_pid=$!
      deadline=$((SECONDS + timeout_s))
      until alive; do
        if ! kill -0 "$started_pid" 2>/dev/null; then
          tail -20 "$dir/error.log" >&2 2>/dev/null || true
          die "the server exited during startup (see $dir/error.log)"
        fi
        if (( SECONDS >= deadline )); then
          tail -20 "$dir/error.log" >&2 2>/dev/null || true
          die "not ready after ${timeout_s} s (see $dir/error.log)"
        fi
        sleep 0.1
      done
    fi

    root_sql=("$client" --no-defaults -uroot --socket="$socket" --batch --skip-column-names)
    running_port=$("${root_sql[@]}" -e "SELECT @@port")
    [[ "$running_port" == "$port" ]] ||
      die "the server of $dir already runs on port ${running_port:-?}, not $port"

    # --auth-root-authentication-method=normal leaves root without a password from every local
    # address; keep only root@localhost (the socket, with --skip-name-resolve).
    drops=""
    while IFS= read -r host; do
      drops+="DROP USER IF EXISTS 'root'@'${host}';"
    done < <("${root_sql[@]}" -e "SELECT Host FROM mysql.user WHERE User = 'root' AND Host <> 'localhost'")
    "${root_sql[@]}" -e "${drops}
      CREATE DATABASE IF NOT EXISTS sluice CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
      CREATE USER IF NOT EXISTS 'sluice'@'127.0.0.1' IDENTIFIED BY 'sluice';
      CREATE USER IF NOT EXISTS 'sluice'@'localhost' IDENTIFIED BY 'sluice';
      GRANT ALL PRIVILEGES ON sluice.* TO 'sluice'@'127.0.0.1';
      GRANT ALL PRIVILEGES ON sluice.* TO 'sluice'@'localhost';"
    echo "$url"
    ;;
  stop)
    pid=$(server_pid) || pid=""
    if alive; then
      "${admin_cmd[@]}" shutdown >/dev/null 2>&1 || true
    elif [[ -n "$pid" ]]; then
      kill -TERM "$pid" 2>/dev/null || true
    fi
    if [[ -n "$pid" ]]; then
      deadline=$((SECONDS + timeout_s))
      while kill -0 "$pid" 2>/dev/null; do
        (( SECONDS < deadline )) || die "the server (pid $pid) did not stop within ${timeout_s} s"
        sleep 0.1
      done
    fi
    ;;
  *) usage ;;
esac
