import { describe, expect, it } from 'vitest';

import { renderComment, renderSummary } from '../../../src/report/render.js';
import { parseMarker } from '../../../src/report/marker.js';
import { COMMENT_MAX_LENGTH, utf8Length } from '../../../src/report/limit.js';
import { cellsOf, firstTable, HEAD_SHA, longReport, perplexityDelta, reportOf, successResult } from './fixtures.js';

const NOW = new Date('2024-05-01T12:00:00.000Z');

function experimentRowOf(markdown: string, path: string): string {
  const row = firstTable(markdown).find((line) => line.includes(path));
  if (!row) throw new Error(`no table row for ${path} in:\n${markdown}`);
  return row;
}

describe('renderComment', () => {
  it('starts with the marker of the head', () => {
    const body = renderComment(reportOf([successResult()]), { now: NOW });

    expect(body.split('\n')[0]).toBe(`<!-- sagemaker-experiment-pr: head=${HEAD_SHA} updated=2024-05-01T12:00:00.000Z -->`);
    expect(parseMarker(body)?.headSha).toBe(HEAD_SHA);
  });

  it('shows values, delta and direction', () => {
    const body = renderComment(reportOf([successResult()]), { now: NOW });
    const cells = cellsOf(experimentRowOf(body, 'llama2-lora')).map((cell) => cell.trim());

    expect(cells[2]).toBe('12.35');
    expect(cells[3]).toBe('12.1');
    expect(cells[4]).toBe('-0.2456');
    expect(cells[5]).toBe('-1.99 % ▼ better');
    expect(cells[6]).toBe('✅ within');
    expect(cells[7]).toBe('✅ passed');
  });

  it('marks a regression over the allowance', () => {
    const result = successResult({ outcome: 'regressed', delta: perplexityDelta(12, 12.6) });
    const cells = cellsOf(experimentRowOf(renderComment(reportOf([result])), 'llama2-lora')).map((c) => c.trim());

    expect(cells[5]).toBe('+5.00 % ▲ worse');
    expect(cells[6]).toBe('❌ over');
    expect(cells[7]).toBe('❌ regressed');
  });

  it('headline gives the overall verdict', () => {
    const failed = successResult({ path: 'experiments/b.json', outcome: 'failed', delta: undefined });
    const body = renderComment(reportOf([successResult(), failed]));

    expect(body).toContain('## ❌ 2 experiments: 1 failed, 1 passed');
  });

  it('shows NaN and infinity with delta n/a', () => {
    const nan = successResult({ path: 'experiments/nan.json', outcome: 'not-finite', delta: perplexityDelta(12, NaN) });
    const inf = successResult({ path: 'experiments/inf.json', outcome: 'not-finite', delta: perplexityDelta(12, Infinity) });
    const body = renderComment(reportOf([nan, inf]));

    const nanCells = cellsOf(experimentRowOf(body, 'nan.json')).map((cell) => cell.trim());
    const infCells = cellsOf(experimentRowOf(body, 'inf.json')).map((cell) => cell.trim());
    expect(nanCells[3]).toBe('NaN');
    expect(nanCells[4]).toBe('n/a');
    expect(nanCells[5]).toBe('n/a');
    expect(infCells[3]).toBe('∞');
    expect(infCells[4]).toBe('n/a');
    expect(infCells[5]).toBe('n/a');
  });

  it('shows negative infinity as -∞', () => {
    const result = successResult({ outcome: 'not-finite', delta: undefined, candidate: { value: -Infinity } });
    const cells = cellsOf(experimentRowOf(renderComment(reportOf([result])), 'llama2-lora')).map((c) => c.trim());

    expect(cells[3]).toBe('-∞');
    expect(cells[4]).toBe('n/a');
  });

  it('keeps the table shape with pipes and newlines', () => {
    const piped = successResult({ path: 'experiments/piped.json', description: 'lr=2e-5 | wd=0.1' });
    const multiline = successResult({
      path: 'experiments/multi|line.json',
      description: 'first line\nsecond | line\r\nthird `code` <b>&',
      metric: { name: 'eval|perplexity\nv2', goal: 'minimize' },
    });
    const table = firstTable(renderComment(reportOf([piped, multiline])));

    expect(table).toHaveLength(4);
    for (const row of table) expect(cellsOf(row)).toHaveLength(8);
  });

  it('escapes a description for its cell', () => {
    const result = successResult({ description: 'lr=2e-5 | wd=0.1\n<script>' });
    const cell = cellsOf(experimentRowOf(renderComment(reportOf([result])), 'llama2-lora'))[0]!;

    expect(cell).toContain('lr=2e-5 \\| wd=0.1<br>&lt;script&gt;');
  });

  it('lists changed parameters as sent', () => {
    const result = successResult({ parameterChanges: [{ name: 'LearningRate', before: '0.00002', after: '1e-7' }] });
    const body = renderComment(reportOf([result]));

    expect(body).toContain('- `LearningRate`: `0.00002` → `1e-7`');
    expect(body).not.toContain('confounded');
  });

  it('formats numeric parameters as sent', () => {
    const result = successResult({
      parameterChanges: [
        { name: 'LearningRate', before: 2e-5, after: 1e-7 },
        { name: 'Seed', after: 42 },
      ],
    });
    const body = renderComment(reportOf([result]));

    expect(body).toContain('- `LearningRate`: `2e-05` → `1e-07`');
    expect(body).toContain('- `Seed`: `(not set)` → `42`');
  });

  it('warns when more than one parameter differs', () => {
    const result = successResult({
      parameterChanges: [
        { name: 'LoraR', before: 8, after: 16 },
        { name: 'LearningRate', before: '0.0001', after: '0.0002' },
      ],
    });
    const body = renderComment(reportOf([result]));

    expect(body).toContain('- `LoraR`: `8` → `16`');
    expect(body).toContain('2 parameters differ from main');
    expect(body).toContain('confounded');
  });

  it('links the runs and the execution', () => {
    const body = renderComment(reportOf([successResult()]));

    expect(body).toContain('[MLflow run](http://127.0.0.1:5000/#/experiments/1/runs/run-pr)');
    expect(body).toContain('[SageMaker execution](https://us-east-1.console.aws.amazon.com/sagemaker/pipelines/pr1)');
    expect(body).toContain('[MLflow run](http://127.0.0.1:5000/#/experiments/1/runs/run-main)');
    expect(body).toContain('**Instances:** `ml.g5.2xlarge` × 1');
  });

  it('shows the failed step and its own reason', () => {
    const reason =
      "ClientError: ResourceLimitExceeded: The account-level service limit 'ml.g5.12xlarge for training job usage' is 0 Instances";
    const result = successResult({
      outcome: 'failed',
      delta: undefined,
      summary: 'Step failure: One or multiple steps failed.',
      failedStep: { name: 'train', reason },
    });
    const body = renderComment(reportOf([result]));

    expect(body).toContain('**Failed step:** `train`');
    expect(body).toContain(reason);
    expect(body).toContain('<details open>');
  });

  it('shows validation errors as file:line:column with the fix', () => {
    const result = successResult({
      path: 'experiments/empty.json',
      outcome: 'invalid',
      delta: undefined,
      candidate: undefined,
      baseline: undefined,
      parameterChanges: [],
      errors: [
        {
          file: 'experiments/empty.json',
          line: 4,
          column: 23,
          rule: 'empty-string',
          message: 'DatasetRevision is an empty string.',
          fix: 'Give DatasetRevision a dataset revision, or remove it to use the default.',
        },
      ],
    });
    const body = renderComment(reportOf([result]));

    expect(body).toContain('`experiments/empty.json:4:23` `empty-string`: DatasetRevision is an empty string.');
    expect(body).toContain('**Fix:** Give DatasetRevision a dataset revision, or remove it to use the default.');
  });

  it('shows the baseline note', () => {
    const result = successResult({
      outcome: 'no-baseline',
      delta: undefined,
      baseline: undefined,
      baselineNote: 'New file: main has no version of it, so there is no baseline.',
    });
    const body = renderComment(reportOf([result]));

    expect(body).toContain('**Baseline:** New file: main has no version of it, so there is no baseline.');
    expect(cellsOf(experimentRowOf(body, 'llama2-lora'))[4]!.trim()).toBe('–');
  });

  it('says when no experiment changed', () => {
    const body = renderComment(reportOf([], { notice: 'No experiments changed.' }));

    expect(body).toContain('## ✅ No experiments changed');
    expect(firstTable(body)).toHaveLength(0);
  });
});

