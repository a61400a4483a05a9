import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/event/plan.js';
import { checkLimits, concurrencyErrors, loadGuardrails, parseGuardrails, underPrefix } from '../../src/experiments/guardrails.js';
import { parseExperiment } from '../../src/experiments/parse.js';
import type { Experiment, PipelineParameter } from '../../src/experiments/types.js';
import type { FileSource } from '../../src/flow/sources.js';

const CONFIG = '.github/experiment-pr.json';
const BASE = 'b'.repeat(40);
const HEAD = 'a'.repeat(40);

const DECLARED: PipelineParameter[] = [
  { name: 'ModelId', type: 'String', defaultValue: 'tiny-llama' },
  { name: 'TrainDataUri', type: 'String' },
  { name: 'EvalDataUri', type: 'String' },
  { name: 'TrainingInstanceType', type: 'String', defaultValue: 'ml.g5.2xlarge' },
  { name: 'TrainingInstanceCount', type: 'Integer', defaultValue: 1 },
  { name: 'ProcessingInstanceType', type: 'String', defaultValue: 'ml.m5.xlarge' },
  { name: 'MaxRuntimeSeconds', type: 'Integer', defaultValue: 86400 },
];

const PLAN: Plan = { door: 'pull_request', owner: 'acme', repo: 'llm-lab', headSha: HEAD, headRef: 'x', baseSha: BASE, pullRequest: { number: 7, fromFork: false }, selection: { kind: 'changed' }, attempt: '1' };

/** Files by `path@commit`. */
function files(entries: Record<string, string>): FileSource {
  return {
    changedFiles: async () => [],
    readFile: async (path, commit) => entries[`${path}@${commit}`],
  };
}

function experiment(parameters: Record<string, unknown>, path = 'experiments/a.json'): Experiment {
  const parsed = parseExperiment(path, `{\n  "parameters": ${JSON.stringify(parameters, null, 4)}\n}\n`);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.experiment;
}

async function guardrails(config: object | string, plan: Plan = PLAN) {
  const text = typeof config === 'string' ? config : JSON.stringify(config, null, 2);
  return loadGuardrails(files({ [`${CONFIG}@${BASE}`]: text }), CONFIG, plan);
}

