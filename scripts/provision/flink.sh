#!/usr/bin/env bash
# Provisions complete Apache Flink distributions ("Flink homes") from PyPI, and optionally the
# connector jars for them from Maven Central. Idempotent: a home that is already complete is left
# alone, so a second run only reads two marker files per version.
#
#   scripts/provision/flink.sh [--with-connectors] [--check] VERSION...
#
#   VERSION            a version pinned in flink-packages.lock (1.20.5, 2.0.2), `default` (1.20.5)
#                      or `all` (1.20.5 2.0.2)
#   --with-connectors  also fill <home>/connectors/ (Kafka, JDBC, MySQL and PostgreSQL drivers;
#                      for 2.0 also Sluice's MySQL/MariaDB dialect, built by jdbc-mysql.sh)
#   --check            also run `<home>/bin/flink --version` on homes that were already complete
#                      (a new home is always checked before it is published)
#
# Prints each home on stdout, one per line, in the order asked; progress goes to stderr.
#
# Where (cache = ${SLUICE_CACHE_DIR:-$HOME/.cache/sluice}):
#   <cache>/downloads/            the PyPI files, checked against flink-packages.lock (sha256)
#   <cache>/flink/flink-V/        the home: bin/ conf/ lib/ opt/ plugins/ log/ licenses/
#   <cache>/flink/flink-V/.sluice-complete             written last: the home is complete
#   <cache>/flink/flink-V/connectors/                  connector jars (--with-connectors)
#   <cache>/flink/flink-V/connectors/.sluice-complete  their list and sha256 sums
#
# How: `pip download --require-hashes` fetches apache-flink (the exact manylinux2014 cp311 wheel,
# whatever the local Python is: pyflink/bin and pyflink/conf) and apache-flink-libraries (sdist:
# deps/lib, opt, plugins, bin/bash-java-utils.jar); both are checked again with sha256sum when
# reused from the cache. The home is assembled in a temporary folder next to it, checked with
# `bin/flink --version`, and renamed into place, so an interrupted run never leaves a half home.
# Connector jars come from a generated pom via `mvn -C dependency:copy-dependencies` (-C: a
# checksum mismatch fails the download); every artifact is listed explicitly and taken without
# its transitive dependencies. Runs of this script wait for each other (flock on <cache>).
#
# Needs: python3 with pip, java (17), mvn (with --with-connectors), tar, flock.
set -euo pipefail

usage() {
  echo "usage: $0 [--with-connectors] [--check] VERSION...   (VERSION: X.Y.Z, default or all)" >&2
  exit 2
}

here=$(cd "$(dirname "$0")" && pwd)
lock_file="$here/flink-packages.lock"
cache=${SLUICE_CACHE_DIR:-$HOME/.cache/sluice}
downloads="$cache/downloads"
flink_root="$cache/flink"
default_version=1.20.5
all_versions=(1.20.5 2.0.2)
# Bump when the layout of a home changes: every cached home is then rebuilt.
layout=1
# Bump together with the connector lists below (or change a list): connectors are re-fetched.
dependency_plugin=3.8.1

log() { echo "flink.sh: $*" >&2; }
die() { echo "flink.sh: error: $*" >&2; exit 1; }

