import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePipelineParameters } from '../../../src/experiments/definition.js';
import { parseExperiment } from '../../../src/experiments/parse.js';
import { checkAgainstPipeline } from '../../../src/experiments/pipeline-check.js';
import { ACTION_PARAMETER_NAMES } from '../../../src/experiments/problems.js';
import { EXPERIMENT_SCHEMA } from '../../../src/experiments/schema.js';
import type { PipelineParameterType } from '../../../src/experiments/types.js';
import { ACTION_PARAMETER_NAMES as PIPELINE_ACTION_PARAMETERS } from '../../../src/pipeline/parameters.js';

const DEFINITION_URL = new URL('../../../containers/pipeline/definition.json', import.meta.url);
const definitionExists = existsSync(DEFINITION_URL);

const TYPES: Record<string, PipelineParameterType> = { integer: 'Integer', number: 'Float', string: 'String', boolean: 'Boolean' };

interface DocumentedParameter {
  type?: string;
  default?: unknown;
  not?: object;
}

const documented = Object.entries(EXPERIMENT_SCHEMA.properties.parameters.properties as Record<string, DocumentedParameter>);
const typed = documented.filter(([, schema]) => schema.type !== undefined);
const reserved = documented.filter(([, schema]) => schema.type === undefined && schema.not !== undefined).map(([name]) => name);

function declaredParameters() {
  return parsePipelineParameters(JSON.parse(readFileSync(DEFINITION_URL, 'utf8')), 'containers/pipeline/definition.json');
}

describe('experiment schema', () => {
  it('reserves the parameters the action sets', () => {
    expect(reserved).toEqual([...ACTION_PARAMETER_NAMES]);
  });

  it('reserves the names the pipeline module sends', () => {
    expect([...ACTION_PARAMETER_NAMES].sort()).toEqual(Object.values(PIPELINE_ACTION_PARAMETERS).sort());
  });

  it('documents the 24 contract parameters', () => {
    expect(typed).toHaveLength(24);
  });
});

describe.skipIf(!definitionExists)('experiment schema against containers/pipeline/definition.json (skipped while that file does not exist)', () => {
  it.each(typed)('declares %s with the documented type', (name, schema) => {
    const parameter = declaredParameters().find((item) => item.name === name);
    expect(parameter, `${name} is not declared`).toBeDefined();
    expect(parameter?.type).toBe(TYPES[schema.type ?? '']);
  });

  it.each(typed.filter(([, schema]) => schema.default !== undefined))('declares %s with the documented default', (name, schema) => {
    const parameter = declaredParameters().find((item) => item.name === name);
    expect(parameter?.defaultValue).toEqual(schema.default);
  });

  it.each(reserved)('declares the action parameter %s as String', (name) => {
    expect(declaredParameters().find((item) => item.name === name)?.type).toBe('String');
  });

  it('accepts the shipped example experiment', () => {
    const text = readFileSync(new URL('../../../experiments/tiny-lora.json', import.meta.url), 'utf8');
    const parsed = parseExperiment('experiments/tiny-lora.json', text);
    if (!parsed.ok) {
      throw new Error(`experiments/tiny-lora.json is invalid: ${parsed.errors.map((error) => error.message).join('; ')}`);
    }
    expect(checkAgainstPipeline(parsed.experiment, declaredParameters(), [...ACTION_PARAMETER_NAMES])).toEqual([]);
  });
});
