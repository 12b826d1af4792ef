#!/usr/bin/env bash
# Builds Sluice's MySQL/MariaDB dialect for Flink 2.0's JDBC connector (connectors/jdbc-mysql/,
# see its README.md) and installs it into Maven's local repository, so that an app can name it as
# the Maven coordinate dev.sluice:sluice-connector-jdbc-mysql:<version> and Sluice's resolver finds
# it there without any network.
#
#   scripts/provision/jdbc-mysql.sh
#
# Writes <cache>/jdbc-mysql/sluice-connector-jdbc-mysql-<version>.jar (cache =
# ${SLUICE_CACHE_DIR:-$HOME/.cache/sluice}) and prints its absolute path on stdout; progress goes to
# stderr. The local repository is ${SLUICE_MAVEN_LOCAL_REPOSITORY:-$HOME/.m2/repository}: it must
# be the server's `maven_local_repository` (whose default is the same).
#
# Rebuilt only when needed: <cache>/jdbc-mysql/.sluice-complete holds the sha256 of
# connectors/jdbc-mysql/pom.xml and src/ (paths and contents), the local repository and the jar's
# sha256; a warm run only hashes the sources and checks that the local repository still holds that
# jar (well under a second). The build (`mvn -B -q install`: the unit tests run too) happens in a
# temporary folder next to the jar, never in the source tree; Maven uses the local repository and
# never forces updates (no -U), so once Flink's artifacts are there it needs no network. The marker
# is written last, so an interrupted run leaves none and the next one rebuilds. Concurrent runs wait
# for each other (flock on <cache>/jdbc-mysql/.lock).
#
# Needs: java (17), mvn, flock, sha256sum.
set -euo pipefail

usage() { echo "usage: $0" >&2; exit 2; }
log() { echo "jdbc-mysql.sh: $*" >&2; }
die() { echo "jdbc-mysql.sh: error: $*" >&2; exit 1; }

[[ $# -eq 0 ]] || usage
here=$(cd "$(dirname "$0")" && pwd)
project=$(cd "$here/../../connectors/jdbc-mysql" 2>/dev/null && pwd) ||
  die "no connectors/jdbc-mysql next to $here/../.. (run the script from a Sluice checkout)"
cache=${SLUICE_CACHE_DIR:-$HOME/.cache/sluice}
local_repo=${SLUICE_MAVEN_LOCAL_REPOSITORY:-$HOME/.m2/repository}
mkdir -p "$cache/jdbc-mysql" "$local_repo"
out=$(cd "$cache/jdbc-mysql" && pwd)
local_repo=$(cd "$local_repo" && pwd)
marker="$out/.sluice-complete"

group=dev.sluice
artifact=sluice-connector-jdbc-mysql
# The project's own <version> (two-space indent: the project's, not a dependency's).
version=$(sed -n 's|^  <version>\(.*\)</version>.*|\1|p' "$project/pom.xml" | head -1)
[[ "$version" =~ ^[0-9A-Za-z._-]+$ ]] || die "cannot read the version from $project/pom.xml"
jar="$out/$artifact-$version.jar"
installed="$local_repo/${group//.//}/$artifact/$version/$artifact-$version.jar"

command -v flock >/dev/null || die "flock is missing (package util-linux)"

exec 9>"$out/.lock"
if ! flock -n 9; then
  log "waiting for another jdbc-mysql.sh to finish"
  flock -w 1800 9 || die "another jdbc-mysql.sh still holds $out/.lock after 30 min"
fi

# What the jar is built from: the project's files, sorted, by path and content.
sources_sha=$(cd "$project" && find pom.xml src -type f -print0 | LC_ALL=C sort -z |
  xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
want_prefix="jdbc-mysql sources $sources_sha repository $local_repo"

if [[ -s "$jar" && -f "$marker" && -s "$installed" ]]; then
  jar_sha=$(sha256sum "$jar" | cut -d' ' -f1)
  if [[ "$(cat "$marker")" == "$want_prefix jar $jar_sha" ]] &&
      [[ "$(sha256sum "$installed" | cut -d' ' -f1)" == "$jar_sha" ]]; then
    echo "$jar"
    exit 0
  fi
fi

command -v mvn >/dev/null || die "mvn is missing (scripts/install-deps.sh installs it)"
command -v java >/dev/null || die "java is missing (scripts/install-deps.sh installs it)"

# Leftovers of an interrupted run (we hold the lock, so none is in use).
rm -rf -- "$out"/.build.*
build=$(mktemp -d "$out/.build.XXXXXX")
trap 'rm -rf -- "$build"' EXIT

log "building $group:$artifact:$version from $project into $local_repo"
mvn_log="$build/mvn.log"
if ! mvn -B -q -ntp -Dstyle.color=never -f "$project/pom.xml" -Dmaven.repo.local="$local_repo" \
    -Dsluice.build.dir="$build/target" install >"$mvn_log" 2>&1; then
  saved="$out/build.log"
  cp -- "$mvn_log" "$saved"
  grep -E '^\[ERROR\]' "$mvn_log" | head -30 >&2 || tail -30 "$mvn_log" >&2
  die "building the MySQL dialect failed (Maven's log: $saved)"
fi
built="$build/target/$artifact-$version.jar"
[[ -s "$built" ]] || die "Maven built no $built"
[[ -s "$installed" ]] || die "mvn install did not put $installed there"
jar_sha=$(sha256sum "$built" | cut -d' ' -f1)
[[ "$(sha256sum "$installed" | cut -d' ' -f1)" == "$jar_sha" ]] ||
  die "$installed is not the jar just built"
# Marker out first, jar renamed in (same file system: atomic), marker back.
rm -f -- "$marker" "$out/build.log"
mv -f -- "$built" "$jar"
echo "$want_prefix jar $jar_sha" >"$marker"
log "built $jar and installed $group:$artifact:$version"
echo "$jar"
