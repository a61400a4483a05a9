"""Pipeline executions with a lifecycle: steps that start, succeed, fail or stop as the scenario sets."""

from __future__ import annotations

import logging
import math
import secrets
import string
import threading
import time
from typing import Any, Callable, TypeVar

from standin_execution_state import Execution, StepState
from standin_runs import default_metrics
from standin_scenarios import DEFAULT_PERPLEXITY_THRESHOLD, Scenario, StepSpec

# The execution's FailureReason when a step fails, in SageMaker Pipelines' words. The failed step keeps
# its own reason, which ListPipelineExecutionSteps returns.
EXECUTION_FAILURE_REASON = 'Step failure: One or multiple steps failed.'

TERMINAL_STATUSES = ('Succeeded', 'Failed', 'Stopped')

# Steps whose success logs a nested MLflow run, as the real step scripts do. An execution whose
# MlflowTrackingUri is empty or absent logs no runs, so lifecycle tests need no tracking server.
LOGGED_STEPS = ('Preprocess', 'Train', 'Evaluate')

_JOB_NAME_MAX = 63  # characters: the training and processing job name limit of the SageMaker API
_ID_ALPHABET = string.ascii_lowercase + string.digits

RunLogger = Callable[[str, dict, dict], str]
T = TypeVar('T')

log = logging.getLogger('sagemaker-standin')


class ExecutionNotFound(LookupError):
    pass


def _random_id(length: int) -> str:
    return ''.join(secrets.choice(_ID_ALPHABET) for _ in range(length))


