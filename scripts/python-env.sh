#!/usr/bin/env bash
# Create once, then reuse, the Python environment of the tests and the local pipeline run,
# installed from the hash-locked containers/requirements-dev.lock.
#
# Usage:
#   export SEP_VENV=$(bash scripts/python-env.sh)   create or reuse the environment; the last line
#                                                   of stdout is its path, logs go to stderr
#   bash scripts/python-env.sh lock                 regenerate every lock file under containers/
#
# Environment:
#   SEP_CACHE_DIR  where environments and the uv tool live (default ~/.cache/sagemaker-experiment-pr)
#   SEP_PYTHON     interpreter to build on, Python 3.11 or newer (default python3)
#   SEP_USE_UV     1 (default) installs with uv, which is faster; 0 uses pip alone
#
# The environment is named venv-<first 12 hex digits of the lock's SHA-256>, so a changed lock gets a
# new environment and an unchanged one is reused. It is built in a temporary folder and renamed into
# place only when complete, so an interrupted run leaves nothing that a later run would take as done.
set -euo pipefail

# uv version installed into the cache; `lock` output depends on it, so change it on purpose only.
readonly UV_VERSION=0.13.9
# Linux x86_64 with glibc 2.36, the platform of the python:3.11-slim-bookworm base of both images.
readonly IMAGE_PLATFORM=x86_64-manylinux_2_36
readonly IMAGE_PYTHON=3.11

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache_dir=${SEP_CACHE_DIR:-$HOME/.cache/sagemaker-experiment-pr}
python=${SEP_PYTHON:-python3}
use_uv=${SEP_USE_UV:-1}
dev_lock=$repo_root/containers/requirements-dev.lock

# Temporary folder to remove when the script exits or is interrupted before it finishes.
cleanup_dir=""
trap 'if [[ -n $cleanup_dir ]]; then rm -rf "$cleanup_dir"; fi' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log() {
  echo "python-env: $*" >&2
}

fail() {
  log "error: $*"
  exit 1
}

check_python() {
  command -v "$python" >/dev/null 2>&1 ||
    fail "interpreter '$python' not found; install Python 3.11 or newer, or set SEP_PYTHON to its path"
  "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' ||
    fail "'$python' is Python $("$python" -c 'import platform; print(platform.python_version())'), but 3.11 or newer is required; set SEP_PYTHON"
}

# Print the path of a uv binary, installing uv into the cache on first use. Prints nothing when
# uv cannot be installed, so that callers can fall back to pip.
ensure_uv() {
  local tool_dir=$cache_dir/uv-$UV_VERSION
  if [[ -x $tool_dir/bin/uv ]]; then
    echo "$tool_dir/bin/uv"
    return
  fi

  log "installing uv $UV_VERSION into $tool_dir"
  local tmp_dir
  tmp_dir=$(mktemp -d "$cache_dir/.uv-$UV_VERSION.XXXXXX")
  cleanup_dir=$tmp_dir
  if "$python" -m venv "$tmp_dir" >&2 && "$tmp_dir/bin/python" -m pip install --quiet "uv==$UV_VERSION" >&2; then
    # The uv binary has no absolute paths in it, unlike the venv's Python scripts, so it works after the rename.
    rm -rf "$tool_dir"
    mv "$tmp_dir" "$tool_dir"
    cleanup_dir=""
    echo "$tool_dir/bin/uv"
  else
    log "could not install uv $UV_VERSION; falling back to pip"
    rm -rf "$tmp_dir"
  fi
}

# Replace the temporary folder's path with the final one in bin/ (script shebangs, activate
# scripts), because pip writes absolute paths there and the folder is renamed after the install.
retarget_scripts() {
  "$python" - "$1" "$2" <<'PYTHON'
import pathlib, sys

old, new = sys.argv[1].encode(), sys.argv[2].encode()
for path in pathlib.Path(sys.argv[1], "bin").iterdir():
    if path.is_symlink() or not path.is_file():
        continue
    content = path.read_bytes()
    if b"\0" not in content[:1024] and old in content:
        path.write_bytes(content.replace(old, new))
PYTHON
}

