"""Shared pytest fixtures for the step code: a real MLflow server, the tiny model, the example data.

The MLflow server runs on 127.0.0.1 with a SQLite backend store and a served artifact store in a temporary
directory. It starts once per test session and stops at its end.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from step_testing import (  # noqa: E402 - the import path is set up just above
    COMMIT_SHA,
    COMMON_DIR,
    CONTAINERS_DIR,
    EXPERIMENT_FILE,
    TRAIN_HYPERPARAMETERS,
    create_parent_run,
    free_port,
    lay_out_example_data,
    stop_process_group,
    training_environment,
    wait_for_health,
)

# The images put the common package and each step script on the import path; the tests do the same.
for directory in (COMMON_DIR, CONTAINERS_DIR / "processing", CONTAINERS_DIR / "training"):
    sys.path.insert(0, str(directory))
# Nothing may be fetched from the Hugging Face Hub; the tests use the tiny model built offline.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"


@pytest.fixture(scope="session")
def mlflow_uri(tmp_path_factory) -> str:
    """Start `mlflow server` on a free port of 127.0.0.1 and return its URL."""
    directory = tmp_path_factory.mktemp("mlflow")
    port = free_port()
    log_path = directory / "server.log"
    command = [
        str(Path(sys.executable).parent / "mlflow"), "server",
        "--host", "127.0.0.1",
        "--port", str(port),
        "--backend-store-uri", f"sqlite:///{directory / 'mlflow.db'}",
        "--artifacts-destination", str(directory / "artifacts"),
        "--workers", "1",
    ]
    # MLflow 3 servers also start a job runner with several worker processes, which these tests never use.
    environ = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    with log_path.open("w") as log:
        # A session of its own, so that stopping the server also stops the uvicorn workers it starts.
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=environ, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(url, process, log_path)
        yield url
    finally:
        stop_process_group(process)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    """Build the tiny Llama-style model and tokenizer offline, once per session."""
    sys.path.insert(0, str(CONTAINERS_DIR / "testdata"))
    import build_tiny_model

    out_dir = tmp_path_factory.mktemp("tiny-model")
    build_tiny_model.build(out_dir)
    return out_dir


@pytest.fixture(scope="module")
def parent_run(mlflow_uri):
    return create_parent_run(mlflow_uri)


@pytest.fixture(scope="module")
def step_argv(mlflow_uri, parent_run):
    """Return the options that every step takes, as the pipeline passes them, for the parent run."""

    def build(snake_case: bool = False) -> list[str]:
        values = {
            "tracking-uri": mlflow_uri,
            "parent-run-id": parent_run.info.run_id,
            "commit-sha": COMMIT_SHA,
            "experiment-file": EXPERIMENT_FILE,
        }
        argv = []
        for name, value in values.items():
            argv += [f"--{name.replace('-', '_') if snake_case else name}", value]
        return argv

    return build


@pytest.fixture
def example_input_dir(tmp_path) -> Path:
    return lay_out_example_data(tmp_path / "input")


@pytest.fixture(scope="session")
def step_env() -> dict[str, str]:
    """Environment of a step run as a process: the common package on PYTHONPATH, no MLflow run variables."""
    environ = dict(os.environ)
    environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(COMMON_DIR), environ.get("PYTHONPATH", "")]))
    for name in ("MLFLOW_RUN_ID", "MLFLOW_NESTED_RUN", "MLFLOW_EXPERIMENT_NAME", "MLFLOW_TRACKING_URI"):
        environ.pop(name, None)
    return environ


@pytest.fixture(scope="session")
def preprocessed_dir(mlflow_uri, tiny_model_dir, tmp_path_factory) -> Path:
    """Run the Preprocess step in this process on the example data and return its output directory."""
    import preprocess

    root = tmp_path_factory.mktemp("preprocessed")
    input_dir = lay_out_example_data(root / "input")
    parent = create_parent_run(mlflow_uri)
    preprocess.main([
        "--input-dir", str(input_dir),
        "--output-dir", str(root / "output"),
        "--model-id", str(tiny_model_dir),
        "--train-data-uri", "examples/data/instructions/v1/train.jsonl",
        "--eval-data-uri", "examples/data/instructions/v1/eval.jsonl",
        "--tracking-uri", mlflow_uri,
        "--parent-run-id", parent.info.run_id,
        "--commit-sha", COMMIT_SHA,
        "--experiment-file", EXPERIMENT_FILE,
    ])
    return root / "output"


@pytest.fixture(scope="session")
def trained_model_dir(mlflow_uri, tiny_model_dir, preprocessed_dir, tmp_path_factory) -> Path:
    """Run the Train step in this process on the preprocessed example data; return SM_MODEL_DIR."""
    import train

    model_dir = tmp_path_factory.mktemp("model")
    parent = create_parent_run(mlflow_uri)
    variables = training_environment(preprocessed_dir, model_dir)
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        train.main([
            "--model_id", str(tiny_model_dir),
            *TRAIN_HYPERPARAMETERS,
            "--tracking_uri", mlflow_uri,
            "--parent_run_id", parent.info.run_id,
            "--commit_sha", COMMIT_SHA,
            "--experiment_file", EXPERIMENT_FILE,
        ])
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return model_dir
