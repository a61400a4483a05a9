import type { ParameterChange, Delta } from '../comparison/types.js';
import type { MetricSpec, ValidationError } from '../experiments/types.js';

/**
 * The end state of one experiment. Every outcome except `success` and `no-baseline` makes its check run
 * fail or end neutral; see `checks.ts` for the mapping.
 */
export type Outcome =
  | 'success' // ran, and stayed within the allowed regression
  | 'regressed' // ran, and got worse than allowed
  | 'no-baseline' // ran, but there is nothing to compare with (a new file, or baseline-missing: skip)
  | 'invalid' // rejected before any start
  | 'failed' // the execution, a credential or a service failed
  | 'metric-missing' // the execution succeeded but its runs carry no value of the metric
  | 'not-finite' // the metric is NaN or infinite
  | 'timed-out'
  | 'cancelled'
  | 'superseded' // a newer head commit replaced this one
  | 'not-started' // for example a fork pull request without credentials
  | 'running'; // started, and left running for a later job to finish

/** The run of one version (the pull request's or the baseline's) of an experiment. */
export interface RunReference {
  executionArn?: string;
  executionUrl?: string;
  executionStatus?: string;
  parentRunId?: string;
  runUrl?: string;
  /** The metric's value; NaN and ±Infinity are kept as such. */
  value?: number;
  commitSha?: string;
}

export interface FailedStep {
  name: string;
  reason: string;
}

export interface ExperimentResult {
  /** Repository-relative path of the experiment file. */
  path: string;
  description?: string;
  outcome: Outcome;
  /** One sentence for the check run's title and the comment's row. */
  summary: string;
  metric: MetricSpec;
  candidate?: RunReference;
  baseline?: RunReference;
  /** The reason there is no baseline, or its origin. */
  baselineNote?: string;
  delta?: Delta;
  parameterChanges: ParameterChange[];
  errors: ValidationError[];
  failedStep?: FailedStep;
  /** Instance type and count the execution used, for the spend column. */
  resources?: { instanceType?: string; instanceCount?: number };
  attempt: number;
}

export interface Report {
  /** `owner/repo`. */
  repository: string;
  pullRequest?: number;
  headSha: string;
  baseSha?: string;
  results: ExperimentResult[];
  workflowRunUrl?: string;
  /** Shown when no experiment changed, or as the reason nothing ran. */
  notice?: string;
  /** URL of the pull request comment, once it is posted. */
  commentUrl?: string;
}
