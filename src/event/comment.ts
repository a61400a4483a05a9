import type { ActionInputs } from '../config/inputs.js';
import type { Logger } from '../logging.js';
import type { Report } from '../report/types.js';
import { isPassed } from '../report/verdict.js';
import { parseCommands, usageText, type ParsedComment } from './commands.js';
import type { RunnerContext } from './context.js';
import type { Dispatched } from './dispatch.js';
import type { Octokit } from './github-files.js';
import { isBot, requireWritePermission } from './permissions.js';
import { planForPullRequestHead } from './pull-head.js';
import { addReaction, postReply, type CommentTarget } from './reactions.js';

/**
 * Returns the URL where the README describes the commands: the action's own repository when a workflow uses it as
 * `owner/repo@ref` (GITHUB_ACTION_REPOSITORY), and this repository when it uses `./`.
 */
export function commandsDocsUrl(context: RunnerContext, env: NodeJS.ProcessEnv = process.env): string {
  const actionRepository = env.GITHUB_ACTION_REPOSITORY?.trim();
  const repository = actionRepository ? actionRepository : `${context.owner}/${context.repo}`;
  return `${context.serverUrl}/${repository}#commands`;
}

/** Builds the reply to a command that runs nothing: help, a near-miss word, or rejected arguments. */
function replyText(parsed: Exclude<ParsedComment, { kind: 'none' | 'rerun' }>, author: string, usage: string): string {
  switch (parsed.kind) {
    case 'help':
      return `@${author} ${usage}`;
    case 'unknown':
      return `@${author} \`/${parsed.word}\` is not a command of this bot. Did you mean \`/${parsed.suggestion}\`? Nothing was run.\n\n${usage}`;
    case 'invalid': {
      const problems = parsed.problems.map((problem) => `- ${problem}`).join('\n');
      return `@${author} nothing was run, because \`/${parsed.command}\` got arguments it cannot use:\n\n${problems}\n\n${usage}`;
    }
  }
}

/** True when every experiment of every report passed; a report with no experiments did not run anything. */
function allPassed(reports: Report[]): boolean {
  const results = reports.flatMap((report) => report.results);
  return results.length > 0 && results.every((result) => isPassed(result.outcome));
}

/**
 * Builds the plans of the `issue_comment` door: a `/rerun` or `/help` comment on a pull request.
 *
 * Only new comments count (`created`). An edit is ignored, as Atlantis does, because the edit event carries
 * the whole body again: fixing a typo in a comment that ran `/rerun` would start the experiments twice.
 * Comments by bots, the action's own included, are ignored. The plan is built for the pull request's
 * current head from the pulls API, because GITHUB_SHA is the default branch's head on this event. A fork's
 * experiment files run on a maintainer's `/rerun` as data: the flow reads them through the API at the head
 * commit and validates them, and no code of the fork is checked out or executed.
 */
export async function planFromComment(context: RunnerContext, inputs: ActionInputs, octokit: Octokit, logger: Logger): Promise<Dispatched> {
  const { payload } = context;
  const comment = payload.comment;
  const issue = payload.issue;
  if (payload.action !== 'created') {
    return { skip: `issue_comment action "${payload.action}": only new comments run commands; write a new comment to run one` };
  }
  if (!comment || !issue) return { skip: 'the issue_comment payload has no comment or issue' };
  if (!issue.pull_request) return { skip: `#${issue.number} is an issue, not a pull request; commands run only on pull requests` };

  const author = String(comment.user?.login ?? '');
  if (isBot(author, comment.user?.type)) return { skip: `comment ${comment.id} is by the bot ${author}` };

  const parsed = parseCommands(String(comment.body ?? ''), inputs.experimentsPattern);
  if (parsed.kind === 'none') return { skip: `comment ${comment.id} has no command for this bot` };
  for (const line of parsed.ignored) {
    logger.warning(`Comment ${comment.id} has more than one command; only the first runs, so "${line}" was ignored.`);
  }

  const target: CommentTarget = { owner: context.owner, repo: context.repo, issueNumber: Number(issue.number), commentId: Number(comment.id) };
  const usage = usageText(inputs.experimentsPattern, commandsDocsUrl(context));
  if (parsed.kind === 'help' || parsed.kind === 'unknown') {
    await postReply(octokit, target, { command: parsed.line, body: replyText(parsed, author, usage) }, logger);
    return { skip: `comment ${comment.id} asked for ${parsed.kind === 'help' ? 'help' : `the unknown command /${parsed.word}`}; replied with the usage` };
  }

  // Arguments are checked only for people who may run the command, so that others get the refusal first.
  const refusal = await requireWritePermission(octokit, context.owner, context.repo, author, comment.user?.type);
  if (refusal) {
    await postReply(octokit, target, { command: parsed.line, body: refusal }, logger);
    return { skip: refusal };
  }
  if (parsed.kind === 'invalid') {
    await postReply(octokit, target, { command: parsed.line, body: replyText(parsed, author, usage) }, logger);
    return { skip: `comment ${comment.id} has invalid arguments: ${parsed.problems.join('; ')}` };
  }

  await addReaction(octokit, target, 'eyes', logger);
  const plan = await planForPullRequestHead(octokit, context.owner, context.repo, target.issueNumber);
  if ('skip' in plan) {
    await postReply(octokit, target, { command: parsed.line, body: `@${author} nothing was run: ${plan.skip}.` }, logger);
    await addReaction(octokit, target, 'confused', logger);
    return plan;
  }

  plan.door = 'issue_comment';
  plan.selection = parsed.selection;
  // A new key per comment makes the pipeline run again; a re-run of this workflow keeps it and gets the same execution.
  plan.attempt = `comment-${target.commentId}`;
  plan.commandCommentId = target.commentId;
  const fork = plan.pullRequest?.fromFork ? ' (from a fork: its files are read through the API as data)' : '';
  logger.info(`${parsed.line} by ${author} on #${target.issueNumber}${fork} at ${plan.headSha.slice(0, 7)}, attempt ${plan.attempt}.`);

  return {
    plans: [plan],
    afterAll: async (reports) => {
      const results = reports.flatMap((report) => report.results);
      if (results.some((result) => result.outcome === 'running')) {
        // With `wait: false` nothing has ended yet, so only 👀 is left; a later job completes the check runs.
        logger.info(`Comment ${target.commentId}: executions are still running, so no final reaction.`);
        return;
      }
      if (results.length === 0) {
        const notice = reports.find((report) => report.notice)?.notice ?? 'no experiment was selected';
        await postReply(octokit, target, { command: parsed.line, body: `@${author} nothing was run: ${notice}` }, logger);
      }
      await addReaction(octokit, target, allPassed(reports) ? 'rocket' : 'confused', logger);
    },
  };
}
