import * as core from '@actions/core';
import type { Plan } from '../event/plan.js';
import type { PublishResult, Publisher } from '../flow/publisher.js';
import { errorMessage, type Logger } from '../logging.js';
import { completeAggregateCheck, completeExperimentCheck, createExperimentCheck, experimentCheckName } from './checks.js';
import { upsertComment, type Octokit } from './comment.js';
import { renderComment, renderSummary } from './render.js';
import type { ExperimentResult, Report } from './types.js';

export interface GitHubPublisherOptions {
  /** The aggregate check's name (the `check-name` input). */
  checkName: string;
  logger: Logger;
}

/**
 * Publishes to the pull request: one check run per experiment and the aggregate check on the head commit,
 * the sticky comment, and the job summary. A write that GitHub refuses (a fork's read-only token, say) is
 * logged and the rest goes on, so the report still reaches the job summary.
 */
export class GitHubPublisher implements Publisher {
  private readonly checkRuns = new Map<string, number>();
  private aggregateCheckRunId?: number;

  constructor(
    private readonly octokit: Octokit,
    private readonly plan: Plan,
    private readonly options: GitHubPublisherOptions,
  ) {}

  private async attempt<T>(what: string, action: () => Promise<T>): Promise<T | undefined> {
    try {
      return await action();
    } catch (error) {
      const status = (error as { status?: number }).status;
      const hint = status === 403 ? ' The token may be read-only (a fork\'s workflow, or missing `checks: write`/`pull-requests: write` permissions).' : '';
      this.options.logger.warning(`Could not ${what}: ${errorMessage(error)}.${hint}`);
      return undefined;
    }
  }

  private get detailsUrl(): string | undefined {
    const { GITHUB_SERVER_URL: server, GITHUB_RUN_ID: runId } = process.env;
    return server && runId ? `${server}/${this.plan.owner}/${this.plan.repo}/actions/runs/${runId}` : undefined;
  }

  /**
   * Find the check run of this name on the head that an earlier job left in progress (`wait: false`, or a job that
   * ran out of time), so that the job that finishes the experiment completes it instead of adding another.
   */
  private async openCheckRun(name: string): Promise<number | undefined> {
    const found = await this.attempt(`list the check runs "${name}"`, () =>
      this.octokit.rest.checks.listForRef({ owner: this.plan.owner, repo: this.plan.repo, ref: this.plan.headSha, check_name: name, filter: 'latest', per_page: 1 }),
    );
    const checkRun = found?.data.check_runs[0];
    return checkRun && checkRun.status !== 'completed' ? checkRun.id : undefined;
  }

  private async ensureAggregateCheck(): Promise<void> {
    if (this.aggregateCheckRunId !== undefined) return;
    this.aggregateCheckRunId = await this.openCheckRun(this.options.checkName);
    if (this.aggregateCheckRunId !== undefined) return;
    const created = await this.attempt(`create the check run "${this.options.checkName}"`, () =>
      createExperimentCheck(this.octokit, {
        owner: this.plan.owner,
        repo: this.plan.repo,
        headSha: this.plan.headSha,
        name: this.options.checkName,
        detailsUrl: this.detailsUrl,
      }),
    );
    this.aggregateCheckRunId = created?.id;
  }

  async beginExperiment(path: string): Promise<void> {
    await this.ensureAggregateCheck();
    const name = experimentCheckName(this.options.checkName, path);
    const created = await this.attempt(`create the check run "${name}"`, () =>
      createExperimentCheck(this.octokit, {
        owner: this.plan.owner,
        repo: this.plan.repo,
        headSha: this.plan.headSha,
        name,
        externalId: path,
        detailsUrl: this.detailsUrl,
      }),
    );
    if (created) this.checkRuns.set(path, created.id);
  }

  async endExperiment(result: ExperimentResult): Promise<void> {
    const checkRunId = this.checkRuns.get(result.path) ?? (await this.openCheckRun(experimentCheckName(this.options.checkName, result.path)));
    if (checkRunId === undefined) return;
    await this.attempt(`complete the check run of ${result.path}`, () =>
      completeExperimentCheck(this.octokit, { owner: this.plan.owner, repo: this.plan.repo, checkRunId, detailsUrl: this.detailsUrl }, result),
    );
  }

  async publish(report: Report): Promise<PublishResult> {
    let commentUrl: string | undefined;
    const number = this.plan.pullRequest?.number;
    if (number !== undefined && report.results.length > 0) {
      const body = renderComment(report);
      const upserted = await this.attempt(`write the comment on #${number}`, () =>
        upsertComment(this.octokit, { owner: this.plan.owner, repo: this.plan.repo, issueNumber: number, headSha: report.headSha, body, logger: this.options.logger }),
      );
      commentUrl = upserted?.url;
      if (upserted) this.options.logger.info(`Comment ${upserted.action}: ${upserted.url}`);
    }

    await this.ensureAggregateCheck();
    await this.attempt(`complete the check run "${this.options.checkName}"`, () =>
      completeAggregateCheck(
        this.octokit,
        {
          owner: this.plan.owner,
          repo: this.plan.repo,
          headSha: this.plan.headSha,
          name: this.options.checkName,
          checkRunId: this.aggregateCheckRunId,
          detailsUrl: this.detailsUrl,
        },
        report,
      ),
    );

    if (process.env.GITHUB_STEP_SUMMARY) {
      await this.attempt('write the job summary', () => core.summary.addRaw(renderSummary(report), true).write());
    }
    return { commentUrl };
  }

  /** List the experiments whose latest check run on the head commit failed, for `/rerun failed`. */
  async failedExperimentPaths(): Promise<string[]> {
    const checkRuns = await this.octokit.paginate(this.octokit.rest.checks.listForRef, {
      owner: this.plan.owner,
      repo: this.plan.repo,
      ref: this.plan.headSha,
      filter: 'latest',
      per_page: 100,
    });
    const prefix = experimentCheckName(this.options.checkName, '');
    return checkRuns
      .filter((checkRun) => checkRun.name.startsWith(prefix) && checkRun.conclusion === 'failure')
      .map((checkRun) => checkRun.external_id || checkRun.name.slice(prefix.length));
  }
}
