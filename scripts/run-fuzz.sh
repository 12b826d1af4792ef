#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (in build-fuzz/) and runs each for a bounded time.
# Usage: scripts/run-fuzz.sh [SECONDS_PER_TARGET]   (default 60)
# Exits non-zero when a target finds a crash, a sanitizer error or an internal-error answer; the
# reproducer is left in build-fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-${SLUICE_FUZZ_SECONDS:-60}}"
build=build-fuzz
# ccache (when installed) keeps the instrumented objects between runs and clones, as `make build`
# does for the others.
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
fi
if [[ ! -f "$build/build.ninja" ]]; then
  CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DSLUICE_BUILD_TESTS=OFF -DSLUICE_BUILD_FUZZ=ON "${launcher[@]}" >/dev/null
fi
cmake --build "$build" -j "$(nproc)" --target http_request_fuzz
mkdir -p "$build/artifacts" "$build/corpus/http_request"
status=0
for target in http_request; do
  echo "fuzz: ${target} for ${seconds}s"
  # Start from the committed seeds; what the run finds stays in build-fuzz/corpus (not committed).
  if ! ASAN_OPTIONS=detect_leaks=0 "$build/${target}_fuzz" -max_total_time="$seconds" \
      -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$build/artifacts/${target}-" \
      "$build/corpus/${target}" "fuzz/corpus/${target}" 2>"$build/${target}.log"; then
    echo "fuzz: ${target} FAILED; see $build/${target}.log and $build/artifacts/"
    tail -40 "$build/${target}.log"
    status=1
  else
    grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' "$build/${target}.log" || true
    echo "fuzz: ${target} passed"
  fi
done
exit "$status"
