#!/usr/bin/env bash
# Builds the web console (apps/console/console) into build/console/: its packages installed from the
# lockfile (npm ci) only when the lockfile changed since the last install, then the type check and
# the Vite build. The local stack publishes build/console/ to the console's bucket.
set -euo pipefail
cd "$(dirname "$0")/../apps/console/console"
if ! command -v npm >/dev/null 2>&1; then
  echo "npm is missing: install Node.js 20 or later (Debian: apt-get install nodejs npm)" >&2
  exit 1
fi
if [ ! -f node_modules/.engage-lock ] || ! cmp -s package-lock.json node_modules/.engage-lock; then
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.engage-lock
fi
npm run --silent build -- --logLevel warn
