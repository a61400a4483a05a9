import type { ExecutionStatus } from '../pipeline/types.js';
import { and, attributeEquals, tagEquals, validateCommitSha } from './filter.js';
import { Tag } from './tags.js';
import type { Run, RunStatus, TrackingClient } from './types.js';

/**
 * The lifecycle of the parent MLflow run of an execution: the action creates it before the start, the
 * pipeline's steps log nested runs under it, and the action ends it when the execution ends.
 */

/** The tags every parent run carries; `parentRunTags` turns them into MLflow tag keys. */
export interface ParentRunTags {
  /** Full 40-digit commit SHA of the experiment file's version. */
  commit: string;
  branch: string;
  /** Repository URL, for example `https://github.com/owner/repo`. */
  repoUrl: string;
  /** `owner/repo`. */
  repository: string;
  /** Repository-relative path of the experiment file. */
  file: string;
  contentHash: string;
  attempt?: string;
  pullRequest?: number;
  purpose?: 'pull-request' | 'baseline' | 'main';
  executor?: 'sagemaker' | 'local';
  workflowRunUrl?: string;
}

/** Maps the parent run's tags to MLflow's standard `mlflow.source.git.*` keys and the project's own keys. */
export function parentRunTags(tags: ParentRunTags): Record<string, string> {
  const record: Record<string, string> = {
    [Tag.commit]: validateCommitSha(tags.commit),
    [Tag.branch]: tags.branch,
    [Tag.repoUrl]: tags.repoUrl,
    [Tag.repository]: tags.repository,
    [Tag.file]: tags.file,
    [Tag.contentHash]: tags.contentHash,
  };
  if (tags.attempt !== undefined) record[Tag.attempt] = tags.attempt;
  if (tags.pullRequest !== undefined) record[Tag.pullRequest] = String(tags.pullRequest);
  if (tags.purpose !== undefined) record[Tag.purpose] = tags.purpose;
  if (tags.executor !== undefined) record[Tag.executor] = tags.executor;
  if (tags.workflowRunUrl !== undefined) record[Tag.workflowRunUrl] = tags.workflowRunUrl;
  return record;
}

export interface CreateParentRunRequest {
  experimentName: string;
  runName: string;
  tags: ParentRunTags;
}

/** Creates the parent run in the named experiment, creating the experiment when it does not exist. */
export async function createParentRun(client: TrackingClient, request: CreateParentRunRequest): Promise<Run> {
  const tags = parentRunTags(request.tags);
  const experimentId = await client.getOrCreateExperiment(request.experimentName);
  return client.createRun(experimentId, request.runName, tags);
}

/** The run status that ends the parent run of an execution that ended with each status. */
const RUN_STATUS_OF_EXECUTION: Partial<Record<ExecutionStatus, Exclude<RunStatus, 'RUNNING' | 'SCHEDULED'>>> = {
  Succeeded: 'FINISHED',
  Failed: 'FAILED',
  // Some steps failed, but the execution went on (steps configured to continue); the run did not succeed.
  CompletedWithFailures: 'FAILED',
  Stopped: 'KILLED',
};

/** Returns the run status for an ended execution; throws for one that is still executing or stopping. */
export function runStatusForExecution(status: ExecutionStatus): Exclude<RunStatus, 'RUNNING' | 'SCHEDULED'> {
  const runStatus = RUN_STATUS_OF_EXECUTION[status];
  if (!runStatus) {
    throw new Error(`Execution status ${status} has not ended; end the parent run only after the execution is Succeeded, Failed or Stopped.`);
  }
  return runStatus;
}

export interface FinishParentRunRequest {
  executionStatus: ExecutionStatus;
  executionArn: string;
  /** Metrics of the execution to copy onto the parent run, so that the MLflow UI compares parent runs. */
  metrics: Record<string, number>;
}

