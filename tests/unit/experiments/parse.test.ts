import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseExperiment } from '../../../src/experiments/parse.js';
import type { Experiment, ParseResult, ValidationError } from '../../../src/experiments/types.js';

const FIXTURES = new URL('../../fixtures/experiments/experiments/', import.meta.url);

function fixture(name: string): string {
  return readFileSync(new URL(name, FIXTURES), 'utf8');
}

function experimentOf(result: ParseResult): Experiment {
  if (!result.ok) {
    throw new Error(`expected an experiment, but got ${result.errors.map((error) => error.message).join('; ')}`);
  }
  return result.experiment;
}

function errorsOf(result: ParseResult): ValidationError[] {
  if (result.ok) {
    throw new Error(`expected errors, but ${result.experiment.path} parsed`);
  }
  return result.errors;
}

describe('parseExperiment strict JSON', () => {
  it('ignores a byte order mark', () => {
    const bytes = readFileSync(new URL('bom.json', FIXTURES));
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);

    const withMark = parseExperiment('experiments/bom.json', bytes.toString('utf8'));
    const withoutMark = parseExperiment('experiments/bom.json', bytes.subarray(3).toString('utf8'));
    expect(withMark).toEqual(withoutMark);
    expect(withMark.ok).toBe(true);
  });

  it('counts columns of the first line without the mark', () => {
    const result = parseExperiment('experiments/bom.json', '\uFEFF{"parameters": {"LoraR": 1.5}}');
    const [error] = errorsOf(result);
    expect(error?.line).toBe(1);
    expect(error?.column).toBe(26);
  });

  it('rejects a comment with its place and the rule', () => {
    const errors = errorsOf(parseExperiment('experiments/comment.json', fixture('comment.json')));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ file: 'experiments/comment.json', line: 2, column: 3, rule: 'comment' });
    expect(errors[0]?.message).toContain('JSON has no comments');
    expect(errors[0]?.fix).toContain('"description"');
  });

  it('rejects a trailing comma at the comma', () => {
    const errors = errorsOf(parseExperiment('experiments/trailing-comma.json', fixture('trailing-comma.json')));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ file: 'experiments/trailing-comma.json', line: 4, column: 25, rule: 'trailing-comma' });
  });

  it('rejects a duplicate key at its second occurrence', () => {
    const errors = errorsOf(parseExperiment('experiments/duplicate-key.json', fixture('duplicate-key.json')));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ file: 'experiments/duplicate-key.json', line: 5, column: 5, rule: 'duplicate-key' });
    expect(errors[0]?.message).toContain('duplicate key LearningRate');
    expect(errors[0]?.message).toContain('line 3, column 5');
  });

  it('allows the same key in two different objects', () => {
    const result = parseExperiment('experiments/a.json', '{"parameters": {"name": "x"}, "metric": {"name": "eval_loss", "goal": "minimize"}}');
    expect(result.ok).toBe(true);
  });

  it('rejects single quotes as a syntax error', () => {
    const [error] = errorsOf(parseExperiment('experiments/a.json', "{'parameters': {}}"));
    expect(error).toMatchObject({ line: 1, column: 2, rule: 'syntax' });
  });

  it('rejects a leading zero', () => {
    const [error] = errorsOf(parseExperiment('experiments/a.json', '{"parameters": {"LoraR": 016}}'));
    expect(error?.message).toBe('number with a leading zero');
  });

  it('rejects an empty file', () => {
    const [error] = errorsOf(parseExperiment('experiments/a.json', '  \n'));
    expect(error?.message).toBe('the file is empty');
  });

  it('rejects a number beyond the double range', () => {
    const errors = errorsOf(parseExperiment('experiments/a.json', '{"parameters": {"LearningRate": 1e400}}'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ column: 33, rule: 'out-of-range' });
  });

  it('counts lines across CRLF line ends', () => {
    const [error] = errorsOf(parseExperiment('experiments/a.json', '{\r\n  "parameters": {\r\n    "LoraR": "16"\r\n  }\r\n}\r\n'));
    expect(error).toMatchObject({ line: 3, column: 14 });
  });
});

