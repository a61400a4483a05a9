import { checkAgainstPipeline } from '../experiments/pipeline-check.js';
import type { Experiment, PipelineParameter, ValidationError } from '../experiments/types.js';
import type { Plan } from '../event/plan.js';
import { errorMessage, type Logger } from '../logging.js';
import { ACTION_PARAMETERS } from '../pipeline/parameters.js';
import type { Executor } from '../pipeline/types.js';
import type { ExperimentResult, Report } from '../report/types.js';
import type { TrackingClient } from '../tracking/types.js';
import { resolveBaseline, type ResolvedBaseline } from './baseline.js';
import { finishExecution, type Finished } from './finish.js';
import { launchExecution, type LaunchContext, type Launched } from './launch.js';
import { loadExperiments, selectExperimentPaths } from './load.js';
import type { Publisher } from './publisher.js';
import { buildResult, executionResources } from './results.js';
import type { FileSource } from './sources.js';
import { waitForLaunched } from './waiting.js';

export interface FlowOptions {
  experimentsPattern: string;
  baselineBranch: string;
  baselineMissing: 'run' | 'skip';
  mlflowExperiment: string;
  wait: boolean;
  timeoutMs: number;
  pollIntervalMs: number;
  stopOnTimeout: boolean;
  serverUrl: string;
  workflowRunUrl?: string;
  signal?: AbortSignal;
}

/** The services that cost an AWS or MLflow call; the flow connects only when an experiment is to run. */
export interface Connections {
  executor: Executor;
  tracking: TrackingClient;
  trackingUri: string;
}

export interface FlowServices {
  files: FileSource;
  publisher: Publisher;
  connect(): Promise<Connections>;
  /** Repository limits (instance types, counts, run time, data prefixes); returns what the experiment breaks. */
  checkGuardrails(experiment: Experiment, declared: PipelineParameter[]): ValidationError[];
  /** The experiments whose latest check run on the head failed, for `/rerun failed`. */
  failedPaths(): Promise<string[]>;
  /** Stops the executions of the pull request's older heads and cancels their checks; called once connected. */
  supersede?(connections: Connections, experimentId: string): Promise<void>;
  /** Returns an error, by experiment path, for each experiment over the pull request's concurrent-execution limit. */
  checkConcurrency?(connections: Connections, experimentId: string, experiments: Experiment[]): Promise<Map<string, ValidationError>>;
  logger: Logger;
}

function emptyResult(experiment: Pick<Experiment, 'path' | 'metric' | 'description'>, attempt: number): ExperimentResult {
  return { path: experiment.path, description: experiment.description, metric: experiment.metric, outcome: 'failed', summary: '', parameterChanges: [], errors: [], attempt };
}

const DEFAULT_METRIC = { name: 'eval_perplexity', goal: 'minimize' } as const;

/** One experiment on its way through the flow. */
interface Pending {
  experiment: Experiment;
  baseline: ResolvedBaseline;
  candidate?: Launched;
  base?: Launched;
  result?: ExperimentResult;
}

/**
 * Run the plan's experiments: validate, start, wait, compare and report. Every failure becomes a result on
 * the report; the caller decides the exit code from the outcomes after the report is written.
 */
