import * as core from '@actions/core';
import { getOctokit } from '@actions/github';
import { readInputs, type ActionInputs } from './config/inputs.js';
import { readRunnerContext, type RunnerContext } from './event/context.js';
import { planForEvent } from './event/dispatch.js';
import { GitHubFileSource } from './event/github-files.js';
import type { Plan } from './event/plan.js';
import { GitHubSupersede, countRunningExecutions, supersedeOlderHeads } from './event/supersede.js';
import { loadGuardrails } from './experiments/guardrails.js';
import { connectToAws } from './flow/connect.js';
import { resumeOpenExecutions } from './flow/resume.js';
import { runPlan, type FlowOptions } from './flow/run-plan.js';
import { planForPullRequestHead } from './event/pull-head.js';
import { actionsLogger, errorMessage } from './logging.js';
import { GitHubPublisher } from './report/github-publisher.js';
import { failedOutcomes, setOutputs } from './report/outputs.js';
import type { Report } from './report/types.js';

function flowOptions(inputs: ActionInputs, context: RunnerContext, signal: AbortSignal): FlowOptions {
  return {
    experimentsPattern: inputs.experimentsPattern,
    baselineBranch: inputs.baselineBranch,
    baselineMissing: inputs.baselineMissing,
    mlflowExperiment: inputs.mlflowExperiment ?? `${context.owner}/${context.repo}`,
    wait: inputs.wait,
    timeoutMs: inputs.timeoutMinutes * 60_000,
    pollIntervalMs: inputs.pollIntervalSeconds * 1000,
    stopOnTimeout: inputs.stopOnTimeout,
    serverUrl: context.serverUrl,
    workflowRunUrl: context.workflowRunUrl,
    signal,
  };
}

/**
 * Abort the wait when the workflow is cancelled. The runner sends SIGINT, then SIGTERM, before it kills the
 * job, so the executions are stopped and the report is written in the time that is left.
 */
function abortOnCancel(): AbortSignal {
  const controller = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      actionsLogger.warning(`Received ${signal}: the workflow was cancelled; stopping the executions and writing the report.`);
      controller.abort();
    });
  }
  return controller.signal;
}

async function runForPlan(plan: Plan, inputs: ActionInputs, context: RunnerContext, octokit: ReturnType<typeof getOctokit>): Promise<Report> {
  const files = new GitHubFileSource(octokit, plan.owner, plan.repo);
  const publisher = new GitHubPublisher(octokit, plan, { checkName: inputs.checkName, logger: actionsLogger });
  const guardrails = await loadGuardrails(files, inputs.configPath, plan);
  return runPlan(plan, flowOptions(inputs, context, abortOnCancel()), {
    files,
    publisher,
    logger: actionsLogger,
    connect: () => connectToAws(inputs, context, actionsLogger),
    checkGuardrails: (experiment, declared) => guardrails.check(experiment, declared),
    failedPaths: () => publisher.failedExperimentPaths(),
    supersede: async ({ executor, tracking }, experimentId) => {
      const github = new GitHubSupersede(octokit, plan.owner, plan.repo, actionsLogger);
      await supersedeOlderHeads({ plan, executor, tracking, experimentId, checkName: inputs.checkName, github, logger: actionsLogger });
    },
    checkConcurrency: async ({ tracking }, experimentId, experiments) => {
      const pullRequest = plan.pullRequest?.number;
      if (guardrails.limits.maxConcurrentExecutions === undefined || pullRequest === undefined) return new Map();
      const running = await countRunningExecutions(tracking, experimentId, plan, experiments);
      return guardrails.checkConcurrency(experiments, running, pullRequest);
    },
  });
}

/** Finish the executions that earlier jobs left running, from MLflow's tags alone (the scheduled door). */
async function resume(inputs: ActionInputs, context: RunnerContext, octokit: ReturnType<typeof getOctokit>): Promise<Report[]> {
  const files = new GitHubFileSource(octokit, context.owner, context.repo);
  return resumeOpenExecutions(
    {
      owner: context.owner,
      repo: context.repo,
      mlflowExperiment: inputs.mlflowExperiment ?? `${context.owner}/${context.repo}`,
      baselineBranch: inputs.baselineBranch,
    },
    {
      files,
      logger: actionsLogger,
      connect: () => connectToAws(inputs, context, actionsLogger),
      planForPullRequest: async (number) => {
        const plan = await planForPullRequestHead(octokit, context.owner, context.repo, number);
        return 'skip' in plan ? undefined : plan;
      },
      planForCommit: (commit, branch) => ({
        door: 'schedule',
        owner: context.owner,
        repo: context.repo,
        headSha: commit,
        headRef: branch,
        selection: { kind: 'changed' },
        attempt: '1',
      }),
      publisherFor: (plan) => new GitHubPublisher(octokit, plan, { checkName: inputs.checkName, logger: actionsLogger }),
    },
  );
}

/** Run the action: read the event, build the door's plan, run it, and report. */
export async function run(): Promise<void> {
  try {
    const inputs = readInputs();
    const context = readRunnerContext();
    const octokit = getOctokit(inputs.githubToken);

    const dispatched = await planForEvent(context, inputs, octokit, actionsLogger);
    if ('skip' in dispatched) {
      core.info(`Nothing to do: ${dispatched.skip}.`);
      return;
    }

    const reports: Report[] = [];
    if ('resume' in dispatched) {
      reports.push(...(await resume(inputs, context, octokit)));
    } else {
      for (const plan of dispatched.plans) {
        reports.push(await runForPlan(plan, inputs, context, octokit));
      }
      await dispatched.afterAll?.(reports);
    }

    const last = reports[reports.length - 1];
    if (last) setOutputs(last, last.commentUrl);
    const failed = reports.flatMap((report) => failedOutcomes(report));
    if (failed.length > 0) {
      core.setFailed(`${failed.length} experiment(s) did not pass: ${failed.map((result) => `${result.path} (${result.outcome})`).join(', ')}. See the pull request comment and the check runs.`);
    }
  } catch (error) {
    // Report every thrown value, not only Error instances, so that no failure passes silently.
    core.setFailed(errorMessage(error));
  }
}
