#!/usr/bin/env bash
# Build the web client into web/dist (served by the gateway at /). Used by `make run` / `make test`.
# Skips the work when dist is newer than every source file and node_modules matches the lock.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v npm >/dev/null; then
  echo "web: npm is not installed (apt-get install -y nodejs npm); the API works, / shows a notice" >&2
  exit 0
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
if [ -f dist/index.html ] && [ -z "$(find src index.html vite.config.ts tsconfig.json package-lock.json -newer dist/index.html -print -quit)" ]; then
  exit 0
fi
npm run build