export async function runPlan(plan: Plan, options: FlowOptions, services: FlowServices): Promise<Report> {
  const { logger, publisher } = services;
  const report: Report = {
    repository: `${plan.owner}/${plan.repo}`,
    pullRequest: plan.pullRequest?.number,
    headSha: plan.headSha,
    baseSha: plan.baseSha,
    results: [],
    workflowRunUrl: options.workflowRunUrl,
  };

  const paths = await selectExperimentPaths(plan, services.files, options.experimentsPattern, services.failedPaths);
  if (paths.length === 0) {
    report.notice = plan.selection.kind === 'changed' ? 'No experiments changed.' : 'No experiment matched the command.';
    logger.info(`${report.notice} Pattern: ${options.experimentsPattern}.`);
    report.commentUrl = (await publisher.publish(report)).commentUrl;
    return report;
  }
  logger.info(`Experiments at ${plan.headSha}: ${paths.join(', ')}`);

  const loaded = await loadExperiments(paths, plan.headSha, services.files);
  for (const item of loaded) await publisher.beginExperiment(item.path);

  // The attempt number of results that never started; a started one is counted from MLflow (launch.ts).
  const attempt = Number.parseInt(plan.attempt, 10) || 1;
  const pending: Pending[] = [];
  for (const item of loaded) {
    if (!item.ok) {
      const result = { ...emptyResult({ path: item.path, metric: DEFAULT_METRIC }, attempt), outcome: 'invalid' as const, errors: item.errors };
      result.summary = `${item.errors.length} validation error${item.errors.length === 1 ? '' : 's'}; nothing was started.`;
      report.results.push(result);
    } else if (plan.notStartedReason) {
      report.results.push({ ...emptyResult(item.experiment, attempt), outcome: 'not-started', summary: plan.notStartedReason });
    } else {
      pending.push({ experiment: item.experiment, baseline: { info: {} } });
    }
  }

  if (pending.length > 0) {
    await runExperiments(plan, options, services, pending, attempt);
    for (const item of pending) if (item.result) report.results.push(item.result);
  }

  report.results.sort((a, b) => a.path.localeCompare(b.path));
  for (const result of report.results) await publisher.endExperiment(result);
  const published = await publisher.publish(report);
  report.commentUrl = published.commentUrl;
  if (published.commentUrl) logger.info(`Report: ${published.commentUrl}`);
  return report;
}

function failAll(pending: Pending[], attempt: number, summary: string): void {
  for (const item of pending) {
    item.result ??= { ...emptyResult(item.experiment, attempt), outcome: 'failed', summary };
  }
}

