import { describe, expect, it } from 'vitest';

import { renderAggregateOutput, renderCheckOutput } from '../../../src/report/check-output.js';
import { annotationBatches, annotationsFor, experimentCheckName } from '../../../src/report/checks.js';
import { utf8Length } from '../../../src/report/limit.js';
import type { ValidationError } from '../../../src/experiments/types.js';
import { perplexityDelta, reportOf, successResult } from './fixtures.js';

function validationError(line: number): ValidationError {
  return {
    file: 'experiments/dup.json',
    line,
    column: 3,
    rule: 'duplicate-key',
    message: 'duplicate key LearningRate',
    fix: 'Keep one LearningRate key.',
  };
}

describe('experimentCheckName', () => {
  it('joins check name and path', () => {
    expect(experimentCheckName('experiment-pr', 'experiments/x.json')).toBe('experiment-pr / experiments/x.json');
  });
});

describe('annotationsFor', () => {
  it('places an error with its fix', () => {
    const [annotation] = annotationsFor([validationError(7)]);

    expect(annotation).toEqual({
      path: 'experiments/dup.json',
      start_line: 7,
      end_line: 7,
      start_column: 3,
      end_column: 3,
      annotation_level: 'failure',
      title: 'duplicate-key (experiments/dup.json:7:3)',
      message: 'duplicate key LearningRate\nFix: Keep one LearningRate key.',
    });
  });

  it('moves line 0 to line 1', () => {
    expect(annotationsFor([validationError(0)])[0]?.start_line).toBe(1);
  });
});

describe('annotationBatches', () => {
  it('splits 120 into 50, 50 and 20', () => {
    const annotations = annotationsFor(Array.from({ length: 120 }, (_, i) => validationError(i + 1)));

    expect(annotationBatches(annotations).map((batch) => batch.length)).toEqual([50, 50, 20]);
  });

  it('returns no batch for no annotations', () => {
    expect(annotationBatches([])).toEqual([]);
  });
});

describe('renderCheckOutput', () => {
  it('titles with the summary', () => {
    expect(renderCheckOutput(successResult()).title).toBe('eval_perplexity improved by 1.99 %.');
  });

  it('names the failed step and its reason', () => {
    const reason = "ClientError: ResourceLimitExceeded: The account-level service limit 'ml.g5.12xlarge for training job usage' is 0 Instances";
    const output = renderCheckOutput(successResult({ outcome: 'failed', failedStep: { name: 'train', reason } }));

    expect(output.summary).toContain('**Failed step:** `train`');
    expect(output.summary).toContain(reason);
  });

  it('says which metric is not finite', () => {
    const output = renderCheckOutput(
      successResult({ outcome: 'not-finite', summary: 'eval_perplexity is NaN.', delta: perplexityDelta(12, NaN) }),
    );

    expect(output.title).toBe('eval_perplexity is NaN.');
    expect(output.summary).toContain('eval_perplexity 12 → NaN (n/a)');
  });

  it('cuts a long title to 255 characters', () => {
    expect(Array.from(renderCheckOutput(successResult({ summary: 'x'.repeat(400) })).title)).toHaveLength(255);
  });

  it('cuts a long summary to 65,535 bytes', () => {
    const reason = Array.from({ length: 5_000 }, (_, i) => `log line ${i} ✅`).join('\n');
    const output = renderCheckOutput(successResult({ outcome: 'failed', failedStep: { name: 'train', reason } }));

    expect(utf8Length(output.summary)).toBeLessThanOrEqual(65_535);
    expect(output.summary).toContain('is cut at');
  });
});

describe('renderAggregateOutput', () => {
  it('says no experiments changed', () => {
    const output = renderAggregateOutput(reportOf([]));

    expect(output.title).toBe('No experiments changed');
  });

  it('lists each experiment with its delta', () => {
    const regressed = successResult({ path: 'experiments/b.json', outcome: 'regressed', delta: perplexityDelta(12, 12.6) });
    const output = renderAggregateOutput(reportOf([successResult(), regressed]));

    expect(output.title).toBe('Failed: 1 regressed, 1 passed');
    expect(output.summary).toContain('+5.00 % ▲ worse');
    expect(output.summary).toContain('-1.99 % ▼ better');
    expect(output.text).toContain('experiments/b.json');
  });
});
