import { parseExperiment } from '../experiments/parse.js';
import type { PipelineParameter } from '../experiments/types.js';
import type { Plan } from '../event/plan.js';
import { errorMessage, type Logger } from '../logging.js';
import { isEnded } from '../pipeline/wait.js';
import type { ExecutionState } from '../pipeline/types.js';
import type { ExperimentResult, Report } from '../report/types.js';
import { findOpenParentRuns } from '../tracking/runs.js';
import { Tag } from '../tracking/tags.js';
import type { Run } from '../tracking/types.js';
import { resolveBaseline } from './baseline.js';
import { finishExecution } from './finish.js';
import type { Launched, LaunchRequest } from './launch.js';
import type { Publisher } from './publisher.js';
import { buildResult, type BaselineInfo } from './results.js';
import type { Connections } from './run-plan.js';
import type { FileSource } from './sources.js';

/** The services that resuming needs; the caller builds the plan and the publisher of each pull request or commit. */
export interface ResumeServices {
  files: FileSource;
  connect(): Promise<Connections>;
  /** The plan of a pull request's current head, or undefined when it is closed. */
  planForPullRequest(number: number): Promise<Plan | undefined>;
  /** The plan of a run on the baseline branch at a commit. */
  planForCommit(commit: string, branch: string): Plan;
  publisherFor(plan: Plan): Publisher;
  logger: Logger;
}

export interface ResumeOptions {
  owner: string;
  repo: string;
  mlflowExperiment: string;
  baselineBranch: string;
}

/** The open parent runs of one pull request head (or one commit on the baseline branch). */
interface Group {
  key: string;
  pullRequest?: number;
  commit: string;
  branch: string;
  runs: Run[];
}

function groupRuns(runs: Run[]): Group[] {
  const groups = new Map<string, Group>();
  for (const run of runs) {
    const pullRequest = run.tags[Tag.pullRequest] ? Number(run.tags[Tag.pullRequest]) : undefined;
    const commit = run.tags[Tag.commit] ?? '';
    const key = pullRequest !== undefined ? `pull/${pullRequest}` : `commit/${commit}`;
    const group = groups.get(key) ?? { key, pullRequest, commit, branch: run.tags[Tag.branch] ?? '', runs: [] };
    group.runs.push(run);
    groups.set(key, group);
  }
  return [...groups.values()];
}

function relaunched(run: Run, request: LaunchRequest, connections: Connections, experimentId: string): Launched {
  const executor = run.tags[Tag.executor] === 'local' ? 'local' : 'sagemaker';
  const executionArn = run.tags[Tag.executionArn] ?? '';
  return {
    request,
    executor,
    // The attempt's number among its siblings is not needed to finish it; the report shows 1.
    attemptNumber: 1,
    parentRun: run,
    runUrl: connections.tracking.runUrl(experimentId, run.info.runId),
    executionArn,
    executionUrl: connections.executor.executionUrl(executionArn),
    parameters: [],
  };
}

/**
 * Finish the executions that earlier jobs started and left running (`wait: false`, or a job that ran out
 * of time). The open parent runs in MLflow lead to the executions. For every pull request whose executions
 * have all ended, this ends the parent runs, compares, and publishes the checks and the comment. Nothing is kept anywhere but
 * in MLflow's tags and the executions themselves, so any later job can do this.
 */
export async function resumeOpenExecutions(options: ResumeOptions, services: ResumeServices): Promise<Report[]> {
  const { logger } = services;
  const connections = await services.connect();
  const declared: PipelineParameter[] = await connections.executor.describeParameters();
  const experimentId = await connections.tracking.getOrCreateExperiment(options.mlflowExperiment);
  const open = await findOpenParentRuns(connections.tracking, { experimentId, repository: `${options.owner}/${options.repo}` });
  logger.info(`Open parent runs with an execution: ${open.length}.`);

  const reports: Report[] = [];
  for (const group of groupRuns(open)) {
    const plan = group.pullRequest !== undefined ? await services.planForPullRequest(group.pullRequest) : services.planForCommit(group.commit, group.branch);
    if (!plan) {
      logger.info(`${group.key}: the pull request is closed; its executions are left as they are.`);
      continue;
    }

    const states = new Map<string, ExecutionState>();
    for (const run of group.runs) {
      const arn = run.tags[Tag.executionArn] ?? '';
      try {
        states.set(arn, await connections.executor.describe(arn));
      } catch (error) {
        logger.warning(`${group.key}: could not read execution ${arn}: ${errorMessage(error)}`);
      }
    }
    const stillRunning = group.runs.filter((run) => !isEnded(states.get(run.tags[Tag.executionArn] ?? '')?.status ?? 'Executing'));
    if (stillRunning.length > 0) {
      logger.info(`${group.key}: ${stillRunning.length} execution(s) still running; a later run of the action finishes them.`);
      continue;
    }

    const report = await finishGroup(plan, group, states, declared, experimentId, connections, services, options);
    reports.push(report);
  }
  return reports;
}

