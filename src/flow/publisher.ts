import type { ExperimentResult, Report } from '../report/types.js';

export interface PublishResult {
  commentUrl?: string;
}

/**
 * The destination of results: check runs, the sticky comment and the job summary on GitHub, or the terminal for
 * the local command.
 */
export interface Publisher {
  /** Mark an experiment as running (an in-progress check run). */
  beginExperiment(path: string): Promise<void>;
  /** Record an experiment's final result (its check run's conclusion). */
  endExperiment(result: ExperimentResult): Promise<void>;
  /** Post the whole report: the comment, the aggregate check and the job summary. */
  publish(report: Report): Promise<PublishResult>;
}
