#!/usr/bin/env bash
# A throw-away Apache Kafka 3.9.1 broker for tests and demos: one process that is both broker and
# KRaft controller, listening on 127.0.0.1 only. Kafka itself comes from Maven Central (no
# tarball): kafka_2.13, kafka-tools and their runtime dependencies, plus the logging jars the POMs
# leave out (reload4j, slf4j-reload4j).
#
#   scripts/provision/kafka.sh install             fetches Kafka into <cache>/kafka/3.9.1 (libs/)
#                                                   if missing, prints that folder
#   scripts/provision/kafka.sh start DIR PORT      formats DIR/data for KRaft if new, starts the
#                                                   broker on 127.0.0.1:PORT (no-op if it already
#                                                   runs), waits until it serves (60 s at most),
#                                                   prints the bootstrap address 127.0.0.1:PORT
#   scripts/provision/kafka.sh stop DIR PORT       stops it (SIGTERM: a clean shutdown, SIGKILL
#                                                   after 60 s); no-op if it is not running
#   scripts/provision/kafka.sh url DIR PORT        prints 127.0.0.1:PORT
#   scripts/provision/kafka.sh tool CLASS ARGS...  runs a Kafka tool class with Kafka's classpath,
#                                                   e.g. org.apache.kafka.tools.TopicCommand
#                                                   --bootstrap-server 127.0.0.1:PORT --list
#
# cache = ${SLUICE_CACHE_DIR:-$HOME/.cache/sluice}. The controller listens on another free port of
# 127.0.0.1, kept in DIR/controller-port. The heap is 512 MB at most (SLUICE_KAFKA_HEAP to change).
# In DIR: server.properties, log4j.properties, data/ (the log dirs and KRaft metadata),
# logs/server.log (Kafka's log), kafka.out (stdout/stderr), kafka.pid. The jars are fetched with
# `mvn -C` (strict checksums: a mismatch fails) from a generated pom; libs/.sluice-complete lists
# them with their sha256 and is written last. Needs java (17) and mvn.
set -euo pipefail

kafka_version=3.9.1
scala_version=2.13
reload4j_version=1.2.25
slf4j_version=1.7.36
dependency_plugin=3.8.1
timeout_s=60

usage() {
  echo "usage: $0 install | start|stop|url DIR PORT | tool CLASS [ARGS...]" >&2
  exit 2
}
log() { echo "kafka.sh: $*" >&2; }
die() { echo "kafka.sh: error: $*" >&2; exit 1; }

