#!/usr/bin/env bash
# A throw-away PostgreSQL server for tests, on 127.0.0.1 only.
#   scripts/db/postgres.sh start DIR PORT   initialises DIR when empty, starts, prints the URL
#   scripts/db/postgres.sh stop  DIR PORT
#   scripts/db/postgres.sh url   DIR PORT
# PostgreSQL refuses to run as root; as root the server runs as the system user `sluice-test`.
set -euo pipefail
action="${1:?usage: postgres.sh start|stop|url DIR PORT}"
dir="${2:?DIR missing}"
port="${3:?PORT missing}"
url="postgresql://sluice:sluice@127.0.0.1:${port}/sluice"
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[[ -x "$bin/pg_ctl" ]] || { echo "postgres.sh: PostgreSQL is not installed" >&2; exit 1; }

as_owner=()
if [[ $(id -u) -eq 0 ]]; then
  id sluice-test >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin sluice-test
  as_owner=(runuser -u sluice-test --)
fi
data="$dir/data"

case "$action" in
  url) echo "$url" ;;
  start)
    mkdir -p "$dir"
    [[ ${#as_owner[@]} -gt 0 ]] && chown sluice-test "$dir"
    if [[ ! -f "$data/PG_VERSION" ]]; then
      pwfile="$dir/.pw"
      echo sluice >"$pwfile"
      [[ ${#as_owner[@]} -gt 0 ]] && chown sluice-test "$pwfile"
      "${as_owner[@]}" "$bin/initdb" -D "$data" -U sluice --pwfile="$pwfile" -A scram-sha-256 \
        -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1
      rm -f "$pwfile"
    fi
    if ! "${as_owner[@]}" "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
      "${as_owner[@]}" "$bin/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 30 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=on" start >/dev/null
    fi
    deadline=$((SECONDS + 30))
    until "$bin/pg_isready" -h 127.0.0.1 -p "$port" -q; do
      (( SECONDS < deadline )) || { echo "postgres.sh: not ready after 30 s" >&2; tail -20 "$dir/server.log" >&2; exit 1; }
      sleep 0.1
    done
    if ! PGPASSWORD=sluice "$bin/psql" -h 127.0.0.1 -p "$port" -U sluice -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = 'sluice'" | grep -q 1; then
      PGPASSWORD=sluice "$bin/psql" -h 127.0.0.1 -p "$port" -U sluice -d postgres -qc \
        "CREATE DATABASE sluice" >/dev/null
    fi
    echo "$url"
    ;;
  stop)
    if [[ -f "$data/postmaster.pid" ]]; then
      "${as_owner[@]}" "$bin/pg_ctl" -D "$data" -m fast -w -t 30 stop >/dev/null || true
    fi
    ;;
  *) echo "usage: postgres.sh start|stop|url DIR PORT" >&2; exit 2 ;;
esac
