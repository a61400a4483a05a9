import type { RunnerContext } from './context.js';
import type { Plan } from './plan.js';

/** Git's all-zero SHA, which a push event gives as `before` when the branch is new. */
const ZERO_SHA = /^0{40}$/;

/**
 * Build the plan for a push to the baseline branch. It runs the experiments that the push changed, so that
 * their finished runs become the baselines that later pull requests compare with.
 */
export function planFromPush(context: RunnerContext, baselineBranch: string): Plan | { skip: string } {
  const ref = String(context.payload.ref ?? context.ref);
  if (ref !== `refs/heads/${baselineBranch}`) {
    return { skip: `push to ${ref}: only pushes to ${baselineBranch} (the baseline-branch input) record baselines` };
  }
  const after = String(context.payload.after ?? context.sha);
  const before = String(context.payload.before ?? '');
  if (context.payload.deleted) return { skip: `${baselineBranch} was deleted` };

  return {
    door: 'push',
    owner: context.owner,
    repo: context.repo,
    headSha: after,
    headRef: baselineBranch,
    // The compare API lists the files between the two commits; a new branch has no `before`. There is no
    // baseSha: a run on the baseline branch is itself the baseline.
    changedSince: ZERO_SHA.test(before) || before === '' ? undefined : before,
    selection: { kind: 'changed' },
    attempt: '1',
  };
}
