import type { ActionInputs } from '../config/inputs.js';
import type { Logger } from '../logging.js';
import type { Report } from '../report/types.js';
import { planFromCheckRun } from './check-run.js';
import { planFromComment } from './comment.js';
import type { RunnerContext } from './context.js';
import type { Octokit } from './github-files.js';
import type { Plan } from './plan.js';
import { planFromPullRequest } from './pull-request.js';
import { planFromPush } from './push.js';

/** The plans of one event, and what to do once they have run (for example react to a comment). */
export type Dispatched =
  | { plans: Plan[]; afterAll?: (reports: Report[]) => Promise<void> }
  | { skip: string }
  /** Finish the executions that earlier jobs started and left running; see flow/resume.ts. */
  | { resume: true };

/** Pick the door for the event. Each door is a thin module that builds a plan; none of them runs anything. */
export async function planForEvent(context: RunnerContext, inputs: ActionInputs, octokit: Octokit, logger: Logger): Promise<Dispatched> {
  switch (context.eventName) {
    case 'pull_request':
    case 'pull_request_target': {
      const plan = planFromPullRequest(context);
      return 'skip' in plan ? plan : { plans: [plan] };
    }
    case 'push': {
      const plan = planFromPush(context, inputs.baselineBranch);
      return 'skip' in plan ? plan : { plans: [plan] };
    }
    case 'issue_comment':
      return planFromComment(context, inputs, octokit, logger);
    case 'check_run':
      return planFromCheckRun(context, inputs, octokit, logger);
    case 'schedule':
    case 'workflow_dispatch':
      return { resume: true };
    default:
      return {
        skip: `the event "${context.eventName}" is not one the action handles (pull_request, issue_comment, check_run, push, schedule, workflow_dispatch); check the workflow's \`on:\` block`,
      };
  }
}
