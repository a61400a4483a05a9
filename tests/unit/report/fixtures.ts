import type { Delta } from '../../../src/comparison/types.js';
import type { ExperimentResult, Report } from '../../../src/report/types.js';

export const HEAD_SHA = 'a'.repeat(40);
export const NEWER_HEAD_SHA = 'b'.repeat(40);
export const PERPLEXITY = { name: 'eval_perplexity', goal: 'minimize' } as const;

/** Computes a delta as the comparison module does, for a metric where lower is better. */
export function perplexityDelta(baseline: number, candidate: number, allowedFraction = 0.02): Delta {
  const finite = Number.isFinite(baseline) && Number.isFinite(candidate);
  const absolute = finite ? candidate - baseline : NaN;
  const relative = finite ? absolute / Math.abs(baseline) : NaN;
  let direction: Delta['direction'] = 'n/a';
  if (finite && absolute < 0) direction = 'better';
  if (finite && absolute > 0) direction = 'worse';
  if (finite && absolute === 0) direction = 'same';
  return {
    metric: PERPLEXITY,
    baseline,
    candidate,
    absolute,
    relative,
    direction,
    withinAllowed: finite && relative <= allowedFraction,
  };
}

/** Builds a successful experiment that improved perplexity from 12.3456 to 12.1. */
export function successResult(overrides: Partial<ExperimentResult> = {}): ExperimentResult {
  return {
    path: 'experiments/llama2-lora.json',
    outcome: 'success',
    summary: 'eval_perplexity improved by 1.99 %.',
    metric: PERPLEXITY,
    candidate: {
      executionArn: 'arn:aws:sagemaker:us-east-1:123456789012:pipeline/fine-tune/execution/pr1',
      executionUrl: 'https://us-east-1.console.aws.amazon.com/sagemaker/pipelines/pr1',
      parentRunId: 'run-pr',
      runUrl: 'http://127.0.0.1:5000/#/experiments/1/runs/run-pr',
      value: 12.1,
      commitSha: HEAD_SHA,
    },
    baseline: {
      executionArn: 'arn:aws:sagemaker:us-east-1:123456789012:pipeline/fine-tune/execution/main1',
      parentRunId: 'run-main',
      runUrl: 'http://127.0.0.1:5000/#/experiments/1/runs/run-main',
      value: 12.3456,
    },
    delta: perplexityDelta(12.3456, 12.1),
    parameterChanges: [{ name: 'LoraR', before: 8, after: 16 }],
    errors: [],
    resources: { instanceType: 'ml.g5.2xlarge', instanceCount: 1 },
    attempt: 1,
    ...overrides,
  };
}

export function reportOf(results: ExperimentResult[], overrides: Partial<Report> = {}): Report {
  return {
    repository: 'octo-org/fine-tune',
    pullRequest: 7,
    headSha: HEAD_SHA,
    baseSha: 'c'.repeat(40),
    results,
    workflowRunUrl: 'https://github.com/octo-org/fine-tune/actions/runs/42',
    ...overrides,
  };
}

/**
 * Splits a GFM table row into its cells the way GitHub does: at every pipe that a backslash does not escape,
 * dropping the leading and trailing pipe.
 */
export function cellsOf(row: string): string[] {
  const cells: string[] = [];
  let current = '';
  for (let i = 0; i < row.length; i += 1) {
    const character = row[i];
    if (character === '\\' && i + 1 < row.length) {
      current += character + row[i + 1];
      i += 1;
    } else if (character === '|') {
      cells.push(current);
      current = '';
    } else {
      current += character;
    }
  }
  cells.push(current);
  return cells.slice(1, -1);
}

/** Returns the lines of the first Markdown table in `markdown`. */
export function firstTable(markdown: string): string[] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line.startsWith('|'));
  const rows: string[] = [];
  for (let i = start; i >= 0 && i < lines.length && lines[i]!.startsWith('|'); i += 1) rows.push(lines[i]!);
  return rows;
}

/** 40 experiments, each failed with a long log: about 70,000 characters before the cut. */
export function longReport(): Report {
  const results: ExperimentResult[] = [];
  for (let i = 0; i < 40; i += 1) {
    const log = Array.from({ length: 16 }, (_, line) => `[step train] line ${line}: CUDA out of memory, tried to allocate 2.0 GiB (é ✅)`).join('\n');
    results.push(
      successResult({
        path: `experiments/sweep-${String(i).padStart(2, '0')}.json`,
        outcome: 'failed',
        delta: undefined,
        failedStep: { name: 'train', reason: log },
      }),
    );
  }
  return reportOf(results);
}
