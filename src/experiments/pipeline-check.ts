import {
  MAX_PARAMETER_VALUE_LENGTH,
  MAX_PIPELINE_PARAMETERS,
  reservedParameterProblem,
  tooManyParametersProblem,
  typeProblem,
  valueTooLongProblem,
  type Problem,
} from './problems.js';
import { closestName } from './suggest.js';
import type { Experiment, PipelineParameter, ValidationError } from './types.js';

/**
 * Checks an experiment's parameters against the parameters that the pipeline definition declares, the
 * authority on names and types. Returns one error per problem, at the line of the parameter's key:
 * - a name that the action sets itself (`reservedNames`);
 * - a name the pipeline does not declare, with the closest declared name as "did you mean";
 * - a value that does not fit the declared type. Integer needs a whole number (`8` or `8.0`, not `8.5`
 *   nor `"16"`), Float any finite number and Boolean true or false. String needs a JSON string, because a
 *   number would be sent in its shortest form, which is not always the one written;
 * - a string longer than the 1024 characters SageMaker accepts;
 * - a declared parameter without a default that the file does not set;
 * - more than 200 parameters with the action's own.
 */
export function checkAgainstPipeline(
  experiment: Experiment,
  declared: PipelineParameter[],
  reservedNames: string[],
): ValidationError[] {
  const errors: ValidationError[] = [];
  const declaredByName = new Map(declared.map((parameter) => [parameter.name, parameter]));
  const reserved = new Set(reservedNames);
  const names = Object.keys(experiment.parameters);

  const atParameter = (name: string, problem: Problem): ValidationError => ({
    file: experiment.path,
    line: experiment.parameterLines[name] ?? experiment.parametersPosition?.line ?? 1,
    column: experiment.parameterColumns?.[name] ?? 1,
    ...problem,
  });
  const atParameters = (problem: Problem): ValidationError => ({
    file: experiment.path,
    line: experiment.parametersPosition?.line ?? 1,
    column: experiment.parametersPosition?.column ?? 1,
    ...problem,
  });

  // The limit counts what StartPipelineExecution would receive: the file's parameters plus the action's.
  const ownCount = names.filter((name) => !reserved.has(name)).length;
  if (ownCount + reserved.size > MAX_PIPELINE_PARAMETERS) {
    errors.push(atParameters(tooManyParametersProblem(ownCount, reserved.size)));
  }

  for (const name of names) {
    const value = experiment.parameters[name];
    const parameter = declaredByName.get(name);

    if (reserved.has(name)) {
      errors.push(atParameter(name, reservedParameterProblem(name)));
      continue;
    }
    if (parameter === undefined) {
      errors.push(atParameter(name, unknownParameterProblem(name, declared, reserved)));
      continue;
    }

    const problem = typeProblem(name, value, parameter.type, parameter.defaultValue);
    if (problem !== undefined) {
      errors.push(atParameter(name, problem));
    } else if (typeof value === 'string' && value.length > MAX_PARAMETER_VALUE_LENGTH) {
      errors.push(atParameter(name, valueTooLongProblem(name, value.length)));
    }
  }

  for (const parameter of declared) {
    if (parameter.defaultValue === undefined && !reserved.has(parameter.name) && !(parameter.name in experiment.parameters)) {
      errors.push(
        atParameters({
          rule: 'missing-parameter',
          message: `"${parameter.name}" is not set, and the pipeline declares no default for it`,
          fix: `add "${parameter.name}" (${parameter.type}) to "parameters"`,
        }),
      );
    }
  }

  return errors.sort((a, b) => a.line - b.line || a.column - b.column);
}

function unknownParameterProblem(name: string, declared: PipelineParameter[], reserved: Set<string>): Problem {
  const settable = declared.map((parameter) => parameter.name).filter((declaredName) => !reserved.has(declaredName));
  const suggestion = closestName(name, settable);
  return {
    rule: 'unknown-parameter',
    message: `"${name}" is not a parameter of the pipeline`,
    fix:
      suggestion === undefined
        ? `remove it, or declare it in the pipeline definition; the pipeline declares ${settable.join(', ')}`
        : `did you mean "${suggestion}"?`,
  };
}