/** Tags the parent run with the execution ARN, copies the metrics onto it, and ends it with the matching status. */
export async function finishParentRun(client: TrackingClient, runId: string, request: FinishParentRunRequest): Promise<void> {
  const status = runStatusForExecution(request.executionStatus);

  await client.setTags(runId, { [Tag.executionArn]: request.executionArn });

  if (Object.keys(request.metrics).length > 0) {
    await client.logMetrics(runId, request.metrics);
  }

  await client.endRun(runId, status);
}

export interface ReadExecutionMetricsRequest {
  experimentId: string;
  parentRunId: string;
  metricNames: string[];
}

/** Page size of the nested-run search; an execution has a handful of nested runs, so one page is the norm. */
const NESTED_RUNS_PAGE_SIZE = 1000;

/**
 * Reads the metrics that the nested runs of a parent run logged, with one runs/search filtered on the
 * server by `mlflow.parentRunId` and every page of its result. For each name, the value logged last wins
 * (by the metric's timestamp, then the run's start time), NaN and ±Infinity included. A metric that no
 * nested run logged is absent from the result.
 */
export async function readExecutionMetrics(client: TrackingClient, request: ReadExecutionMetricsRequest): Promise<Record<string, number>> {
  const requested = new Set(request.metricNames);
  const newest = new Map<string, { value: number; timestamp: number; startTime: number }>();
  const filter = tagEquals(Tag.parentRunId, request.parentRunId);

  let pageToken: string | undefined;
  do {
    const page = await client.searchRuns({
      experimentIds: [request.experimentId],
      filter,
      maxResults: NESTED_RUNS_PAGE_SIZE,
      pageToken,
    });

    for (const run of page.runs) {
      for (const [name, value] of Object.entries(run.metrics)) {
        if (!requested.has(name)) continue;
        const candidate = { value, timestamp: run.metricTimestamps?.[name] ?? 0, startTime: run.info.startTime };
        const current = newest.get(name);
        if (!current || isNewer(candidate, current)) newest.set(name, candidate);
      }
    }
    pageToken = page.nextPageToken;
  } while (pageToken);

  const metrics: Record<string, number> = {};
  for (const [name, entry] of newest) metrics[name] = entry.value;
  return metrics;
}

function isNewer(candidate: { timestamp: number; startTime: number }, current: { timestamp: number; startTime: number }): boolean {
  if (candidate.timestamp !== current.timestamp) return candidate.timestamp > current.timestamp;
  return candidate.startTime > current.startTime;
}

export interface FindOpenParentRunsRequest {
  experimentId: string;
  /** `owner/repo`. */
  repository: string;
  pullRequest?: number;
  commit?: string;
}

/** Page size of the open-run search; MLflow's own default page. */
const OPEN_RUNS_PAGE_SIZE = 1000;

/**
 * Finds the parent runs that are still RUNNING and have an execution ARN, so that a later job can wait for
 * their executions and finish them. Newest first, every page.
 */
export async function findOpenParentRuns(client: TrackingClient, request: FindOpenParentRunsRequest): Promise<Run[]> {
  const clauses = [
    tagEquals(Tag.repository, request.repository),
    attributeEquals('status', 'RUNNING'),
  ];
  if (request.pullRequest !== undefined) clauses.push(tagEquals(Tag.pullRequest, request.pullRequest));
  if (request.commit !== undefined) clauses.push(tagEquals(Tag.commit, request.commit));
  const filter = and(...clauses);

  const runs: Run[] = [];
  let pageToken: string | undefined;
  do {
    const page = await client.searchRuns({
      experimentIds: [request.experimentId],
      filter,
      orderBy: ['attributes.start_time DESC'],
      maxResults: OPEN_RUNS_PAGE_SIZE,
      pageToken,
    });
    // The execution ARN is checked here because a server-side `IS NOT NULL` needs a recent MLflow.
    runs.push(...page.runs.filter((run) => run.tags[Tag.executionArn]));
    pageToken = page.nextPageToken;
  } while (pageToken);
  return runs;
}
