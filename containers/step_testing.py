"""Helpers and constants for the step tests, importable under a name no other conftest.py shadows."""

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

CONTAINERS_DIR = Path(__file__).resolve().parent
REPOSITORY_DIR = CONTAINERS_DIR.parent
COMMON_DIR = CONTAINERS_DIR / "common"
EXAMPLE_DATA_DIR = REPOSITORY_DIR / "examples" / "data" / "instructions" / "v1"
MLFLOW_START_TIMEOUT_SECONDS = 90
COMMIT_SHA = "0123456789abcdef0123456789abcdef01234567"
EXPERIMENT_FILE = "experiments/tiny.json"

# Few steps on the tiny model: enough to move the adapter away from its zero start, a few seconds on a CPU.
TRAIN_HYPERPARAMETERS = [
    "--lora_r", "4",
    "--lora_alpha", "8",
    "--learning_rate", "0.01",
    "--max_steps", "3",
    "--per_device_train_batch_size", "8",
    "--seed", "7",
    "--max_seq_length", "512",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_health(url: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + MLFLOW_START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"mlflow server exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"mlflow server at {url} not healthy after {MLFLOW_START_TIMEOUT_SECONDS} s")


def stop_process_group(process: subprocess.Popen) -> None:
    """Send SIGTERM to the process group of a process started in its own session, then SIGKILL after 10 s."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


def create_parent_run(mlflow_uri: str):
    """Create an experiment and a RUNNING parent run, as the action does before it starts an execution."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=mlflow_uri)
    experiment_id = client.create_experiment(f"experiments/test-{time.time_ns()}.json")
    return client.create_run(experiment_id, run_name="parent", tags={"mlflow.source.git.commit": COMMIT_SHA})


def lay_out_example_data(input_dir: Path) -> Path:
    """Copy the example data into the Preprocess step's processing input layout."""
    for split in ("train", "eval"):
        (input_dir / split).mkdir(parents=True)
        shutil.copy(EXAMPLE_DATA_DIR / f"{split}.jsonl", input_dir / split / f"{split}.jsonl")
    return input_dir


def training_environment(preprocessed: Path, model_dir: Path) -> dict[str, str]:
    """Return the variables that the SageMaker training toolkit sets for the Train step's channels and output."""
    return {
        "SM_CHANNEL_TRAIN": str(preprocessed / "train"),
        "SM_CHANNEL_EVAL": str(preprocessed / "eval"),
        "SM_MODEL_DIR": str(model_dir),
    }
