#!/usr/bin/env bash
# Runs every test of `make test` (after the build into $BUILD_DIR, default build/), stage by stage,
# in the order of the STAGES list at the bottom:
#   unit                    build/sluice_tests without the ServerStore and *Live suites (fakes,
#                           SQLite, fake Flink homes)
#   start-postgresql        a throw-away PostgreSQL on a free loopback port (scripts/db/postgres.sh)
#   start-mariadb           a throw-away MariaDB likewise (scripts/db/mariadb.sh)
#   store-servers           the ServerStore suite against both
#   functional-sqlite       build/sluice_functional_tests (the real `sluice serve` over HTTP, the CLI
#   functional-postgresql   against it, kill -9, SIGTERM) with SLUICE_TEST_DB_URL unset, then the
#   functional-mariadb      PostgreSQL URL, then the MariaDB URL; they include ProjectsTest: Git over
#                           HTTP (basic auth) and SSH servers the test starts on loopback
#                           (tests/projects/git_http_server.py, Debian's sshd), real git and mvn
#   web                     the web console: its vitest unit tests, then the Playwright end-to-end
#                           test (playwright-core driving Debian's chromium) against a real
#                           `sluice serve` on a free loopback port with a fresh data folder, and
#                           the application pages against a real managed Flink cluster (the first
#                           of SLUICE_TEST_FLINK_HOMES, SLUICE_TEST_RUNNER_JAR; failing without
#                           them); it saves screenshots to docs/screenshots/ (web/README.md)
#   maven-live              the Maven resolver's live suite: the real mvn against Maven Central
#   alerts-live             the alert channels' real sender against real receivers on loopback:
#                           SMTP servers (python3-aiosmtpd: plain, STARTTLS and SMTPS with a
#                           certificate made by openssl) and an HTTP receiver verifying the
#                           Lark, DingTalk and webhook signatures (scripts/alerts/receivers.py)
#   flink-live              the submitter's live suite: real bin/flink against session clusters it
#                           starts, for every provisioned version (SLUICE_TEST_FLINK_HOMES,
#                           SLUICE_TEST_JOB_DIR)
#   flink-rest-live         the REST client's live suite against a session cluster of each version
#                           (scripts/flink-session.sh)
#   runner-live             the SQL runner with the real bin/flink against a session cluster of each
#                           version (tests/runner/live-test.sh), JDBC to a throw-away MariaDB included
#   sql-live                the SQL workbench against real Flink: the runner's --serve validate
#                           mode for every Flink home (SLUICE_TEST_FLINK_HOMES, SLUICE_TEST_RUNNER_JAR
#                           with --serve), the connectors of <home>/connectors read from the jars,
#                           and the broken scripts of tests/sql/broken-scripts.txt
#   functional-flink        the functional Flink tests (*Flink*) through the real server, on
#                           SQLite: managed and remote clusters, applications (SQL and JAR apps,
#                           savepoints, LOST and re-attach, kill -9), and the acceptance scenario
#                           (Kafka to MariaDB on both versions; SLUICE_TEST_RUNNER_JAR)
#   fuzz                    scripts/run-fuzz.sh, bounded (SLUICE_FUZZ_SECONDS, default 60)
# Every stage runs even when an earlier one failed; a stage that needs a database that did not
# start fails (it never skips). The databases are stopped on exit. Logs: $work/logs/STAGE.log,
# kept (and named at the end) when a stage failed.
#
# The last lines are a summary table and "N passed, N failed" counting stages; the exit status is
# non-zero when any stage failed.
#
#   scripts/run-tests.sh                 everything
#   scripts/run-tests.sh unit fuzz       only the named stages (the databases start when needed)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${BUILD_DIR:-build}"
work="$(mktemp -d /tmp/sluice-tests-XXXXXX)"
logs="$work/logs"
mkdir -p "$logs"
# As root, PostgreSQL runs as another user (scripts/db/postgres.sh), which must reach $work/pg.
chmod o+x "$work"

# A TCP port on 127.0.0.1 where nothing listens (no python needed).
free_port() {
  local port
  for _ in $(seq 1 200); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  echo "run-tests.sh: no free port found" >&2
  return 1
}
pg_port=$(free_port)
my_port=$(free_port)
while [[ $my_port == "$pg_port" ]]; do my_port=$(free_port); done
pg_url=""
my_url=""

