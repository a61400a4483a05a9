import { errorMessage, type Logger } from '../logging.js';
import type { Executor } from '../pipeline/types.js';
import { experimentCheckName } from '../report/checks.js';
import { findOpenParentRuns } from '../tracking/runs.js';
import { Tag } from '../tracking/tags.js';
import type { Run, TrackingClient } from '../tracking/types.js';
import type { Experiment } from '../experiments/types.js';
import type { Octokit } from './github-files.js';
import type { Plan } from './plan.js';

/*
 * The open executions of a pull request at other commits. A push to the pull request makes the executions of
 * its older heads useless, so the plan for the new head stops them and ends their check runs as cancelled.
 * Nothing is stored between jobs: the executions are found by their open parent runs (tagged with the pull
 * request and the commit), and the check runs by name on the older commit.
 */

/** Tag set on a parent run that a newer head superseded: the newer head's commit SHA. */
export const SUPERSEDED_BY_TAG = Tag.supersededBy;

/** The GitHub calls that superseding makes. */
export interface SupersedeGitHub {
  /** The pull request's current head commit (pulls API), or undefined when it cannot be read. */
  currentHeadSha(pullRequest: number): Promise<string | undefined>;
  /** Completes the named check runs of `headSha` that have not completed as `cancelled`; returns the names it completed. */
  cancelCheckRuns(headSha: string, names: string[], output: { title: string; summary: string }): Promise<string[]>;
}

export interface SupersedeRequest {
  plan: Plan;
  executor: Pick<Executor, 'stop'>;
  tracking: TrackingClient;
  experimentId: string;
  /** The aggregate check's name (the `check-name` input); experiment checks are named after it. */
  checkName: string;
  github: SupersedeGitHub;
  logger: Logger;
}

export interface SupersededExecution {
  executionArn: string;
  parentRunId: string;
  file: string;
  commit: string;
  /** False when the stop request failed; the execution may still run. */
  stopped: boolean;
}

async function stopOne(request: SupersedeRequest, run: Run): Promise<SupersededExecution> {
  const { executor, tracking, logger, plan } = request;
  const executionArn = run.tags[Tag.executionArn] ?? '';
  const superseded = { executionArn, parentRunId: run.info.runId, file: run.tags[Tag.file] ?? '', commit: run.tags[Tag.commit] ?? '', stopped: false };

  try {
    await executor.stop(executionArn);
    superseded.stopped = true;
    logger.info(`Stopped execution ${executionArn} of ${superseded.file} at ${superseded.commit.slice(0, 7)}: superseded by ${plan.headSha.slice(0, 7)}.`);
  } catch (error) {
    // An execution that already ended cannot be stopped; the job that waits for it reports its end.
    logger.warning(`Could not stop execution ${executionArn} of ${superseded.file}: ${errorMessage(error)}. Its parent run ${run.info.runId} stays open.`);
    return superseded;
  }

  try {
    await tracking.setTags(run.info.runId, { [SUPERSEDED_BY_TAG]: plan.headSha });
    // Stopped executions end their parent runs as KILLED; ending it now keeps later jobs from waiting for it.
    await tracking.endRun(run.info.runId, 'KILLED');
  } catch (error) {
    logger.warning(`Stopped execution ${executionArn}, but could not end its parent run ${run.info.runId}: ${errorMessage(error)}.`);
  }
  return superseded;
}

/**
 * Stops the executions that older heads of the plan's pull request still run, and completes their check runs
 * as cancelled, naming the commit that superseded them. Only a `pull_request` plan whose head is still the
 * pull request's head does this, so a slow job for an older push never stops the newer one's executions.
 * Runs of the base version (purpose `baseline`) are left alone: the newer head reuses them.
 */