class ExecutionStore:
    """All executions of the stand-in, with the scenarios that drive them. Every method takes the lock."""

    def __init__(self, log_run: RunLogger, clock: Callable[[], float] = time.time):
        self.lock = threading.RLock()
        self._log_run = log_run
        self._clock = clock
        self.default_scenario = Scenario()
        self.scenarios: list[Scenario] = []
        self.executions: dict[str, Execution] = {}
        self._by_token: dict[tuple[str, str], str] = {}
        self.start_count = 0
        # Failures of the stand-in's own MLflow logging, which fail the step as the real step would fail.
        self.run_errors: list[dict[str, str]] = []

    def _now(self) -> float:
        # Milliseconds are the resolution that SageMaker timestamps carry.
        return round(self._clock(), 3)

    def set_scenario(self, scenario: Scenario) -> None:
        with self.lock:
            if scenario.match:
                self.scenarios.append(scenario)
            else:
                self.default_scenario = scenario

    def reset(self) -> None:
        with self.lock:
            self.default_scenario = Scenario()
            self.scenarios.clear()
            self.executions.clear()
            self._by_token.clear()
            self.start_count = 0
            self.run_errors.clear()

    def scenario_for(self, parameters: dict[str, str]) -> Scenario:
        # The scenario set last wins when several match.
        for scenario in reversed(self.scenarios):
            if scenario.matches(parameters):
                return scenario
        return self.default_scenario

    def find_by_token(self, pipeline_arn: str, token: str) -> Execution | None:
        """Return the execution that an earlier start with this token created, counting the repeat."""
        with self.lock:
            arn = self._by_token.get((pipeline_arn, token))
            if arn is None:
                return None
            execution = self.executions[arn]
            execution.start_requests += 1
            return execution

    def start(self, pipeline_arn: str, pipeline_name: str, request: dict[str, Any], resolved: dict[str, str]) -> Execution:
        with self.lock:
            now = self._now()
            scenario = self.scenario_for(resolved)
            metrics = default_metrics(resolved)
            for name, value in scenario.metrics.items():
                if value is None:
                    metrics.pop(name, None)
                else:
                    metrics[name] = value

            execution = Execution(
                arn=f'{pipeline_arn}/execution/{_random_id(12)}',
                pipeline_arn=pipeline_arn,
                pipeline_name=pipeline_name,
                # Without a display name the service names the execution after its start time.
                display_name=request.get('PipelineExecutionDisplayName') or f'execution-{int(now * 1000)}',
                client_request_token=request['ClientRequestToken'],
                parameters=list(request.get('PipelineParameters', [])),
                resolved=resolved,
                scenario=scenario,
                metrics=metrics,
                creation_time=now,
                description=request.get('PipelineExecutionDescription'),
                parallelism=request.get('ParallelismConfiguration'),
                last_modified_time=now,
            )
            self.executions[execution.arn] = execution
            self._by_token[(pipeline_arn, execution.client_request_token)] = execution.arn
            self.start_count += 1
            self._start_step(execution, 0, now)
            log.info('started execution %s with %d steps, %d polls per step',
                     execution.arn, len(scenario.steps), scenario.polls_per_step)
            return execution

    def get(self, arn: str) -> Execution:
        with self.lock:
            execution = self.executions.get(arn)
            if execution is None:
                raise ExecutionNotFound(arn)
            return execution

    def poll(self, arn: str, render: Callable[[Execution], T]) -> T:
        """Render the execution for one Describe or ListSteps call, then count the call.

        Every `pollsPerStep` calls advance the execution by one step, after rendering, so that a polling
        client observes every state (Executing, Stopping) at least once.
        """
        with self.lock:
            execution = self.get(arn)
            rendered = render(execution)
            if execution.status in TERMINAL_STATUSES or execution.scenario.polls_per_step == 0:
                return rendered
            execution.polls += 1
            if execution.polls >= execution.scenario.polls_per_step:
                execution.polls = 0
                self.advance(arn)
            return rendered

    def advance(self, arn: str) -> Execution:
        """Finish the executing step with its scenario outcome and start the next one, or end the execution."""
        with self.lock:
            execution = self.get(arn)
            now = self._now()
            if execution.status == 'Stopping':
                self._finish_stopping(execution, now)
                return execution
            if execution.status in TERMINAL_STATUSES:
                return execution

            step = execution.steps[-1]
            self._finish_step(execution, step, now)
            execution.last_modified_time = now
            if step.status == 'Failed':
                execution.status = 'Failed'
                execution.failure_reason = EXECUTION_FAILURE_REASON
                return execution

            next_index = len(execution.steps)
            # Steps after a condition that evaluated to False do not run, as in a pipeline whose else
            # branch is empty; the execution still succeeds.
            skip_rest = step.spec.kind == 'Condition' and step.condition_outcome == 'False'
            if skip_rest or next_index >= len(execution.scenario.steps):
                execution.status = 'Succeeded'
            else:
                self._start_step(execution, next_index, now)
            return execution

    def stop(self, arn: str) -> Execution:
        with self.lock:
            execution = self.get(arn)
            if execution.status == 'Executing':
                now = self._now()
                log.info('stopping execution %s', arn)
                execution.status = 'Stopping'
                execution.last_modified_time = now
                execution.polls = 0
                for step in execution.steps:
                    if step.status in ('Starting', 'Executing'):
                        step.status = 'Stopping'
            return execution

    def _finish_stopping(self, execution: Execution, now: float) -> None:
        for step in execution.steps:
            if step.status == 'Stopping':
                step.status = 'Stopped'
                step.end_time = now
        execution.status = 'Stopped'
        execution.last_modified_time = now

    def _start_step(self, execution: Execution, index: int, now: float) -> None:
        spec = execution.scenario.steps[index]
        step = StepState(spec=spec, start_time=now)
        if spec.kind in ('Training', 'Processing'):
            step.job_arn = self._job_arn(execution, spec)
        execution.steps.append(step)

    def _job_arn(self, execution: Execution, spec: StepSpec) -> str:
        # arn:aws:sagemaker:<region>:<account>:pipeline/<name>; jobs live in the same region and account.
        prefix = execution.pipeline_arn.split(':pipeline/', 1)[0]
        resource = 'training-job' if spec.kind == 'Training' else 'processing-job'
        step_part = ''.join(c if c.isalnum() else '-' for c in spec.name).strip('-') or 'step'
        name = f'pipelines-{execution.execution_id}-{step_part}'[: _JOB_NAME_MAX - 11].rstrip('-')
        return f'{prefix}:{resource}/{name}-{_random_id(10)}'

    def _finish_step(self, execution: Execution, step: StepState, now: float) -> None:
        step.end_time = now
        spec = step.spec
        if spec.outcome == 'Failed':
            step.status = 'Failed'
            step.failure_reason = spec.failure_reason or f'AlgorithmError: the scenario fails step {spec.name}'
            return

        if spec.kind == 'Condition':
            step.condition_outcome = spec.condition_outcome or self._perplexity_condition(execution)

        if spec.name in LOGGED_STEPS and execution.resolved.get('MlflowTrackingUri'):
            try:
                step.run_id = self._log_run(spec.name, execution.resolved, execution.metrics)
            except RuntimeError as error:
                # The real step fails when it cannot log its run, so the stand-in fails it the same way.
                step.status = 'Failed'
                step.failure_reason = f'AlgorithmError: {error}'
                log.error('step %s of execution %s failed to log its MLflow run: %s', spec.name, execution.arn, error)
                self.run_errors.append({'executionArn': execution.arn, 'step': spec.name, 'message': str(error)})
                return
        step.status = 'Succeeded'

    def _perplexity_condition(self, execution: Execution) -> str:
        perplexity = execution.metrics.get('eval_perplexity', math.nan)
        try:
            threshold = float(execution.resolved.get('PerplexityThreshold', DEFAULT_PERPLEXITY_THRESHOLD))
        except ValueError:
            threshold = DEFAULT_PERPLEXITY_THRESHOLD
        # A NaN perplexity compares False, as the pipeline's LessThanOrEqualTo condition does.
        return 'True' if perplexity <= threshold else 'False'
