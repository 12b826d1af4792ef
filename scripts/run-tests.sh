#!/usr/bin/env bash
# Runs every test of `make test` (after the build) and prints a summary:
#   1. unit tests (fakes and a real SQLite file);
#   2. the store tests against a real PostgreSQL and a real MariaDB started here on loopback;
#   3. the functional tests (the real `sluice serve` over HTTP) three times: SQLite, PostgreSQL,
#      MariaDB;
#   4. the CLI end to end against a real server;
#   5. a bounded libFuzzer run over request parsing and JSON bodies.
# Each stage's gtest counts are added up; the last line is "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
build="${BUILD_DIR:-build}"
work="$(mktemp -d /tmp/sluice-tests-XXXXXX)"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pg_port=$(free_port)
my_port=$(free_port)

cleanup() {
  scripts/db/postgres.sh stop "$work/pg" "$pg_port" >/dev/null 2>&1 || true
  scripts/db/mariadb.sh stop "$work/mariadb" "$my_port" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

total_passed=0
total_failed=0
summary=()
# stage NAME COMMAND...: runs a gtest binary (or any command), counts its tests.
stage() {
  local name="$1"
  shift
  local log="$work/$name.log"
  local started=$SECONDS
  echo "=== $name"
  "$@" 2>&1 | tee "$log" | grep -E '^\[ +(FAILED|PASSED) +\]|Failure|^fuzz:|error:' || true
  local rc=${PIPESTATUS[0]}
  local passed failed
  passed=$(grep -oE '^\[  PASSED  \] [0-9]+ test' "$log" | grep -oE '[0-9]+' | tail -1)
  failed=$(grep -oE '^ ?[0-9]+ FAILED TEST' "$log" | grep -oE '[0-9]+' | tail -1)
  passed=${passed:-0}
  failed=${failed:-0}
  if [[ $rc -ne 0 && $failed -eq 0 ]]; then
    failed=1  # the stage failed outside gtest (setup, crash, fuzz finding)
    tail -30 "$log"
  elif [[ $rc -eq 0 && $passed -eq 0 ]]; then
    passed=1  # a stage that is not gtest (the fuzz run) counts as one test
  fi
  total_passed=$((total_passed + passed))
  total_failed=$((total_failed + failed))
  summary+=("$(printf '%-28s %5s passed %3s failed %5ss' "$name" "$passed" "$failed" $((SECONDS - started)))")
}

stage unit "$build/sluice_tests" --gtest_brief=1 --gtest_filter=-*ServerStore*

pg_url=$(scripts/db/postgres.sh start "$work/pg" "$pg_port") || { echo "PostgreSQL did not start"; total_failed=$((total_failed + 1)); }
my_url=$(scripts/db/mariadb.sh start "$work/mariadb" "$my_port") || { echo "MariaDB did not start"; total_failed=$((total_failed + 1)); }

SLUICE_TEST_POSTGRES_URL="${pg_url:-}" SLUICE_TEST_MYSQL_URL="${my_url:-}" \
  stage store-servers "$build/sluice_tests" --gtest_brief=1 --gtest_filter=*ServerStore*
SLUICE_TEST_DB_URL="" stage functional-sqlite "$build/sluice_functional_tests" --gtest_brief=1
SLUICE_TEST_DB_URL="${pg_url:-postgresql://missing}" stage functional-postgresql "$build/sluice_functional_tests" --gtest_brief=1
SLUICE_TEST_DB_URL="${my_url:-mysql://missing}" stage functional-mariadb "$build/sluice_functional_tests" --gtest_brief=1
stage fuzz scripts/run-fuzz.sh "${SLUICE_FUZZ_SECONDS:-60}"

echo
echo "=== summary"
printf '%s\n' "${summary[@]}"
echo "${total_passed} passed, ${total_failed} failed"
[[ $total_failed -eq 0 ]]
