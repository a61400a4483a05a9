import { computeDelta } from '../comparison/delta.js';
import { diffParameters } from '../comparison/parameters.js';
import type { ParameterChange } from '../comparison/types.js';
import { formatParameterValue } from '../experiments/format.js';
import type { Experiment, ParameterValue, PipelineParameter } from '../experiments/types.js';
import type { ExperimentResult, RunReference } from '../report/types.js';
import type { Finished } from './finish.js';

/** The baseline side of a comparison. */
export interface BaselineInfo {
  reference?: RunReference;
  /** The reason there is no baseline value, or its origin. */
  note?: string;
  /** The base version's parameters, for the list of changed parameters; undefined for a new file. */
  parameters?: Record<string, ParameterValue>;
}

/** Show a changed parameter's values as the strings SageMaker receives, so the comment shows what was sent. */
function formatChanges(changes: ParameterChange[], declared: PipelineParameter[]): ParameterChange[] {
  const types = new Map(declared.map((parameter) => [parameter.name, parameter.type]));
  const format = (name: string, value: ParameterValue | undefined) => {
    const type = types.get(name);
    return value === undefined || type === undefined ? value : formatParameterValue(value, type);
  };
  return changes.map((change) => ({ name: change.name, before: format(change.name, change.before), after: format(change.name, change.after) }));
}

/** Return the instance type and count an execution used: the experiment's values, else the pipeline's defaults. */
export function executionResources(experiment: Experiment, declared: PipelineParameter[]): ExperimentResult['resources'] {
  const value = (name: string) => experiment.parameters[name] ?? declared.find((parameter) => parameter.name === name)?.defaultValue;
  const instanceType = value('TrainingInstanceType');
  const instanceCount = Number(value('TrainingInstanceCount'));
  return {
    instanceType: instanceType === undefined ? undefined : String(instanceType),
    instanceCount: Number.isFinite(instanceCount) ? instanceCount : undefined,
  };
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '-∞';
  return String(Number(value.toPrecision(4)));
}

/** Decide one experiment's outcome from its execution, its metric and its baseline. */
export function buildResult(
  experiment: Experiment,
  finished: Finished,
  baseline: BaselineInfo,
  declared: PipelineParameter[],
  attempt: number,
): ExperimentResult {
  const metric = experiment.metric;
  const result: ExperimentResult = {
    path: experiment.path,
    description: experiment.description,
    outcome: 'running',
    summary: '',
    metric,
    candidate: finished.reference,
    baseline: baseline.reference,
    baselineNote: baseline.note,
    parameterChanges: formatChanges(diffParameters(baseline.parameters, experiment.parameters), declared),
    errors: [],
    failedStep: finished.failedStep,
    // A local run uses this machine, whatever instance type the parameters name.
    resources: finished.launched.executor === 'local' ? undefined : executionResources(experiment, declared),
    attempt,
  };
  const state = finished.state;
  const arn = finished.launched.executionArn;

  if (finished.waitOutcome === 'not-waited' || !state) {
    return { ...result, outcome: 'running', summary: `Execution ${arn} started; a later run of the action reports its result.` };
  }
  if (finished.waitOutcome === 'timed-out') {
    const stopped = state.status === 'Stopped' || state.status === 'Stopping';
    return { ...result, outcome: 'timed-out', summary: `Timed out waiting for execution ${arn}${stopped ? '; it was stopped' : '; it is still running'}.` };
  }
  if (finished.waitOutcome === 'cancelled' || state.status === 'Stopped' || state.status === 'Stopping') {
    return { ...result, outcome: 'cancelled', summary: `Execution ${arn} was stopped before it ended.` };
  }
  if (state.status === 'Failed' || state.status === 'CompletedWithFailures') {
    const step = finished.failedStep;
    const reason = step ? `step ${step.name} failed: ${step.reason}` : `the execution failed: ${state.failureReason ?? 'no reason given'}`;
    return { ...result, outcome: 'failed', summary: `Execution ${arn}: ${reason}` };
  }
  if (state.status !== 'Succeeded') {
    return { ...result, outcome: 'running', summary: `Execution ${arn} is ${state.status}.` };
  }

  if (finished.trackingError) {
    return { ...result, outcome: 'failed', summary: `The execution succeeded, but its MLflow runs could not be read: ${finished.trackingError}` };
  }
  const candidate = finished.reference.value;
  if (candidate === undefined) {
    return {
      ...result,
      outcome: 'metric-missing',
      summary: `The execution succeeded, but no run under parent run ${finished.reference.parentRunId} logged ${metric.name}; check that the evaluate step logs it under that name.`,
    };
  }
  if (!Number.isFinite(candidate)) {
    return { ...result, outcome: 'not-finite', summary: `${metric.name} is ${formatValue(candidate)}, which is not a finite number.` };
  }

  const baselineValue = baseline.reference?.value;
  if (baselineValue === undefined) {
    return { ...result, outcome: 'no-baseline', summary: `${metric.name} ${formatValue(candidate)}; ${baseline.note ?? 'no baseline to compare with'}.` };
  }

  const delta = computeDelta(metric, baselineValue, candidate, experiment.allowedRegression);
  result.delta = delta;
  if (!Number.isFinite(baselineValue)) {
    return { ...result, outcome: 'no-baseline', summary: `${metric.name} ${formatValue(candidate)}; the baseline's value is ${formatValue(baselineValue)}, so there is no delta.` };
  }
  const change = `${metric.name} ${formatValue(baselineValue)} → ${formatValue(candidate)}`;
  if (!delta.withinAllowed) {
    return { ...result, outcome: 'regressed', summary: `${change}: worse than the allowed regression.` };
  }
  return { ...result, outcome: 'success', summary: `${change} (${delta.direction}).` };
}