# ---- connectors per Flink minor version (groupId:artifactId:version, each without transitive
# dependencies). Chosen from what the Maven mirror has:
#  1.20: flink-sql-connector-kafka (the shaded SQL jar) is not on the mirror for 1.20, so the thin
#        DataStream/Table connector is used with what it needs at runtime and flink-dist lacks:
#        kafka-clients 3.4.0 and unshaded Guava (its sink builder uses com.google.common); lz4 and
#        slf4j are in flink-dist; the zstd and snappy codecs are left out, like in the SQL jar.
#        JDBC: the 3.3.0 bundle jar (all dialects).
#  2.0:  the shaded SQL Kafka jar; JDBC core + PostgreSQL dialect. flink-connector-jdbc-mysql
#        4.0.0-2.0 is NOT on the mirror (404): MySQL/MariaDB come from Sluice's own dialect,
#        dev.sluice:sluice-connector-jdbc-mysql, built from connectors/jdbc-mysql and installed
#        into ~/.m2 by jdbc-mysql.sh (run first, see sluice_artifacts_fingerprint).
connectors_for() {
  case "$1" in
    1.20.*)
      printf '%s\n' \
        org.apache.flink:flink-connector-kafka:3.4.0-1.20 \
        org.apache.kafka:kafka-clients:3.4.0 \
        com.google.guava:guava:32.1.2-jre \
        com.google.guava:failureaccess:1.0.1 \
        org.apache.flink:flink-connector-jdbc:3.3.0-1.20 \
        com.mysql:mysql-connector-j:8.4.0 \
        org.postgresql:postgresql:42.7.4
      ;;
    2.0.*)
      printf '%s\n' \
        org.apache.flink:flink-sql-connector-kafka:4.0.1-2.0 \
        org.apache.flink:flink-connector-jdbc-core:4.0.0-2.0 \
        org.apache.flink:flink-connector-jdbc-postgres:4.0.0-2.0 \
        dev.sluice:sluice-connector-jdbc-mysql:1.0.0-2.0 \
        com.mysql:mysql-connector-j:8.4.0 \
        org.postgresql:postgresql:42.7.4
      ;;
    *) return 1 ;;
  esac
}

# ---- arguments

with_connectors=0
check_existing=0
versions=()
for arg in "$@"; do
  case "$arg" in
    --with-connectors) with_connectors=1 ;;
    --check) check_existing=1 ;;
    -h | --help) usage ;;
    -*) usage ;;
    default) versions+=("$default_version") ;;
    all) versions+=("${all_versions[@]}") ;;
    *) versions+=("$arg") ;;
  esac
