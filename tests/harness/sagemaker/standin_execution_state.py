"""The state of one execution and its steps, and how the SageMaker API and the control API render it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from standin_runs import metric_to_json
from standin_scenarios import Scenario, StepSpec


@dataclass
class StepState:
    spec: StepSpec
    start_time: float
    status: str = 'Executing'
    end_time: float | None = None
    failure_reason: str | None = None
    job_arn: str | None = None
    condition_outcome: str | None = None
    run_id: str | None = None

    def to_api(self) -> dict[str, Any]:
        """Return the step as a PipelineExecutionStep of ListPipelineExecutionSteps."""
        step: dict[str, Any] = {
            'StepName': self.spec.name,
            'StepDisplayName': self.spec.name,
            'StartTime': self.start_time,
            'StepStatus': self.status,
            'AttemptCount': 1,
            'Metadata': {},
        }
        if self.end_time is not None:
            step['EndTime'] = self.end_time
        if self.failure_reason is not None:
            step['FailureReason'] = self.failure_reason
        if self.spec.kind == 'Training' and self.job_arn:
            step['Metadata'] = {'TrainingJob': {'Arn': self.job_arn}}
        elif self.spec.kind == 'Processing' and self.job_arn:
            step['Metadata'] = {'ProcessingJob': {'Arn': self.job_arn}}
        elif self.spec.kind == 'Condition' and self.condition_outcome is not None:
            step['Metadata'] = {'Condition': {'Outcome': self.condition_outcome}}
        return step

    def to_control(self) -> dict[str, Any]:
        return {
            'name': self.spec.name,
            'kind': self.spec.kind,
            'status': self.status,
            'startTime': self.start_time,
            'endTime': self.end_time,
            'failureReason': self.failure_reason,
            'jobArn': self.job_arn,
            'conditionOutcome': self.condition_outcome,
            'runId': self.run_id,
        }


@dataclass
class Execution:
    arn: str
    pipeline_arn: str
    pipeline_name: str
    display_name: str
    client_request_token: str
    # The parameters as the request sent them, and the values after the definition's defaults.
    parameters: list[dict[str, str]]
    resolved: dict[str, str]
    scenario: Scenario
    metrics: dict[str, float]
    creation_time: float
    description: str | None = None
    parallelism: dict[str, Any] | None = None
    status: str = 'Executing'
    failure_reason: str | None = None
    last_modified_time: float = 0.0
    steps: list[StepState] = field(default_factory=list)
    polls: int = 0
    start_requests: int = 1

    @property
    def execution_id(self) -> str:
        return self.arn.rsplit('/', 1)[-1]

    def to_api(self) -> dict[str, Any]:
        """Return the execution as DescribePipelineExecution's response."""
        body: dict[str, Any] = {
            'PipelineArn': self.pipeline_arn,
            'PipelineExecutionArn': self.arn,
            'PipelineExecutionDisplayName': self.display_name,
            'PipelineExecutionStatus': self.status,
            'PipelineExperimentConfig': {'ExperimentName': self.pipeline_name, 'TrialName': self.execution_id},
            'CreationTime': self.creation_time,
            'LastModifiedTime': self.last_modified_time,
            'CreatedBy': {},
            'LastModifiedBy': {},
        }
        if self.description is not None:
            body['PipelineExecutionDescription'] = self.description
        if self.failure_reason is not None:
            body['FailureReason'] = self.failure_reason
        if self.parallelism is not None:
            body['ParallelismConfiguration'] = self.parallelism
        return body

    def to_summary(self) -> dict[str, Any]:
        """Return the execution as a PipelineExecutionSummary of ListPipelineExecutions."""
        summary: dict[str, Any] = {
            'PipelineExecutionArn': self.arn,
            'StartTime': self.creation_time,
            'PipelineExecutionStatus': self.status,
            'PipelineExecutionDisplayName': self.display_name,
        }
        if self.description is not None:
            summary['PipelineExecutionDescription'] = self.description
        if self.failure_reason is not None:
            summary['PipelineExecutionFailureReason'] = self.failure_reason
        return summary

    def to_control(self) -> dict[str, Any]:
        return {
            'arn': self.arn,
            'pipelineArn': self.pipeline_arn,
            'pipelineName': self.pipeline_name,
            'displayName': self.display_name,
            'clientRequestToken': self.client_request_token,
            'status': self.status,
            'failureReason': self.failure_reason,
            'parameters': {p['Name']: p['Value'] for p in self.parameters},
            'resolvedParameters': dict(self.resolved),
            'metrics': {name: metric_to_json(value) for name, value in self.metrics.items()},
            'scenario': self.scenario.to_json(),
            'polls': self.polls,
            'startRequests': self.start_requests,
            'steps': [step.to_control() for step in self.steps],
        }
