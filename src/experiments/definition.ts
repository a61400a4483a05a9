import type { PipelineParameter, PipelineParameterType } from './types.js';

const PARAMETER_TYPES: readonly PipelineParameterType[] = ['String', 'Integer', 'Float', 'Boolean'];

/**
 * Reads the declared parameters from a SageMaker pipeline definition (the JSON that CreatePipeline takes and
 * DescribePipeline returns as `PipelineDefinition`): `Parameters` is a list of `{Name, Type, DefaultValue?}`.
 * Throws an Error naming the entry when the definition has another shape, because the check against it
 * would then be meaningless.
 */
export function parsePipelineParameters(definition: unknown, source: string): PipelineParameter[] {
  const parameters = (definition as { Parameters?: unknown } | null)?.Parameters;
  if (parameters === undefined) {
    return [];
  }
  if (!Array.isArray(parameters)) {
    throw new Error(`${source}: "Parameters" is not a list; give the pipeline definition JSON as SageMaker stores it`);
  }

  return parameters.map((entry: unknown, index) => {
    const { Name: name, Type: type, DefaultValue: defaultValue } = (entry ?? {}) as Record<string, unknown>;
    if (typeof name !== 'string' || name === '') {
      throw new Error(`${source}: Parameters[${index}] has no "Name"; every declared parameter needs one`);
    }
    if (!PARAMETER_TYPES.includes(type as PipelineParameterType)) {
      throw new Error(`${source}: parameter ${name} has the type ${JSON.stringify(type)}; expected one of ${PARAMETER_TYPES.join(', ')}`);
    }

    const parameter: PipelineParameter = { name, type: type as PipelineParameterType };
    if (typeof defaultValue === 'string' || typeof defaultValue === 'number' || typeof defaultValue === 'boolean') {
      parameter.defaultValue = defaultValue;
    }
    return parameter;
  });
}