describe('parseExperiment schema', () => {
  it('rejects an empty DatasetRevision naming the file, parameter and fix', () => {
    const errors = errorsOf(parseExperiment('experiments/empty.json', fixture('empty.json')));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toEqual({
      file: 'experiments/empty.json',
      line: 4,
      column: 24,
      rule: 'empty-string',
      message: '"DatasetRevision" is an empty string',
      fix: `give the dataset revision, e.g. "v3", or remove the key to use the pipeline's default`,
    });
  });

  it('says when an empty parameter has no default', () => {
    const [error] = errorsOf(parseExperiment('experiments/a.json', '{"parameters": {"TrainDataUri": ""}}'));
    expect(error?.fix).toContain('the pipeline has no default for it');
  });

  it('rejects wrong types with one fix each', () => {
    const errors = errorsOf(parseExperiment('experiments/wrong-types.json', fixture('wrong-types.json')));
    const byLine = Object.fromEntries(errors.map((error) => [error.line, error]));
    expect(errors).toHaveLength(4);
    expect(byLine[3]?.fix).toBe('write 16 without quotes');
    expect(byLine[4]?.fix).toBe('give a whole number, e.g. 8 or 9');
    expect(byLine[5]?.fix).toBe('write 2e-5 without quotes');
    expect(byLine[6]?.message).toBe('"DatasetRevision" is 3, but DatasetRevision is a String parameter');
  });

  it('accepts 8.0 for an Integer parameter', () => {
    const result = parseExperiment('experiments/a.json', '{"parameters": {"LoraR": 8.0}}');
    expect(experimentOf(result).parameters.LoraR).toBe(8);
  });

  it('rejects more than 196 parameters before any call', () => {
    const errors = errorsOf(parseExperiment('experiments/too-many.json', fixture('too-many.json')));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ line: 2, column: 3, rule: 'too-many-parameters' });
    expect(errors[0]?.message).toContain('make 205');
    expect(errors[0]?.message).toContain('at most 200 pipeline parameters');
  });

  it('rejects a parameter that the action sets', () => {
    const [error] = errorsOf(parseExperiment('experiments/a.json', '{"parameters": {"CommitSha": "abc"}}'));
    expect(error?.rule).toBe('reserved-parameter');
  });

  it('rejects a parameter name outside the SageMaker pattern', () => {
    const [error] = errorsOf(parseExperiment('experiments/a.json', '{"parameters": {"learning rate": 0.1}}'));
    expect(error).toMatchObject({ column: 17, rule: 'invalid-parameter-name' });
  });

  it('suggests the top-level key a typo meant', () => {
    const errors = errorsOf(parseExperiment('experiments/a.json', '{"paramters": {}}'));
    const error = errors.find((item) => item.rule === 'unknown-key');
    expect(error?.column).toBe(2);
    expect(error?.fix).toContain('did you mean "parameters"?');
  });

  it('moves a top-level parameter into parameters', () => {
    const errors = errorsOf(parseExperiment('experiments/a.json', '{"parameters": {}, "LoraR": 16}'));
    expect(errors[0]?.fix).toBe('move "LoraR" into "parameters"');
  });

  it('rejects a value out of its range', () => {
    const [error] = errorsOf(parseExperiment('experiments/a.json', '{"parameters": {"LoraDropout": 1}}'));
    expect(error?.message).toBe('"LoraDropout" is 1, but it must be below 1');
  });

  it('rejects whitespace around a model id', () => {
    const [error] = errorsOf(parseExperiment('experiments/a.json', '{"parameters": {"ModelId": "tiny-llama "}}'));
    expect(error?.rule).toBe('surrounding-whitespace');
  });

  it('rejects an unknown metric goal', () => {
    const text = '{"parameters": {}, "metric": {"name": "eval_loss", "goal": "lower"}}';
    const [error] = errorsOf(parseExperiment('experiments/a.json', text));
    expect(error).toMatchObject({ column: text.indexOf('"lower"') + 1, rule: 'invalid-value' });
  });

  it('rejects a metric without a goal', () => {
    const text = '{"parameters": {}, "metric": {"name": "eval_accuracy"}}';
    const [error] = errorsOf(parseExperiment('experiments/a.json', text));
    expect(error?.message).toBe('"metric" has no "goal"');
    expect(error?.column).toBe(text.indexOf('"metric"') + 1);
  });

  it('rejects a negative allowed regression', () => {
    const [error] = errorsOf(parseExperiment('experiments/a.json', '{"parameters": {}, "allowedRegression": {"relative": -0.1}}'));
    expect(error?.rule).toBe('out-of-range');
  });

  it('rejects a file that is not an object', () => {
    const [error] = errorsOf(parseExperiment('experiments/a.json', '[]'));
    expect(error?.message).toBe('the file is an array, but it must be a JSON object');
  });

  it('lists every schema error of a file', () => {
    const errors = errorsOf(parseExperiment('experiments/a.json', '{"parameters": {"LoraR": 0, "Seed": -1}, "extra": 1}'));
    expect(errors.map((error) => error.rule)).toEqual(['out-of-range', 'out-of-range', 'unknown-key']);
  });
});

describe('parseExperiment result', () => {
  it('reads the shipped example', () => {
    const text = readFileSync(new URL('../../../experiments/tiny-lora.json', import.meta.url), 'utf8');
    const result = parseExperiment('experiments/tiny-lora.json', text);
    expect(result.ok).toBe(true);
    expect(experimentOf(result).parameters.TrainDataUri).toBe('examples/data/instructions/v1/train.jsonl');
    expect(experimentOf(result).allowedRegression).toEqual({ relative: 0.02 });
  });

  it('defaults the metric to eval_perplexity, minimized', () => {
    const result = parseExperiment('experiments/a.json', '{"parameters": {}}');
    expect(experimentOf(result).metric).toEqual({ name: 'eval_perplexity', goal: 'minimize' });
  });

  it('records the line and column of each parameter key', () => {
    const result = parseExperiment('experiments/valid.json', fixture('valid.json'));
    expect(experimentOf(result).parameterLines).toEqual({ LoraR: 4, LearningRate: 5 });
    expect(experimentOf(result).parameterColumns).toEqual({ LoraR: 5, LearningRate: 5 });
    expect(experimentOf(result).parametersPosition).toEqual({ line: 3, column: 3 });
  });

  it('keeps the description out of the content hash', () => {
    const first = parseExperiment('experiments/a.json', '{"description": "first", "parameters": {"LoraR": 16}}');
    const second = parseExperiment('experiments/a.json', '{"description": "second", "parameters": {"LoraR": 16}}');
    expect(experimentOf(first).contentHash).toBe(experimentOf(second).contentHash);
  });

  it('hashes equal content in another layout alike', () => {
    const compact = parseExperiment('experiments/a.json', '{"parameters":{"LoraR":16,"LearningRate":2e-5}}');
    const spread = parseExperiment('experiments/a.json', '{\n  "parameters": {\n    "LearningRate": 0.00002,\n    "LoraR": 16.0\n  }\n}\n');
    expect(experimentOf(compact).contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(experimentOf(compact).contentHash).toBe(experimentOf(spread).contentHash);
  });
});
