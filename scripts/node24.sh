#!/bin/sh
# Entry point behind `npm start`, `npm test` and `npm run serve`.
# The machines ship Node 20; the project needs Node >= 22. When the node on PATH is older, bootstrap
# Node 24 from the npm package `node@24` into a cache (no binary download outside the npm registry),
# put it first on PATH, install the locked dependencies when missing or stale, then run the task.
set -eu
cd "$(dirname "$0")/.."
CACHE="${NDC_CACHE_DIR:-$HOME/.cache/ndc-platform}"
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$major" -lt 22 ]; then
  if [ ! -x "$CACHE/node/node_modules/.bin/node" ]; then
    echo "ndc: node $(node --version 2>/dev/null || echo none) is older than 22; installing Node 24 from the npm registry into $CACHE/node" >&2
    mkdir -p "$CACHE/node"
    npm install --prefix "$CACHE/node" --no-audit --no-fund --loglevel=error node@24 >&2
  fi
  PATH="$CACHE/node/node_modules/.bin:$PATH"
  export PATH
fi
# Native addons (none today) would need the headers of this Node.
if [ -d "$CACHE/node/node_modules/node" ]; then
  npm_config_nodedir="$CACHE/node/node_modules/node"; export npm_config_nodedir
fi
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "ndc: installing dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
task="${1:-test}"; [ $# -gt 0 ] && shift
case "$task" in
  # What the tests need from the machine is checked first, so a missing package stops the run at once.
  # Prettier (.prettierrc.json) and eslint (eslint.config.js) before the tests: a format or lint error stops
  # the run in seconds, not after the suite (npm run format fixes the first).
  test)  npx tsx scripts/check-prerequisites.ts && npx tsc --noEmit -p . && npx prettier --check . && npx eslint . && npx vitest run "$@" ;;
  start) exec npx tsx scripts/start.ts "$@" ;;
  serve) exec npx tsx control-plane/server.ts "$@" ;;
  *)     exec "$task" "$@" ;;
esac
