import type { Octokit } from './github-files.js';
import type { Plan } from './plan.js';

/**
 * Build a plan for a pull request's current head, read from the pulls API. The `issue_comment` and `check_run`
 * events do not carry it (GITHUB_SHA is the default branch's head there), and the head may have moved
 * since the event was sent.
 */
export async function planForPullRequestHead(octokit: Octokit, owner: string, repo: string, number: number): Promise<Plan | { skip: string }> {
  const { data: pull } = await octokit.rest.pulls.get({ owner, repo, pull_number: number });
  if (pull.state !== 'open') return { skip: `pull request #${number} is ${pull.state}` };

  const headRepo = pull.head.repo;
  const fromFork = Boolean(headRepo?.fork) || (headRepo !== null && headRepo.full_name !== `${owner}/${repo}`);
  return {
    door: 'issue_comment',
    owner,
    repo,
    headSha: pull.head.sha,
    headRef: pull.head.ref,
    baseSha: pull.base.sha,
    baseRef: pull.base.ref,
    pullRequest: { number, fromFork, htmlUrl: pull.html_url },
    selection: { kind: 'changed' },
    attempt: '1',
  };
}