any_failed=0
flink_sessions=()
cleanup() {
  local status=$? session
  for session in "${flink_sessions[@]}"; do
    # shellcheck disable=SC2086  # "DIR HOME PORT"
    scripts/flink-session.sh stop $session >/dev/null 2>&1 || true
  done
  scripts/db/postgres.sh stop "$work/pg" "$pg_port" >/dev/null 2>&1 || true
  scripts/db/mariadb.sh stop "$work/mariadb" "$my_port" >/dev/null 2>&1 || true
  if [[ $any_failed -eq 0 && $status -eq 0 ]]; then
    rm -rf "$work"
  else
    echo "logs kept in $logs"
  fi
}
trap cleanup EXIT

# ---- what the stages run

# start_db postgres|mariadb DIR PORT URL_FILE: starts the server, writes its URL to URL_FILE.
start_db() {
  local url
  url=$("scripts/db/$1.sh" start "$2" "$3") || return 1
  [[ -n "$url" ]] || { echo "scripts/db/$1.sh printed no URL"; return 1; }
  echo "$url" | tee "$4"
}

# needs_db NAME URL COMMAND...: runs COMMAND, or fails when the database NAME did not start.
needs_db() {
  if [[ -z "$2" ]]; then
    echo "$1 did not start (see its start stage): failing, not skipping"
    return 1
  fi
  shift 2
  "$@"
}

# ---- the stage runner

stage_names=()
stage_results=()
stage_seconds=()
selected=("$@")