[[ $# -ge 1 ]] || usage
action="$1"
shift
cache=${SLUICE_CACHE_DIR:-$HOME/.cache/sluice}
kafka_home="$cache/kafka/$kafka_version"
libs="$kafka_home/libs"

# What an installation is made of; a change re-fetches it.
fingerprint() {
  echo "kafka_$scala_version $kafka_version kafka-tools $kafka_version reload4j $reload4j_version"
  echo "slf4j-reload4j $slf4j_version maven-dependency-plugin $dependency_plugin layout 1"
}

installed() {
  [[ -f "$libs/.sluice-complete" ]] &&
    [[ "$(sed '/^sha256 /d' "$libs/.sluice-complete")" == "$(fingerprint)" ]]
}

# install: fills $libs (atomically: built next to it, then renamed).
install_kafka() {
  if installed; then
    return 0
  fi
  command -v mvn >/dev/null || die "mvn is missing (scripts/install-deps.sh installs it)"
  mkdir -p "$kafka_home"
  exec 8>"$kafka_home/.lock"
  if ! flock -n 8; then
    log "waiting for another kafka.sh install to finish"
    flock -w 1800 8 || die "another kafka.sh still holds $kafka_home/.lock after 30 min"
  fi
  if installed; then
    exec 8>&-
    return 0
  fi
  rm -rf -- "$kafka_home"/.libs.tmp.* "$kafka_home"/.trash.*
  local tmp mvn_log="$kafka_home/install.log"
  tmp=$(mktemp -d "$kafka_home/.libs.tmp.XXXXXX")
  # shellcheck disable=SC2064  # $tmp is meant to be expanded now
  trap "rm -rf -- '$tmp'" EXIT
  log "fetching Kafka $kafka_version from Maven Central into $libs"
  cat >"$tmp/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.sluice.provision</groupId>
  <artifactId>kafka-$kafka_version</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <!-- The broker (kafka.Kafka, kafka.tools.StorageTool) and its runtime dependencies. -->
    <dependency>
      <groupId>org.apache.kafka</groupId><artifactId>kafka_$scala_version</artifactId>
      <version>$kafka_version</version>
    </dependency>
    <!-- The command-line tools (TopicCommand, console producer/consumer); Kafka Connect, which
         it also depends on, is not needed for them. -->
    <dependency>
      <groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId>
      <version>$kafka_version</version>
      <exclusions>
        <exclusion><groupId>org.apache.kafka</groupId><artifactId>connect-runtime</artifactId></exclusion>
        <exclusion><groupId>com.fasterxml.jackson.jaxrs</groupId><artifactId>*</artifactId></exclusion>
      </exclusions>
    </dependency>
    <!-- Logging: the POMs leave the binding out (compileOnly in Kafka's build). -->
    <dependency>
      <groupId>ch.qos.reload4j</groupId><artifactId>reload4j</artifactId>
      <version>$reload4j_version</version>
    </dependency>
    <dependency>
      <groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId>
      <version>$slf4j_version</version>
    </dependency>
  </dependencies>
  <build><pluginManagement><plugins><plugin>
    <groupId>org.apache.maven.plugins</groupId><artifactId>maven-dependency-plugin</artifactId>
    <version>$dependency_plugin</version>
  </plugin></plugins></pluginManagement></build>
</project>
EOF
  mkdir "$tmp/libs" "$tmp/config"
  if ! (cd "$tmp" && mvn -B -C -U -ntp -f "$tmp/pom.xml" dependency:copy-dependencies \
      -DoutputDirectory="$tmp/libs" -DincludeScope=runtime) >"$mvn_log" 2>&1; then
    grep -E '^\[ERROR\]' "$mvn_log" | head -20 >&2 || tail -20 "$mvn_log" >&2
    die "download of Kafka $kafka_version (org.apache.kafka:kafka_$scala_version:$kafka_version, \
kafka-tools, reload4j, slf4j-reload4j) from Maven Central failed; Maven's log: $mvn_log"
  fi
  rm -f -- "$mvn_log"
  local jar
  for jar in "kafka_$scala_version-$kafka_version.jar" "kafka-tools-$kafka_version.jar" \
      "kafka-clients-$kafka_version.jar" "reload4j-$reload4j_version.jar" \
      "slf4j-reload4j-$slf4j_version.jar"; do
    [[ -s "$tmp/libs/$jar" ]] || die "Maven did not deliver $jar"
  done
  # The tools log warnings and errors only, to stderr.
  cat >"$tmp/config/tools-log4j.properties" <<'EOF'
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.appender.stderr.Target=System.err
EOF
  {
    fingerprint
    (cd "$tmp/libs" && sha256sum -- *.jar) | sed 's/^/sha256 /'
  } >"$tmp/libs/.sluice-complete.tmp"
  if [[ -e "$libs" ]]; then
    local trash
    trash=$(mktemp -d "$kafka_home/.trash.XXXXXX")
    mv -- "$libs" "$trash/"
    rm -rf -- "$trash"
  fi
  rm -rf -- "$kafka_home/config"
  mv -T -- "$tmp/config" "$kafka_home/config"
  mv -- "$tmp/libs/.sluice-complete.tmp" "$tmp/libs/.sluice-complete"
  mv -T -- "$tmp/libs" "$libs"
  rm -rf -- "$tmp"
  trap - EXIT
  exec 8>&-
  log "Kafka $kafka_version is in $kafka_home ($(find "$libs" -name '*.jar' | wc -l) jars)"
}

case "$action" in
  install)
    [[ $# -eq 0 ]] || usage
    install_kafka
    echo "$kafka_home"
    exit 0
    ;;
  tool)
    [[ $# -ge 1 ]] || usage
    command -v java >/dev/null || die "java is missing (scripts/install-deps.sh installs it)"
    install_kafka
    exec java -Xmx256m -Dlog4j.configuration="file:$kafka_home/config/tools-log4j.properties" \
      -cp "$libs/*" "$@"
    ;;
  start | stop | url) [[ $# -eq 2 ]] || usage ;;
  *) usage ;;
esac

port="$2"
[[ "$port" =~ ^[0-9]+$ ]] || die "PORT must be a number"
dir=$(realpath -m -- "$1")
url="127.0.0.1:$port"
pid_file="$dir/kafka.pid"

if [[ "$action" == url ]]; then
  echo "$url"
  exit 0
fi

# port_open PORT: something accepts connections on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# running_pid: the pid of DIR's broker when it runs (checked by its command line, so a reused pid
# of another process is never taken for it).
running_pid() {
  local pid
  [[ -f "$pid_file" ]] || return 1
  pid=$(cat "$pid_file")
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [[ -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "kafka.Kafka $dir/server.properties" || return 1
  echo "$pid"
}

case "$action" in
  start)
    command -v java >/dev/null || die "java is missing (scripts/install-deps.sh installs it)"
    install_kafka
    mkdir -p "$dir/logs"
    if pid=$(running_pid); then
      running_port=$(sed -n 's#^listeners=PLAINTEXT://127.0.0.1:\([0-9]*\),.*#\1#p' \
        "$dir/server.properties")
      [[ "$running_port" == "$port" ]] ||
        die "the broker of $dir already runs on port $running_port, not $port"
      echo "$url"
      exit 0
    fi
    port_open "$port" && die "port $port is already in use"

    # The controller keeps its port across restarts of DIR (a free one is picked the first time).
    controller_port=$(cat "$dir/controller-port" 2>/dev/null || true)
    if [[ ! "$controller_port" =~ ^[0-9]+$ ]] || [[ "$controller_port" == "$port" ]] ||
        port_open "$controller_port"; then
      controller_port=""
      for _ in $(seq 1 200); do
        candidate=$((20000 + RANDOM % 40000))
        if [[ "$candidate" != "$port" ]] && ! port_open "$candidate"; then
          controller_port=$candidate
          break
        fi
      done
      [[ -n "$controller_port" ]] || die "no free port for the controller"
      echo "$controller_port" >"$dir/controller-port"
    fi

    cat >"$dir/server.properties" <<EOF
# Written by scripts/provision/kafka.sh: a single-node KRaft broker+controller on loopback.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data
num.partitions=1
default.replication.factor=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
EOF
    cat >"$dir/log4j.properties" <<'EOF'
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=${kafka.logs.dir}/server.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.org.apache.kafka.controller=INFO
log4j.logger.state.change.logger=WARN
EOF

    if [[ ! -f "$dir/data/meta.properties" ]]; then
      # A half-formatted folder (interrupted format) would make format refuse to run.
      rm -rf -- "$dir/data"
      tool_java=(java -Xmx256m
        -Dlog4j.configuration="file:$kafka_home/config/tools-log4j.properties" -cp "$libs/*")
      cluster_id=$("${tool_java[@]}" kafka.tools.StorageTool random-uuid 2>"$dir/format.log") ||
        { cat "$dir/format.log" >&2; die "StorageTool random-uuid failed"; }
      if ! "${tool_java[@]}" kafka.tools.StorageTool format -t "$cluster_id" \
          -c "$dir/server.properties" >>"$dir/format.log" 2>&1; then
        tail -20 "$dir/format.log" >&2
        die "formatting the KRaft storage in $dir/data failed (see $dir/format.log)"
      fi
    fi

    : >"$dir/logs/server.log"
    # All descriptors redirected: the broker must not hold the caller's pipes (or our lock).
    java -Xmx"${SLUICE_KAFKA_HEAP:-512m}" -Xms128m -XX:+UseG1GC -Djava.awt.headless=true \
      -Dkafka.logs.dir="$dir/logs" -Dlog4j.configuration="file:$dir/log4j.properties" \
      -cp "$libs/*" kafka.Kafka "$dir/server.properties" \
      </dev/null >"$dir/kafka.out" 2>&1 8>&- &
    pid=$!
    echo "$pid" >"$pid_file"

    deadline=$((SECONDS + timeout_s))
    until port_open "$port" && grep -q 'Kafka Server started' "$dir/logs/server.log"; do
      if ! kill -0 "$pid" 2>/dev/null; then
        tail -n 20 "$dir/kafka.out" "$dir/logs/server.log" >&2
        rm -f -- "$pid_file"
        die "the broker exited during start-up (see $dir/logs/server.log, $dir/kafka.out)"
      fi
      if (( SECONDS >= deadline )); then
        tail -20 "$dir/logs/server.log" >&2
        kill -KILL "$pid" 2>/dev/null || true
        rm -f -- "$pid_file"
        die "the broker did not start within ${timeout_s} s (see $dir/logs/server.log)"
      fi
      sleep 0.1
    done
    echo "$url"
    ;;
  stop)
    pid=$(running_pid) || { rm -f -- "$pid_file"; exit 0; }
    kill -TERM "$pid" 2>/dev/null || true
    deadline=$((SECONDS + timeout_s))
    while kill -0 "$pid" 2>/dev/null; do
      if (( SECONDS >= deadline )); then
        log "the broker of $dir did not stop within ${timeout_s} s: killing it"
        kill -KILL "$pid" 2>/dev/null || true
        deadline=$((SECONDS + 10))
        while kill -0 "$pid" 2>/dev/null; do
          (( SECONDS < deadline )) || die "pid $pid survives SIGKILL"
          sleep 0.1
        done
        break
      fi
      sleep 0.1
    done
    rm -f -- "$pid_file"
    ;;
esac
