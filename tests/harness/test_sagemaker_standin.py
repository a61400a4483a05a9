"""Unit checks of the SageMaker stand-in: service-model validation, parameters and the execution lifecycle.

Run with the test environment's pytest: `$SEP_VENV/bin/pytest tests/harness/test_sagemaker_standin.py`.
"""

from __future__ import annotations

import json
import math
import os
import sys
import threading
import urllib.error
import urllib.request

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'sagemaker'))

from standin_executions import EXECUTION_FAILURE_REASON, ExecutionStore  # noqa: E402
from standin_model import request_violations, response_violations, validation_message  # noqa: E402
from standin_parameters import ParameterError, resolve_parameters  # noqa: E402
from standin_runs import default_metrics  # noqa: E402
from standin_scenarios import ScenarioError, parse_scenario  # noqa: E402
from standin_server import StandInServer  # noqa: E402

PIPELINE_ARN = 'arn:aws:sagemaker:us-east-1:123456789012:pipeline/test-pipeline'
TOKEN = 'a' * 36
DEFINITION = json.dumps({
    'Version': '2020-12-01',
    'Parameters': [
        {'Name': 'LoraR', 'Type': 'Integer', 'DefaultValue': 8},
        {'Name': 'LearningRate', 'Type': 'Float', 'DefaultValue': 0.0002},
        {'Name': 'Merge', 'Type': 'Boolean', 'DefaultValue': False},
        {'Name': 'ExperimentFile', 'Type': 'String'},
    ],
})


def make_store(logged: list | None = None, fail_logging: bool = False) -> ExecutionStore:
    def log_run(step, parameters, metrics):
        if fail_logging:
            raise RuntimeError('MLflow server http://127.0.0.1:1 could not be reached')
        if logged is not None:
            logged.append((step, dict(metrics)))
        return f'run-{step}'

    return ExecutionStore(log_run=log_run, clock=lambda: 1_700_000_000.0)


def start(store: ExecutionStore, resolved: dict[str, str] | None = None, token: str = TOKEN):
    request = {'PipelineName': 'test-pipeline', 'ClientRequestToken': token}
    return store.start(PIPELINE_ARN, 'test-pipeline', request, resolved or {})


def run_to_end(store: ExecutionStore, arn: str) -> None:
    for _ in range(10):
        if store.advance(arn).status != 'Executing':
            return


# Requests


def test_request_display_name_with_underscore():
    violations = request_violations(
        'StartPipelineExecution',
        {'PipelineName': 'p', 'ClientRequestToken': TOKEN, 'PipelineExecutionDisplayName': 'run_1'},
    )
    assert violations == [
        "Value 'run_1' at 'pipelineExecutionDisplayName' failed to satisfy constraint: "
        'Member must satisfy regular expression pattern: [a-zA-Z0-9](-*[a-zA-Z0-9]){0,81}'
    ]


def test_request_display_name_of_83_characters():
    violations = request_violations(
        'StartPipelineExecution',
        {'PipelineName': 'p', 'ClientRequestToken': TOKEN, 'PipelineExecutionDisplayName': 'a' * 83},
    )
    assert any('Member must have length less than or equal to 82' in v for v in violations)


def test_request_short_token():
    violations = request_violations('StartPipelineExecution', {'PipelineName': 'p', 'ClientRequestToken': 'abc'})
    assert violations == [
        "Value 'abc' at 'clientRequestToken' failed to satisfy constraint: "
        'Member must have length greater than or equal to 32'
    ]


def test_request_201_parameters():
    parameters = [{'Name': f'P{i}', 'Value': '1'} for i in range(201)]
    violations = request_violations(
        'StartPipelineExecution', {'PipelineName': 'p', 'ClientRequestToken': TOKEN, 'PipelineParameters': parameters}
    )
    assert len(violations) == 1
    assert "at 'pipelineParameters'" in violations[0]
    assert 'Member must have length less than or equal to 200' in violations[0]


def test_request_parameter_name_path():
    violations = request_violations(
        'StartPipelineExecution',
        {'PipelineName': 'p', 'ClientRequestToken': TOKEN, 'PipelineParameters': [{'Name': 'a b', 'Value': '1'}]},
    )
    assert "at 'pipelineParameters.1.member.name'" in violations[0]


def test_request_missing_token():
    violations = request_violations('StartPipelineExecution', {'PipelineName': 'p'})
    assert violations == ["Value null at 'clientRequestToken' failed to satisfy constraint: Member must not be null"]


