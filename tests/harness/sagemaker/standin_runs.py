"""MLflow runs that the stand-in logs the way the real pipeline steps do.

Each step logs its own run nested under the parent run that the action created for the execution, in
the parent's MLflow experiment, and never ends or changes the parent run.
"""

from __future__ import annotations

import hashlib
import math
import os
from typing import Any

# Steps fail fast when the tracking server is unreachable, so a test observes the failed step while it
# still waits. MLflow 3.17's defaults are 7 retries with exponential backoff and a 120 s request timeout.
os.environ.setdefault('MLFLOW_HTTP_REQUEST_MAX_RETRIES', '1')
os.environ.setdefault('MLFLOW_HTTP_REQUEST_TIMEOUT', '10')

# Parameters that the action adds. They differ between runs of the same experiment, so the default
# metrics ignore them: the same experiment file gives the same metrics at every commit.
ACTION_PARAMETERS = ('CommitSha', 'MlflowParentRunId', 'ExperimentFile', 'MlflowTrackingUri')

TAG_PARENT_RUN_ID = 'mlflow.parentRunId'
TAG_COMMIT = 'mlflow.source.git.commit'
TAG_RUN_NAME = 'mlflow.runName'
TAG_FILE = 'experiment-pr.file'
TAG_STEP = 'experiment-pr.step'

# Metric values that JSON cannot carry as numbers travel as these strings in scenarios and control output.
_NON_FINITE_BY_NAME = {'NaN': math.nan, 'Infinity': math.inf, '-Infinity': -math.inf}


def parse_metric_value(value: Any) -> float:
    if isinstance(value, str) and value in _NON_FINITE_BY_NAME:
        return _NON_FINITE_BY_NAME[value]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f'metric value {value!r} is not a number, "NaN", "Infinity" or "-Infinity"')
    return float(value)


def metric_to_json(value: float) -> float | str:
    if math.isnan(value):
        return 'NaN'
    if math.isinf(value):
        return 'Infinity' if value > 0 else '-Infinity'
    return value


def _float_parameter(parameters: dict[str, str], name: str, default: float) -> float:
    try:
        return float(parameters.get(name, default))
    except ValueError:
        return default


def default_metrics(parameters: dict[str, str]) -> dict[str, float]:
    """Compute eval_loss and eval_perplexity as a deterministic function of the experiment's parameters.

    The loss falls with a larger LoRA rank and rises as LearningRate moves away from 2e-4, plus a small
    offset from a hash of the other experiment parameters, so two experiments that differ in any value
    get different metrics. eval_perplexity is exp(eval_loss), as the evaluate step computes it.
    """
    lora_r = max(_float_parameter(parameters, 'LoraR', 8.0), 1.0)
    learning_rate = _float_parameter(parameters, 'LearningRate', 2e-4)
    distance = abs(math.log10(learning_rate / 2e-4)) if learning_rate > 0 else 3.0

    others = sorted((name, value) for name, value in parameters.items() if name not in ACTION_PARAMETERS)
    digest = hashlib.sha256(repr(others).encode()).digest()
    offset = int.from_bytes(digest[:2], 'big') / 65535 * 0.05

    eval_loss = round(1.5 + 1.0 / math.sqrt(lora_r) + 0.2 * distance + offset, 6)
    return {'eval_loss': eval_loss, 'eval_perplexity': round(math.exp(eval_loss), 6)}


def _step_params_and_metrics(step: str, parameters: dict[str, str], metrics: dict[str, float]):
    """Return the params and metrics that the real step script logs, reduced to a representative few."""
    if step == 'Preprocess':
        params = {
            'dataset_revision': parameters.get('DatasetRevision', 'v1'),
            'max_seq_length': parameters.get('MaxSeqLength', '512'),
        }
        return params, {'records_kept': 100.0, 'records_dropped': 0.0}
    if step == 'Train':
        params = {
            'lora_r': parameters.get('LoraR', '8'),
            'learning_rate': parameters.get('LearningRate', '0.0002'),
        }
        train_loss = metrics.get('eval_loss', 2.0)
        return params, {'train_loss': train_loss - 0.1 if math.isfinite(train_loss) else train_loss}
    if step == 'Evaluate':
        return {'max_seq_length': parameters.get('MaxSeqLength', '512')}, metrics
    return {}, {}


def log_step_run(step: str, parameters: dict[str, str], metrics: dict[str, float]) -> str:
    """Log one finished nested run for `step` and return its run id.

    Raises RuntimeError with the reason when the parent run or the tracking server cannot be used, as the
    real step would fail in that case.
    """
    # Imported here because importing MLflow takes seconds and most stand-in calls never need it.
    from mlflow.entities import Metric, Param
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

    tracking_uri = parameters.get('MlflowTrackingUri', '')
    parent_run_id = parameters.get('MlflowParentRunId', '')
    if not tracking_uri.startswith(('http://', 'https://')):
        raise RuntimeError(
            f'MlflowTrackingUri {tracking_uri!r} is not an http(s) URL; the stand-in logs only to a '
            'tracking server it can reach on 127.0.0.1'
        )
    if not parent_run_id:
        raise RuntimeError('MlflowParentRunId is empty, so the step has no parent run to nest under')

    client = MlflowClient(tracking_uri=tracking_uri)
    try:
        parent = client.get_run(parent_run_id)
        tags = {
            TAG_PARENT_RUN_ID: parent_run_id,
            TAG_COMMIT: parameters.get('CommitSha', ''),
            TAG_FILE: parameters.get('ExperimentFile', ''),
            TAG_STEP: step,
            TAG_RUN_NAME: step,
        }
        run = client.create_run(parent.info.experiment_id, tags=tags, run_name=step)
        run_id = run.info.run_id

        params, step_metrics = _step_params_and_metrics(step, parameters, metrics)
        timestamp_ms = run.info.start_time
        client.log_batch(
            run_id,
            metrics=[Metric(key, value, timestamp_ms, 0) for key, value in step_metrics.items()],
            params=[Param(key, str(value)) for key, value in params.items()],
        )
        client.set_terminated(run_id, 'FINISHED')
        return run_id
    except MlflowException as error:
        raise RuntimeError(f'MLflow call failed for parent run {parent_run_id}: {error.message}') from error
    except OSError as error:
        # requests' connection errors derive from OSError when MLflow does not wrap them.
        raise RuntimeError(f'MLflow server {tracking_uri} could not be reached: {error}') from error
