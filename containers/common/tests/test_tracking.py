import mlflow
import pytest
from mlflow.tracking import MlflowClient

from experiment_pr_steps.options import CommonOptions
from experiment_pr_steps.tracking import nested_run
from step_testing import COMMIT_SHA, EXPERIMENT_FILE


@pytest.fixture
def options(mlflow_uri, parent_run):
    return CommonOptions(mlflow_uri, parent_run.info.run_id, COMMIT_SHA, EXPERIMENT_FILE)


def test_nested_run_tags_and_experiment(options, parent_run, mlflow_uri):
    with nested_run(options, "Preprocess") as run:
        run_id = run.info.run_id

    stored = MlflowClient(mlflow_uri).get_run(run_id)
    assert stored.data.tags["mlflow.parentRunId"] == parent_run.info.run_id
    assert stored.data.tags["mlflow.source.git.commit"] == COMMIT_SHA
    assert stored.data.tags["experiment-pr.file"] == EXPERIMENT_FILE
    assert stored.data.tags["experiment-pr.step"] == "Preprocess"
    assert stored.info.experiment_id == parent_run.info.experiment_id
    assert stored.info.status == "FINISHED"


def test_nested_run_leaves_parent_running(options, parent_run, mlflow_uri):
    with nested_run(options, "Evaluate"):
        pass

    assert MlflowClient(mlflow_uri).get_run(parent_run.info.run_id).info.status == "RUNNING"
    assert mlflow.active_run() is None


def test_nested_run_failure_marks_run_failed(options, parent_run, mlflow_uri):
    with pytest.raises(ValueError):
        with nested_run(options, "Train") as run:
            run_id = run.info.run_id
            raise ValueError("loss diverged")

    client = MlflowClient(mlflow_uri)
    stored = client.get_run(run_id)
    assert stored.info.status == "FAILED"
    assert stored.data.tags["experiment-pr.failure-reason"] == "ValueError: loss diverged"
    assert client.get_run(parent_run.info.run_id).info.status == "RUNNING"


def test_nested_run_unknown_parent(options):
    unknown = CommonOptions(options.tracking_uri, "0" * 32, COMMIT_SHA, EXPERIMENT_FILE)

    with pytest.raises(RuntimeError, match="parent run 0{32} could not be read"):
        with nested_run(unknown, "Preprocess"):
            pass
