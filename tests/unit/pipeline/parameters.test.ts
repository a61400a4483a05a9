import { describe, expect, it } from 'vitest';
import type { ParameterValue, PipelineParameter, PipelineParameterType } from '../../../src/experiments/types.js';
import { buildStartParameters, PipelineParameterError } from '../../../src/pipeline/parameters.js';

const actionDeclared: PipelineParameter[] = [
  { name: 'CommitSha', type: 'String' },
  { name: 'MlflowParentRunId', type: 'String' },
  { name: 'ExperimentFile', type: 'String' },
  { name: 'MlflowTrackingUri', type: 'String' },
];

const declared: PipelineParameter[] = [
  { name: 'LearningRate', type: 'Float', defaultValue: 0.0002 },
  { name: 'LoraR', type: 'Integer', defaultValue: 8 },
  { name: 'ModelId', type: 'String', defaultValue: 'tiny-llama' },
  ...actionDeclared,
];

const added = {
  commitSha: '1a2b3c4d5e6f708192a3b4c5d6e7f80912a3b4c5',
  parentRunId: '0f1e2d3c4b5a69788796a5b4c3d2e1f0',
  experimentFile: 'experiments/llama2-lora.json',
  trackingUri: 'http://127.0.0.1:5000',
};

/** A stand-in for the experiments module's formatter: it tags each value with its type. */
const format = (value: ParameterValue, type: PipelineParameterType) => `${type}:${String(value)}`;

function experiment(parameters: Record<string, ParameterValue>) {
  return { path: 'experiments/llama2-lora.json', parameters };
}

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof PipelineParameterError) return error.problems;
    throw error;
  }
  throw new Error('expected a PipelineParameterError');
}

describe('buildStartParameters', () => {
  it('formats each value for its declared type', () => {
    const assignments = buildStartParameters(experiment({ LearningRate: 2e-5, LoraR: 16 }), declared, added, format);
    expect(assignments).toContainEqual({ name: 'LearningRate', value: 'Float:0.00002' });
    expect(assignments).toContainEqual({ name: 'LoraR', value: 'Integer:16' });
  });

  it('adds the four action parameters', () => {
    const assignments = buildStartParameters(experiment({}), declared, added, format);
    expect(assignments).toEqual([
      { name: 'CommitSha', value: added.commitSha },
      { name: 'MlflowParentRunId', value: added.parentRunId },
      { name: 'ExperimentFile', value: added.experimentFile },
      { name: 'MlflowTrackingUri', value: added.trackingUri },
    ]);
  });

  it('names each undeclared action parameter', () => {
    const problems = problemsOf(() => buildStartParameters(experiment({}), declared.slice(0, 4), added, format));
    expect(problems).toHaveLength(3);
    expect(problems[0]).toContain('declare ParameterString("MlflowParentRunId") in the pipeline definition');
    expect(problems[1]).toContain('declare ParameterString("ExperimentFile") in the pipeline definition');
    expect(problems[2]).toContain('declare ParameterString("MlflowTrackingUri") in the pipeline definition');
  });

  it('lists all problems in the message', () => {
    const run = () => buildStartParameters(experiment({}), [], added, format);
    expect(run).toThrow(/CommitSha[\s\S]*MlflowParentRunId[\s\S]*ExperimentFile[\s\S]*MlflowTrackingUri/);
  });

  it('rejects an action parameter declared as Integer', () => {
    const wrong = declared.map((parameter) => (parameter.name === 'CommitSha' ? { ...parameter, type: 'Integer' as const } : parameter));
    const problems = problemsOf(() => buildStartParameters(experiment({}), wrong, added, format));
    expect(problems).toEqual(['the pipeline declares CommitSha as Integer: declare it as ParameterString("CommitSha")']);
  });

  it('rejects an action parameter set by the file', () => {
    const problems = problemsOf(() => buildStartParameters(experiment({ CommitSha: 'abc' }), declared, added, format));
    expect(problems[0]).toContain('CommitSha is set by the action');
  });

  it('rejects an undeclared experiment parameter', () => {
    const problems = problemsOf(() => buildStartParameters(experiment({ LoraRank: 8 }), declared, added, format));
    expect(problems[0]).toContain('does not declare the parameter LoraRank');
  });

  it('rejects a commit SHA that is not 40 hex digits', () => {
    const problems = problemsOf(() => buildStartParameters(experiment({}), declared, { ...added, commitSha: 'main' }, format));
    expect(problems[0]).toContain('invalid commit SHA "main"');
  });

  it('reports a value the formatter rejects', () => {
    const failing = () => {
      throw new Error('1.5 is not an integer');
    };
    const problems = problemsOf(() => buildStartParameters(experiment({ LoraR: 1.5 }), declared, added, failing));
    expect(problems[0]).toBe('LoraR: 1.5 is not an integer');
  });

  it('rejects a value over 1024 characters', () => {
    const problems = problemsOf(() => buildStartParameters(experiment({ ModelId: 'm'.repeat(1100) }), declared, added, (value) => String(value)));
    expect(problems[0]).toContain('ModelId is 1100 characters long');
  });

  it('rejects more than 200 parameters', () => {
    const many: Record<string, ParameterValue> = {};
    const manyDeclared: PipelineParameter[] = [...actionDeclared];
    for (let index = 0; index < 197; index++) {
      many[`Parameter${index}`] = index;
      manyDeclared.push({ name: `Parameter${index}`, type: 'Integer' });
    }
    const problems = problemsOf(() => buildStartParameters(experiment(many), manyDeclared, added, format));
    expect(problems).toEqual([expect.stringContaining('201 parameters')]);
  });

  it('accepts exactly 200 parameters', () => {
    const many: Record<string, ParameterValue> = {};
    const manyDeclared: PipelineParameter[] = [...actionDeclared];
    for (let index = 0; index < 196; index++) {
      many[`Parameter${index}`] = index;
      manyDeclared.push({ name: `Parameter${index}`, type: 'Integer' });
    }
    expect(buildStartParameters(experiment(many), manyDeclared, added, format)).toHaveLength(200);
  });
});
