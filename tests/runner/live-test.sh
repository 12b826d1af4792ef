#!/usr/bin/env bash
# Live check of the Flink SQL runner (runner/) with the real `bin/flink run`, for each Flink home
# given: a throw-away standalone session cluster per home (scripts/flink-session.sh) on a free
# loopback port, then
#   (a) a datagen -> blackhole script (SET, a VIEW, a statement set of two INSERTs, --name) is ONE
#       job, RUNNING under the job id chosen with -D$internal.pipeline.job-id, named by --name,
#       with both sinks and the SET checkpoint interval (both over the CLI's -D for the same keys);
#       SET 'table.dml-sync' = 'true' does not keep the CLI waiting; a second submission under the
#       same id is refused ("Submitting the job failed: ..."); the job is stopped with a savepoint,
#       submitted again from it (-s) under a new id, and cancelled;
#   (b) an unknown connector fails with "Statement at line N failed: Could not find any factory for
#       identifier 'nosuch' ..." (the right N) right after "The program finished with the following
#       exception:", and starts no job;
#   (c) a syntax error is reported with its statement's line (and Flink's line and column), and an
#       unterminated string with its line;
#   (d) connector jars nested in lib/ of a copy of the runner jar (all of HOME/connectors/, as the
#       deployer does) are found: a Kafka sink table (CREATE + INSERT to a closed port) is
#       submitted under the chosen id, and the job fails in the TaskManager with Kafka's own
#       TimeoutException (so the classes reached the cluster too), never ClassNotFoundException;
#       likewise a JDBC sink to PostgreSQL fails with the driver's own PSQLException; the Kafka
#       script with the plain jar fails with the "no factory for 'kafka'" reason, so the check can
#       fail;
#   (e) JDBC to a throw-away MariaDB (scripts/db/mariadb.sh) through a jdbc:mysql: URL from the same
#       lib/ (2.0: Sluice's own MySQL dialect): bounded INSERTs of every type of the MySQL dialect
#       arrive as written (but for a timestamp's fraction, which Connector/J drops for MariaDB), a second INSERT of a key updates its row (upsert), and the table read
#       back through the connector into a copy equals it;
# then stops the cluster and checks that no process of it is left.
#
#   tests/runner/live-test.sh HOME...     e.g. $(scripts/provision/flink.sh --with-connectors all)
#
# The runner jar comes from scripts/provision/runner.sh. Every wait polls with a deadline. Prints
# one line per check and "N passed, N failed" last; exits 1 when a check failed (the work folder
# with the CLI outputs and cluster logs is then kept and named), 2 on bad usage.
set -euo pipefail

