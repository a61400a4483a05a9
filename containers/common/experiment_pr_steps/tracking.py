"""The nested MLflow run that each step logs into.

The action creates one parent run per pipeline execution and ends it when the execution ends. Each step
starts its own run in the parent's experiment, tagged with the parent (`mlflow.parentRunId`), the commit and
the experiment file, and ends only that run. The parent run is never made the active run here, so neither
this code nor a library callback that ends "the active run" can end it.
"""

from contextlib import contextmanager

import mlflow
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from .options import CommonOptions

PARENT_RUN_TAG = "mlflow.parentRunId"
COMMIT_TAG = "mlflow.source.git.commit"
FILE_TAG = "experiment-pr.file"
STEP_TAG = "experiment-pr.step"
FAILURE_TAG = "experiment-pr.failure-reason"

# MLflow 3 stores tag values of up to 8000 characters; a failure reason is cut well below that.
FAILURE_TAG_LIMIT = 4000


def step_tags(options: CommonOptions, step: str) -> dict[str, str]:
    """Tags of a step's nested run."""
    return {
        PARENT_RUN_TAG: options.parent_run_id,
        COMMIT_TAG: options.commit_sha,
        FILE_TAG: options.experiment_file,
        STEP_TAG: step,
    }


def parent_experiment_id(client: MlflowClient, parent_run_id: str) -> str:
    """Return the experiment of the parent run; raise a clear error when the run cannot be read."""
    try:
        parent = client.get_run(parent_run_id)
    except MlflowException as error:
        raise RuntimeError(
            f"parent run {parent_run_id} could not be read from the tracking server: {error.message}. "
            "Check --parent-run-id and --tracking-uri, and that this job's role may read the server"
        ) from error

    if parent.info.status != "RUNNING":
        print(f"WARNING: parent run {parent_run_id} is {parent.info.status}, not RUNNING; logging under it anyway")
    return parent.info.experiment_id


@contextmanager
def nested_run(options: CommonOptions, step: str, extra_tags: dict[str, str] | None = None):
    """Start the step's run under the parent run, make it the active run, and end it on exit.

    The run ends FINISHED, or FAILED with the error as the failure tag when the block raises.
    Yields the active mlflow Run.
    """
    mlflow.set_tracking_uri(options.tracking_uri)
    client = MlflowClient(tracking_uri=options.tracking_uri)
    experiment_id = parent_experiment_id(client, options.parent_run_id)

    tags = {**step_tags(options, step), **(extra_tags or {})}
    created = client.create_run(experiment_id, tags=tags, run_name=step)
    run_id = created.info.run_id
    print(f"{step}: logging to run {run_id} under parent run {options.parent_run_id} in experiment {experiment_id}")

    active = mlflow.start_run(run_id=run_id)
    try:
        yield active
    except BaseException as error:
        reason = f"{type(error).__name__}: {error}"[:FAILURE_TAG_LIMIT]
        mlflow.set_tag(FAILURE_TAG, reason)
        mlflow.end_run(status="FAILED")
        raise
    else:
        mlflow.end_run(status="FINISHED")


def ensure_active_run(expected_run_id: str, parent_run_id: str) -> None:
    """Raise when the active run is not the step's run, for example after a callback started or ended one."""
    active = mlflow.active_run()
    active_id = active.info.run_id if active else None
    if active_id == parent_run_id:
        raise RuntimeError(f"the parent run {parent_run_id} became the active run; a step must never log into it")
    if active_id != expected_run_id:
        raise RuntimeError(f"the active MLflow run is {active_id}, expected the step's run {expected_run_id}")
