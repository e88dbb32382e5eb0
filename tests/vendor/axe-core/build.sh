#!/usr/bin/env bash
# Rebuild the vendored axe-core from the npm registry: the exact version of package-lock.json, checked by npm's
# integrity hash; only the browser bundle and its licence are kept. Run from any folder; needs node and npm.
set -euo pipefail
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp package.json package-lock.json "$work/"
(cd "$work" && npm ci --ignore-scripts --no-audit --no-fund --silent)
cp "$work/node_modules/axe-core/axe.min.js" axe.min.js
cp "$work/node_modules/axe-core/LICENSE" LICENSE
echo "axe-core $(node -p "require('$work/node_modules/axe-core/package.json').version") copied"
