import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

import preprocess
from step_testing import COMMIT_SHA, lay_out_example_data

SCRIPT = Path(preprocess.__file__)
TRAIN_URI = "s3://example-bucket/instructions/v1/train/"
EVAL_URI = "s3://example-bucket/instructions/v1/eval/"


def preprocess_argv(input_dir, output_dir, model_dir, step_argv, max_dropped_fraction="0.5"):
    return [
        "--input-dir", str(input_dir),
        "--output-dir", str(output_dir),
        "--model-id", str(model_dir),
        "--max-seq-length", "512",
        "--min-output-length", "1",
        "--max-dropped-fraction", max_dropped_fraction,
        "--train-data-uri", TRAIN_URI,
        "--eval-data-uri", EVAL_URI,
        "--dataset-revision", "v1",
        *step_argv(),
    ]


def step_runs(mlflow_uri, parent_run, step):
    client = MlflowClient(mlflow_uri)
    return client.search_runs(
        [parent_run.info.experiment_id],
        filter_string=f"tags.`mlflow.parentRunId` = '{parent_run.info.run_id}' and tags.`experiment-pr.step` = '{step}'",
        order_by=["attributes.start_time DESC"],
    )


@pytest.fixture(scope="module")
def cli_result(tmp_path_factory, tiny_model_dir, step_argv, step_env):
    """Run preprocess.py as a process, the way the local runner and the processing job run it."""
    root = tmp_path_factory.mktemp("preprocess-cli")
    input_dir = lay_out_example_data(root / "input")
    completed = subprocess.run(
        [sys.executable, str(SCRIPT), *preprocess_argv(input_dir, root / "output", tiny_model_dir, step_argv)],
        env=step_env, capture_output=True, text=True, timeout=300,
    )
    return completed, root / "output"


def test_preprocess_exits_zero(cli_result):
    completed, _ = cli_result

    assert completed.returncode == 0, completed.stderr[-3000:]


def test_preprocess_writes_parquet(cli_result):
    _, output_dir = cli_result

    train = pd.read_parquet(output_dir / "train" / "train.parquet")
    evaluation = pd.read_parquet(output_dir / "eval" / "eval.parquet")
    assert len(train) == 301
    assert len(evaluation) == 60
    assert list(train.columns[:3]) == ["instruction", "input", "output"]


def test_preprocess_report_counts(cli_result):
    _, output_dir = cli_result

    report = json.loads((output_dir / "report" / "report.json").read_text())
    assert report["splits"]["train"]["dropped"] == {
        "dropped_malformed": 0,
        "dropped_empty_instruction": 2,
        "dropped_short_output": 1,
        "dropped_too_long": 1,
        "dropped_duplicate": 2,
    }
    assert report["splits"]["eval"]["records_out"] == 60


def test_preprocess_logs_metrics(cli_result, mlflow_uri, parent_run):
    [run] = step_runs(mlflow_uri, parent_run, "Preprocess")

    metrics = run.data.metrics
    assert metrics["train_records_in"] == 307
    assert metrics["train_records_out"] == 301
    assert metrics["train_dropped_empty_instruction"] == 2
    assert metrics["train_dropped_short_output"] == 1
    assert metrics["train_dropped_too_long"] == 1
    assert metrics["train_dropped_duplicate"] == 2
    assert metrics["eval_records_out"] == 60
    assert metrics["eval_records_in_train"] == 0


def test_preprocess_logs_dataset_inputs(cli_result, mlflow_uri, parent_run):
    [run] = step_runs(mlflow_uri, parent_run, "Preprocess")

    inputs = {}
    for dataset_input in run.inputs.dataset_inputs:
        context = next(tag.value for tag in dataset_input.tags if tag.key == "mlflow.data.context")
        inputs[context] = json.loads(dataset_input.dataset.source)["uri"]
    assert inputs == {"training": TRAIN_URI, "evaluation": EVAL_URI}


def test_preprocess_run_tags(cli_result, mlflow_uri, parent_run):
    [run] = step_runs(mlflow_uri, parent_run, "Preprocess")

    assert run.data.tags["mlflow.source.git.commit"] == COMMIT_SHA
    assert run.data.tags["experiment-pr.dataset-revision"] == "v1"
    assert MlflowClient(mlflow_uri).get_run(parent_run.info.run_id).info.status == "RUNNING"


def test_preprocess_fails_over_dropped_share(example_input_dir, tmp_path, tiny_model_dir, step_argv, capsys):
    output_dir = tmp_path / "output"
    argv = preprocess_argv(example_input_dir, output_dir, tiny_model_dir, step_argv, max_dropped_fraction="0.01")

    with pytest.raises(SystemExit) as exit_info:
        preprocess.main(argv)

    reason = (output_dir / "failure").read_text()
    assert exit_info.value.code == 1
    assert "dropped 6 of 307 train records" in reason
    assert "MaxDroppedFraction 0.01" in reason
    assert "dropped_empty_instruction=2" in reason
    assert reason.strip() in capsys.readouterr().err
    assert not (output_dir / "train" / "train.parquet").exists()


def test_preprocess_fails_when_nothing_left(tmp_path, tiny_model_dir, step_argv):
    input_dir = tmp_path / "input"
    for split in ("train", "eval"):
        (input_dir / split).mkdir(parents=True)
        (input_dir / split / "data.jsonl").write_text('{"instruction": " ", "input": "", "output": "x"}\n')

    with pytest.raises(SystemExit):
        preprocess.main(preprocess_argv(input_dir, tmp_path / "output", tiny_model_dir, step_argv, "1.0"))

    assert "no train records left" in (tmp_path / "output" / "failure").read_text()