export async function supersedeOlderHeads(request: SupersedeRequest): Promise<SupersededExecution[]> {
  const { plan, logger } = request;
  const number = plan.pullRequest?.number;
  if (plan.door !== 'pull_request' || number === undefined) return [];

  // Without the current head, a newer head's executions cannot be distinguished from older ones, so nothing is stopped.
  const current = await request.github.currentHeadSha(number);
  if (current !== plan.headSha) {
    const where = current === undefined ? 'could not be read' : `is now ${current.slice(0, 7)}`;
    logger.info(`The head of pull request #${number} ${where}, so ${plan.headSha.slice(0, 7)} stops no other executions.`);
    return [];
  }

  const open = await findOpenParentRuns(request.tracking, { experimentId: request.experimentId, repository: `${plan.owner}/${plan.repo}`, pullRequest: number });
  const older = open.filter((run) => run.tags[Tag.commit] !== plan.headSha && run.tags[Tag.purpose] !== 'baseline');
  if (older.length === 0) return [];

  const superseded: SupersededExecution[] = [];
  for (const run of older) superseded.push(await stopOne(request, run));

  const byCommit = new Map<string, SupersededExecution[]>();
  for (const entry of superseded.filter((item) => item.stopped)) {
    byCommit.set(entry.commit, [...(byCommit.get(entry.commit) ?? []), entry]);
  }
  for (const [commit, entries] of byCommit) {
    const names = [request.checkName, ...entries.map((entry) => experimentCheckName(request.checkName, entry.file))];
    const output = {
      title: `Superseded by ${plan.headSha.slice(0, 7)}`,
      summary:
        `Pull request #${number} has a newer head commit, ${plan.headSha}, which runs its own experiments. ` +
        `These executions of ${commit.slice(0, 7)} were stopped:\n\n${entries.map((entry) => `- ${entry.file}: ${entry.executionArn}`).join('\n')}`,
    };
    try {
      const cancelled = await request.github.cancelCheckRuns(commit, names, output);
      logger.info(`Cancelled ${cancelled.length} check run(s) of ${commit.slice(0, 7)}: ${cancelled.join(', ') || 'none were in progress'}.`);
    } catch (error) {
      logger.warning(`Could not cancel the check runs of ${commit.slice(0, 7)}: ${errorMessage(error)}.`);
    }
  }
  return superseded;
}

/**
 * Counts the pull request's executions that are still running and that this plan does not start again: a
 * repeated workflow run finds its own executions open (same file, commit and attempt), and they are not
 * counted twice against `maxConcurrentExecutions`.
 */
export async function countRunningExecutions(tracking: TrackingClient, experimentId: string, plan: Plan, experiments: Experiment[]): Promise<number> {
  const number = plan.pullRequest?.number;
  if (number === undefined) return 0;

  const open = await findOpenParentRuns(tracking, { experimentId, repository: `${plan.owner}/${plan.repo}`, pullRequest: number });
  const planned = new Set(experiments.map((experiment) => experiment.path));
  const isThisPlans = (run: Run) =>
    run.tags[Tag.commit] === plan.headSha && run.tags[Tag.attempt] === plan.attempt && planned.has(run.tags[Tag.file] ?? '') && run.tags[Tag.purpose] !== 'baseline';
  return open.filter((run) => !isThisPlans(run)).length;
}

/** SupersedeGitHub through the REST API: the pulls API for the head, the Checks API for the check runs. */
export class GitHubSupersede implements SupersedeGitHub {
  constructor(
    private readonly octokit: Octokit,
    private readonly owner: string,
    private readonly repo: string,
    private readonly logger: Logger,
  ) {}

  async currentHeadSha(pullRequest: number): Promise<string | undefined> {
    try {
      const { data } = await this.octokit.rest.pulls.get({ owner: this.owner, repo: this.repo, pull_number: pullRequest });
      return data.head.sha;
    } catch (error) {
      this.logger.warning(`Could not read the head of pull request #${pullRequest}: ${errorMessage(error)}.`);
      return undefined;
    }
  }

  async cancelCheckRuns(headSha: string, names: string[], output: { title: string; summary: string }): Promise<string[]> {
    const cancelled: string[] = [];
    for (const name of names) {
      const { data } = await this.octokit.rest.checks.listForRef({ owner: this.owner, repo: this.repo, ref: headSha, check_name: name, filter: 'latest' });
      for (const checkRun of data.check_runs.filter((run) => run.status !== 'completed')) {
        await this.octokit.rest.checks.update({
          owner: this.owner,
          repo: this.repo,
          check_run_id: checkRun.id,
          status: 'completed',
          conclusion: 'cancelled',
          completed_at: new Date().toISOString(),
          output,
        });
        cancelled.push(name);
      }
    }
    return cancelled;
  }
}
