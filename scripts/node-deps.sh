#!/usr/bin/env bash
# Install the npm dependencies when node_modules is missing or older than package-lock.json.
# Sourced by scripts/test.sh and scripts/local.sh, so that both Quick start commands work on a fresh clone.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
stamp=$repo_root/node_modules/.package-lock.json
if [[ ! -f $stamp || $repo_root/package-lock.json -nt $stamp ]]; then
  echo "node-deps: installing npm dependencies (npm ci)" >&2
  (cd "$repo_root" && npm ci --no-audit --no-fund >&2)
fi
