import { describe, expect, it } from 'vitest';
import { checkAgainstPipeline } from '../../../src/experiments/pipeline-check.js';
import { ACTION_PARAMETER_NAMES } from '../../../src/experiments/problems.js';
import type { Experiment, ParameterValue, PipelineParameter } from '../../../src/experiments/types.js';

const DECLARED: PipelineParameter[] = [
  { name: 'ModelId', type: 'String', defaultValue: 'tiny-llama' },
  { name: 'TrainDataUri', type: 'String' },
  { name: 'LoraR', type: 'Integer', defaultValue: 8 },
  { name: 'LearningRate', type: 'Float', defaultValue: 0.0002 },
  { name: 'MergeAdapter', type: 'Boolean', defaultValue: false },
  ...ACTION_PARAMETER_NAMES.map((name): PipelineParameter => ({ name, type: 'String' })),
];

const RESERVED = [...ACTION_PARAMETER_NAMES];

/** An experiment as parseExperiment returns it, with each parameter on its own line from line 3. */
function experiment(parameters: Record<string, ParameterValue>): Experiment {
  const names = Object.keys(parameters);
  return {
    path: 'experiments/x.json',
    parameters: { TrainDataUri: 's3://bucket/train.jsonl', ...parameters },
    metric: { name: 'eval_perplexity', goal: 'minimize' },
    contentHash: '0'.repeat(64),
    parameterLines: Object.fromEntries(names.map((name, index) => [name, index + 3])),
    parameterColumns: Object.fromEntries(names.map((name) => [name, 5])),
    parametersPosition: { line: 2, column: 3 },
  };
}

describe('checkAgainstPipeline', () => {
  it('accepts declared parameters of the right types', () => {
    const errors = checkAgainstPipeline(experiment({ ModelId: 'm', LoraR: 16, LearningRate: 2e-5, MergeAdapter: true }), DECLARED, RESERVED);
    expect(errors).toEqual([]);
  });

  it('suggests the declared name of a typo', () => {
    const [error] = checkAgainstPipeline(experiment({ LearningRat: 2e-5 }), DECLARED, RESERVED);
    expect(error).toMatchObject({ file: 'experiments/x.json', line: 3, column: 5, rule: 'unknown-parameter' });
    expect(error?.fix).toBe('did you mean "LearningRate"?');
  });

  it('suggests a name that differs in case', () => {
    const [error] = checkAgainstPipeline(experiment({ lora_r: 16, lorar: 16 }), DECLARED, RESERVED);
    expect(error?.fix).toBe('did you mean "LoraR"?');
  });

  it('lists the declared names when nothing is close', () => {
    const [error] = checkAgainstPipeline(experiment({ Temperature: 0.7 }), DECLARED, RESERVED);
    expect(error?.fix).toContain('the pipeline declares ModelId, TrainDataUri, LoraR, LearningRate, MergeAdapter');
  });

  it('rejects a parameter the action sets', () => {
    const [error] = checkAgainstPipeline(experiment({ CommitSha: 'abc' }), DECLARED, RESERVED);
    expect(error?.rule).toBe('reserved-parameter');
    expect(error?.message).toContain('set by the action');
  });

  it('rejects a fraction for an Integer', () => {
    const [error] = checkAgainstPipeline(experiment({ LoraR: 8.5 }), DECLARED, RESERVED);
    expect(error?.rule).toBe('wrong-type');
  });

  it('rejects a quoted Integer with the fix', () => {
    const [error] = checkAgainstPipeline(experiment({ LoraR: '16' }), DECLARED, RESERVED);
    expect(error?.fix).toBe('write 16 without quotes');
  });

  it('rejects an Integer beyond the exact range', () => {
    const [error] = checkAgainstPipeline(experiment({ LoraR: 2 ** 53 }), DECLARED, RESERVED);
    expect(error?.rule).toBe('out-of-range');
  });

  it('accepts an integral number for a Float', () => {
    expect(checkAgainstPipeline(experiment({ LearningRate: 1 }), DECLARED, RESERVED)).toEqual([]);
  });

  it('rejects a quoted Boolean with the fix', () => {
    const [error] = checkAgainstPipeline(experiment({ MergeAdapter: 'true' }), DECLARED, RESERVED);
    expect(error?.fix).toBe('write true without quotes');
  });

  it('rejects a number for a String', () => {
    const [error] = checkAgainstPipeline(experiment({ ModelId: 7 }), DECLARED, RESERVED);
    expect(error?.message).toBe('"ModelId" is 7, but ModelId is a String parameter');
  });

  it('rejects a string longer than 1024 characters', () => {
    const [error] = checkAgainstPipeline(experiment({ ModelId: 'm'.repeat(1025) }), DECLARED, RESERVED);
    expect(error?.rule).toBe('too-long');
  });

  it('requires a parameter without default', () => {
    const withoutData = { ...experiment({}), parameters: {} };
    const [error] = checkAgainstPipeline(withoutData, DECLARED, RESERVED);
    expect(error).toMatchObject({ line: 2, column: 3, rule: 'missing-parameter' });
    expect(error?.message).toContain('"TrainDataUri" is not set');
  });

  it('rejects 201 parameters with the action ones before any call', () => {
    const parameters = Object.fromEntries(Array.from({ length: 196 }, (_, index) => [`Extra${index}`, index]));
    const declared = [...DECLARED, ...Object.keys(parameters).map((name): PipelineParameter => ({ name, type: 'Integer', defaultValue: 0 }))];
    const errors = checkAgainstPipeline(experiment(parameters), declared, RESERVED);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ line: 2, column: 3, rule: 'too-many-parameters' });
    expect(errors[0]?.message).toContain('make 201');
  });

  it('accepts exactly 200 parameters with the action ones', () => {
    const parameters = Object.fromEntries(Array.from({ length: 195 }, (_, index) => [`Extra${index}`, index]));
    const declared = [...DECLARED, ...Object.keys(parameters).map((name): PipelineParameter => ({ name, type: 'Integer', defaultValue: 0 }))];
    expect(checkAgainstPipeline(experiment(parameters), declared, RESERVED)).toEqual([]);
  });
});
