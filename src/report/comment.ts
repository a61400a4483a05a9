import type { getOctokit } from '@actions/github';

import { parseMarker } from './marker.js';

export type Octokit = ReturnType<typeof getOctokit>;

/** The log that the report functions write to; `@actions/core` and the project's `Logger` fit it. */
export interface Logger {
  info(message: string): void;
  warning(message: string): void;
}

export interface UpsertCommentRequest {
  owner: string;
  repo: string;
  /** The pull request's number (pull requests are issues for the comments API). */
  issueNumber: number;
  /** The head commit that `body` reports; its marker must carry the same SHA. */
  headSha: string;
  /** The comment body from `renderComment`, marker on its first line. */
  body: string;
  logger: Logger;
}

export interface UpsertCommentResult {
  url: string;
  id: number;
  action: 'created' | 'updated' | 'skipped-older-head';
}

interface MarkedComment {
  id: number;
  url: string;
  headSha: string;
}

/** Lists the action's comments on the pull request (every page), oldest first. */
async function listMarkedComments(octokit: Octokit, request: UpsertCommentRequest): Promise<MarkedComment[]> {
  const comments = await octokit.paginate(octokit.rest.issues.listComments, {
    owner: request.owner,
    repo: request.repo,
    issue_number: request.issueNumber,
    per_page: 100,
  });

  const marked: MarkedComment[] = [];
  for (const comment of comments) {
    const marker = parseMarker(comment.body);
    if (marker) marked.push({ id: comment.id, url: comment.html_url, headSha: marker.headSha });
  }
  return marked.sort((a, b) => a.id - b.id);
}

function statusOf(error: unknown): number | undefined {
  if (typeof error === 'object' && error !== null && 'status' in error && typeof error.status === 'number') {
    return error.status;
  }
  return undefined;
}

/** Wraps a failed comments API call in an error that names the pull request and the permission to check. */
function commentError(action: string, request: UpsertCommentRequest, error: unknown): Error {
  const status = statusOf(error);
  const reason = error instanceof Error ? error.message : String(error);
  const hint =
    status === 403 || status === 404
      ? ' Give the workflow `pull-requests: write` and `issues: write` permission, or pass a `github-token` that has it.'
      : '';
  return new Error(
    `${action} the report comment on pull request #${request.issueNumber} of ${request.owner}/${request.repo} ` +
      `failed (HTTP ${status ?? 'error'}): ${reason}.${hint}`,
    { cause: error },
  );
}

/**
 * Deletes every marked comment but the oldest, which is the one that stays. Two runs that both found no
 * comment and both created one each delete the newer copy. The second delete of the same comment returns 404,
 * which means it is gone already.
 */
async function deleteDuplicates(octokit: Octokit, request: UpsertCommentRequest, marked: MarkedComment[]) {
  for (const duplicate of marked.slice(1)) {
    try {
      await octokit.rest.issues.deleteComment({ owner: request.owner, repo: request.repo, comment_id: duplicate.id });
      request.logger.info(`Deleted duplicate report comment ${duplicate.id}, so comment ${marked[0]?.id} is the only one.`);
    } catch (error) {
      if (statusOf(error) !== 404) throw commentError('Deleting a duplicate of', request, error);
    }
  }
}

/** Reads the pull request's current head SHA, or returns `undefined` when the issue is not a pull request. */
async function currentHeadSha(octokit: Octokit, request: UpsertCommentRequest): Promise<string | undefined> {
  try {
    const { data } = await octokit.rest.pulls.get({
      owner: request.owner,
      repo: request.repo,
      pull_number: request.issueNumber,
    });
    return data.head.sha;
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw commentError('Reading the pull request head for', request, error);
  }
}

/**
 * Whether this run must leave the comment alone: its head is no longer the pull request's head, and the
 * comment already reports the current head. The comment is read again here, just before the update, so that
 * a report that another run wrote after the listing is seen.
 */
async function isOlderHead(octokit: Octokit, request: UpsertCommentRequest, commentId: number): Promise<boolean> {
  const head = await currentHeadSha(octokit, request);
  if (head === undefined || head === request.headSha) return false;

  const { data } = await octokit.rest.issues.getComment({
    owner: request.owner,
    repo: request.repo,
    comment_id: commentId,
  });
  return parseMarker(data.body)?.headSha === head;
}

/** Updates the oldest marked comment unless it reports a newer head than this run. */
async function updateOldest(
  octokit: Octokit,
  request: UpsertCommentRequest,
  oldest: MarkedComment,
): Promise<UpsertCommentResult> {
  if (await isOlderHead(octokit, request, oldest.id)) {
    request.logger.info(
      `Left report comment ${oldest.id} as it is: it reports the pull request's current head, and this run ` +
        `reports the older head ${request.headSha}.`,
    );
    return { url: oldest.url, id: oldest.id, action: 'skipped-older-head' };
  }

  // NOTE: GitHub has no conditional update for comments, so a run for an older head that passes the check
  // above just before a newer run updates can still write last. A workflow `concurrency` group per pull
  // request closes that gap.
  try {
    const { data } = await octokit.rest.issues.updateComment({
      owner: request.owner,
      repo: request.repo,
      comment_id: oldest.id,
      body: request.body,
    });
    request.logger.info(`Updated report comment ${data.id} for head ${request.headSha}: ${data.html_url}`);
    return { url: data.html_url, id: data.id, action: 'updated' };
  } catch (error) {
    throw commentError('Updating', request, error);
  }
}

/**
 * Creates the pull request's report comment, or updates it in place, so that the pull request has exactly
 * one. The comment is found by the marker on its first line.
 *
 * Two runs may both find no comment and both create one. So after creating, the comments are listed again:
 * the oldest marked comment (lowest id) stays, the others are deleted, and the oldest gets this run's body.
 * A run whose head is no longer the pull request's head does not overwrite a comment that already reports
 * the current head; it returns `skipped-older-head`.
 */
export async function upsertComment(octokit: Octokit, request: UpsertCommentRequest): Promise<UpsertCommentResult> {
  const existing = await listMarkedComments(octokit, request);
  const oldestExisting = existing[0];
  if (oldestExisting) {
    await deleteDuplicates(octokit, request, existing);
    return updateOldest(octokit, request, oldestExisting);
  }

  let created: MarkedComment;
  try {
    const { data } = await octokit.rest.issues.createComment({
      owner: request.owner,
      repo: request.repo,
      issue_number: request.issueNumber,
      body: request.body,
    });
    created = { id: data.id, url: data.html_url, headSha: request.headSha };
    request.logger.info(`Created report comment ${data.id} for head ${request.headSha}: ${data.html_url}`);
  } catch (error) {
    throw commentError('Creating', request, error);
  }

  const marked = await listMarkedComments(octokit, request);
  if (!marked.some((comment) => comment.id === created.id)) {
    // A listing may lag behind a create; the comment this run just created exists all the same.
    marked.push(created);
    marked.sort((a, b) => a.id - b.id);
  }
  const oldest = marked[0];
  if (!oldest || oldest.id >= created.id) {
    await deleteDuplicates(octokit, request, marked);
    return { url: created.url, id: created.id, action: 'created' };
  }

  // Another run created its comment first: that one stays, this run's copy goes.
  await deleteDuplicates(octokit, request, marked);
  return updateOldest(octokit, request, oldest);
}
