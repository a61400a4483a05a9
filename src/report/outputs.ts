import * as core from '@actions/core';

import type { ExperimentResult, Outcome, Report } from './types.js';
import { isFailure } from './verdict.js';

/** A number for JSON: finite numbers as they are, NaN and ±Infinity as the strings `NaN`, `Infinity`, `-Infinity`. */
export type JsonNumber = number | 'NaN' | 'Infinity' | '-Infinity';

/** One entry of the `results` output. */
export interface ResultOutput {
  path: string;
  outcome: Outcome;
  summary: string;
  metric: string;
  goal: 'minimize' | 'maximize';
  baseline?: JsonNumber;
  candidate?: JsonNumber;
  /** candidate − baseline. */
  delta?: JsonNumber;
  /** (candidate − baseline) / |baseline|, as a fraction. */
  relativeDelta?: JsonNumber;
  withinAllowed?: boolean;
  executionArn?: string;
  runId?: string;
  baselineExecutionArn?: string;
  baselineRunId?: string;
  attempt: number;
}

/**
 * JSON has no NaN or Infinity (`JSON.stringify` writes them as `null`), so they become strings, which keeps
 * "not finite" apart from "missing".
 */
export function jsonNumber(value: number | undefined): JsonNumber | undefined {
  if (value === undefined) return undefined;
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  return value;
}

/** Builds the `results` entry of one experiment. */
export function resultOutput(result: ExperimentResult): ResultOutput {
  const { delta } = result;
  return {
    path: result.path,
    outcome: result.outcome,
    summary: result.summary,
    metric: result.metric.name,
    goal: result.metric.goal,
    baseline: jsonNumber(delta?.baseline ?? result.baseline?.value),
    candidate: jsonNumber(delta?.candidate ?? result.candidate?.value),
    delta: jsonNumber(delta?.absolute),
    relativeDelta: jsonNumber(delta?.relative),
    withinAllowed: delta?.withinAllowed,
    executionArn: result.candidate?.executionArn,
    runId: result.candidate?.parentRunId,
    baselineExecutionArn: result.baseline?.executionArn,
    baselineRunId: result.baseline?.parentRunId,
    attempt: result.attempt,
  };
}

/** Lists the execution ARNs that the report's pull request runs started, in the report's order. */
export function executionArns(report: Report): string[] {
  const arns: string[] = [];
  for (const result of report.results) {
    const arn = result.candidate?.executionArn;
    if (arn) arns.push(arn);
  }
  return arns;
}

/** Selects the experiments whose outcome fails the job: every one whose check run concludes `failure`. */
export function failedOutcomes(report: Report): ExperimentResult[] {
  return report.results.filter((result) => isFailure(result.outcome));
}

/** Sets the action's outputs `results`, `comment-url` and `execution-arns` (see action.yml). */
export function setOutputs(report: Report, commentUrl: string | undefined): void {
  core.setOutput('results', JSON.stringify(report.results.map(resultOutput)));
  core.setOutput('comment-url', commentUrl ?? '');
  core.setOutput('execution-arns', JSON.stringify(executionArns(report)));
}
