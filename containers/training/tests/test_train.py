import json
import subprocess
import sys
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

import evaluate
import train
from step_testing import COMMIT_SHA, EXPERIMENT_FILE, TRAIN_HYPERPARAMETERS, create_parent_run, training_environment

SCRIPT = Path(train.__file__)


def train_run(mlflow_uri, parent_run_id):
    client = MlflowClient(mlflow_uri)
    parent = client.get_run(parent_run_id)
    [run] = client.search_runs(
        [parent.info.experiment_id],
        filter_string=f"tags.`mlflow.parentRunId` = '{parent_run_id}' and tags.`experiment-pr.step` = 'Train'",
    )
    return run


def perplexity_of(model_dir, preprocessed_dir, tiny_model_dir, output_dir, argv):
    evaluate.main([
        "--model-dir", str(model_dir),
        "--eval-dir", str(preprocessed_dir / "eval"),
        "--output-dir", str(output_dir),
        "--model-id", str(tiny_model_dir),
        "--max-seq-length", "512",
        *argv,
    ])
    return json.loads((output_dir / "evaluation.json").read_text())["metrics"]["eval_perplexity"]["value"]


@pytest.fixture(scope="module")
def cli_training(mlflow_uri, tiny_model_dir, preprocessed_dir, tmp_path_factory, step_env):
    """Run train.py as a process with snake_case hyperparameters, as the SageMaker training toolkit does."""
    model_dir = tmp_path_factory.mktemp("cli-model")
    parent = create_parent_run(mlflow_uri)
    completed = subprocess.run(
        [
            sys.executable, str(SCRIPT),
            "--model_id", str(tiny_model_dir),
            *TRAIN_HYPERPARAMETERS,
            "--lora_target_modules", "q_proj,v_proj",
            "--tracking_uri", mlflow_uri,
            "--parent_run_id", parent.info.run_id,
            "--commit_sha", COMMIT_SHA,
            "--experiment_file", EXPERIMENT_FILE,
        ],
        env={**step_env, **training_environment(preprocessed_dir, model_dir)},
        capture_output=True, text=True, timeout=300,
    )
    return completed, model_dir, parent.info.run_id


def test_train_exits_zero(cli_training):
    completed, _, _ = cli_training

    assert completed.returncode == 0, completed.stderr[-3000:]


def test_train_saves_adapter_only(cli_training):
    _, model_dir, _ = cli_training

    assert (model_dir / "adapter_config.json").is_file()
    assert (model_dir / "adapter_model.safetensors").is_file()
    assert not (model_dir / "model.safetensors").exists()
    assert json.loads((model_dir / "adapter_config.json").read_text())["r"] == 4


def test_train_leaves_parent_running(cli_training, mlflow_uri):
    _, _, parent_run_id = cli_training

    assert MlflowClient(mlflow_uri).get_run(parent_run_id).info.status == "RUNNING"


def test_train_run_nested_and_finished(cli_training, mlflow_uri):
    _, _, parent_run_id = cli_training
    run = train_run(mlflow_uri, parent_run_id)

    assert run.info.run_id != parent_run_id
    assert run.info.status == "FINISHED"
    assert run.data.tags["mlflow.source.git.commit"] == COMMIT_SHA
    assert run.data.tags["experiment-pr.file"] == EXPERIMENT_FILE


def test_train_logs_hyperparameters(cli_training, mlflow_uri):
    _, _, parent_run_id = cli_training
    params = train_run(mlflow_uri, parent_run_id).data.params

    assert params["lora_r"] == "4"
    assert params["learning_rate"] == "0.01"
    assert params["lora_target_modules"] == "q_proj,v_proj"
    assert params["seed"] == "7"
    assert params["train_records"] == "301"


def test_train_logs_trainer_metrics(cli_training, mlflow_uri):
    _, _, parent_run_id = cli_training
    metrics = train_run(mlflow_uri, parent_run_id).data.metrics

    assert "train_loss" in metrics
    assert "validation_loss" in metrics


def test_train_logs_environment_file(cli_training, mlflow_uri):
    _, _, parent_run_id = cli_training
    run = train_run(mlflow_uri, parent_run_id)

    artifacts = {artifact.path for artifact in MlflowClient(mlflow_uri).list_artifacts(run.info.run_id)}
    assert "environment.txt" in artifacts
    assert "training_args.json" in artifacts


def test_train_same_seed_same_perplexity(
    cli_training, trained_model_dir, preprocessed_dir, tiny_model_dir, tmp_path, step_argv
):
    _, cli_model_dir, _ = cli_training

    first = perplexity_of(cli_model_dir, preprocessed_dir, tiny_model_dir, tmp_path / "first", step_argv())
    second = perplexity_of(trained_model_dir, preprocessed_dir, tiny_model_dir, tmp_path / "second", step_argv())

    assert first == second


def test_train_other_seed_other_perplexity(
    trained_model_dir, preprocessed_dir, tiny_model_dir, tmp_path, step_argv, monkeypatch
):
    other_dir = tmp_path / "other-seed"
    for name, value in training_environment(preprocessed_dir, other_dir).items():
        monkeypatch.setenv(name, value)
    hyperparameters = [*TRAIN_HYPERPARAMETERS]
    hyperparameters[hyperparameters.index("--seed") + 1] = "8"
    train.main(["--model_id", str(tiny_model_dir), *hyperparameters, *step_argv(snake_case=True)])

    first = perplexity_of(trained_model_dir, preprocessed_dir, tiny_model_dir, tmp_path / "first", step_argv())
    other = perplexity_of(other_dir, preprocessed_dir, tiny_model_dir, tmp_path / "other", step_argv())

    assert first != other


def test_train_missing_channel_fails(tmp_path, tiny_model_dir, step_argv, monkeypatch):
    monkeypatch.delenv("SM_CHANNEL_TRAIN", raising=False)
    monkeypatch.setenv("SM_OUTPUT_DATA_DIR", str(tmp_path))

    with pytest.raises(SystemExit):
        train.main(["--model_id", str(tiny_model_dir), *step_argv(snake_case=True)])

    assert "SM_CHANNEL_TRAIN is not set" in (tmp_path / "failure").read_text()