describe('guardrails check', () => {
  it('rejects an instance type not allowed', async () => {
    const rails = await guardrails({ allowedInstanceTypes: ['ml.g5.2xlarge', 'ml.g5.12xlarge', 'ml.m5.*'] });
    const errors = rails.check(experiment({ TrainingInstanceType: 'ml.p4d.24xlarge' }), DECLARED);

    expect(errors.map((error) => error.message)).toEqual([
      'TrainingInstanceType "ml.p4d.24xlarge" is not in allowedInstanceTypes [ml.g5.2xlarge, ml.g5.12xlarge, ml.m5.*] of .github/experiment-pr.json',
    ]);
  });

  it('points at the parameter line', async () => {
    const rails = await guardrails({ allowedInstanceTypes: ['ml.g5.2xlarge', 'ml.m5.*'] });
    const errors = rails.check(experiment({ LoraR: 8, TrainingInstanceType: 'ml.p4d.24xlarge' }), DECLARED);

    expect(errors[0]).toMatchObject({ file: 'experiments/a.json', line: 4, rule: 'instance-type-not-allowed' });
  });

  it('accepts a glob match', async () => {
    const rails = await guardrails({ allowedInstanceTypes: ['ml.g5.*', 'ml.m5.*'] });

    expect(rails.check(experiment({ TrainingInstanceType: 'ml.g5.48xlarge' }), DECLARED)).toEqual([]);
  });

  it('checks the pipeline default', async () => {
    const rails = await guardrails({ allowedInstanceTypes: ['ml.g5.2xlarge'] });
    const errors = rails.check(experiment({}), DECLARED);

    expect(errors.map((error) => error.message)).toEqual([
      expect.stringMatching(/^ProcessingInstanceType "ml\.m5\.xlarge" is not in allowedInstanceTypes \[ml\.g5\.2xlarge\] .*the pipeline's default/),
    ]);
    expect(errors[0]?.line).toBe(2);
  });

  it('rejects too many instances', async () => {
    const rails = await guardrails({ maxInstanceCount: 2 });
    const errors = rails.check(experiment({ TrainingInstanceCount: 4 }), DECLARED);

    expect(errors).toMatchObject([{ rule: 'instance-count-too-high', message: expect.stringContaining('TrainingInstanceCount 4 is more than maxInstanceCount 2') }]);
  });

  it('rejects a long run time', async () => {
    const rails = await guardrails({ maxRuntimeSeconds: 3600 });
    const errors = rails.check(experiment({ MaxRuntimeSeconds: 7200 }), DECLARED);

    expect(errors).toMatchObject([{ rule: 'runtime-too-long', fix: expect.stringContaining('at most 3600') }]);
  });

  it('rejects a default run time over the limit', async () => {
    const rails = await guardrails({ maxRuntimeSeconds: 3600 });

    expect(rails.check(experiment({}), DECLARED)).toMatchObject([{ message: expect.stringContaining('MaxRuntimeSeconds 86400 is more than maxRuntimeSeconds 3600') }]);
  });

  it('rejects data outside the prefixes', async () => {
    const rails = await guardrails({ allowedDataPrefixes: ['s3://team-data/llm'] });
    const errors = rails.check(experiment({ TrainDataUri: 's3://team-data/llm-private/train.jsonl', EvalDataUri: 's3://team-data/llm/eval.jsonl' }), DECLARED);

    expect(errors).toMatchObject([{ rule: 'data-prefix-not-allowed', message: expect.stringContaining('TrainDataUri "s3://team-data/llm-private/train.jsonl"') }]);
  });

  it('checks an s3 model id', async () => {
    const rails = await guardrails({ allowedDataPrefixes: ['s3://team-data/'] });
    const errors = rails.check(experiment({ TrainDataUri: 's3://team-data/t', EvalDataUri: 's3://team-data/e', ModelId: 's3://elsewhere/model/' }), DECLARED);

    expect(errors.map((error) => error.message)).toEqual([expect.stringContaining('ModelId "s3://elsewhere/model/"')]);
  });

  it('skips a hub model id', async () => {
    const rails = await guardrails({ allowedDataPrefixes: ['s3://team-data/'] });

    expect(rails.check(experiment({ TrainDataUri: 's3://team-data/t', EvalDataUri: 's3://team-data/e', ModelId: 'meta-llama/Llama-2-7b-hf' }), DECLARED)).toEqual([]);
  });

  it('passes within every limit', async () => {
    const rails = await guardrails({ allowedInstanceTypes: ['ml.g5.*', 'ml.m5.*'], maxInstanceCount: 2, maxRuntimeSeconds: 86400, allowedDataPrefixes: ['s3://team-data/'] });

    expect(rails.check(experiment({ TrainDataUri: 's3://team-data/t', EvalDataUri: 's3://team-data/e', TrainingInstanceCount: 2 }), DECLARED)).toEqual([]);
  });
});

describe('loadGuardrails', () => {
  it('reads the base commit', async () => {
    const source = files({ [`${CONFIG}@${BASE}`]: '{"maxInstanceCount": 1}', [`${CONFIG}@${HEAD}`]: '{"maxInstanceCount": 64}' });
    const rails = await loadGuardrails(source, CONFIG, PLAN);

    expect(rails.limits.maxInstanceCount).toBe(1);
  });

  it('reads the head for a push', async () => {
    const push: Plan = { ...PLAN, door: 'push', baseSha: undefined, pullRequest: undefined };
    const rails = await loadGuardrails(files({ [`${CONFIG}@${HEAD}`]: '{"maxInstanceCount": 3}' }), CONFIG, push);

    expect(rails.limits.maxInstanceCount).toBe(3);
  });

  it('sets no limits without a file', async () => {
    const rails = await loadGuardrails(files({}), CONFIG, PLAN);

    expect(rails.check(experiment({ TrainingInstanceType: 'ml.p5.48xlarge', TrainingInstanceCount: 64 }), DECLARED)).toEqual([]);
  });

  it('rejects every experiment for an invalid file', async () => {
    const rails = await guardrails({ maxInstanceCount: 'two' });

    expect(rails.check(experiment({}), DECLARED)).toMatchObject([{ file: CONFIG, rule: 'invalid-guardrails', message: expect.stringContaining('"maxInstanceCount" must be integer') }]);
  });
});

describe('parseGuardrails', () => {
  it('places a wrong value at its key', () => {
    const { problems } = parseGuardrails(CONFIG, '{\n  "maxRuntimeSeconds": 3000000\n}');

    expect(problems).toMatchObject([{ line: 2, column: 3, message: expect.stringContaining('"maxRuntimeSeconds" must be <= 2419200'), fix: expect.stringContaining('28 days') }]);
  });

  it('suggests a misspelled key', () => {
    const { problems } = parseGuardrails(CONFIG, '{\n  "maxInstanceCout": 2\n}');

    expect(problems).toMatchObject([{ line: 2, message: `${CONFIG}: unknown key "maxInstanceCout"`, fix: expect.stringContaining('did you mean "maxInstanceCount"') }]);
  });

  it('names a bad list item', () => {
    const { problems } = parseGuardrails(CONFIG, '{"allowedDataPrefixes": ["s3://ok-bucket/", "gs://other/"]}');

    expect(problems).toMatchObject([{ message: expect.stringContaining('"allowedDataPrefixes" item 1 "gs://other/" is not an s3:// URI prefix') }]);
  });

  it('rejects a comment with its place', () => {
    const { problems } = parseGuardrails(CONFIG, '{\n  // limits\n  "maxInstanceCount": 2\n}');

    expect(problems).toMatchObject([{ line: 2, rule: 'comment', fix: expect.stringContaining('the guardrail file is strict JSON') }]);
  });

  it('ignores a byte order mark', () => {
    expect(parseGuardrails(CONFIG, '\uFEFF{"maxInstanceCount": 2}')).toEqual({ limits: { maxInstanceCount: 2 }, problems: [] });
  });
});

describe('underPrefix', () => {
  it('matches whole segments', () => {
    expect(underPrefix('s3://b/data/x', 's3://b/data')).toBe(true);
    expect(underPrefix('s3://b/data-private/x', 's3://b/data')).toBe(false);
  });
});

describe('concurrencyErrors', () => {
  const experiments = ['c', 'a', 'b'].map((name) => experiment({}, `experiments/${name}.json`));

  it('starts up to the free slots in path order', () => {
    const errors = concurrencyErrors(experiments, 1, 7, 2, CONFIG);

    expect([...errors.keys()]).toEqual(['experiments/b.json', 'experiments/c.json']);
  });

  it('names the limit and the fix', () => {
    const errors = concurrencyErrors(experiments, 2, 7, 2, CONFIG);

    expect(errors.get('experiments/a.json')).toMatchObject({ rule: 'too-many-executions', message: expect.stringContaining('maxConcurrentExecutions 2 of .github/experiment-pr.json'), fix: expect.stringContaining('/rerun failed') });
  });

  it('allows all under the limit', () => {
    expect(concurrencyErrors(experiments, 0, 7, 3, CONFIG).size).toBe(0);
  });

  it('is off without the key', async () => {
    const rails = await guardrails({ maxInstanceCount: 1 });

    expect(rails.checkConcurrency(experiments, 100, 7).size).toBe(0);
  });
});

describe('repository guardrail file', () => {
  const text = readFileSync(new URL('../../.github/experiment-pr.json', import.meta.url), 'utf8');

  it('is valid', () => {
    expect(parseGuardrails(CONFIG, text).problems).toEqual([]);
  });

  it('admits the shipped experiment', () => {
    const definition = JSON.parse(readFileSync(new URL('../../containers/pipeline/definition.json', import.meta.url), 'utf8')) as { Parameters: { Name: string; Type: PipelineParameter['type']; DefaultValue?: string | number | boolean }[] };
    const declared = definition.Parameters.map((parameter) => ({ name: parameter.Name, type: parameter.Type, defaultValue: parameter.DefaultValue }));
    const parsed = parseExperiment('experiments/tiny-lora.json', readFileSync(new URL('../../experiments/tiny-lora.json', import.meta.url), 'utf8'));
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));

    const { limits } = parseGuardrails(CONFIG, text);
    expect(checkLimits(parsed.experiment, declared, limits, CONFIG)).toEqual([]);
  });
});
