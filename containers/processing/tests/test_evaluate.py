import json
import math
import shutil
import tarfile

import pytest
import torch
from mlflow.tracking import MlflowClient
from safetensors.torch import load_file, save_file

import evaluate


def run_evaluate(model_dir, preprocessed_dir, tiny_model_dir, output_dir, step_argv):
    evaluate.main([
        "--model-dir", str(model_dir),
        "--eval-dir", str(preprocessed_dir / "eval"),
        "--output-dir", str(output_dir),
        "--model-id", str(tiny_model_dir),
        "--max-seq-length", "512",
        *step_argv(),
    ])
    return json.loads((output_dir / "evaluation.json").read_text())["metrics"]


def latest_evaluate_run(mlflow_uri, parent_run):
    [run] = MlflowClient(mlflow_uri).search_runs(
        [parent_run.info.experiment_id],
        filter_string=f"tags.`mlflow.parentRunId` = '{parent_run.info.run_id}' and tags.`experiment-pr.step` = 'Evaluate'",
        order_by=["attributes.start_time DESC"],
        max_results=1,
    )
    return run


@pytest.fixture(scope="module")
def directory_metrics(trained_model_dir, preprocessed_dir, tiny_model_dir, tmp_path_factory, step_argv):
    output_dir = tmp_path_factory.mktemp("evaluation")
    return run_evaluate(trained_model_dir, preprocessed_dir, tiny_model_dir, output_dir, step_argv)


def test_evaluate_writes_finite_perplexity(directory_metrics):
    perplexity = directory_metrics["eval_perplexity"]

    assert perplexity["finite"] is True
    assert 1.0 < perplexity["value"] < 1000.0
    assert directory_metrics["eval_loss"]["value"] == pytest.approx(math.log(perplexity["value"]), rel=1e-12)


def test_evaluate_logs_metrics(directory_metrics, mlflow_uri, parent_run):
    run = latest_evaluate_run(mlflow_uri, parent_run)

    assert run.data.metrics["eval_perplexity"] == pytest.approx(directory_metrics["eval_perplexity"]["value"])
    assert run.data.metrics["eval_loss"] == pytest.approx(directory_metrics["eval_loss"]["value"])
    assert run.data.tags["experiment-pr.step"] == "Evaluate"


def test_evaluate_reads_model_tar_gz(
    directory_metrics, trained_model_dir, preprocessed_dir, tiny_model_dir, tmp_path, step_argv
):
    packed_dir = tmp_path / "model"
    packed_dir.mkdir()
    with tarfile.open(packed_dir / "model.tar.gz", "w:gz") as archive:
        for path in trained_model_dir.iterdir():
            archive.add(path, arcname=path.name)

    metrics = run_evaluate(packed_dir, preprocessed_dir, tiny_model_dir, tmp_path / "evaluation", step_argv)

    assert metrics["eval_perplexity"]["value"] == directory_metrics["eval_perplexity"]["value"]


def test_evaluate_nan_weights(trained_model_dir, preprocessed_dir, tiny_model_dir, tmp_path, step_argv, mlflow_uri, parent_run):
    broken_dir = tmp_path / "broken"
    shutil.copytree(trained_model_dir, broken_dir)
    weights = load_file(broken_dir / "adapter_model.safetensors")
    save_file({name: torch.full_like(tensor, math.nan) for name, tensor in weights.items()}, broken_dir / "adapter_model.safetensors")

    metrics = run_evaluate(broken_dir, preprocessed_dir, tiny_model_dir, tmp_path / "evaluation", step_argv)

    assert metrics["eval_perplexity"]["finite"] is False
    assert metrics["eval_perplexity"]["reported"] == "nan"
    assert math.isnan(latest_evaluate_run(mlflow_uri, parent_run).data.metrics["eval_perplexity"])


def test_evaluate_missing_adapter(tmp_path, preprocessed_dir, tiny_model_dir, step_argv):
    (tmp_path / "model").mkdir()

    with pytest.raises(SystemExit):
        run_evaluate(tmp_path / "model", preprocessed_dir, tiny_model_dir, tmp_path / "evaluation", step_argv)

    assert "no LoRA adapter in" in (tmp_path / "evaluation" / "failure").read_text()
