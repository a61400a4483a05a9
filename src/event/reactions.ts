import { errorMessage, type Logger } from '../logging.js';
import type { Octokit } from './github-files.js';

/*
 * How the bot acknowledges a command comment: 👀 when it starts on it, 🚀 when every experiment passed, 😕
 * when one did not or nothing ran, and a reply comment for help, errors and refusals. A reaction is a
 * courtesy, so one that fails is logged and the command goes on.
 */

/** The reactions the bot uses, by their Reactions API names. */
export type Reaction = 'eyes' | 'rocket' | 'confused';

export interface CommentTarget {
  owner: string;
  repo: string;
  /** Number of the pull request (an issue, for the comments API). */
  issueNumber: number;
  commentId: number;
}

/** Adds a reaction to the comment; returns whether GitHub accepted it. */
export async function addReaction(octokit: Octokit, target: CommentTarget, content: Reaction, logger: Logger): Promise<boolean> {
  try {
    await octokit.rest.reactions.createForIssueComment({
      owner: target.owner,
      repo: target.repo,
      comment_id: target.commentId,
      content,
    });
    return true;
  } catch (error) {
    logger.warning(`Could not add the ${content} reaction to comment ${target.commentId}: ${errorMessage(error)}. The command goes on.`);
    return false;
  }
}

/** The first line of a command, quoted as Markdown so that a reply shows which command it is for. */
function quoted(command: string): string {
  return `> ${command.split('\n')[0] ?? ''}`;
}

/**
 * Posts a reply to a command comment: a new comment that quotes the command above `body`, which should
 * mention the command's author. Returns the reply's URL, or undefined when GitHub did not take it (the failure is logged).
 */
export async function postReply(
  octokit: Octokit,
  target: CommentTarget,
  reply: { command: string; body: string },
  logger: Logger,
): Promise<string | undefined> {
  const body = `${quoted(reply.command)}\n\n${reply.body}`;
  try {
    const { data } = await octokit.rest.issues.createComment({ owner: target.owner, repo: target.repo, issue_number: target.issueNumber, body });
    logger.info(`Replied to comment ${target.commentId}: ${data.html_url}`);
    return data.html_url;
  } catch (error) {
    logger.warning(`Could not reply to comment ${target.commentId} on #${target.issueNumber}: ${errorMessage(error)}. The reply was:\n${body}`);
    return undefined;
  }
}
