import type { RunnerContext } from './context.js';
import type { Plan } from './plan.js';

/** The `pull_request` actions that change what the head contains. */
const RUNNING_ACTIONS = new Set(['opened', 'synchronize', 'reopened', 'ready_for_review']);

/**
 * Build the plan for a `pull_request` event. Everything commit-related uses `pull_request.head.sha`: on this
 * event GITHUB_SHA is the temporary merge commit, which no person pushed and no branch keeps.
 */
export function planFromPullRequest(context: RunnerContext): Plan | { skip: string } {
  const action = String(context.payload.action ?? '');
  const pull = context.payload.pull_request;
  if (!pull) return { skip: 'the event payload has no pull_request' };
  if (!RUNNING_ACTIONS.has(action)) return { skip: `pull_request action "${action}" changes no experiment` };

  const headRepo = pull.head?.repo;
  const fromFork = Boolean(headRepo?.fork) || (headRepo?.full_name !== undefined && headRepo.full_name !== `${context.owner}/${context.repo}`);
  const plan: Plan = {
    door: 'pull_request',
    owner: context.owner,
    repo: context.repo,
    headSha: pull.head.sha,
    headRef: pull.head.ref,
    baseSha: pull.base.sha,
    baseRef: pull.base.ref,
    pullRequest: { number: pull.number, fromFork, htmlUrl: pull.html_url },
    selection: { kind: 'changed' },
    attempt: '1',
  };

  // A fork's workflow gets no OIDC token and no secrets, so it cannot reach AWS: a maintainer decides.
  if (fromFork) {
    plan.notStartedReason =
      'Not started: this pull request comes from a fork, whose workflows get no AWS credentials. ' +
      'A maintainer can review the experiment files and comment `/rerun` to run them.';
  }
  return plan;
}