async function finishGroup(
  plan: Plan,
  group: Group,
  states: Map<string, ExecutionState>,
  declared: PipelineParameter[],
  experimentId: string,
  connections: Connections,
  services: ResumeServices,
  options: ResumeOptions,
): Promise<Report> {
  const { logger } = services;
  const publisher = services.publisherFor(plan);
  const report: Report = { repository: `${plan.owner}/${plan.repo}`, pullRequest: plan.pullRequest?.number, headSha: plan.headSha, baseSha: plan.baseSha, results: [] };
  const candidates = group.runs.filter((run) => run.tags[Tag.purpose] !== 'baseline' && run.tags[Tag.commit] === plan.headSha);
  const baselines = group.runs.filter((run) => run.tags[Tag.purpose] === 'baseline');

  for (const run of candidates) {
    const path = run.tags[Tag.file] ?? '';
    const text = await services.files.readFile(path, plan.headSha);
    const parsed = text === undefined ? undefined : parseExperiment(path, text);
    if (!parsed?.ok) {
      logger.warning(`${path} at ${plan.headSha.slice(0, 7)} can no longer be read or parsed; its run ${run.info.runId} is left open.`);
      continue;
    }
    const experiment = parsed.experiment;
    const request: LaunchRequest = { experiment, commitSha: plan.headSha, branch: plan.headRef, purpose: plan.pullRequest ? 'pull-request' : 'main', attempt: run.tags[Tag.attempt] ?? '1', pullRequest: plan.pullRequest?.number };
    const arn = run.tags[Tag.executionArn] ?? '';
    const finished = await finishExecution(relaunched(run, request, connections, experimentId), states.get(arn), 'ended', experiment.metric.name, connections.tracking, logger);

    let baseline: BaselineInfo = { note: `this run on ${plan.headRef} is recorded as the baseline for later pull requests` };
    const baseRun = baselines.find((entry) => entry.tags[Tag.file] === path);
    if (baseRun && plan.baseSha) {
      const baseArn = baseRun.tags[Tag.executionArn] ?? '';
      const baseRequest: LaunchRequest = { ...request, commitSha: plan.baseSha, branch: plan.baseRef ?? options.baselineBranch, purpose: 'baseline', attempt: '1' };
      const base = await finishExecution(relaunched(baseRun, baseRequest, connections, experimentId), states.get(baseArn), 'ended', experiment.metric.name, connections.tracking, logger);
      const resolved = await resolveBaseline(plan, experiment, services.files, connections.tracking, { baselineBranch: options.baselineBranch, baselineMissing: 'skip', experimentId, repository: report.repository, executor: connections.executor.kind });
      baseline = { ...resolved.info, reference: base.reference, note: `no finished run on ${options.baselineBranch}, so the base version was run too` };
    } else if (plan.baseSha) {
      baseline = (await resolveBaseline(plan, experiment, services.files, connections.tracking, { baselineBranch: options.baselineBranch, baselineMissing: 'skip', experimentId, repository: report.repository, executor: connections.executor.kind })).info;
    }

    const result: ExperimentResult = buildResult(experiment, finished, baseline, declared, 1);
    report.results.push(result);
    await publisher.endExperiment(result);
  }

  report.results.sort((a, b) => a.path.localeCompare(b.path));
  if (report.results.length > 0) report.commentUrl = (await publisher.publish(report)).commentUrl;
  logger.info(`${group.key}: finished ${report.results.length} experiment(s).`);
  return report;
}
