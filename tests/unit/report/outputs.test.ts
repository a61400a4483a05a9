import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { failedOutcomes, jsonNumber, resultOutput, setOutputs } from '../../../src/report/outputs.js';
import { perplexityDelta, reportOf, successResult } from './fixtures.js';

describe('jsonNumber', () => {
  it('keeps a finite number', () => {
    expect(jsonNumber(12.5)).toBe(12.5);
  });

  it('writes non-finite values as strings', () => {
    expect([jsonNumber(NaN), jsonNumber(Infinity), jsonNumber(-Infinity)]).toEqual(['NaN', 'Infinity', '-Infinity']);
  });
});

describe('resultOutput', () => {
  it('carries values, delta, ARN and run ids', () => {
    const output = resultOutput(successResult());

    expect(output.path).toBe('experiments/llama2-lora.json');
    expect(output.baseline).toBe(12.3456);
    expect(output.candidate).toBe(12.1);
    expect(output.delta).toBeCloseTo(-0.2456, 10);
    expect(output.executionArn).toBe('arn:aws:sagemaker:us-east-1:123456789012:pipeline/fine-tune/execution/pr1');
    expect(output.runId).toBe('run-pr');
    expect(output.baselineRunId).toBe('run-main');
  });

  it('writes a NaN delta as a string', () => {
    const output = resultOutput(successResult({ outcome: 'not-finite', delta: perplexityDelta(12, NaN) }));

    expect(JSON.parse(JSON.stringify(output)).candidate).toBe('NaN');
    expect(JSON.parse(JSON.stringify(output)).delta).toBe('NaN');
  });
});

describe('failedOutcomes', () => {
  it('returns failures only', () => {
    const report = reportOf([
      successResult(),
      successResult({ path: 'experiments/b.json', outcome: 'regressed' }),
      successResult({ path: 'experiments/c.json', outcome: 'not-started' }),
    ]);

    expect(failedOutcomes(report).map((result) => result.path)).toEqual(['experiments/b.json']);
  });
});

describe('setOutputs', () => {
  let outputFile: string;
  let previous: string | undefined;

  beforeEach(() => {
    previous = process.env.GITHUB_OUTPUT;
    outputFile = join(mkdtempSync(join(tmpdir(), 'outputs-')), 'output');
    writeFileSync(outputFile, '');
    process.env.GITHUB_OUTPUT = outputFile;
  });

  afterEach(() => {
    if (previous === undefined) delete process.env.GITHUB_OUTPUT;
    else process.env.GITHUB_OUTPUT = previous;
  });

  it('writes results, comment URL and ARNs', () => {
    setOutputs(reportOf([successResult()]), 'https://github.com/octo-org/fine-tune/pull/7#issuecomment-1');
    const written = readFileSync(outputFile, 'utf8');

    expect(written).toContain('results<<');
    expect(written).toContain('"outcome":"success"');
    expect(written).toContain('https://github.com/octo-org/fine-tune/pull/7#issuecomment-1');
    expect(written).toContain('["arn:aws:sagemaker:us-east-1:123456789012:pipeline/fine-tune/execution/pr1"]');
  });
});
