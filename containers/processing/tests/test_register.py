import math

import pytest
from mlflow.tracking import MlflowClient

import register
from step_testing import COMMIT_SHA, EXPERIMENT_FILE
from experiment_pr_steps.evaluation_file import write_evaluation


def register_argv(model_dir, evaluation_dir, name, tiny_model_dir, step_argv):
    return [
        "--model-dir", str(model_dir),
        "--evaluation-dir", str(evaluation_dir),
        "--registered-model-name", name,
        "--model-id", str(tiny_model_dir),
        *step_argv(),
    ]


def test_register_creates_tagged_version(trained_model_dir, tiny_model_dir, tmp_path, step_argv, mlflow_uri, parent_run):
    write_evaluation(tmp_path, {"eval_perplexity": 42.5, "eval_loss": math.log(42.5)})

    register.main(register_argv(trained_model_dir, tmp_path, "register-test", tiny_model_dir, step_argv))

    client = MlflowClient(mlflow_uri)
    [version] = client.search_model_versions("name = 'register-test'")
    assert version.tags["mlflow.source.git.commit"] == COMMIT_SHA
    assert version.tags["experiment-pr.file"] == EXPERIMENT_FILE
    assert version.tags["experiment-pr.parent-run-id"] == parent_run.info.run_id
    assert version.tags["eval_perplexity"] == "42.5"
    assert client.get_run(version.run_id).data.tags["experiment-pr.step"] == "Register"


def test_register_stores_adapter_files(trained_model_dir, tiny_model_dir, tmp_path, step_argv, mlflow_uri):
    write_evaluation(tmp_path, {"eval_perplexity": 42.5})
    register.main(register_argv(trained_model_dir, tmp_path, "register-files", tiny_model_dir, step_argv))

    client = MlflowClient(mlflow_uri)
    [version] = client.search_model_versions("name = 'register-files'")
    model_id = version.source.removeprefix("models:/")
    files = {artifact.path for artifact in client.list_logged_model_artifacts(model_id)}
    assert "adapter_config.json" in files
    assert "adapter_model.safetensors" in files


@pytest.mark.parametrize("value", [math.inf, math.nan])
def test_register_rejects_non_finite_perplexity(
    value, trained_model_dir, tiny_model_dir, tmp_path, step_argv, mlflow_uri, capsys
):
    write_evaluation(tmp_path, {"eval_perplexity": value})

    with pytest.raises(SystemExit) as exit_info:
        register.main(register_argv(trained_model_dir, tmp_path, "register-rejected", tiny_model_dir, step_argv))

    assert exit_info.value.code == 1
    assert f"eval_perplexity is {value}" in capsys.readouterr().err
    assert MlflowClient(mlflow_uri).search_model_versions("name = 'register-rejected'") == []
