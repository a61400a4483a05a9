import { expect } from 'vitest';
import { GITHUB_ACTIONS_BOT, issueCommentEvent, type Actor, type CheckRunState, type CommentState, type RoleName, type WebhookEvent } from '../../../harness/github/index.js';
import type { StandInExecution } from '../../../harness/sagemaker.js';
import { REPOSITORY, seedMain, type World } from '../world.js';

/** The world of the running suite; the entry file starts it once and every door module reads it. */
export interface WorldRef {
  current: World;
}

/** The name of the aggregate check (the `check-name` input's default). */
export const AGGREGATE_CHECK = 'experiment-pr';

/** Returns a user account (`type: User`); tests give each login its own id, as GitHub does. */
export function person(login: string, id: number): Actor {
  return { login, id, type: 'User' };
}

/** Gives `login` the role on the repository and returns the person, ready to comment. */
export function collaborator(world: World, login: string, role: RoleName, id: number): Actor {
  world.github.state.setCollaborator(REPOSITORY, login, role);
  return person(login, id);
}

export interface OpenedPullRequest {
  number: number;
  head: string;
  base: string;
  /** The default branch's head after seeding: GITHUB_SHA of `issue_comment` and `check_run` runs. */
  mainHead: string;
}

/**
 * Commits `mainFiles` on main, then opens a pull request whose head changes `files` on top of it. A last
 * commit on main after the pull request's base makes the default branch's head differ from every commit
 * of the pull request, as it does when the team merges other work.
 */
export function openPullRequest(
  world: World,
  files: Record<string, string | null>,
  mainFiles: Record<string, string> = {},
  options: { fromFork?: boolean; headRef?: string } = {},
): OpenedPullRequest {
  const { state } = world.github;
  const { after } = seedMain(world, { 'experiments/.keep': '', ...mainFiles });
  const head = state.addCommit(files, { parent: after, repository: REPOSITORY });
  const pull = state.addPullRequest(REPOSITORY, { head, base: after, fromFork: options.fromFork, headRef: options.headRef });
  const mainHead = state.addCommit({ 'NOTES.md': `Merged after #${pull.number}.\n` }, { parent: after, repository: REPOSITORY, branch: 'main', message: 'Unrelated work' });
  return { number: pull.number, head, base: after, mainHead };
}

/** Builds an `issue_comment` `created` event for a new comment by `author` on issue or pull request `number`. */
export function commentEvent(world: World, number: number, body: string, author: Actor): WebhookEvent {
  return issueCommentEvent(world.github, REPOSITORY, number, { body, author });
}

/** Returns the comments that the workflow token wrote on `number`: the report and any replies. */
export function botComments(world: World, number: number): CommentState[] {
  return world.github.state.commentsOn(REPOSITORY, number).filter((comment) => comment.user.login === GITHUB_ACTIONS_BOT.login);
}

/** Returns the bot's report comments, which start with its hidden marker. A pull request should have one at most. */
export function reportComments(world: World, number: number): CommentState[] {
  return botComments(world, number).filter((comment) => comment.body.startsWith('<!-- sagemaker-experiment-pr:'));
}

/** Returns the head commit that the report comment's marker names. */
export function reportedHead(comment: CommentState): string | undefined {
  return /head=([0-9a-f]{40})/.exec(comment.body.split('\n', 1)[0] ?? '')?.[1];
}

/** Returns the bot's replies to commands, which quote the command on their first line. */
export function replies(world: World, number: number): CommentState[] {
  return botComments(world, number).filter((comment) => comment.body.startsWith('> '));
}

/** Returns the reactions on the event's comment, oldest first, by their API names (`eyes`, `rocket`, `confused`). */
export function reactionsOf(world: World, event: WebhookEvent): string[] {
  const id = Number(event.payload.comment.id);
  const stored = world.github.state.comments.find((comment) => comment.id === id);
  expect(stored, `comment ${id} should be stored in the stand-in`).toBeDefined();
  return (stored?.reactions ?? []).map((reaction) => reaction.content);
}

/** Returns the check runs named `name` on `head`, oldest first. */
export function checkRunsNamed(world: World, head: string, name: string): CheckRunState[] {
  return world.github.state.checkRunsFor(REPOSITORY, head).filter((check) => check.name === name);
}

/** Returns the name of one experiment's check run, as the action names it. */
export function experimentCheckName(path: string): string {
  return `${AGGREGATE_CHECK} / ${path}`;
}

/** Returns the executions that the stand-in started for `path`, oldest first. */
export async function executionsOf(world: World, path: string): Promise<StandInExecution[]> {
  return (await world.sagemaker.executions()).filter((execution) => execution.parameters.ExperimentFile === path);
}

/** Removes Markdown's backslash escapes and the HTML entities that the report writes, to search the text as shown. */
export function shownText(markdown: string): string {
  return markdown.replace(/\\([\\`*_{}[\]()#+\-.!|~])/g, '$1').replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}