build_venv() {
  local target=$1 tmp_dir=$2 uv_bin=$3

  if [[ -n $uv_bin ]]; then
    log "creating the environment with uv"
    UV_CACHE_DIR=$cache_dir/uv-cache "$uv_bin" venv --quiet --relocatable --python "$python" "$tmp_dir" >&2
    UV_CACHE_DIR=$cache_dir/uv-cache "$uv_bin" pip sync --python "$tmp_dir/bin/python" --require-hashes "$dev_lock" >&2
  else
    log "creating the environment with pip"
    "$python" -m venv "$tmp_dir" >&2
    "$tmp_dir/bin/python" -m pip install --quiet --no-cache-dir --require-hashes --no-deps -r "$dev_lock" >&2
  fi

  retarget_scripts "$tmp_dir" "$target"
  "$tmp_dir/bin/python" -c 'import mlflow, moto, pytest, sagemaker, torch, transformers, peft' >&2 ||
    fail "the new environment in $tmp_dir cannot import its packages; see the install log above"
}

create_or_reuse() {
  [[ -f $dev_lock ]] || fail "lock file $dev_lock not found; run 'bash scripts/python-env.sh lock'"
  check_python
  mkdir -p "$cache_dir"

  local lock_hash target
  lock_hash=$("$python" -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest()[:12])' "$dev_lock")
  target=$cache_dir/venv-$lock_hash

  if [[ -f $target/.sep-complete ]]; then
    log "reusing $target"
    echo "$target"
    return
  fi

  # One build per lock at a time: a second caller waits here, then finds the finished environment.
  exec 9>"$cache_dir/.venv-$lock_hash.lock"
  if command -v flock >/dev/null 2>&1; then
    flock 9
    # Holding the lock, no other build of this lock is running, so any temporary folder left is from a
    # build that was killed (SIGKILL skips the EXIT trap).
    rm -rf "$cache_dir/.venv-$lock_hash".??????
  fi
  if [[ -f $target/.sep-complete ]]; then
    log "reusing $target"
    echo "$target"
    return
  fi

  local uv_bin=""
  if [[ $use_uv == 1 ]]; then
    uv_bin=$(ensure_uv)
  fi

  local started tmp_dir
  started=$(date +%s)
  tmp_dir=$(mktemp -d "$cache_dir/.venv-$lock_hash.XXXXXX")
  cleanup_dir=$tmp_dir
  log "building $target from $dev_lock (several minutes on the first run: torch and its CUDA libraries are large)"
  build_venv "$target" "$tmp_dir" "$uv_bin"

  echo "$lock_hash" >"$tmp_dir/.sep-complete"
  # An incomplete folder at the target can only be left by a run of an older version of this script.
  rm -rf "$target"
  mv "$tmp_dir" "$target"
  cleanup_dir=""
  log "built $target in $(($(date +%s) - started)) s"
  echo "$target"
}

# Regenerate the locks with uv: the test environment for every platform, and each image for Linux
# x86_64 with the versions of the test environment as constraints, so an image runs what the tests ran.
lock() {
  check_python
  mkdir -p "$cache_dir"
  local uv_bin
  uv_bin=$(ensure_uv)
  [[ -n $uv_bin ]] || fail "uv is required to lock; check access to PyPI"

  local tmp_dir
  tmp_dir=$(mktemp -d)
  cleanup_dir=$tmp_dir
  cd "$repo_root"
  local compile=("$uv_bin" pip compile --quiet --custom-compile-command "bash scripts/python-env.sh lock")

  log "locking containers/requirements-dev.lock"
  "${compile[@]}" --universal --python-version "$IMAGE_PYTHON" --generate-hashes \
    containers/requirements-dev.in -o containers/requirements-dev.lock

  "${compile[@]}" --python-version "$IMAGE_PYTHON" --python-platform "$IMAGE_PLATFORM" --no-header --no-annotate \
    containers/requirements-dev.in -o "$tmp_dir/constraints.txt"

  local image
  for image in processing training; do
    log "locking containers/$image/requirements.lock"
    "${compile[@]}" --python-version "$IMAGE_PYTHON" --python-platform "$IMAGE_PLATFORM" --generate-hashes \
      --constraint "$tmp_dir/constraints.txt" containers/$image/requirements.in -o containers/$image/requirements.lock
  done

  log "locking containers/training/build-requirements.lock"
  "${compile[@]}" --python-version "$IMAGE_PYTHON" --python-platform "$IMAGE_PLATFORM" --generate-hashes \
    containers/training/build-requirements.in -o containers/training/build-requirements.lock
}

case ${1:-} in
  "") create_or_reuse ;;
  lock) lock ;;
  *) fail "unknown command '$1'; run without arguments to create the environment, or 'lock' to regenerate the lock files" ;;
esac
