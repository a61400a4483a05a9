"""Scenarios: the steps an execution goes through, their outcomes, the metrics it logs and its pace.

A test sets the default scenario, or a scenario for the executions whose parameter values match, through
the control API. The JSON form is
`{"match": {"ExperimentFile": "experiments/a.json"}, "steps": [{"name": "Train", "outcome": "Failed",
"failureReason": "..."}], "metrics": {"eval_perplexity": "NaN"}, "pollsPerStep": 2}`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from standin_runs import metric_to_json, parse_metric_value

STEP_OUTCOMES = ('Succeeded', 'Failed')
STEP_KINDS = ('Processing', 'Training', 'Condition')
CONDITION_OUTCOMES = ('True', 'False')

# The steps of the project's pipeline definition, in order; CheckPerplexity is a condition step that runs
# Register only when eval_perplexity <= PerplexityThreshold.
DEFAULT_STEP_NAMES = ('Preprocess', 'Train', 'Evaluate', 'CheckPerplexity', 'Register')

# The pipeline's default of PerplexityThreshold, used when the definition does not declare it.
DEFAULT_PERPLEXITY_THRESHOLD = 1000.0

_SCENARIO_KEYS = {'match', 'steps', 'metrics', 'pollsPerStep'}
_STEP_KEYS = {'name', 'outcome', 'failureReason', 'kind', 'conditionOutcome'}


class ScenarioError(ValueError):
    """An invalid scenario sent to the control API."""


def kind_for_step(name: str) -> str:
    if name == 'Train':
        return 'Training'
    if name == 'CheckPerplexity':
        return 'Condition'
    return 'Processing'


@dataclass
class StepSpec:
    name: str
    outcome: str = 'Succeeded'
    failure_reason: str | None = None
    kind: str = 'Processing'
    # 'True' or 'False' forces a condition step's outcome; None computes it from eval_perplexity.
    condition_outcome: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {'name': self.name, 'outcome': self.outcome, 'kind': self.kind}
        if self.failure_reason is not None:
            data['failureReason'] = self.failure_reason
        if self.condition_outcome is not None:
            data['conditionOutcome'] = self.condition_outcome
        return data


@dataclass
class Scenario:
    match: dict[str, str] = field(default_factory=dict)
    steps: list[StepSpec] = field(default_factory=lambda: [StepSpec(n, kind=kind_for_step(n)) for n in DEFAULT_STEP_NAMES])
    # Metric values that replace the computed defaults; None removes that metric from the Evaluate run.
    metrics: dict[str, float | None] = field(default_factory=dict)
    # Describe/ListSteps calls per step; 0 means steps advance only on an explicit control call.
    polls_per_step: int = 1

    def matches(self, parameters: dict[str, str]) -> bool:
        return all(parameters.get(name) == value for name, value in self.match.items())

    def to_json(self) -> dict[str, Any]:
        return {
            'match': dict(self.match),
            'steps': [step.to_json() for step in self.steps],
            'metrics': {k: None if v is None else metric_to_json(v) for k, v in self.metrics.items()},
            'pollsPerStep': self.polls_per_step,
        }


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ScenarioError(message)


def _parse_step(data: Any, index: int) -> StepSpec:
    where = f'steps[{index}]'
    _require(isinstance(data, dict), f'{where} must be an object with "name" and optional "outcome"')
    unknown = set(data) - _STEP_KEYS
    _require(not unknown, f'{where} has unknown keys {sorted(unknown)}; allowed: {sorted(_STEP_KEYS)}')

    name = data.get('name')
    _require(isinstance(name, str) and name != '', f'{where}.name must be a non-empty string')
    outcome = data.get('outcome', 'Succeeded')
    _require(outcome in STEP_OUTCOMES, f'{where}.outcome {outcome!r} must be one of {list(STEP_OUTCOMES)}')
    kind = data.get('kind', kind_for_step(name))
    _require(kind in STEP_KINDS, f'{where}.kind {kind!r} must be one of {list(STEP_KINDS)}')
    condition_outcome = data.get('conditionOutcome')
    _require(
        condition_outcome is None or condition_outcome in CONDITION_OUTCOMES,
        f'{where}.conditionOutcome {condition_outcome!r} must be "True" or "False"',
    )
    failure_reason = data.get('failureReason')
    _require(failure_reason is None or isinstance(failure_reason, str), f'{where}.failureReason must be a string')

    return StepSpec(name, outcome, failure_reason, kind, condition_outcome)


def parse_scenario(data: Any) -> Scenario:
    """Parse the control API's JSON form, raising ScenarioError that names the invalid key and value."""
    _require(isinstance(data, dict), 'a scenario must be a JSON object')
    unknown = set(data) - _SCENARIO_KEYS
    _require(not unknown, f'scenario has unknown keys {sorted(unknown)}; allowed: {sorted(_SCENARIO_KEYS)}')
    scenario = Scenario()

    match = data.get('match', {})
    _require(isinstance(match, dict), 'match must be an object of parameter names to string values')
    for name, value in match.items():
        _require(isinstance(value, str), f'match.{name} must be a string, as pipeline parameter values are')
    scenario.match = dict(match)

    if 'steps' in data:
        steps = data['steps']
        _require(isinstance(steps, list) and len(steps) > 0, 'steps must be a non-empty list')
        scenario.steps = [_parse_step(step, index) for index, step in enumerate(steps)]
        names = [step.name for step in scenario.steps]
        _require(len(set(names)) == len(names), f'step names must be unique, got {names}')

    metrics = data.get('metrics', {})
    _require(isinstance(metrics, dict), 'metrics must be an object of metric names to values')
    for name, value in metrics.items():
        try:
            scenario.metrics[name] = None if value is None else parse_metric_value(value)
        except ValueError as error:
            raise ScenarioError(f'metrics.{name}: {error}') from error

    polls = data.get('pollsPerStep', 1)
    _require(
        isinstance(polls, int) and not isinstance(polls, bool) and polls >= 0,
        f'pollsPerStep {polls!r} must be an integer >= 0 (0: advance only on a control call)',
    )
    scenario.polls_per_step = polls
    return scenario
