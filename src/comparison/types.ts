import type { MetricSpec, ParameterValue } from '../experiments/types.js';

/** A parameter whose value differs between the baseline and the pull request's version. */
export interface ParameterChange {
  name: string;
  /** Undefined when the parameter is new in the pull request. */
  before?: ParameterValue;
  /** Undefined when the pull request removed the parameter. */
  after?: ParameterValue;
}

/** The difference of one metric between the baseline and the pull request's run. */
export interface Delta {
  metric: MetricSpec;
  baseline: number;
  candidate: number;
  /** candidate − baseline; NaN when either value is not finite. */
  absolute: number;
  /** (candidate − baseline) / |baseline|; NaN when it cannot be computed. */
  relative: number;
  /** Whether the candidate is better, worse or equal, given the metric's goal; `n/a` for non-finite values. */
  direction: 'better' | 'worse' | 'same' | 'n/a';
  /** False when the candidate is worse by more than the allowed regression. */
  withinAllowed: boolean;
}
