"""The local pipeline runner, run as the TypeScript local executor runs it, with stub step scripts."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

from stub_steps import write_stub_repository

PIPELINE_DIR = Path(__file__).resolve().parents[1]
RUNNER = PIPELINE_DIR / "local_pipeline.py"
DEFINITION = PIPELINE_DIR / "definition.json"

PARAMETERS = {
    "TrainDataUri": "examples/data/instructions/v1/train.jsonl",
    "EvalDataUri": "examples/data/instructions/v1/eval.jsonl",
    "LearningRate": "2e-05",
    "CommitSha": "0123456789abcdef0123456789abcdef01234567",
    "MlflowParentRunId": "parent-run-1",
    "ExperimentFile": "experiments/lora-r8.json",
    "MlflowTrackingUri": "http://127.0.0.1:5000",
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    write_stub_repository(root)
    return root


def start_runner(repo: Path, parameters: dict, definition: Path = DEFINITION, **env: str) -> tuple[subprocess.Popen, Path]:
    execution = repo.parent / "execution"
    execution.mkdir(exist_ok=True)
    (execution / "parameters.json").write_text(json.dumps(parameters))
    process = subprocess.Popen(
        [
            sys.executable, str(RUNNER),
            "--definition", str(definition),
            "--parameters", str(execution / "parameters.json"),
            "--work-dir", str(execution / "work"),
            "--state", str(execution / "state.json"),
            "--repo-root", str(repo),
        ],
        env={**os.environ, "STUB_RECORD": str(execution / "record.jsonl"), **env},
        stderr=subprocess.PIPE,
        text=True,
    )
    return process, execution


def run_pipeline(repo: Path, parameters: dict = PARAMETERS, **env: str) -> tuple[dict, Path]:
    process, execution = start_runner(repo, parameters, **env)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    return json.loads((execution / "state.json").read_text()), execution


def records(execution: Path) -> dict[str, dict]:
    lines = (execution / "record.jsonl").read_text().splitlines()
    return {entry["step"]: entry for entry in map(json.loads, lines)}


def statuses(state: dict) -> list[tuple[str, str]]:
    return [(step["name"], step["status"]) for step in state["steps"]]


def option(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def test_runner_succeeds_through_register(repo: Path):
    state, execution = run_pipeline(repo)

    assert state["status"] == "Succeeded"
    assert "failureReason" not in state
    assert statuses(state) == [
        ("Preprocess", "Succeeded"),
        ("Train", "Succeeded"),
        ("Evaluate", "Succeeded"),
        ("CheckPerplexity", "Succeeded"),
        ("Register", "Succeeded"),
    ]
    assert state["steps"][3]["metadata"] == {"Condition": {"Outcome": "True"}}
    for step in state["steps"]:
        assert step["startTime"].endswith("Z")
        assert step["endTime"] >= step["startTime"]
    assert set(records(execution)) == {"preprocess", "train", "evaluate", "register"}


def test_runner_maps_processing_paths(repo: Path):
    _, execution = run_pipeline(repo)
    argv = records(execution)["preprocess"]["argv"]

    steps_root = execution / "work" / "steps" / "Preprocess"
    assert option(argv, "--input-dir") == str(steps_root / "opt/ml/processing/input")
    assert option(argv, "--output-dir") == str(steps_root / "opt/ml/processing/output")
    assert (steps_root / "opt/ml/processing/input/train/train.jsonl").is_file()
    assert option(argv, "--train-data-uri") == PARAMETERS["TrainDataUri"]
    assert option(argv, "--commit-sha") == PARAMETERS["CommitSha"]
    assert option(argv, "--max-seq-length") == "512"


def test_runner_uploads_outputs_under_execution_id(repo: Path):
    _, execution = run_pipeline(repo)

    execution_ids = list((execution / "work" / "s3" / "<bucket>" / "experiment-pr").iterdir())
    assert len(execution_ids) == 1
    prefix = execution_ids[0]
    assert (prefix / "preprocess" / "train" / "train.parquet").is_file()
    assert (prefix / "evaluate" / "evaluation.json").is_file()
    archives = list((prefix / "train").glob("*/output/model.tar.gz"))
    assert len(archives) == 1
    with tarfile.open(archives[0]) as archive:
        assert archive.getnames() == ["adapter_config.json"]


def test_runner_passes_training_toolkit_environment(repo: Path):
    _, execution = run_pipeline(repo)
    train = records(execution)["train"]

    assert train["argv"][:2] == ["--commit_sha", PARAMETERS["CommitSha"]]
    assert option(train["argv"], "--learning_rate") == "2e-05"
    assert option(train["argv"], "--lora_target_modules") == "q_proj,v_proj"
    assert json.loads(train["env"]["SM_HPS"])["lora_r"] == 8
    assert train["env"]["SM_HP_LORA_R"] == "8"
    assert train["env"]["SM_CHANNEL_TRAIN"].endswith("steps/Train/opt/ml/input/data/train")
    assert train["env"]["SM_MODEL_DIR"].endswith("steps/Train/opt/ml/model")
    assert train["env"]["SM_OUTPUT_DATA_DIR"].endswith("steps/Train/opt/ml/output/data")
    assert json.loads(train["env"]["SM_TRAINING_ENV"])["channel_input_dirs"]["eval"] == train["env"]["SM_CHANNEL_EVAL"]


def test_steps_do_not_get_runner_tokens(repo: Path):
    _, execution = run_pipeline(repo, GITHUB_TOKEN="ghs_example", **{"INPUT_GITHUB-TOKEN": "ghs_example", "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "x"})
    names = records(execution)["preprocess"]["env_names"]

    assert "GITHUB_TOKEN" not in names
    assert "INPUT_GITHUB-TOKEN" not in names
    assert "ACTIONS_ID_TOKEN_REQUEST_TOKEN" not in names
    assert "STUB_RECORD" in names


def test_runner_reports_failed_step_reason(repo: Path):
    state, execution = run_pipeline(repo, STUB_FAIL="train")

    assert state["status"] == "Failed"
    assert state["failureReason"] == "Step failure: One or multiple steps failed."
    assert statuses(state) == [("Preprocess", "Succeeded"), ("Train", "Failed")]
    reason = state["steps"][1]["failureReason"]
    assert "exit code 3" in reason
    assert "RuntimeError: train stub failed on purpose" in reason
    assert "evaluate" not in records(execution)


def test_runner_prefers_exit_message_file(repo: Path):
    state, _ = run_pipeline(repo, STUB_FAILURE_FILE="preprocess")

    assert statuses(state) == [("Preprocess", "Failed")]
    assert state["steps"][0]["failureReason"] == "AlgorithmError: ValueError: MaxDroppedFraction exceeded: 0.9 > 0.5"


def test_condition_false_skips_register(repo: Path):
    state, execution = run_pipeline(repo, {**PARAMETERS, "PerplexityThreshold": "10.0"}, STUB_PERPLEXITY="12.5")

    assert state["status"] == "Succeeded"
    assert [name for name, _ in statuses(state)] == ["Preprocess", "Train", "Evaluate", "CheckPerplexity"]
    assert state["steps"][3]["metadata"] == {"Condition": {"Outcome": "False"}}
    assert "register" not in records(execution)


def test_condition_equal_threshold_runs_register(repo: Path):
    state, _ = run_pipeline(repo, {**PARAMETERS, "PerplexityThreshold": "12.5"}, STUB_PERPLEXITY="12.5")

    assert statuses(state)[-1] == ("Register", "Succeeded")


def test_sigterm_stops_running_step(repo: Path):
    process, execution = start_runner(repo, PARAMETERS, STUB_SLEEP="train")
    state_path = execution / "state.json"

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        state = json.loads(state_path.read_text()) if state_path.exists() else {"steps": []}
        if ("Train", "Executing") in statuses(state) and "train" in records_or_empty(execution):
            break
        time.sleep(0.1)
    else:
        process.kill()
        pytest.fail("the Train step did not start within 60 s")

    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=30)

    assert process.returncode == 0, stderr
    assert time.monotonic() - started < 15
    state = json.loads(state_path.read_text())
    assert state["status"] == "Stopped"
    assert statuses(state) == [("Preprocess", "Succeeded"), ("Train", "Stopped")]
    assert not process_exists(records(execution)["train"]["pid"])
    assert "evaluate" not in records(execution)


def process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def records_or_empty(execution: Path) -> dict[str, dict]:
    return records(execution) if (execution / "record.jsonl").exists() else {}


def test_max_runtime_fails_training(repo: Path):
    state, _ = run_pipeline(repo, {**PARAMETERS, "MaxRuntimeSeconds": "1"}, STUB_SLEEP="train")

    assert statuses(state) == [("Preprocess", "Succeeded"), ("Train", "Failed")]
    assert "MaxRuntimeInSeconds (1 s)" in state["steps"][1]["failureReason"]


def test_unknown_parameter_fails_before_steps(repo: Path):
    state, _ = run_pipeline(repo, {**PARAMETERS, "LearningRat": "0.1"})

    assert state["status"] == "Failed"
    assert "LearningRat" in state["failureReason"]
    assert state["steps"] == []


def test_missing_required_parameter_fails(repo: Path):
    parameters = {key: value for key, value in PARAMETERS.items() if key != "CommitSha"}
    state, _ = run_pipeline(repo, parameters)

    assert state["status"] == "Failed"
    assert "CommitSha has no default value" in state["failureReason"]


def test_integer_parameter_rejects_float_text(repo: Path):
    state, _ = run_pipeline(repo, {**PARAMETERS, "LoraR": "8.5"})

    assert "LoraR is an Integer" in state["failureReason"]


def test_data_path_outside_repository_fails(repo: Path):
    (repo.parent / "outside.jsonl").write_text("{}\n")
    state, _ = run_pipeline(repo, {**PARAMETERS, "TrainDataUri": "../outside.jsonl"})

    assert statuses(state) == [("Preprocess", "Failed")]
    assert "outside the repository root" in state["steps"][0]["failureReason"]


def test_s3_data_uri_is_rejected_locally(repo: Path):
    state, _ = run_pipeline(repo, {**PARAMETERS, "TrainDataUri": "s3://team-data/train.jsonl"})

    assert statuses(state) == [("Preprocess", "Failed")]
    assert "s3://team-data/train.jsonl" in state["steps"][0]["failureReason"]
    assert "relative to the repository root" in state["steps"][0]["failureReason"]


def test_unwritable_state_exits_nonzero(repo: Path, tmp_path: Path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    process = subprocess.run(
        [sys.executable, str(RUNNER), "--definition", str(DEFINITION), "--parameters", str(blocker),
         "--work-dir", str(tmp_path / "work"), "--state", str(blocker / "state.json"), "--repo-root", str(repo)],
        capture_output=True, text=True, timeout=60,
    )

    assert process.returncode == 2
    assert "cannot write the state file" in process.stderr