def test_request_wrong_type():
    violations = request_violations('ListPipelineExecutionSteps', {'PipelineExecutionArn': 'x', 'MaxResults': '5'})
    assert any('Invalid type for parameter MaxResults' in v for v in violations)


def test_validation_message_counts():
    assert validation_message(['a']) == '1 validation error detected: a'
    assert validation_message(['a', 'b']) == '2 validation errors detected: a; b'


# Responses


def test_response_of_store_is_valid():
    store = make_store()
    execution = start(store, {'MlflowTrackingUri': 'http://127.0.0.1:5000'})
    run_to_end(store, execution.arn)
    assert response_violations('DescribePipelineExecution', execution.to_api()) == []
    steps = {'PipelineExecutionSteps': [step.to_api() for step in execution.steps]}
    assert response_violations('ListPipelineExecutionSteps', steps) == []


@pytest.mark.parametrize(
    ('body', 'expected'),
    [
        ({'PipelineExecutionStatus': 'Running'}, 'Member must satisfy enum value set'),
        ({'CreationTime': '2024-01-01T00:00:00Z'}, 'Member must be a timestamp in epoch seconds'),
        ({'PipelineExecutionDisplayName': 'a' * 83}, 'Member must have length less than or equal to 82'),
        ({'PipelineExecutionArn': 'not-an-arn'}, 'Member must satisfy regular expression pattern'),
        ({'Status': 'Executing'}, 'Unknown parameter in input: "Status"'),
        ({'CreationTime': True}, 'Member must be a timestamp in epoch seconds'),
    ],
)
def test_response_violation_caught(body, expected):
    violations = response_violations('DescribePipelineExecution', body)
    assert any(expected in v for v in violations), violations


def test_response_step_job_arn_pattern():
    step = {'StepName': 'Train', 'StepStatus': 'Executing', 'Metadata': {'TrainingJob': {'Arn': 'arn:aws:sagemaker:x'}}}
    violations = response_violations('ListPipelineExecutionSteps', {'PipelineExecutionSteps': [step]})
    assert any("'PipelineExecutionSteps[0].Metadata.TrainingJob.Arn'" in v for v in violations), violations


def test_server_rejects_invalid_own_response(monkeypatch):
    server = StandInServer(('127.0.0.1', 0), 'http://127.0.0.1:9', store=make_store())
    monkeypatch.setattr(server.operations, 'handle', lambda *args: {'PipelineExecutionStatus': 'Done'})
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        request = urllib.request.Request(
            f'http://127.0.0.1:{server.server_address[1]}/',
            data=json.dumps({'PipelineExecutionArn': PIPELINE_ARN + '/execution/abc'}).encode(),
            headers={'X-Amz-Target': 'SageMaker.DescribePipelineExecution', 'Content-Type': 'application/x-amz-json-1.1'},
        )
        with pytest.raises(urllib.error.HTTPError) as raised:
            urllib.request.urlopen(request, timeout=10)
        assert raised.value.code == 500
        assert "Value 'Done' at 'PipelineExecutionStatus'" in json.loads(raised.value.read())['Message']
        assert [v['kind'] for v in server.violations] == ['response']
    finally:
        server.shutdown()
        server.server_close()


# Parameters


@pytest.mark.parametrize('value', ['2e-05', '1e-7', '0.0002', '3', '-1.5E+3', '.5'])
def test_parameters_float_accepted(value):
    resolved = resolve_parameters(PIPELINE_ARN, DEFINITION, [{'Name': 'LearningRate', 'Value': value}])
    assert resolved['LearningRate'] == value


@pytest.mark.parametrize(
    ('name', 'value'),
    [('LearningRate', 'abc'), ('LearningRate', 'nan'), ('LearningRate', '1_000'), ('LoraR', '8.0'), ('Merge', 'True')],
)
def test_parameters_ill_typed_rejected(name, value):
    with pytest.raises(ParameterError, match=f"'{name}'.*'{value}'"):
        resolve_parameters(PIPELINE_ARN, DEFINITION, [{'Name': name, 'Value': value}])


def test_parameters_undeclared_rejected():
    with pytest.raises(ParameterError, match="'Nope' is not declared"):
        resolve_parameters(PIPELINE_ARN, DEFINITION, [{'Name': 'Nope', 'Value': '1'}])


def test_parameters_defaults_resolved():
    resolved = resolve_parameters(PIPELINE_ARN, DEFINITION, [{'Name': 'LoraR', 'Value': '16'}])
    assert resolved == {'LoraR': '16', 'LearningRate': '0.0002', 'Merge': 'false'}


