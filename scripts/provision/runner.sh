#!/usr/bin/env bash
# Builds Sluice's Flink SQL runner (runner/, see runner/README.md): one jar for every supported
# Flink version (1.20.x, 2.0.x).
#
#   scripts/provision/runner.sh
#
# Writes <cache>/runner/sluice-sql-runner.jar (cache = ${SLUICE_CACHE_DIR:-$HOME/.cache/sluice})
# and prints its absolute path on stdout; progress goes to stderr. The jar is rebuilt only when the
# runner's sources changed: <cache>/runner/.sluice-complete holds the sha256 of runner/pom.xml and
# runner/src/ (paths and contents) it was built from, and is written after the jar, so an
# interrupted run leaves no marker and the next one rebuilds. The build (`mvn -B -q package`: the
# unit tests run too) happens in a temporary folder next to the jar, never in the source tree, and
# the jar is renamed into place. Maven uses ~/.m2 and never forces updates (no -U), so once the
# dependencies are there it needs no network. Concurrent runs wait for each other (flock on
# <cache>/runner/.lock). A warm run only hashes the sources (well under a second).
#
# Needs: java (17), mvn, flock, sha256sum.
set -euo pipefail

usage() { echo "usage: $0" >&2; exit 2; }
log() { echo "runner.sh: $*" >&2; }
die() { echo "runner.sh: error: $*" >&2; exit 1; }

[[ $# -eq 0 ]] || usage
here=$(cd "$(dirname "$0")" && pwd)
project=$(cd "$here/../../runner" && pwd)
cache=${SLUICE_CACHE_DIR:-$HOME/.cache/sluice}
mkdir -p "$cache/runner"
out=$(cd "$cache/runner" && pwd)
jar="$out/sluice-sql-runner.jar"
marker="$out/.sluice-complete"

command -v flock >/dev/null || die "flock is missing (package util-linux)"

exec 9>"$out/.lock"
if ! flock -n 9; then
  log "waiting for another runner.sh to finish"
  flock -w 1800 9 || die "another runner.sh still holds $out/.lock after 30 min"
fi

# What the jar is built from: the runner's files, sorted, by path and content.
sources_sha=$(cd "$project" && find pom.xml src -type f -print0 | LC_ALL=C sort -z |
  xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
want="runner sources $sources_sha"

if [[ -s "$jar" && -f "$marker" && "$(cat "$marker")" == "$want" ]]; then
  echo "$jar"
  exit 0
fi

command -v mvn >/dev/null || die "mvn is missing (scripts/install-deps.sh installs it)"
command -v java >/dev/null || die "java is missing (scripts/install-deps.sh installs it)"

# Leftovers of an interrupted run (we hold the lock, so none is in use).
rm -rf -- "$out"/.build.*
build=$(mktemp -d "$out/.build.XXXXXX")
trap 'rm -rf -- "$build"' EXIT

log "building the SQL runner from $project"
mvn_log="$build/mvn.log"
if ! mvn -B -q -ntp -Dstyle.color=never -f "$project/pom.xml" -Dsluice.build.dir="$build/target" \
    package >"$mvn_log" 2>&1; then
  saved="$out/build.log"
  cp -- "$mvn_log" "$saved"
  grep -E '^\[ERROR\]' "$mvn_log" | head -30 >&2 || tail -30 "$mvn_log" >&2
  die "building the SQL runner failed (Maven's log: $saved)"
fi
[[ -s "$build/target/sluice-sql-runner.jar" ]] || die "Maven built no $build/target/sluice-sql-runner.jar"
# Marker out first, jar renamed in (same file system: atomic), marker back: never a marker beside
# a jar it does not describe.
rm -f -- "$marker" "$out/build.log"
mv -f -- "$build/target/sluice-sql-runner.jar" "$jar"
echo "$want" >"$marker"
log "built $jar"
echo "$jar"
