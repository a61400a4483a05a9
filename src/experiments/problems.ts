import type { ParameterValue, PipelineParameterType } from './types.js';

/*
 * The wording of the parameter problems that both checks find: the JSON Schema check of a file alone, and
 * the check against the pipeline's declared parameters. Both use these functions, so that a wrong type reads
 * the same whichever check finds it.
 */

/** The pipeline parameters that the action sets for every execution; an experiment file may not set them. */
export const ACTION_PARAMETER_NAMES = ['CommitSha', 'MlflowParentRunId', 'ExperimentFile', 'MlflowTrackingUri'] as const;

/** StartPipelineExecution accepts at most 200 pipeline parameters (SageMaker API reference, PipelineParameters). */
export const MAX_PIPELINE_PARAMETERS = 200;

/** A parameter value is at most 1024 characters (SageMaker API reference, Parameter.Value). */
export const MAX_PARAMETER_VALUE_LENGTH = 1024;

/** A rule, what is wrong and what to do: a ValidationError without its place. */
export interface Problem {
  rule: string;
  message: string;
  fix: string;
}

/** Describes a JSON value for a message: strings quoted, numbers and booleans as written, others by kind. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    return `${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)} (a string)`;
  }
  if (typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  if (value === null) {
    return 'null';
  }
  return Array.isArray(value) ? 'an array' : 'an object';
}

/** Returns the problem of a value for a parameter of the given type, or undefined when the value fits. */
export function typeProblem(
  name: string,
  value: unknown,
  type: PipelineParameterType,
  example?: unknown,
): Problem | undefined {
  const wrongType = (fix: string): Problem => ({
    rule: 'wrong-type',
    message: `"${name}" is ${describeValue(value)}, but ${name} is ${type === 'Integer' ? 'an' : 'a'} ${type} parameter`,
    fix,
  });
  const unquoted = typeof value === 'string' ? value.trim() : '';
  const exampleText = example === undefined ? '' : `, e.g. ${JSON.stringify(example)}`;

  switch (type) {
    case 'Integer':
      if (typeof value === 'number' && Number.isSafeInteger(value)) {
        return undefined;
      }
      if (typeof value === 'number' && Number.isInteger(value)) {
        return {
          rule: 'out-of-range',
          message: `"${name}" is ${value}, outside the integers that a double represents exactly (±${Number.MAX_SAFE_INTEGER})`,
          fix: `give an integer between ${-Number.MAX_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}`,
        };
      }
      if (typeof value === 'number') {
        return wrongType(`give a whole number, e.g. ${Math.floor(value)} or ${Math.ceil(value)}`);
      }
      if (/^-?\d+$/.test(unquoted)) {
        return wrongType(`write ${unquoted} without quotes`);
      }
      return wrongType(`give a whole number${exampleText}`);

    case 'Float':
      if (typeof value === 'number' && Number.isFinite(value)) {
        return undefined;
      }
      if (unquoted !== '' && Number.isFinite(Number(unquoted))) {
        return wrongType(`write ${unquoted} without quotes`);
      }
      return wrongType(`give a number${exampleText}`);

    case 'Boolean':
      if (typeof value === 'boolean') {
        return undefined;
      }
      if (unquoted === 'true' || unquoted === 'false') {
        return wrongType(`write ${unquoted} without quotes`);
      }
      return wrongType('give true or false');

    case 'String':
      if (typeof value === 'string') {
        return undefined;
      }
      // A number is not turned into a string, because `1.0` would be sent as "1", which is not what the file contains.
      if (typeof value === 'number' || typeof value === 'boolean') {
        return wrongType(`put the value in quotes, e.g. "${String(value)}", so that it is sent exactly as written`);
      }
      return wrongType(`give a string${exampleText}`);
  }
}

/** Describes an empty string, which would replace the pipeline's default with nothing. */
export function emptyStringProblem(name: string, hint: { title?: string; example?: unknown; hasDefault?: boolean }): Problem {
  const requested = hint.title === undefined ? 'a value' : `the ${hint.title}`;
  const example = hint.example === undefined ? '' : `, e.g. ${JSON.stringify(hint.example)}`;
  const alternative = hint.hasDefault === false ? '; the pipeline has no default for it' : ", or remove the key to use the pipeline's default";
  return {
    rule: 'empty-string',
    message: `"${name}" is an empty string`,
    fix: `give ${requested}${example}${alternative}`,
  };
}

/** Describes a string longer than SageMaker accepts as a parameter value. */
export function valueTooLongProblem(name: string, length: number): Problem {
  return {
    rule: 'too-long',
    message: `"${name}" is ${length} characters long; SageMaker accepts at most ${MAX_PARAMETER_VALUE_LENGTH} characters in a parameter value`,
    fix: 'shorten the value, or pass a reference to it (for example an s3:// URI) instead',
  };
}

/** Describes a parameter that the action sets itself. */
export function reservedParameterProblem(name: string): Problem {
  return {
    rule: 'reserved-parameter',
    message: `"${name}" is set by the action for every execution, so an experiment file may not set it`,
    fix: `remove "${name}" from "parameters"; the action sets ${ACTION_PARAMETER_NAMES.join(', ')}`,
  };
}

/** Describes more parameters than one execution takes, counting the ones the action adds. */
export function tooManyParametersProblem(experimentCount: number, actionCount: number): Problem {
  return {
    rule: 'too-many-parameters',
    message:
      `${experimentCount} parameters and the action's ${actionCount} make ${experimentCount + actionCount}, ` +
      `but SageMaker accepts at most ${MAX_PIPELINE_PARAMETERS} pipeline parameters per execution`,
    fix: `set at most ${MAX_PIPELINE_PARAMETERS - actionCount} parameters; leave out the ones that keep the pipeline's default`,
  };
}
