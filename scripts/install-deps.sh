#!/usr/bin/env bash
# Installs the Debian packages Sluice needs, only when something is missing (a second run is fast
# and calls no package manager).
#   scripts/install-deps.sh run    build and run
#   scripts/install-deps.sh test   also what the tests and benchmarks need
set -euo pipefail
mode="${1:-run}"
run_packages=(build-essential cmake ninja-build pkg-config libboost-dev nlohmann-json3-dev
  libsqlite3-dev libpq-dev libmariadb-dev libyaml-cpp-dev libspdlog-dev libfmt-dev
  libcurl4-openssl-dev libsodium-dev libjemalloc-dev libcli11-dev libgtest-dev libgmock-dev curl)
test_packages=(postgresql mariadb-server mariadb-client clang libclang-rt-14-dev clang-format wrk
  libbenchmark-dev python3)
packages=("${run_packages[@]}")
[[ "$mode" == "test" ]] && packages+=("${test_packages[@]}")

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
[[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
# Database servers are started by the tests on their own ports; keep apt from starting the
# system services (they would hold the default ports for nothing).
policy=/usr/sbin/policy-rc.d
created_policy=0
if [[ ! -e "$policy" ]]; then
  printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee "$policy" >/dev/null
  "${sudo_cmd[@]}" chmod +x "$policy"
  created_policy=1
fi
cleanup() { [[ $created_policy -eq 1 ]] && "${sudo_cmd[@]}" rm -f "$policy"; }
trap cleanup EXIT
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
