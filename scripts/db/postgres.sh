#!/usr/bin/env bash
# A throw-away PostgreSQL server for tests, listening on 127.0.0.1:PORT only (and on a unix
# socket in DIR). Its data lives in DIR/data; the database `sluice` belongs to the user `sluice`
# (password `sluice`, scram-sha-256 on every connection).
#
#   scripts/db/postgres.sh start DIR PORT   initialises DIR/data if missing, starts the server
#                                           (no-op if it already runs), waits until it accepts
#                                           connections (30 s at most), prints the URL
#   scripts/db/postgres.sh stop  DIR PORT   stops it (fast shutdown); no-op if it is not running
#   scripts/db/postgres.sh url   DIR PORT   prints postgresql://sluice:sluice@127.0.0.1:PORT/sluice
#
# Uses the newest /usr/lib/postgresql/*/bin. PostgreSQL refuses to run as root: as root the
# server runs as the system user `sluice-test` (created if missing) and DIR is chowned to it, so
# every directory above DIR must be searchable by others (a `mktemp -d` folder is not: chmod 711).
# Logs: DIR/initdb.log, DIR/server.log.
set -euo pipefail

usage() { echo "usage: $0 start|stop|url DIR PORT" >&2; exit 2; }
[[ $# -eq 3 ]] || usage
action="$1"
port="$3"
[[ "$port" =~ ^[0-9]+$ ]] || { echo "postgres.sh: PORT must be a number" >&2; exit 2; }
dir=$(realpath -m -- "$2")
data="$dir/data"
url="postgresql://sluice:sluice@127.0.0.1:${port}/sluice"
timeout_s=30

die() { echo "postgres.sh: $*" >&2; exit 1; }

if [[ "$action" == url ]]; then
  echo "$url"
  exit 0
fi

# The newest installed server (sort -V: 9 < 10 < 15); a client-only version has no pg_ctl.
bin=""
while IFS= read -r candidate; do
  if [[ -x "$candidate/postgres" && -x "$candidate/pg_ctl" ]]; then
    bin="$candidate"
  fi
done < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V)
[[ -n "$bin" ]] || die "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/pg_ctl)"
# The server user may not be allowed into the caller's working folder.
cd /

owner=()
if [[ $(id -u) -eq 0 ]]; then
  if ! id -u sluice-test >/dev/null 2>&1; then
    useradd --system --user-group --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin sluice-test
  fi
  owner=(runuser -u sluice-test --)
fi

# running: the server of DIR is up (per its postmaster.pid).
running() { "${owner[@]}" "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; }

case "$action" in
  start)
    # The server's unix socket DIR/.s.PGSQL.PORT must fit in sun_path (107 bytes).
    socket="$dir/.s.PGSQL.$port"
    (( ${#socket} <= 107 )) || die "DIR is too long for a unix socket path ($socket)"
    [[ "$dir" != *\'* ]] || die "DIR must not contain a single quote"
    mkdir -p "$dir"
    if [[ ${#owner[@]} -gt 0 ]]; then
      chown sluice-test: "$dir"
      "${owner[@]}" test -w "$dir" -a -x "$dir" ||
        die "user sluice-test cannot reach $dir: make the directories above it searchable (chmod o+x)"
    fi

    if [[ ! -f "$data/PG_VERSION" ]]; then
      # A half-initialised data folder (interrupted initdb) would make initdb refuse to run.
      rm -rf "$data"
      pwfile="$dir/.initdb-password"
      (umask 077 && echo sluice >"$pwfile")
      if [[ ${#owner[@]} -gt 0 ]]; then
        chown sluice-test: "$pwfile"
      fi
      if ! "${owner[@]}" "$bin/initdb" -D "$data" -U sluice --pwfile="$pwfile" \
          --auth=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1; then
        rm -f "$pwfile"
        tail -20 "$dir/initdb.log" >&2
        die "initdb failed (see $dir/initdb.log)"
      fi
      rm -f "$pwfile"
    fi

    if running; then
      running_port=$(sed -n 4p "$data/postmaster.pid")
      [[ "$running_port" == "$port" ]] ||
        die "the server of $dir already runs on port $running_port, not $port"
    else
      # pg_ctl hands -o to /bin/sh, hence the quotes around the socket folder.
      if ! "${owner[@]}" "$bin/pg_ctl" -D "$data" -l "$dir/server.log" -w -t "$timeout_s" \
          -o "-c listen_addresses=127.0.0.1 -p $port -k '$dir' -c fsync=on" start >/dev/null; then
        tail -20 "$dir/server.log" >&2
        die "the server did not start (see $dir/server.log)"
      fi
    fi

    deadline=$((SECONDS + timeout_s))
    until "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -t 1; do
      if (( SECONDS >= deadline )); then
        tail -20 "$dir/server.log" >&2
        die "not ready after ${timeout_s} s"
      fi
      sleep 0.1
    done

    # `sluice` is the bootstrap superuser (initdb -U sluice); only its database is missing.
    psql_admin=("$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U sluice -d postgres)
    exists=$(PGPASSWORD=sluice PGCONNECT_TIMEOUT=10 "${psql_admin[@]}" -tAc \
      "SELECT 1 FROM pg_database WHERE datname = 'sluice'")
    if [[ "$exists" != 1 ]]; then
      PGPASSWORD=sluice PGCONNECT_TIMEOUT=10 "${psql_admin[@]}" -c \
        "CREATE DATABASE sluice OWNER sluice ENCODING 'UTF8'" >/dev/null
    fi
    echo "$url"
    ;;
  stop)
    if [[ -f "$data/postmaster.pid" ]] && running; then
      "${owner[@]}" "$bin/pg_ctl" -D "$data" -m fast -w -t "$timeout_s" stop >/dev/null ||
        die "the server did not stop within ${timeout_s} s"
    fi
    ;;
  *) usage ;;
esac