usage() { echo "usage: $0 FLINK_HOME..." >&2; exit 2; }
[[ $# -gt 0 ]] || usage
root=$(cd "$(dirname "$0")/../.." && pwd)
for home in "$@"; do
  [[ -x "$home/bin/flink" ]] || { echo "live-test.sh: $home is not a Flink home (no bin/flink)" >&2; exit 2; }
  [[ -d "$home/connectors" ]] || {
    echo "live-test.sh: $home has no connectors/ (scripts/provision/flink.sh --with-connectors)" >&2; exit 2; }
done
for tool in curl jq jar mariadb; do
  command -v "$tool" >/dev/null || { echo "live-test.sh: $tool is missing" >&2; exit 2; }
done

work=$(mktemp -d /tmp/sluice-runner-live.XXXXXX)
version="-"
passed=0
failed=0
session=()  # DIR HOME PORT of the running cluster, for the exit trap
mariadb_server=()  # DIR PORT of case (e)'s MariaDB, for the exit trap

summary_printed=0
cleanup() {
  local status=$?
  if [[ ${#session[@]} -eq 3 ]]; then
    "$root/scripts/flink-session.sh" stop "${session[@]}" >/dev/null 2>&1 || true
  fi
  if [[ ${#mariadb_server[@]} -eq 2 ]]; then
    "$root/scripts/db/mariadb.sh" stop "${mariadb_server[@]}" >/dev/null 2>&1 || true
  fi
  if [[ $summary_printed -eq 0 ]]; then
    # Stopped by an unexpected error (set -e): still end with the counts, as a failure.
    failed=$((failed + 1))
    echo "FAIL ${version:-}: the live test stopped early (exit status $status); outputs kept in $work"
    echo "$passed passed, $failed failed"
    exit 1
  fi
  if [[ $failed -eq 0 ]]; then rm -rf -- "$work"; fi
}
trap cleanup EXIT
jar=$("$root/scripts/provision/runner.sh")

pass() { passed=$((passed + 1)); echo "PASS $version: $1"; }
fail() {
  failed=$((failed + 1))
  echo "FAIL $version: $1"
  [[ -z "${2:-}" ]] || echo "$2" | sed 's/^/    /' | head -20
}

free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  echo "live-test.sh: no free port" >&2
  return 1
}

new_job_id() { od -An -N16 -tx1 /dev/urandom | tr -d ' \n'; }

# flink_run OUT JAR SCRIPT NAME [CLI OPTIONS...]: the deployer's command line (NAME: the runner's
# --name, "" for none); the CLI's output goes to OUT; returns the CLI's exit status.
flink_run() {
  local out="$1" job_jar="$2" script="$3" name="$4"
  shift 4
  local program=(--script "$script")
  [[ -z "$name" ]] || program+=(--name "$name")
  (cd / && env -u FLINK_HOME -u FLINK_LIB_DIR -u FLINK_OPT_DIR -u FLINK_PLUGINS_DIR -u FLINK_BIN_DIR \
    FLINK_CONF_DIR="$dir/conf" FLINK_LOG_DIR="$dir/client-log" \
    timeout 180 "$home/bin/flink" run -t remote -Drest.address=127.0.0.1 -Drest.port="$port" -d \
    "$@" -c dev.sluice.runner.SqlRunner "$job_jar" "${program[@]}") >"$out" 2>&1
}

# The first non-empty line after "The program finished with the following exception:".
reason_line() {
  awk '/The program finished with the following exception:/ { on = 1; next }
       on && NF { print; exit }' "$1"
}

# job_field ID FIELD: .FIELD of job ID in /jobs/overview ("" when the job is not listed).
job_field() {
  curl -sf -m 5 "$url/jobs/overview" | jq -r --arg id "$1" --arg f "$2" \
    '.jobs[] | select(.jid == $id) | .[$f]' 2>/dev/null || true
}

job_count() { curl -sf -m 5 "$url/jobs/overview" | jq '.jobs | length' 2>/dev/null || echo "?"; }

# wait_state ID STATE SECONDS: polls until job ID is in STATE, or prints why not and fails.
wait_state() {
  local deadline=$((SECONDS + $3)) state
  while true; do
    state=$(job_field "$1" state)
    [[ "$state" == "$2" ]] && return 0
    if ((SECONDS >= deadline)); then
      echo "job $1 is ${state:-not listed}, not $2, after $3 s"
      return 1
    fi
    sleep 0.2
  done
}

# expect_failure NAME OUT LINE TEXT...: the CLI failed and its reason line (see reason_line) holds
# "Statement at line LINE failed:" and every TEXT.
expect_failure() {
  local name="$1" out="$2" line="$3" rc="$4" reason t
  shift 4
  reason=$(reason_line "$out")
  if [[ $rc -eq 0 ]]; then
    fail "$name: the CLI exited 0" "$(tail -5 "$out")"
    return
  fi
  for t in "Statement at line $line failed: " "$@"; do
    if [[ "$reason" != *"$t"* ]]; then
      fail "$name: the reason lacks \"$t\"" "reason: ${reason:-none}
$(grep -m3 -E 'Exception|Error' "$out")"
      return
    fi
  done
  pass "$name (${reason#*caused an error: })"
}

# sql_db PORT QUERY: the query's rows (tab-separated, no heading) from MariaDB's `sluice` database.
sql_db() {
  mariadb -h 127.0.0.1 -P "$1" -u sluice -psluice --batch --skip-column-names sluice -e "$2"
}

# run_finished NAME SCRIPT: submits SCRIPT (with the job jar of (d)) and waits for it to FINISH.
run_finished() {
  local name="$1" script="$2" id out rc=0 detail
  id=$(new_job_id)
  out="$work/$version-$name.out"
  flink_run "$out" "$work/$version-jar/job.jar" "$script" "" -D"\$internal.pipeline.job-id=$id" \
    -Drestart-strategy.type=none || rc=$?
  if [[ $rc -ne 0 ]] || ! grep -q "Job has been submitted with JobID $id" "$out"; then
    fail "(e) $name is submitted" "$(reason_line "$out")"
    return 1
  fi
  if ! detail=$(wait_state "$id" FINISHED 120); then
    fail "(e) $name finishes" "$detail
$(curl -sf "$url/jobs/$id/exceptions" | jq -r '.["root-exception"] // empty' | head -5)"
    return 1
  fi
}

# check_mariadb PORT SQL_DIR: case (e) against the MariaDB on PORT.
check_mariadb() {
  local my_port="$1" s="$2" columns got
  columns="id INT, c CHAR(3), v VARCHAR(20), b BOOLEAN, bin VARBINARY(8), d DECIMAL(10, 2),
    ti TINYINT, si SMALLINT, bi BIGINT, f FLOAT, db DOUBLE, dt DATE, tm TIME, ts DATETIME(3)"
  if ! got=$(sql_db "$my_port" "CREATE TABLE t ($columns, PRIMARY KEY (id));
      CREATE TABLE copy_of_t ($columns, PRIMARY KEY (id))" 2>&1); then
    fail "(e) the tables are created in MariaDB" "$got"
    return
  fi
  local flink_columns="id INT, c CHAR(3), v VARCHAR(20), b BOOLEAN, bin BYTES, d DECIMAL(10, 2),
    ti TINYINT, si SMALLINT, bi BIGINT, f FLOAT, db DOUBLE, dt DATE, tm TIME(0), ts TIMESTAMP(3),
    PRIMARY KEY (id) NOT ENFORCED"
  local with="'connector' = 'jdbc', 'url' = 'jdbc:mysql://127.0.0.1:$my_port/sluice',
    'username' = 'sluice', 'password' = 'sluice'"
  cat >"$s/e1.sql" <<SQL
CREATE TABLE t ($flink_columns) WITH ($with, 'table-name' = 't');
INSERT INTO t VALUES
  (1, 'abc', CAST('first' AS VARCHAR(20)), TRUE, X'01FF', CAST(12.34 AS DECIMAL(10, 2)),
   CAST(-7 AS TINYINT), CAST(300 AS SMALLINT), CAST(9000000000 AS BIGINT), CAST(1.5 AS FLOAT),
   CAST(2.25 AS DOUBLE), DATE '2024-02-29', TIME '12:34:56', TIMESTAMP '2024-02-29 12:34:56.789'),
  (2, 'xyz', CAST('it''s' AS VARCHAR(20)), FALSE, X'00', CAST(-0.5 AS DECIMAL(10, 2)),
   CAST(127 AS TINYINT), CAST(-32768 AS SMALLINT), CAST(-1 AS BIGINT), CAST(-0.25 AS FLOAT),
   CAST(1e100 AS DOUBLE), DATE '1970-01-01', TIME '00:00:00', TIMESTAMP '1999-12-31 23:59:59.000');
SQL
  cat >"$s/e2.sql" <<SQL
CREATE TABLE t ($flink_columns) WITH ($with, 'table-name' = 't');
INSERT INTO t VALUES
  (1, 'abc', CAST('second' AS VARCHAR(20)), TRUE, X'01FF', CAST(12.34 AS DECIMAL(10, 2)),
   CAST(-7 AS TINYINT), CAST(300 AS SMALLINT), CAST(9000000000 AS BIGINT), CAST(1.5 AS FLOAT),
   CAST(2.25 AS DOUBLE), DATE '2024-02-29', TIME '12:34:56', TIMESTAMP '2024-02-29 12:34:56.789');
SQL
  cat >"$s/e3.sql" <<SQL
CREATE TABLE t ($flink_columns) WITH ($with, 'table-name' = 't');
CREATE TABLE copy_of_t ($flink_columns) WITH ($with, 'table-name' = 'copy_of_t');
INSERT INTO copy_of_t SELECT * FROM t;
SQL
  run_finished e-insert "$s/e1.sql" || return
  got=$(sql_db "$my_port" "SELECT id, c, v, b, HEX(bin), d, ti, si, bi, f, db, dt, tm, ts FROM t ORDER BY id" 2>&1 || true)
  # The milliseconds of .789 are lost, on both versions: Connector/J reads MariaDB's handshake
  # version "5.5.5-10.x" as MySQL 5.5, which had no fractional seconds, and sends whole seconds
  # (plain JDBC does the same, without Flink). MariaDB Connector/J (jdbc:mariadb:) keeps them.
  local want1=$'1\tabc\tfirst\t1\t01FF\t12.34\t-7\t300\t9000000000\t1.5\t2.25\t2024-02-29\t12:34:56\t2024-02-29 12:34:56.000'
  local want2=$'2\txyz\tit\'s\t0\t00\t-0.50\t127\t-32768\t-1\t-0.25\t1e100\t1970-01-01\t00:00:00\t1999-12-31 23:59:59.000'
  if [[ "$got" == "$want1"$'\n'"$want2" ]]; then
    pass "(e) every type of the MySQL dialect reached MariaDB as written (milliseconds dropped by Connector/J)"
  else
    fail "(e) every type of the MySQL dialect reached MariaDB as written" "got:
$got
want:
$want1
$want2"
  fi
  run_finished e-upsert "$s/e2.sql" || return
  got=$(sql_db "$my_port" "SELECT COUNT(*), MAX(CASE WHEN id = 1 THEN v END) FROM t" 2>&1 || true)
  [[ "$got" == $'2\tsecond' ]] && pass "(e) a second INSERT of a key updates its row (ON DUPLICATE KEY UPDATE)" ||
    fail "(e) a second INSERT of a key updates its row" "count, v: $got"
  run_finished e-read "$s/e3.sql" || return
  got=$(sql_db "$my_port" "SELECT (SELECT COUNT(*) FROM copy_of_t),
    (SELECT COUNT(*) FROM (SELECT * FROM t EXCEPT SELECT * FROM copy_of_t) AS missing)" 2>&1 || true)
  [[ "$got" == $'2\t0' ]] && pass "(e) the table read back through the connector equals what was written" ||
    fail "(e) the table read back through the connector equals what was written" "copied, differing: $got"
}

check_version() {
  home=$(cd "$1" && pwd)
  version=$(basename "$(ls "$home"/lib/flink-dist-*.jar)" .jar)
  version=${version#flink-dist-}
  dir="$work/flink-$version"
  port=$(free_port)
  url="http://127.0.0.1:$port"
  local s="$work/$version-sql" out id detail rc jobs_before
  mkdir -p "$s"

  if ! "$root/scripts/flink-session.sh" start "$dir" "$home" "$port" >"$work/$version-start.out" 2>&1; then
    fail "the session cluster starts" "$(tail -5 "$work/$version-start.out")"
    "$root/scripts/flink-session.sh" stop "$dir" "$home" "$port" >/dev/null 2>&1 || true
    return
  fi
  session=("$dir" "$home" "$port")

  # ---- (a) SET, a VIEW, a statement set of two INSERTs: one job, under the chosen id
  cat >"$s/a.sql" <<'SQL'
-- Sluice runner live test (a); a comment with a ; in it
SET 'execution.checkpointing.interval' = '7s';
SET parallelism.default = 2;
-- a synchronous INSERT would keep the CLI waiting: the runner must ignore it
SET 'table.dml-sync' = 'true';
CREATE TABLE src (id BIGINT, s STRING) WITH ('connector' = 'datagen', 'rows-per-second' = '5');
CREATE TABLE sink1 (id BIGINT, s STRING) WITH ('connector' = 'blackhole');
CREATE TABLE sink2 (id BIGINT) WITH ('connector' = 'blackhole');
CREATE VIEW v AS SELECT id, s FROM src WHERE s <> 'it''s; not a split';
EXECUTE STATEMENT SET BEGIN
  INSERT INTO sink1 SELECT id, s FROM v;
  INSERT INTO sink2 SELECT id FROM v;
END;
SQL
  id=$(new_job_id)
  out="$work/$version-a.out"
  rc=0
  # The CLI's own -D for the same keys must lose against the script's SET and --name.
  flink_run "$out" "$jar" "$s/a.sql" "live-a-$version" -D"\$internal.pipeline.job-id=$id" \
    -Dexecution.checkpointing.interval=60s -Dpipeline.name=from-the-cli -p 1 || rc=$?
  if [[ $rc -ne 0 ]]; then
    fail "(a) the statement-set script is submitted" "$(reason_line "$out")"
  elif ! grep -q "Job has been submitted with JobID $id" "$out"; then
    fail "(a) the CLI reports the chosen job id $id" "$(grep -i jobid "$out")"
  elif ! detail=$(wait_state "$id" RUNNING 90); then
    fail "(a) the job runs under the chosen id" "$detail"
  else
    pass "(a) the job RUNNING under the chosen id $id"
    local n name vertices interval
    n=$(job_count)
    [[ "$n" == 1 ]] && pass "(a) the script is exactly one job" ||
      fail "(a) the script is exactly one job" "$(curl -s "$url/jobs/overview")"
    name=$(job_field "$id" name)
    [[ "$name" == "live-a-$version" ]] && pass "(a) --name is the job name (over -Dpipeline.name)" ||
      fail "(a) --name is the job name" "name: $name"
    vertices=$(curl -sf "$url/jobs/$id" | jq -r '.vertices[].name' 2>/dev/null || true)
    [[ "$vertices" == *sink1* && "$vertices" == *sink2* ]] && pass "(a) both INSERTs are in the job" ||
      fail "(a) both INSERTs are in the job" "vertices: $vertices"
    local parallelism
    parallelism=$(curl -sf "$url/jobs/$id" | jq -r '[.vertices[].parallelism] | unique | join(",")' 2>/dev/null || true)
    [[ "$parallelism" == 2 ]] && pass "(a) SET parallelism.default reached the job (2, over -p 1)" ||
      fail "(a) SET parallelism.default reached the job (2, over -p 1)" "parallelism: $parallelism"
    interval=$(curl -sf "$url/jobs/$id/checkpoints/config" | jq -r .interval 2>/dev/null || true)
    [[ "$interval" == 7000 ]] && pass "(a) SET reached the job (checkpoint interval 7 s, over -D...=60s)" ||
      fail "(a) SET reached the job (checkpoint interval 7 s)" "interval: $interval"
    grep -q '^sluice-runner: ignoring table.dml-sync = true' "$out" &&
      pass "(a) SET 'table.dml-sync' = 'true' is ignored (the CLI returned)" ||
      fail "(a) SET 'table.dml-sync' = 'true' is ignored" "$(grep '^sluice-runner' "$out" | tail -3)"
    local want=(2 3 5 6 7 8 9 10 11 12 13) got
    got=$(sed -n 's/^sluice-runner: executing statement at line //p' "$out" | tr '\n' ' ')
    [[ "$got" == "${want[*]} " ]] && pass "(a) each statement's line is logged" ||
      fail "(a) each statement's line is logged" "logged: $got"
    # The same id again (a retried deploy): Flink refuses it, so an app never runs twice.
    out="$work/$version-a2.out"
    rc=0
    flink_run "$out" "$jar" "$s/a.sql" "live-a-$version" -D"\$internal.pipeline.job-id=$id" || rc=$?
    detail=$(reason_line "$out")
    if [[ $rc -ne 0 && "$detail" == *"Submitting the job failed: "* && "$(job_count)" == 1 ]]; then
      pass "(a) a second submission under the same id is refused (${detail#*caused an error: })"
    else
      fail "(a) a second submission under the same id is refused" "exit $rc, jobs $(job_count): $detail"
    fi
    # A redeploy: stop with a savepoint, then the same script from it (-s) under a new id.
    local trigger location="" deadline restored
    trigger=$(curl -sf -m 10 -X POST -H 'Content-Type: application/json' \
      -d "{\"targetDirectory\": \"file://$dir/savepoints\", \"drain\": false}" \
      "$url/jobs/$id/stop" | jq -r '.["request-id"]' 2>/dev/null || true)
    deadline=$((SECONDS + 90))
    while [[ -n "$trigger" && "$trigger" != null ]] && ((SECONDS < deadline)); do
      detail=$(curl -sf -m 5 "$url/jobs/$id/savepoints/$trigger" || true)
      [[ "$(jq -r .status.id <<<"$detail" 2>/dev/null)" == COMPLETED ]] && break
      sleep 0.2
    done
    location=$(jq -r '.operation.location // empty' <<<"${detail:-}" 2>/dev/null || true)
    if [[ -z "$location" ]]; then
      fail "(a) stop with a savepoint" "trigger ${trigger:-none}: ${detail:-no answer}"
      curl -sf -m 5 -X PATCH "$url/jobs/$id?mode=cancel" >/dev/null || true
    elif ! detail=$(wait_state "$id" FINISHED 60); then
      fail "(a) stop with a savepoint" "$detail"
    else
      pass "(a) stopped with a savepoint"
      local id2
      id2=$(new_job_id)
      out="$work/$version-a3.out"
      rc=0
      flink_run "$out" "$jar" "$s/a.sql" "live-a-$version" -D"\$internal.pipeline.job-id=$id2" \
        -s "$location" || rc=$?
      if [[ $rc -ne 0 ]]; then
        fail "(a) the script restarts from the savepoint" "$(reason_line "$out")"
      elif ! detail=$(wait_state "$id2" RUNNING 90); then
        fail "(a) the script restarts from the savepoint" "$detail"
      else
        # The restore is reported once the job's checkpoint coordinator has read the savepoint.
        deadline=$((SECONDS + 30))
        while true; do
          restored=$(curl -sf -m 5 "$url/jobs/$id2/checkpoints" |
            jq -r '.latest.restored.external_path // empty' 2>/dev/null || true)
          [[ -n "$restored" ]] && break
          ((SECONDS < deadline)) || break
          sleep 0.2
        done
        if [[ "$restored" == "${location#file:}" || "$restored" == "$location" ]]; then
          pass "(a) the script restarts from the savepoint under a new id"
        else
          fail "(a) the script restarts from the savepoint" "restored: ${restored:-nothing}, savepoint: $location"
        fi
      fi
      curl -sf -m 5 -X PATCH "$url/jobs/$id2?mode=cancel" >/dev/null || true
      if detail=$(wait_state "$id2" CANCELED 60); then pass "(a) the job is cancelled"; else
        fail "(a) the job is cancelled" "$detail"; fi
    fi
  fi

  # ---- (b) an unknown connector: the INSERT's line, Flink's reason with the identifier
  cat >"$s/b.sql" <<'SQL'
CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen');
CREATE TABLE sink (id BIGINT) WITH ('connector' = 'nosuch');

-- the failing statement starts on line 6, after a block comment
/* a
   comment */ INSERT INTO sink
SELECT id FROM src;
SQL
  jobs_before=$(job_count)
  out="$work/$version-b.out"
  rc=0
  flink_run "$out" "$jar" "$s/b.sql" "" || rc=$?
  expect_failure "(b) unknown connector" "$out" 6 "$rc" \
    "Could not find any factory for identifier 'nosuch' that implements 'org.apache.flink.table.factories.DynamicTableFactory' in the classpath."
  [[ "$(job_count)" == "$jobs_before" ]] && pass "(b) no job was started" ||
    fail "(b) no job was started" "$(curl -s "$url/jobs/overview")"

  # ---- (c) a syntax error, an unterminated string
  cat >"$s/c.sql" <<'SQL'
CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen');

-- line 4 lacks a ')'
CREATE TABLE sink (id BIGINT WITH ('connector' = 'blackhole');
INSERT INTO sink SELECT id FROM src;
SQL
  out="$work/$version-c.out"
  rc=0
  flink_run "$out" "$jar" "$s/c.sql" "" || rc=$?
  expect_failure "(c) syntax error" "$out" 4 "$rc" "SQL parse failed." "line 4, column"
  printf "SET 'a' = 'b';\nINSERT INTO sink\nSELECT 'it''s\nFROM src;\n" >"$s/c2.sql"
  out="$work/$version-c2.out"
  rc=0
  flink_run "$out" "$jar" "$s/c2.sql" "" || rc=$?
  expect_failure "(c) unterminated string" "$out" 2 "$rc" "unterminated string: the ' opened on line 3"

  # ---- (d) connector jars nested in lib/ of the job jar
  rm -rf -- "$work/$version-jar"
  mkdir -p "$work/$version-jar/lib"
  cp -- "$jar" "$work/$version-jar/job.jar"
  cp -- "$home"/connectors/*.jar "$work/$version-jar/lib/"
  (cd "$work/$version-jar" && jar uf job.jar lib/*.jar)
  local closed
  closed=$(free_port)
  cat >"$s/d.sql" <<SQL
CREATE TABLE src (id BIGINT, s STRING) WITH ('connector' = 'datagen', 'rows-per-second' = '1');
CREATE TABLE k (id BIGINT, s STRING) WITH (
  'connector' = 'kafka',
  'topic' = 'sluice-live',
  'properties.bootstrap.servers' = '127.0.0.1:$closed',
  'properties.max.block.ms' = '1000',
  'format' = 'json'
);
INSERT INTO k SELECT id, s FROM src;
SQL
  id=$(new_job_id)
  out="$work/$version-d.out"
  rc=0
  flink_run "$out" "$work/$version-jar/job.jar" "$s/d.sql" "" -D"\$internal.pipeline.job-id=$id" \
    -Drestart-strategy.type=none || rc=$?
  if [[ $rc -ne 0 ]] || ! grep -q "Job has been submitted with JobID $id" "$out"; then
    fail "(d) a Kafka table from lib/ of the job jar is accepted" "$(reason_line "$out")"
  else
    pass "(d) a Kafka table from lib/ of the job jar is accepted (CREATE + INSERT submitted)"
    # No broker listens: the TaskManager's Kafka producer must fail with Kafka's own error.
    if ! detail=$(wait_state "$id" FAILED 90); then
      fail "(d) the Kafka sink ran in the TaskManager" "$detail"
    else
      local exceptions
      exceptions=$(curl -sf "$url/jobs/$id/exceptions" || true)
      if [[ "$exceptions" == *ClassNotFoundException* || "$exceptions" == *NoClassDefFoundError* ]]; then
        fail "(d) the TaskManager loaded the nested connector" "$(echo "$exceptions" | grep -o '[A-Za-z.]*ClassNotFoundException[^\\]*' | head -3)"
      elif [[ "$exceptions" == *kafka.common.errors.TimeoutException* ]]; then
        pass "(d) the TaskManager ran the nested Kafka connector (Kafka's TimeoutException, no broker)"
      else
        fail "(d) the TaskManager ran the nested Kafka connector" "$(echo "$exceptions" | head -c 600)"
      fi
    fi
  fi
  # JDBC from the same lib/: the PostgreSQL driver must load in the TaskManager (no server
  # listens, so the writer fails with the driver's own "Connection ... refused").
  cat >"$s/d-jdbc.sql" <<SQL
CREATE TABLE src (id BIGINT, s STRING) WITH ('connector' = 'datagen', 'rows-per-second' = '1');
CREATE TABLE pg (id BIGINT, s STRING) WITH (
  'connector' = 'jdbc',
  'url' = 'jdbc:postgresql://127.0.0.1:$closed/sluice',
  'table-name' = 't',
  'connection.max-retry-timeout' = '1s'
);
INSERT INTO pg SELECT id, s FROM src;
SQL
  id=$(new_job_id)
  out="$work/$version-d-jdbc.out"
  rc=0
  flink_run "$out" "$work/$version-jar/job.jar" "$s/d-jdbc.sql" "" -D"\$internal.pipeline.job-id=$id" \
    -Drestart-strategy.type=none || rc=$?
  if [[ $rc -ne 0 ]] || ! grep -q "Job has been submitted with JobID $id" "$out"; then
    fail "(d) a JDBC table from lib/ of the job jar is accepted" "$(reason_line "$out")"
  elif ! detail=$(wait_state "$id" FAILED 90); then
    fail "(d) the JDBC sink ran in the TaskManager" "$detail"
  else
    local exceptions
    exceptions=$(curl -sf "$url/jobs/$id/exceptions" || true)
    if [[ "$exceptions" == *org.postgresql.util.PSQLException* &&
          "$exceptions" != *ClassNotFoundException* && "$exceptions" != *NoClassDefFoundError* ]]; then
      pass "(d) a JDBC table from lib/ is accepted and the TaskManager loaded the PostgreSQL driver"
    else
      fail "(d) the TaskManager loaded the nested PostgreSQL driver" "$(echo "$exceptions" | head -c 600)"
    fi
  fi

  # ---- (e) JDBC to MariaDB (jdbc:mysql:, Connector/J, from the same lib/), every type of the
  # MySQL dialect (2.0: Sluice's own, dev.sluice:sluice-connector-jdbc-mysql; 1.20: the bundle's):
  # bounded INSERTs as upserts (the second one updates a row through ON DUPLICATE KEY UPDATE), then
  # the table read back through the connector into a copy, which must equal it.
  local my_port my_dir
  my_port=$(free_port)
  my_dir="$work/$version-mariadb"
  if ! "$root/scripts/db/mariadb.sh" start "$my_dir" "$my_port" >"$work/$version-mariadb.out" 2>&1; then
    fail "(e) MariaDB starts" "$(tail -5 "$work/$version-mariadb.out")"
  else
    mariadb_server=("$my_dir" "$my_port")
    check_mariadb "$my_port" "$s"
    "$root/scripts/db/mariadb.sh" stop "$my_dir" "$my_port" >/dev/null 2>&1 || true
    mariadb_server=()
  fi

  out="$work/$version-d2.out"
  rc=0
  flink_run "$out" "$jar" "$s/d.sql" "" || rc=$?
  expect_failure "(d) without lib/ the same script fails" "$out" 9 "$rc" \
    "Could not find any factory for identifier 'kafka'"

  # ---- the cluster goes, and nothing of it stays
  "$root/scripts/flink-session.sh" stop "$dir" "$home" "$port" >/dev/null 2>&1 || true
  session=()
  if pgrep -f -- "$dir/" >/dev/null; then
    fail "no process is left after stop" "$(pgrep -af -- "$dir/")"
  else
    pass "no process is left after stop"
  fi
}

for home in "$@"; do
  check_version "$home"
done
if [[ $failed -gt 0 ]]; then echo "outputs and logs kept in $work"; fi
summary_printed=1
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
