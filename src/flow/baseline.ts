import { findBaseline } from '../comparison/baseline.js';
import { parseExperiment } from '../experiments/parse.js';
import type { Experiment } from '../experiments/types.js';
import type { Plan } from '../event/plan.js';
import { Tag } from '../tracking/tags.js';
import type { TrackingClient } from '../tracking/types.js';
import type { BaselineInfo } from './results.js';
import type { FileSource } from './sources.js';

/** The baseline of one experiment, and the base version to run when there is none and `baseline-missing: run`. */
export interface ResolvedBaseline {
  info: BaselineInfo;
  runBaseVersion?: Experiment;
}

export interface BaselineOptions {
  baselineBranch: string;
  baselineMissing: 'run' | 'skip';
  experimentId: string;
  /** `owner/repo`, in case several repositories share the MLflow experiment. */
  repository: string;
  /** A local run is never the baseline of a SageMaker run, nor the other way round. */
  executor: 'sagemaker' | 'local';
}

/**
 * Find the finished run of the file's version at the plan's base commit on the baseline branch, by the
 * content hash of that version. A new file has none; a missing one is run or skipped as configured.
 */
export async function resolveBaseline(
  plan: Plan,
  experiment: Experiment,
  files: FileSource,
  tracking: TrackingClient,
  options: BaselineOptions,
): Promise<ResolvedBaseline> {
  if (!plan.baseSha) {
    return { info: { note: `this run on ${plan.headRef} is recorded as the baseline for later pull requests` } };
  }

  const baseText = await files.readFile(experiment.path, plan.baseSha);
  if (baseText === undefined) {
    return { info: { note: `new experiment file: ${plan.baseRef ?? options.baselineBranch} has no version of it to compare with` } };
  }

  const parsed = parseExperiment(experiment.path, baseText);
  if (!parsed.ok) {
    const first = parsed.errors[0];
    return { info: { note: `the base version is invalid (${first ? `${first.line}:${first.column} ${first.message}` : 'unknown error'}), so there is no baseline` } };
  }
  const base = parsed.experiment;

  const run = await findBaseline(tracking, {
    experimentId: options.experimentId,
    file: experiment.path,
    contentHash: base.contentHash,
    branch: options.baselineBranch,
    repository: options.repository,
    executor: options.executor,
  });
  if (run) {
    const commit = run.tags[Tag.commit];
    return {
      info: {
        parameters: base.parameters,
        note: `finished run on ${options.baselineBranch}${commit ? ` at ${commit.slice(0, 7)}` : ''}`,
        reference: {
          parentRunId: run.info.runId,
          runUrl: tracking.runUrl(run.info.experimentId, run.info.runId),
          executionArn: run.tags[Tag.executionArn],
          value: run.metrics[experiment.metric.name],
          commitSha: commit,
        },
      },
    };
  }

  if (options.baselineMissing === 'skip') {
    return {
      info: {
        parameters: base.parameters,
        note: `no finished run of the base version on ${options.baselineBranch} (baseline-missing: skip)`,
      },
    };
  }
  return {
    info: { parameters: base.parameters, note: `no finished run on ${options.baselineBranch}, so the base version was run too` },
    runBaseVersion: base,
  };
}