# Lifecycle


def test_lifecycle_default_succeeds():
    store = make_store()
    execution = start(store)
    names = []
    while execution.status == 'Executing':
        names.append(execution.steps[-1].spec.name)
        store.advance(execution.arn)
    assert execution.status == 'Succeeded'
    assert names == ['Preprocess', 'Train', 'Evaluate', 'CheckPerplexity', 'Register']


def test_lifecycle_failed_train():
    store = make_store()
    store.set_scenario(parse_scenario({'steps': [
        {'name': 'Preprocess'},
        {'name': 'Train', 'outcome': 'Failed', 'failureReason': 'ClientError: ResourceLimitExceeded'},
        {'name': 'Evaluate'},
    ]}))
    execution = start(store)
    run_to_end(store, execution.arn)
    assert execution.status == 'Failed'
    assert execution.failure_reason == EXECUTION_FAILURE_REASON
    assert [s.status for s in execution.steps] == ['Succeeded', 'Failed']
    assert execution.steps[1].failure_reason == 'ClientError: ResourceLimitExceeded'


def test_lifecycle_stop():
    store = make_store()
    execution = start(store)
    store.stop(execution.arn)
    assert execution.status == 'Stopping'
    assert execution.steps[-1].status == 'Stopping'
    store.advance(execution.arn)
    assert execution.status == 'Stopped'
    assert execution.steps[-1].status == 'Stopped'


def test_lifecycle_poll_shows_state_before_advancing():
    store = make_store()
    store.set_scenario(parse_scenario({'pollsPerStep': 2}))
    execution = start(store)
    seen = [store.poll(execution.arn, lambda e: e.steps[-1].spec.name) for _ in range(3)]
    assert seen == ['Preprocess', 'Preprocess', 'Train']


def test_lifecycle_condition_false_skips_register():
    store = make_store()
    store.set_scenario(parse_scenario({'metrics': {'eval_perplexity': 'NaN'}}))
    execution = start(store)
    run_to_end(store, execution.arn)
    assert execution.status == 'Succeeded'
    assert execution.steps[-1].spec.name == 'CheckPerplexity'
    assert execution.steps[-1].condition_outcome == 'False'


def test_lifecycle_logs_runs_with_scenario_metrics():
    logged = []
    store = make_store(logged)
    store.set_scenario(parse_scenario({'match': {'ExperimentFile': 'a.json'}, 'metrics': {'eval_loss': 'Infinity'}}))
    execution = start(store, {'ExperimentFile': 'a.json', 'MlflowTrackingUri': 'http://127.0.0.1:5000'})
    run_to_end(store, execution.arn)
    assert [step for step, _ in logged] == ['Preprocess', 'Train', 'Evaluate']
    assert logged[-1][1]['eval_loss'] == math.inf
    assert execution.steps[2].run_id == 'run-Evaluate'


def test_lifecycle_logging_failure_fails_step():
    store = make_store(fail_logging=True)
    execution = start(store, {'MlflowTrackingUri': 'http://127.0.0.1:1'})
    run_to_end(store, execution.arn)
    assert execution.status == 'Failed'
    assert execution.steps[0].failure_reason.startswith('AlgorithmError: MLflow server')
    assert len(store.run_errors) == 1


def test_lifecycle_token_repeat():
    store = make_store()
    first = start(store)
    assert store.find_by_token(PIPELINE_ARN, TOKEN) is first
    assert store.find_by_token(PIPELINE_ARN, 'b' * 36) is None
    assert store.start_count == 1
    assert first.start_requests == 2


# Scenarios and metrics


def test_scenario_unknown_key_rejected():
    with pytest.raises(ScenarioError, match='unknown keys'):
        parse_scenario({'step': []})


def test_scenario_bad_outcome_rejected():
    with pytest.raises(ScenarioError, match='outcome'):
        parse_scenario({'steps': [{'name': 'Train', 'outcome': 'Crashed'}]})


def test_default_metrics_deterministic():
    parameters = {'LoraR': '8', 'LearningRate': '0.0002', 'CommitSha': 'a' * 40}
    assert default_metrics(parameters) == default_metrics({**parameters, 'CommitSha': 'b' * 40})
    assert default_metrics(parameters) != default_metrics({**parameters, 'LoraR': '16'})
    metrics = default_metrics(parameters)
    assert metrics['eval_perplexity'] == pytest.approx(math.exp(metrics['eval_loss']), rel=1e-5)