# stage NAME COMMAND [ARGS...]: runs COMMAND, its output shown and kept in $logs/NAME.log, and
# records PASS or FAIL by its exit status.
stage() {
  local name="$1"
  shift
  if [[ ${#selected[@]} -gt 0 ]] && ! named "$name"; then return 0; fi
  local started=$SECONDS result=PASS
  echo
  echo "=== stage $name: $*"
  if ! "$@" 2>&1 | tee "$logs/$name.log"; then
    result=FAIL
    any_failed=1
  fi
  echo "=== stage $name: $result ($((SECONDS - started)) s)"
  stage_names+=("$name")
  stage_results+=("$result")
  stage_seconds+=("$((SECONDS - started))")
}

# With stage names on the command line, the databases start when a named stage needs them.
named() {
  local name
  for name in "$@"; do printf '%s\n' "${selected[@]}" | grep -qxF -- "$name" && return 0; done
  return 1
}
if [[ ${#selected[@]} -gt 0 ]]; then
  if named store-servers functional-postgresql; then selected+=(start-postgresql); fi
  if named store-servers functional-mariadb; then selected+=(start-mariadb); fi
fi

# ---- STAGES, in order. To add one, add a line: stage NAME COMMAND [ARGS...]

stage unit "$build/sluice_tests" --gtest_brief=1 '--gtest_filter=-*ServerStore*:*Live*'

stage start-postgresql start_db postgres "$work/pg" "$pg_port" "$work/pg.url"
pg_url=$(cat "$work/pg.url" 2>/dev/null || true)
stage start-mariadb start_db mariadb "$work/mariadb" "$my_port" "$work/mariadb.url"
my_url=$(cat "$work/mariadb.url" 2>/dev/null || true)

# (Parameterised: the tests are named Servers/ServerStore.*, hence the leading '*'.)
stage store-servers env SLUICE_TEST_POSTGRES_URL="$pg_url" SLUICE_TEST_MYSQL_URL="$my_url" \
  "$build/sluice_tests" --gtest_brief=1 '--gtest_filter=*ServerStore*'

# The Flink suites run once, on SQLite: a cluster start costs seconds, and what they prove does not
# depend on the store (the store suites and functional-* cover each database).
stage functional-sqlite env -u SLUICE_TEST_DB_URL \
  "$build/sluice_functional_tests" --gtest_brief=1 '--gtest_filter=-*Flink*'
stage functional-postgresql needs_db PostgreSQL "$pg_url" env SLUICE_TEST_DB_URL="$pg_url" \
  "$build/sluice_functional_tests" --gtest_brief=1 '--gtest_filter=-*Flink*'
stage functional-mariadb needs_db MariaDB "$my_url" env SLUICE_TEST_DB_URL="$my_url" \
  "$build/sluice_functional_tests" --gtest_brief=1 '--gtest_filter=-*Flink*'

# web_tests: the console's unit tests and its end-to-end test; both run, either failing fails.
web_tests() {
  local rc=0 binary="$build/sluice"
  [[ $binary == /* ]] || binary="$PWD/$binary"
  [[ -x $binary ]] || { echo "no $binary: build first (make build): failing"; return 1; }
  [[ -f web/dist/index.html ]] || { echo "no web/dist/index.html: make build builds it: failing"; return 1; }
  if [[ ! -f web/node_modules/.package-lock.json ]]; then
    (cd web && npm ci --no-audit --no-fund --prefer-offline) || return 1
  fi
  (cd web && npx vitest run) || rc=1
  # e2e/flink.e2e.ts needs SLUICE_TEST_FLINK_HOMES and SLUICE_TEST_RUNNER_JAR (make test exports
  # both); without them its steps fail, they are never skipped.
  [[ -n "${SLUICE_TEST_FLINK_HOMES:-}" && -n "${SLUICE_TEST_RUNNER_JAR:-}" ]] ||
    echo "SLUICE_TEST_FLINK_HOMES or SLUICE_TEST_RUNNER_JAR is not set: the Flink end-to-end steps will fail"
  (cd web && SLUICE_BINARY="$binary" SLUICE_FIRST_LOAD_FILE="$work/first-load.txt" \
    npx vitest run --config vitest.e2e.config.ts) || rc=1
  [[ -f $work/first-load.txt ]] && cat "$work/first-load.txt"
  return $rc
}

# rest_live: for each provisioned Flink, a standalone session cluster started by Flink's own
# start-cluster.sh (scripts/flink-session.sh), and the REST client's live suite against it.
rest_live() {
  [[ -n "${SLUICE_TEST_FLINK_HOMES:-}" ]] || { echo "SLUICE_TEST_FLINK_HOMES is not set: failing"; return 1; }
  local home version port url rc=0
  IFS=: read -ra homes <<<"$SLUICE_TEST_FLINK_HOMES"
  for home in "${homes[@]}"; do
    version=$(basename "$home")
    version=${version#flink-}
    port=$(free_port)
    flink_sessions+=("$work/flink-$version $home $port")
    if url=$(scripts/flink-session.sh start "$work/flink-$version" "$home" "$port"); then
      SLUICE_TEST_FLINK_REST="$url" SLUICE_TEST_JOB_JAR="$SLUICE_TEST_JOB_DIR/tiny-job-$version.jar" \
        SLUICE_TEST_SAVEPOINT_DIR="file://$work/flink-$version/savepoints" \
        "$build/sluice_tests" --gtest_brief=1 '--gtest_filter=FlinkRestLive*' || rc=1
    else
      rc=1
    fi
    scripts/flink-session.sh stop "$work/flink-$version" "$home" "$port" || rc=1
  done
  return $rc
}

# The SQL runner: its Maven unit tests ran when runner.sh built it; here the real bin/flink runs it
# against a session cluster of each version.
runner_live() {
  [[ -n "${SLUICE_TEST_FLINK_HOMES:-}" ]] || { echo "SLUICE_TEST_FLINK_HOMES is not set: failing"; return 1; }
  IFS=: read -ra homes <<<"$SLUICE_TEST_FLINK_HOMES"
  tests/runner/live-test.sh "${homes[@]}"
}
stage web web_tests

# The Maven resolver against Maven Central with the real mvn (downloads land in ~/.m2).
stage maven-live "$build/sluice_tests" --gtest_brief=1 '--gtest_filter=MavenLive*'
# Alerts: real receivers on loopback (scripts/alerts/receivers.py, started by the suite).
stage alerts-live "$build/sluice_tests" --gtest_brief=1 '--gtest_filter=AlertsLive*'
stage flink-live "$build/sluice_tests" --gtest_brief=1 '--gtest_filter=SubmitterLive*'
stage flink-rest-live rest_live
stage runner-live runner_live
stage sql-live env SLUICE_TEST_SQL_CASES=tests/sql/broken-scripts.txt \
  "$build/sluice_tests" --gtest_brief=1 '--gtest_filter=SqlValidatorLive*'
stage functional-flink env -u SLUICE_TEST_DB_URL \
  "$build/sluice_functional_tests" --gtest_brief=1 '--gtest_filter=*Flink*'

stage fuzz scripts/run-fuzz.sh "${SLUICE_FUZZ_SECONDS:-60}"

# ---- summary

passed=0
failed=0
echo
echo "=== summary"
printf '%-24s %-6s %8s\n' STAGE RESULT SECONDS
for i in "${!stage_names[@]}"; do
  printf '%-24s %-6s %8s\n' "${stage_names[$i]}" "${stage_results[$i]}" "${stage_seconds[$i]}"
  if [[ ${stage_results[$i]} == PASS ]]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
done
if [[ ${#selected[@]} -gt 0 && $((passed + failed)) -eq 0 ]]; then
  echo "no stage matches: $*" >&2
  failed=1
fi
echo "${passed} passed, ${failed} failed"
[[ $failed -eq 0 ]]
