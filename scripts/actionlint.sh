#!/usr/bin/env bash
# Lint the workflows in .github/workflows with actionlint, built once from source through the Go module
# proxy into a cache folder and reused after that.
#
# Usage: bash scripts/actionlint.sh [actionlint arguments]
#
# Environment:
#   SEP_CACHE_DIR  where the built tool is kept (default ~/.cache/sagemaker-experiment-pr)
#
# Needs Go on PATH: 1.25 or newer (the go directive of actionlint v1.7.12), or an older Go 1.21+ that
# fetches that toolchain itself. actionlint also runs shellcheck on `run:` scripts when shellcheck is on
# PATH, and skips that check when it is not.
set -euo pipefail

# Pinned, so that a new release with new rules does not fail CI on its own; change it on purpose only.
readonly ACTIONLINT_VERSION=v1.7.12

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache_dir=${SEP_CACHE_DIR:-$HOME/.cache/sagemaker-experiment-pr}
tool_dir=$cache_dir/actionlint-$ACTIONLINT_VERSION
actionlint=$tool_dir/actionlint

if [[ ! -x $actionlint ]]; then
  if ! command -v go >/dev/null; then
    echo "actionlint.sh: go is not on PATH; install Go 1.25 or newer (CI uses actions/setup-go) and run again" >&2
    exit 1
  fi
  echo "actionlint.sh: building actionlint $ACTIONLINT_VERSION into $tool_dir" >&2
  mkdir -p "$tool_dir"
  # A partial build is never left under the final name: go install writes the binary only when it succeeds.
  GOBIN=$tool_dir go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
fi

cd "$repo_root"
echo "== actionlint $ACTIONLINT_VERSION on .github/workflows" >&2
"$actionlint" "$@"
