import type { ActionInputs } from '../config/inputs.js';
import type { Logger } from '../logging.js';
import type { Dispatched } from './dispatch.js';
import type { RunnerContext } from './context.js';
import type { Octokit } from './github-files.js';
import { requireWritePermission } from './permissions.js';
import { planForPullRequestHead } from './pull-head.js';

/**
 * Build the plan of the check's "Re-run" button (`check_run` `rerequested`). An experiment's check run
 * carries the experiment path as its `external_id`, so the button reruns that experiment. The aggregate
 * check's button reruns every experiment of the pull request. Either way the attempt is new, so the
 * pipeline really runs again.
 */
export async function planFromCheckRun(context: RunnerContext, inputs: ActionInputs, octokit: Octokit, logger: Logger): Promise<Dispatched> {
  const checkRun = context.payload.check_run;
  if (context.payload.action !== 'rerequested' || !checkRun) {
    return { skip: `check_run action "${context.payload.action}" is not a re-run request` };
  }

  const path = typeof checkRun.external_id === 'string' ? checkRun.external_id : '';
  const isOurs = checkRun.name === inputs.checkName || path !== '';
  if (!isOurs) return { skip: `check run "${checkRun.name}" is not one of this action's` };

  const sender = String(context.payload.sender?.login ?? '');
  const refusal = await requireWritePermission(octokit, context.owner, context.repo, sender, context.payload.sender?.type);
  if (refusal) return { skip: refusal };

  const number = checkRun.pull_requests?.[0]?.number;
  if (typeof number !== 'number') {
    return { skip: `check run ${checkRun.id} belongs to no open pull request of ${context.owner}/${context.repo}` };
  }

  const plan = await planForPullRequestHead(octokit, context.owner, context.repo, number);
  if ('skip' in plan) return plan;
  if (plan.headSha !== checkRun.head_sha) {
    return { skip: `check run ${checkRun.id} is for ${String(checkRun.head_sha).slice(0, 7)}, but pull request #${number} is now at ${plan.headSha.slice(0, 7)}: the newer head has its own checks` };
  }

  plan.door = 'check_run';
  plan.selection = path ? { kind: 'paths', paths: [path] } : { kind: 'changed' };
  plan.attempt = `check-${checkRun.id}`;
  logger.info(`Re-run requested by ${sender} for ${path || 'every experiment'} of #${number} at ${plan.headSha.slice(0, 7)}.`);
  return { plans: [plan] };
}