async function runExperiments(plan: Plan, options: FlowOptions, services: FlowServices, pending: Pending[], attempt: number): Promise<void> {
  const { logger } = services;

  let connections: Connections;
  let declared: PipelineParameter[];
  let experimentId: string;
  try {
    connections = await services.connect();
    declared = await connections.executor.describeParameters();
    experimentId = await connections.tracking.getOrCreateExperiment(options.mlflowExperiment);
  } catch (error) {
    const message = errorMessage(error);
    logger.error(message);
    failAll(pending, attempt, message);
    return;
  }

  // Before anything starts, so that the executions of older heads neither run on nor count against the limit.
  if (plan.door === 'pull_request' && services.supersede) {
    try {
      await services.supersede(connections, experimentId);
    } catch (error) {
      logger.warning(`Could not stop the executions of older heads: ${errorMessage(error)}.`);
    }
  }

  // The pipeline's own definition is the authority on parameters: check every file before anything starts.
  for (const item of pending) {
    const errors = [
      ...checkAgainstPipeline(item.experiment, declared, [...ACTION_PARAMETERS]),
      ...services.checkGuardrails(item.experiment, declared),
    ];
    if (errors.length > 0) {
      item.result = {
        ...emptyResult(item.experiment, attempt),
        outcome: 'invalid',
        errors,
        resources: connections.executor.kind === 'local' ? undefined : executionResources(item.experiment, declared),
        summary: `${errors.length} validation error${errors.length === 1 ? '' : 's'}; nothing was started.`,
      };
    }
  }

  const startable = pending.filter((entry) => !entry.result);
  if (services.checkConcurrency && startable.length > 0) {
    let overLimit: Map<string, ValidationError>;
    try {
      overLimit = await services.checkConcurrency(connections, experimentId, startable.map((entry) => entry.experiment));
    } catch (error) {
      // Without the count, the limit cannot be kept: nothing starts.
      const message = `Could not count the running executions for maxConcurrentExecutions: ${errorMessage(error)}`;
      logger.error(message);
      failAll(startable, attempt, message);
      overLimit = new Map();
    }
    for (const item of startable) {
      const error = overLimit.get(item.experiment.path);
      if (!error) continue;
      item.result = { ...emptyResult(item.experiment, attempt), outcome: 'invalid', errors: [error], resources: executionResources(item.experiment, declared), summary: 'Not started: the pull request has as many executions running as its guardrails allow.' };
    }
  }

  const context: LaunchContext = {
    owner: plan.owner,
    repo: plan.repo,
    serverUrl: options.serverUrl,
    workflowRunUrl: options.workflowRunUrl,
    executor: connections.executor,
    tracking: connections.tracking,
    experimentId,
    trackingUri: connections.trackingUri,
    declared,
    logger,
  };

  // A push to the baseline branch records baselines; everything else (a pull request, the local working
  // tree) is compared with them.
  const purpose = plan.door === 'push' ? 'main' : 'pull-request';
  for (const item of pending.filter((entry) => !entry.result)) {
    await logger.group(`Start ${item.experiment.path}`, async () => {
      try {
        item.baseline = await resolveBaseline(plan, item.experiment, services.files, connections.tracking, {
          baselineBranch: options.baselineBranch,
          baselineMissing: options.baselineMissing,
          experimentId,
          repository: `${plan.owner}/${plan.repo}`,
          executor: connections.executor.kind,
        });
        item.candidate = await launchExecution(context, {
          experiment: item.experiment,
          commitSha: plan.headSha,
          branch: plan.headRef,
          purpose,
          attempt: plan.attempt,
          pullRequest: plan.pullRequest?.number,
        });
        const base = item.baseline.runBaseVersion;
        const sameVersion = base !== undefined && plan.baseSha === plan.headSha && base.contentHash === item.experiment.contentHash;
        if (sameVersion) {
          // A local run on an unchanged tree: the base version is the execution just started.
          item.base = item.candidate;
        } else if (base && plan.baseSha) {
          logger.info(`No finished run of the base version on ${options.baselineBranch}: running it at ${plan.baseSha.slice(0, 7)}.`);
          item.base = await launchExecution(context, {
            experiment: base,
            commitSha: plan.baseSha,
            branch: plan.baseRef ?? options.baselineBranch,
            purpose: 'baseline',
            attempt: '1',
            pullRequest: plan.pullRequest?.number,
          });
        }
      } catch (error) {
        const message = errorMessage(error);
        logger.error(`${item.experiment.path}: ${message}`);
        item.result = { ...emptyResult(item.experiment, attempt), outcome: 'failed', summary: message };
      }
    });
  }

  const launched = pending.flatMap((item) => [item.candidate, item.base]).filter((entry): entry is Launched => entry !== undefined);
  const ended = await waitForLaunched(connections.executor, launched, options, logger);

  for (const item of pending) {
    if (item.result || !item.candidate) continue;
    const metricName = item.experiment.metric.name;
    const finish = (entry: Launched): Promise<Finished> => {
      const end = ended.get(entry.executionArn);
      return finishExecution(entry, end?.state, end?.outcome ?? 'not-waited', metricName, connections.tracking, logger);
    };

    const candidate = await finish(item.candidate);
    const baselineInfo = { ...item.baseline.info };
    if (item.base && item.base.executionArn === item.candidate.executionArn) {
      // The same content at the same commit (a local run on an unchanged tree) is one execution: compare it
      // with itself rather than end its parent run twice.
      baselineInfo.reference = candidate.reference;
      baselineInfo.note = 'the base version is this same version (same content at the same commit), so it is its own baseline';
    } else if (item.base) {
      const base = await finish(item.base);
      baselineInfo.reference = base.reference;
      if (base.state?.status === 'Failed') {
        baselineInfo.note = `the base version was run because ${options.baselineBranch} had no finished run of it, and it failed${base.failedStep ? ` at step ${base.failedStep.name}: ${base.failedStep.reason}` : ''}`;
      }
    }
    item.result = buildResult(item.experiment, candidate, baselineInfo, declared, item.candidate.attemptNumber);
  }
}
