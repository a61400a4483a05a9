#!/usr/bin/env bash
# The first Quick start command (`npm run local`): run the example experiment with the local executor
# for main's version and the working tree's version, and print the comment a pull request would get.
# Arguments are passed on to `sagemaker-experiment-pr local` (see `node dist/cli.js help`).
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo_root"

bash scripts/node-deps.sh
SEP_VENV=$(bash scripts/python-env.sh | tail -n 1)
export SEP_VENV

# No model can be downloaded here, so the example's ModelId `tiny-llama` is a model built from the config
# in containers/testdata (a few thousand parameters, fixed seed), once.
model_dir=.local/models/tiny-llama
if [[ ! -f $model_dir/config.json ]]; then
  echo "local: building the tiny example model into $model_dir" >&2
  "$SEP_VENV/bin/python" containers/testdata/build_tiny_model.py "$model_dir" >&2
fi

exec node dist/cli.js local "$@"
