#!/usr/bin/env bash
# Builds the tiny Flink test job (tests/flink-job, see TinyJob.java) against each Flink version.
#
#   scripts/provision/test-job.sh VERSION...   VERSION: X.Y.Z, `default` (1.20.5) or `all`
#                                              (1.20.5 2.0.2)
#
# Writes <cache>/test-jobs/tiny-job-V.jar (cache = ${SLUICE_CACHE_DIR:-$HOME/.cache/sluice}) and
# prints the jar paths on stdout, one per line; progress goes to stderr. A jar is rebuilt only when
# the job's sources (pom.xml, src/) changed since it was built: <cache>/test-jobs/tiny-job-V.stamp
# holds the sha256 of what it was built from. Maven runs with -C (strict checksums); the build
# folder is <cache>/test-jobs/build-V, never the source tree. Needs java (17) and mvn.
set -euo pipefail

usage() { echo "usage: $0 VERSION...   (VERSION: X.Y.Z, default or all)" >&2; exit 2; }
log() { echo "test-job.sh: $*" >&2; }
die() { echo "test-job.sh: error: $*" >&2; exit 1; }

here=$(cd "$(dirname "$0")" && pwd)
project=$(cd "$here/../../tests/flink-job" && pwd)
cache=${SLUICE_CACHE_DIR:-$HOME/.cache/sluice}
out="$cache/test-jobs"
default_version=1.20.5
all_versions=(1.20.5 2.0.2)

versions=()
for arg in "$@"; do
  case "$arg" in
    -*) usage ;;
    default) versions+=("$default_version") ;;
    all) versions+=("${all_versions[@]}") ;;
    *) versions+=("$arg") ;;
  esac
done
[[ ${#versions[@]} -gt 0 ]] || usage
mapfile -t versions < <(printf '%s\n' "${versions[@]}" | awk '!seen[$0]++')
for version in "${versions[@]}"; do
  [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "not a Flink version: $version"
done
command -v mvn >/dev/null || die "mvn is missing (scripts/install-deps.sh installs it)"
command -v java >/dev/null || die "java is missing (scripts/install-deps.sh installs it)"

mkdir -p "$out"
exec 9>"$out/.lock"
if ! flock -n 9; then
  log "waiting for another test-job.sh to finish"
  flock -w 1800 9 || die "another test-job.sh still holds $out/.lock after 30 min"
fi

# What a jar is built from: the job's files (sorted, by content) and the Flink version.
sources_sha=$(cd "$project" && find pom.xml src -type f -print0 | sort -z |
  xargs -0 sha256sum | sha256sum | cut -d' ' -f1)

jars=()
for version in "${versions[@]}"; do
  jar="$out/tiny-job-$version.jar"
  stamp="$out/tiny-job-$version.stamp"
  want="flink $version sources $sources_sha"
  jars+=("$jar")
  if [[ -s "$jar" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    continue
  fi
  log "building the tiny job for Flink $version"
  build="$out/build-$version"
  rm -rf -- "$build"
  mvn_log="$out/build-$version.log"
  if ! mvn -B -C -U -ntp -Dstyle.color=never -f "$project/pom.xml" -Dflink.version="$version" \
      -Dsluice.build.dir="$build" package >"$mvn_log" 2>&1; then
    grep -E '^\[ERROR\]' "$mvn_log" | head -30 >&2 || tail -30 "$mvn_log" >&2
    die "building the tiny job for Flink $version failed (Maven's log: $mvn_log)"
  fi
  [[ -s "$build/tiny-job.jar" ]] || die "Maven built no $build/tiny-job.jar"
  # Jar first, then its stamp: an interrupted run leaves no stamp, so the next one rebuilds.
  rm -f -- "$stamp"
  cp -- "$build/tiny-job.jar" "$jar.tmp"
  mv -f -- "$jar.tmp" "$jar"
  echo "$want" >"$stamp"
  rm -rf -- "$build" "$mvn_log"
  log "built $jar"
done
printf '%s\n' "${jars[@]}"
