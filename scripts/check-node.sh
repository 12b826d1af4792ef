#!/usr/bin/env bash
# Checks that Node.js and npm can build the web console (Vite 7 needs Node 20.19 or later) and
# says what to install when not.
set -euo pipefail
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "check-node: the web console needs Node.js 20.19+ and npm (not found). Install them, or" \
    "build without the console: SLUICE_SKIP_WEB=1 make build" >&2
  exit 1
fi
version=$(node -p 'process.versions.node')
IFS=. read -r major minor _ <<<"$version"
if (( major < 20 || (major == 20 && minor < 19) )); then
  echo "check-node: Node.js $version is too old for the web console's build (Vite 7 needs" \
    "20.19+ or 22.12+); or build without it: SLUICE_SKIP_WEB=1 make build" >&2
  exit 1
fi