describe('renderComment length', () => {
  it('cuts 40 failed experiments under the limit', () => {
    const uncut = renderComment(longReport(), { maxLength: Number.MAX_SAFE_INTEGER });
    const body = renderComment(longReport());

    expect(uncut.length).toBeGreaterThan(70_000);
    expect(body.length).toBeLessThanOrEqual(COMMENT_MAX_LENGTH);
    expect(utf8Length(body)).toBeLessThanOrEqual(COMMENT_MAX_LENGTH);
    expect(Array.from(body).length).toBeLessThanOrEqual(COMMENT_MAX_LENGTH);
  });

  it('cuts at a line boundary', () => {
    const uncutLines = new Set(renderComment(longReport(), { maxLength: Number.MAX_SAFE_INTEGER, now: NOW }).split('\n'));
    const lines = renderComment(longReport(), { now: NOW }).split('\n');
    const pointerIndex = lines.findIndex((line) => line.startsWith('**This report is cut'));

    expect(pointerIndex).toBeGreaterThan(0);
    for (const line of lines.slice(0, pointerIndex)) expect(uncutLines.has(line)).toBe(true);
  });

  it('closes open blocks and says where the rest is', () => {
    const body = renderComment(longReport());
    const opened = body.split('\n').filter((line) => /^<details( open)?>$/.test(line)).length;
    const closed = body.split('\n').filter((line) => line === '</details>').length;
    const fences = body.split('\n').filter((line) => /^```/.test(line)).length;

    expect(closed).toBe(opened);
    expect(fences % 2).toBe(0);
    expect(body.trimEnd().split('\n').at(-1)).toContain("job summary of the [workflow run](https://github.com/octo-org/fine-tune/actions/runs/42)");
    expect(body).toContain("check run");
  });

  it('keeps every table row', () => {
    const table = firstTable(renderComment(longReport()));

    expect(table).toHaveLength(42);
  });
});

describe('renderSummary', () => {
  it('shows every section unfolded', () => {
    const summary = renderSummary(longReport());

    expect(summary).not.toContain('<details');
    expect(summary).not.toContain('<!-- sagemaker-experiment-pr');
    expect(summary).toContain('### ❌ failed: experiments/sweep-39.json');
  });

  it('cuts at its limit', () => {
    const summary = renderSummary(longReport(), 20_000);

    expect(utf8Length(summary)).toBeLessThanOrEqual(20_000);
    expect(summary.trimEnd().split('\n').at(-1)).toContain('cut at');
  });
});
