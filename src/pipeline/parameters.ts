import type { Experiment, ParameterValue, PipelineParameter, PipelineParameterType } from '../experiments/types.js';
import { MAX_PARAMETER_VALUE_LENGTH, MAX_PIPELINE_PARAMETERS } from '../experiments/problems.js';
import type { ParameterAssignment } from './types.js';

// The SageMaker limits live with the experiment checks, which reject a file before anything starts.
export { MAX_PARAMETER_VALUE_LENGTH, MAX_PIPELINE_PARAMETERS };

/** The values that the action passes to every execution, whatever the experiment file contains. */
export interface ActionParameterValues {
  /** The pull request's head commit, 40 hex digits. */
  commitSha: string;
  parentRunId: string;
  /** Repository-relative path of the experiment file. */
  experimentFile: string;
  trackingUri: string;
}

/** The pipeline parameter that carries each action value; the pipeline definition must declare them as String. */
export const ACTION_PARAMETER_NAMES = {
  commitSha: 'CommitSha',
  parentRunId: 'MlflowParentRunId',
  experimentFile: 'ExperimentFile',
  trackingUri: 'MlflowTrackingUri',
} as const satisfies Record<keyof ActionParameterValues, string>;

/** The names of the parameters that the action sets and an experiment file may not. */
export const ACTION_PARAMETERS: readonly string[] = Object.values(ACTION_PARAMETER_NAMES);

/** Formats a value as the string StartPipelineExecution sends for a parameter of the given type. */
export type FormatParameterValue = (value: ParameterValue, type: PipelineParameterType) => string;

/** The pipeline cannot be started with these values; `problems` lists each reason with its fix. */
export class PipelineParameterError extends Error {
  readonly problems: string[];

  constructor(file: string, problems: string[]) {
    super(`Cannot start the pipeline for ${file}:\n- ${problems.join('\n- ')}`);
    this.name = 'PipelineParameterError';
    this.problems = problems;
  }
}

/**
 * Builds the parameters of StartPipelineExecution: the experiment's values, each formatted for the type
 * the pipeline declares, then the four values the action adds. Throws a PipelineParameterError that
 * lists every problem at once: an action parameter the pipeline does not declare, an experiment
 * parameter it does not declare or that the action owns, a value too long, or too many parameters.
 */
export function buildStartParameters(
  experiment: Pick<Experiment, 'path' | 'parameters'>,
  declared: PipelineParameter[],
  added: ActionParameterValues,
  format: FormatParameterValue,
): ParameterAssignment[] {
  const declaredByName = new Map(declared.map((parameter) => [parameter.name, parameter]));
  const actionNames = new Set(ACTION_PARAMETERS);
  const problems: string[] = [];
  const assignments: ParameterAssignment[] = [];

  for (const [key, name] of Object.entries(ACTION_PARAMETER_NAMES) as [keyof ActionParameterValues, string][]) {
    const parameter = declaredByName.get(name);
    if (!parameter) {
      problems.push(`the pipeline does not declare the parameter ${name}, which the action sets: declare ParameterString("${name}") in the pipeline definition`);
    } else if (parameter.type !== 'String') {
      problems.push(`the pipeline declares ${name} as ${parameter.type}: declare it as ParameterString("${name}")`);
    } else {
      assignments.push({ name, value: added[key] });
    }
  }

  if (!/^[0-9a-f]{40}$/.test(added.commitSha)) {
    problems.push(`invalid commit SHA "${added.commitSha}": CommitSha must be the 40 lowercase hex digits of the pull request's head commit`);
  }

  for (const [name, value] of Object.entries(experiment.parameters)) {
    if (actionNames.has(name)) {
      problems.push(`${name} is set by the action and cannot be set in the experiment file: remove it from the file`);
      continue;
    }

    const parameter = declaredByName.get(name);
    if (!parameter) {
      problems.push(`the pipeline does not declare the parameter ${name}: remove it from the file, or declare it in the pipeline definition`);
      continue;
    }

    try {
      assignments.push({ name, value: format(value, parameter.type) });
    } catch (error) {
      problems.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  for (const assignment of assignments) {
    if (assignment.value.length > MAX_PARAMETER_VALUE_LENGTH) {
      problems.push(
        `the value of ${assignment.name} is ${assignment.value.length} characters long, but SageMaker accepts at most ${MAX_PARAMETER_VALUE_LENGTH}: shorten it, or pass a URI of a file that holds it`,
      );
    }
  }

  const count = Object.keys(experiment.parameters).length + actionNames.size;
  if (count > MAX_PIPELINE_PARAMETERS) {
    problems.push(
      `${count} parameters (the file's ${Object.keys(experiment.parameters).length} and the action's ${actionNames.size}) exceed the SageMaker limit of ${MAX_PIPELINE_PARAMETERS} per execution: remove parameters that keep their default value`,
    );
  }

  if (problems.length > 0) throw new PipelineParameterError(experiment.path, problems);
  return assignments;
}
