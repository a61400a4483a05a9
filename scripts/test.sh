#!/usr/bin/env bash
# The test command (`npm test`). It installs what the tests need on a fresh machine (npm packages, the
# cached Python environment) and rebuilds dist/, so the integration tests run the bundle the runner runs.
# Then it runs the Python step tests and the TypeScript unit and integration tests.
# Arguments are passed to vitest, for example `npm test -- tests/unit`.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo_root"

bash scripts/node-deps.sh
SEP_VENV=$(bash scripts/python-env.sh | tail -n 1)
export SEP_VENV
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

echo "== typecheck" >&2
npx tsc --noEmit

echo "== build dist/" >&2
npm run --silent build

echo "== Python tests (containers/)" >&2
python_status=0
"$SEP_VENV/bin/python" -m pytest containers tests/harness -q --junitxml="$results/pytest.xml" || python_status=$?

echo "== TypeScript tests (tests/)" >&2
node_status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$results/vitest.json" "$@" || node_status=$?

# One closing line that counts both suites.
node scripts/count-results.mjs "$results/pytest.xml" "$results/vitest.json"

if [[ $python_status -ne 0 || $node_status -ne 0 ]]; then
  exit 1
fi
