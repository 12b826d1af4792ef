#!/usr/bin/env bash
# Installs the Debian packages Sluice needs, only those that are missing. When everything is
# present the script only asks dpkg-query and never runs apt-get, so a second run is instant.
#
#   scripts/install-deps.sh [run]   what building and running Sluice needs (the default),
#                                   including what scripts/provision/ needs to fetch Flink and
#                                   Kafka: a Java 17 JDK, Maven, Python 3 with pip
#   scripts/install-deps.sh test    also the test, fuzz and benchmark tools and the database
#                                   servers (PostgreSQL, MariaDB)
#
# The database servers are installed but never used as system services: the tests start their
# own throw-away servers (scripts/db/*.sh), so apt is kept from starting the services.
# Uses sudo when not run as root. Waits (polling, up to SLUICE_APT_LOCK_WAIT seconds, default
# 1800) when another apt/dpkg holds the package manager locks.
set -euo pipefail

usage() { echo "usage: $0 [run|test]" >&2; exit 2; }
mode="${1:-run}"
[[ $# -le 1 ]] || usage

run_packages=(build-essential cmake ninja-build ccache pkg-config libboost-dev nlohmann-json3-dev
  libsqlite3-dev libpq-dev libmariadb-dev libyaml-cpp-dev libspdlog-dev libfmt-dev
  libcurl4-openssl-dev zlib1g-dev libsodium-dev libzip-dev libjemalloc-dev libcli11-dev libgtest-dev libgmock-dev curl
  openjdk-17-jdk-headless maven python3 python3-pip)
test_packages=(postgresql mariadb-server mariadb-client clang libclang-rt-14-dev clang-format wrk
  libbenchmark-dev chromium fonts-liberation)
# Projects (src/projects): git and ssh run builds' fetches; the tests serve Git over SSH.
run_packages+=(git openssh-client)
test_packages+=(openssh-server)
# alerts: a real SMTP server for the alert channel tests; openssl makes its TLS certificate
test_packages+=(python3-aiosmtpd openssl)

case "$mode" in
  run) packages=("${run_packages[@]}") ;;
  test) packages=("${run_packages[@]}" "${test_packages[@]}") ;;
  *) usage ;;
esac

# One dpkg-query for all; unknown packages only print an error (hidden) and are missing.
installed=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${packages[@]}" 2>/dev/null |
  awk '$2 == "installed" { print $1 }' || true)
missing=()
for package in "${packages[@]}"; do
  grep -qxF -- "$package" <<<"$installed" || missing+=("$package")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
as_root=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: not root and sudo is missing" >&2; exit 1; }
  as_root=(sudo)
fi

# apt_locked: true while another process holds one of the apt/dpkg locks. apt takes fcntl
# locks, which /proc/locks lists by inode; no extra tool (fuser, lsof) needed.
apt_locks=(/var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock
  /var/cache/apt/archives/lock)
apt_locked() {
  local lock inode
  for lock in "${apt_locks[@]}"; do
    [[ -e "$lock" ]] || continue
    inode=$(stat -c %i "$lock")
    grep -qE "^[0-9]+: .*:${inode} " /proc/locks && return 0
  done
  return 1
}

lock_deadline=$((SECONDS + ${SLUICE_APT_LOCK_WAIT:-1800}))
wait_for_apt() {
  local told=0
  while apt_locked; do
    if (( SECONDS >= lock_deadline )); then
      echo "install-deps: apt/dpkg still locked by another process, giving up" >&2
      exit 1
    fi
    if [[ $told -eq 0 ]]; then
      echo "install-deps: waiting for another apt/dpkg to finish" >&2
      told=1
    fi
    sleep 1
  done
}

# apt_run ARGS...: apt-get ARGS once the locks are free; if it fails because another apt grabbed
# a lock in between, waits again and retries (until the deadline). apt's chatter goes to a log
# that is shown only on failure.
apt_log=$(mktemp /tmp/sluice-install-deps-XXXXXX.log)
apt_run() {
  while true; do
    wait_for_apt
    # env: sudo resets the environment, DEBIAN_FRONTEND must reach apt and debconf.
    if "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=60 \
        "$@" >"$apt_log" 2>&1; then
      return 0
    fi
    if ! apt_locked || (( SECONDS >= lock_deadline )); then
      tail -30 "$apt_log" >&2
      echo "install-deps: apt-get $* failed" >&2
      return 1
    fi
  done
}

# Keep apt from starting the PostgreSQL and MariaDB system services: invoke-rc.d asks
# policy-rc.d, and exit code 101 means "action forbidden". An existing policy is left alone.
policy=/usr/sbin/policy-rc.d
created_policy=0
cleanup() {
  if [[ $created_policy -eq 1 ]]; then
    "${as_root[@]}" rm -f "$policy"
  fi
  rm -f "$apt_log"
}
trap cleanup EXIT
if [[ ! -e "$policy" ]]; then
  printf '#!/bin/sh\n# Temporary, from Sluice scripts/install-deps.sh\nexit 101\n' |
    "${as_root[@]}" tee "$policy" >/dev/null
  "${as_root[@]}" chmod 755 "$policy"
  created_policy=1
fi

apt_run update -qq
apt_run install -y -qq --no-install-recommends "${missing[@]}"

# Just in case a policy allowed a freshly installed server to start: stop it, the tests never use
# the system services and they would hold the default ports.
for package in "${missing[@]}"; do
  case "$package" in
    postgresql) service=postgresql ;;
    mariadb-server) service=mariadb ;;
    *) continue ;;
  esac
  if [[ -x /etc/init.d/$service ]]; then
    "${as_root[@]}" /etc/init.d/"$service" stop >/dev/null 2>&1 || true
  fi
done
echo "install-deps: done" >&2
