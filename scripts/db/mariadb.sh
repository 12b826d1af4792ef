#!/usr/bin/env bash
# A throw-away MariaDB server for tests, on 127.0.0.1 only.
#   scripts/db/mariadb.sh start DIR PORT   initialises DIR when empty, starts, prints the URL
#   scripts/db/mariadb.sh stop  DIR PORT
#   scripts/db/mariadb.sh url   DIR PORT
set -euo pipefail
action="${1:?usage: mariadb.sh start|stop|url DIR PORT}"
dir="${2:?DIR missing}"
port="${3:?PORT missing}"
url="mysql://sluice:sluice@127.0.0.1:${port}/sluice"
server=$(command -v mariadbd || command -v mysqld || ls /usr/sbin/mariadbd /usr/sbin/mysqld 2>/dev/null | head -1 || true)
[[ -n "$server" && -x "$server" ]] || { echo "mariadb.sh: MariaDB is not installed" >&2; exit 1; }
admin=$(command -v mariadb-admin || command -v mysqladmin)
client=$(command -v mariadb || command -v mysql)
socket="$dir/mysqld.sock"
user_args=()
[[ $(id -u) -eq 0 ]] && user_args=(--user=root)

root_sql() { "$client" --no-defaults -uroot --socket="$socket" -e "$1"; }

case "$action" in
  url) echo "$url" ;;
  start)
    mkdir -p "$dir"
    if [[ ! -d "$dir/data/mysql" ]]; then
      mariadb-install-db --no-defaults --datadir="$dir/data" "${user_args[@]}" \
        --auth-root-authentication-method=socket --skip-test-db >"$dir/install.log" 2>&1
    fi
    if ! "$admin" --no-defaults -uroot --socket="$socket" ping >/dev/null 2>&1; then
      setsid nohup "$server" --no-defaults "${user_args[@]}" --datadir="$dir/data" \
        --bind-address=127.0.0.1 --port="$port" --socket="$socket" --pid-file="$dir/mysqld.pid" \
        --log-error="$dir/error.log" --skip-name-resolve --innodb-buffer-pool-size=64M \
        --innodb-log-file-size=16M >/dev/null 2>&1 < /dev/null &
    fi
    deadline=$((SECONDS + 30))
    until "$admin" --no-defaults -uroot --socket="$socket" ping >/dev/null 2>&1; do
      (( SECONDS < deadline )) || { echo "mariadb.sh: not ready after 30 s" >&2; tail -20 "$dir/error.log" >&2; exit 1; }
      sleep 0.1
    done
    root_sql "CREATE DATABASE IF NOT EXISTS sluice CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
      CREATE USER IF NOT EXISTS 'sluice'@'127.0.0.1' IDENTIFIED BY 'sluice';
      CREATE USER IF NOT EXISTS 'sluice'@'localhost' IDENTIFIED BY 'sluice';
      GRANT ALL PRIVILEGES ON sluice.* TO 'sluice'@'127.0.0.1';
      GRANT ALL PRIVILEGES ON sluice.* TO 'sluice'@'localhost';"
    echo "$url"
    ;;
  stop)
    if [[ -f "$dir/mysqld.pid" ]]; then
      pid=$(cat "$dir/mysqld.pid")
      "$admin" --no-defaults -uroot --socket="$socket" shutdown >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
      deadline=$((SECONDS + 30))
      while kill -0 "$pid" 2>/dev/null; do
        (( SECONDS < deadline )) || { kill -9 "$pid" 2>/dev/null || true; break; }
        sleep 0.1
      done
    fi
    ;;
  *) echo "usage: mariadb.sh start|stop|url DIR PORT" >&2; exit 2 ;;
esac