done
[[ ${#versions[@]} -gt 0 ]] || usage
# Each version once, in the order asked.
mapfile -t versions < <(printf '%s\n' "${versions[@]}" | awk '!seen[$0]++')

[[ -f "$lock_file" ]] || die "missing $lock_file"
for version in "${versions[@]}"; do
  [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "not a Flink version: $version"
  grep -qE "^${version//./\\.} " "$lock_file" ||
    die "Flink $version is not pinned in $lock_file (pinned: $(awk '/^[0-9]/ { print $1 }' \
      "$lock_file" | sort -uV | tr '\n' ' '))"
  if [[ $with_connectors -eq 1 ]] && ! connectors_for "$version" >/dev/null; then
    die "no connector list for Flink $version in $0"
  fi
done

command -v python3 >/dev/null || die "python3 is missing (scripts/install-deps.sh installs it)"
command -v java >/dev/null || die "java is missing (scripts/install-deps.sh installs it)"
command -v flock >/dev/null || die "flock is missing (package util-linux)"
if [[ $with_connectors -eq 1 ]]; then
  command -v mvn >/dev/null || die "mvn is missing (scripts/install-deps.sh installs it)"
fi

mkdir -p "$downloads" "$flink_root"
# One provisioning at a time per cache; a concurrent run waits here (up to 30 min).
exec 9>"$cache/.flink.lock"
if ! flock -n 9; then
  log "waiting for another flink.sh to finish"
  flock -w 1800 9 || die "another flink.sh still holds $cache/.flink.lock after 30 min"
fi

# Temporary folders of this run, removed on exit; those of an interrupted run go now.
scratch=()
cleanup() {
  local dir
  for dir in "${scratch[@]}"; do rm -rf -- "$dir"; done
}
trap cleanup EXIT
rm -rf -- "$flink_root"/.flink-*.tmp.* "$flink_root"/.trash.* "$downloads"/.tmp.* \
  "$flink_root"/flink-*/.connectors.tmp.*

# ---- helpers

# lock_lines VERSION: the lock file's lines for VERSION (package file sha256).
lock_lines() { awk -v v="$1" '$1 == v { print $2, $3, $4 }' "$lock_file"; }

# sha_ok FILE SHA256: FILE exists and has that sha256.
sha_ok() { [[ -f "$1" ]] && echo "$2  $1" | sha256sum -c --status -; }

# fetch VERSION PACKAGE FILE SHA256: makes sure $downloads/FILE is there with that hash.
fetch() {
  local version="$1" package="$2" file="$3" sha="$4" tmp pip_args
  if sha_ok "$downloads/$file" "$sha"; then
    return 0
  fi
  if [[ -e "$downloads/$file" ]]; then
    log "$file in the cache has the wrong sha256: downloading it again"
    rm -f -- "$downloads/$file"
  fi
  log "downloading $package==$version from PyPI ($file)"
  tmp=$(mktemp -d "$downloads/.tmp.XXXXXX")
  scratch+=("$tmp")
  echo "$package==$version --hash=sha256:$sha" >"$tmp/requirements.txt"
  pip_args=(download --no-deps --no-cache-dir --disable-pip-version-check --progress-bar off
    --require-hashes -r "$tmp/requirements.txt" -d "$tmp/files")
  if [[ "$file" == *.whl ]]; then
    # The exact wheel of the lock, whatever Python runs pip.
    pip_args+=(--only-binary=:all: --platform manylinux2014_x86_64 --python-version 3.11
      --implementation cp)
  else
    pip_args+=(--no-binary=:all:)
  fi
  if ! python3 -m pip "${pip_args[@]}" >"$tmp/pip.log" 2>&1; then
    tail -20 "$tmp/pip.log" >&2
    die "download of $package==$version ($file) from PyPI failed (pip output above)"
  fi
  if [[ ! -f "$tmp/files/$file" ]]; then
    tail -5 "$tmp/pip.log" >&2
    die "pip did not save $file for $package==$version (it saved: $(cd "$tmp/files" && echo *))"
  fi
  sha_ok "$tmp/files/$file" "$sha" ||
    die "$file from PyPI does not have the sha256 pinned in $lock_file"
  mv -f -- "$tmp/files/$file" "$downloads/$file"
}

# check_home DIR VERSION: DIR/bin/flink --version prints VERSION (its log goes to a temp dir).
check_home() {
  local dir="$1" version="$2" logs out
  logs=$(mktemp -d "${TMPDIR:-/tmp}/sluice-flink-check.XXXXXX")
  scratch+=("$logs")
  if ! out=$(cd / && env -u FLINK_HOME -u FLINK_CONF_DIR -u FLINK_LIB_DIR -u FLINK_OPT_DIR \
      -u FLINK_PLUGINS_DIR -u FLINK_BIN_DIR -u FLINK_ENV_JAVA_OPTS FLINK_LOG_DIR="$logs" \
      "$dir/bin/flink" --version 2>&1); then
    echo "$out" | tail -20 >&2
    die "$dir/bin/flink --version failed"
  fi
  grep -q "Version: $version," <<<"$out" ||
    die "$dir/bin/flink --version printed '$(echo "$out" | tail -1)', not version $version"
}

# unpack_wheel WHEEL DEST: pyflink/bin -> DEST/bin, pyflink/conf -> DEST/conf, with file modes.
unpack_wheel() {
  python3 - "$1" "$2" <<'EOF'
import os, sys, zipfile
wheel, dest = sys.argv[1], sys.argv[2]
wanted = {"pyflink/bin/": "bin", "pyflink/conf/": "conf"}
count = 0
with zipfile.ZipFile(wheel) as z:
    for info in z.infolist():
        for prefix, sub in wanted.items():
            if info.filename.startswith(prefix) and not info.is_dir():
                rel = info.filename[len(prefix):]
                if rel.startswith("/") or ".." in rel.split("/"):
                    sys.exit("unsafe path in wheel: " + info.filename)
                target = os.path.join(dest, sub, rel)
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with z.open(info) as src, open(target, "wb") as out:
                    out.write(src.read())
                mode = (info.external_attr >> 16) & 0o777
                os.chmod(target, mode if mode else 0o644)
                count += 1
if count == 0:
    sys.exit("no pyflink/bin or pyflink/conf in " + wheel)
EOF
}

# home_fingerprint VERSION: what a complete home of VERSION was built from.
home_fingerprint() {
  echo "layout $layout"
  lock_lines "$1"
}

# sluice_artifacts_fingerprint VERSION: builds and installs into ~/.m2 the dev.sluice artifacts of
# VERSION's list (Sluice's own, not on any mirror) and prints their jars' sha256, so that
# connectors/ is refreshed when one of them is rebuilt from changed sources.
sluice_artifacts_fingerprint() {
  local group artifact ver jar
  while IFS=: read -r group artifact ver; do
    [[ "$group" == dev.sluice ]] || continue
    case "$artifact" in
      sluice-connector-jdbc-mysql)
        jar=$("$here/jdbc-mysql.sh") || die "building $group:$artifact failed (jdbc-mysql.sh)"
        [[ "$(basename "$jar")" == "$artifact-$ver.jar" ]] ||
          die "jdbc-mysql.sh built $(basename "$jar"), but the list of Flink $1 names $artifact-$ver"
        echo "$artifact $(sha256sum "$jar" | cut -d' ' -f1)"
        ;;
      *) die "no script builds $group:$artifact" ;;
    esac
  done < <(connectors_for "$1")
}

# connectors_fingerprint VERSION
connectors_fingerprint() {
  echo "maven-dependency-plugin $dependency_plugin"
  connectors_for "$1"
  sluice_artifacts_fingerprint "$1"
}

# provision_home VERSION: makes $flink_root/flink-VERSION complete.
provision_home() {
  local version="$1" home="$flink_root/flink-$1" package file sha wheel="" sdist="" tmp trash
  if [[ -f "$home/.sluice-complete" ]] &&
      [[ "$(cat "$home/.sluice-complete")" == "$(home_fingerprint "$version")" ]]; then
    if [[ $check_existing -eq 1 ]]; then
      check_home "$home" "$version"
    fi
    return 0
  fi
  log "assembling Flink $version in $home"
  while read -r package file sha; do
    fetch "$version" "$package" "$file" "$sha"
    case "$package" in
      apache-flink) wheel="$downloads/$file" ;;
      apache-flink-libraries) sdist="$downloads/$file" ;;
    esac
  done < <(lock_lines "$version")
  [[ -n "$wheel" && -n "$sdist" ]] ||
    die "$lock_file must pin both apache-flink and apache-flink-libraries for $version"

  tmp=$(mktemp -d "$flink_root/.flink-$version.tmp.XXXXXX")
  scratch+=("$tmp")
  unpack_wheel "$wheel" "$tmp" || die "could not unpack $wheel"
  local top entry
  top=$(tar -tzf "$sdist" 2>/dev/null | head -1) || true
  top=${top%%/*}
  [[ -n "$top" ]] || die "cannot list $sdist"
  mkdir "$tmp/.sdist"
  # As root tar would keep the packager's owner, modes and (future) times: it must not.
  tar -xzf "$sdist" -C "$tmp/.sdist" --no-same-owner --no-same-permissions --touch \
      "$top/deps" "$top/LICENSE" "$top/NOTICE" ||
    die "could not unpack $top/deps from $sdist"
  for entry in "$tmp/.sdist/$top/deps"/* "$tmp/.sdist/$top/LICENSE" "$tmp/.sdist/$top/NOTICE"; do
    if [[ -d "$entry" && -d "$tmp/$(basename "$entry")" ]]; then
      mv -- "$entry"/* "$tmp/$(basename "$entry")/"  # deps/bin joins the wheel's bin/
    else
      mv -- "$entry" "$tmp/"
    fi
  done
  rm -rf -- "$tmp/.sdist"
  mkdir -p "$tmp/log"
  local part
  for part in bin/flink bin/config.sh bin/start-cluster.sh bin/bash-java-utils.jar conf lib opt \
      plugins "lib/flink-dist-$version.jar"; do
    [[ -e "$tmp/$part" ]] || die "the assembled Flink $version home lacks $part"
  done
  find "$tmp/bin" -type f \( -name '*.sh' -o -name flink \) -exec chmod 755 {} +
  chmod 755 "$tmp"
  check_home "$tmp" "$version"
  rm -rf -- "${tmp:?}/log/"*
  home_fingerprint "$version" >"$tmp/.sluice-complete"
  # An outdated home goes aside first: the rename of the new one is then atomic.
  if [[ -e "$home" ]]; then
    trash=$(mktemp -d "$flink_root/.trash.XXXXXX")
    scratch+=("$trash")
    mv -- "$home" "$trash/"
  fi
  mv -T -- "$tmp" "$home"
  log "Flink $version is ready in $home"
}

# provision_connectors VERSION: makes $flink_root/flink-VERSION/connectors complete.
provision_connectors() {
  local version="$1" home="$flink_root/flink-$1" dir tmp group artifact ver trash
  dir="$home/connectors"
  local fingerprint
  fingerprint=$(connectors_fingerprint "$version") || exit 1
  if [[ -f "$dir/.sluice-complete" ]] &&
      [[ "$(sed '/^sha256 /d' "$dir/.sluice-complete")" == "$fingerprint" ]]; then
    return 0
  fi
  log "fetching the connectors for Flink $version from Maven Central"
  tmp=$(mktemp -d "$home/.connectors.tmp.XXXXXX")
  scratch+=("$tmp")
  {
    echo '<?xml version="1.0" encoding="UTF-8"?>'
    echo '<project xmlns="http://maven.apache.org/POM/4.0.0">'
    echo '  <modelVersion>4.0.0</modelVersion>'
    echo '  <groupId>dev.sluice.provision</groupId>'
    echo "  <artifactId>flink-$version-connectors</artifactId>"
    echo '  <version>1</version>'
    echo '  <packaging>pom</packaging>'
    echo '  <dependencies>'
    while IFS=: read -r group artifact ver; do
      echo "    <dependency><groupId>$group</groupId><artifactId>$artifact</artifactId>"
      echo "      <version>$ver</version>"
      echo '      <exclusions><exclusion><groupId>*</groupId><artifactId>*</artifactId></exclusion></exclusions>'
      echo '    </dependency>'
    done < <(connectors_for "$version")
    echo '  </dependencies>'
    echo '  <build><pluginManagement><plugins><plugin>'
    echo '    <groupId>org.apache.maven.plugins</groupId><artifactId>maven-dependency-plugin</artifactId>'
    echo "    <version>$dependency_plugin</version>"
    echo '  </plugin></plugins></pluginManagement></build>'
    echo '</project>'
  } >"$tmp/pom.xml"
  mkdir "$tmp/jars"
  local mvn_log="$flink_root/flink-$version-connectors.log"
  if ! (cd "$tmp" && mvn -B -C -U -ntp -f "$tmp/pom.xml" dependency:copy-dependencies \
      -DoutputDirectory="$tmp/jars" -DincludeScope=runtime) >"$mvn_log" 2>&1; then
    grep -E '^\[ERROR\]' "$mvn_log" | head -20 >&2 || tail -20 "$mvn_log" >&2
    die "download of the Flink $version connectors from Maven Central failed (artifacts: \
$(connectors_for "$version" | tr '\n' ' ')); Maven's log: $mvn_log"
  fi
  rm -f -- "$mvn_log"
  {
    echo "$fingerprint"
    while IFS=: read -r group artifact ver; do
      [[ -s "$tmp/jars/$artifact-$ver.jar" ]] ||
        die "Maven did not deliver $group:$artifact:$ver for Flink $version"
      echo "sha256 $(cd "$tmp/jars" && sha256sum "$artifact-$ver.jar")"
    done < <(connectors_for "$version")
  } >"$tmp/jars/.sluice-complete"
  if [[ -e "$dir" ]]; then
    trash=$(mktemp -d "$flink_root/.trash.XXXXXX")
    scratch+=("$trash")
    mv -- "$dir" "$trash/"
  fi
  mv -T -- "$tmp/jars" "$dir"
  log "connectors for Flink $version are in $dir"
}

# ---- main

homes=()
for version in "${versions[@]}"; do
  provision_home "$version"
  if [[ $with_connectors -eq 1 ]]; then
    provision_connectors "$version"
  fi
  homes+=("$flink_root/flink-$version")
done
printf '%s\n' "${homes[@]}"
