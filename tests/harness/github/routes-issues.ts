import { commentJson, reactionJson } from './resources.js';
import { findRepository, fullNameOf, notFound, paginate, validationFailed, type RouteRequest, type RouteResponse, type Routes } from './route.js';
import { timestamp, type CommentState } from './state.js';

/**
 * GitHub rejects an issue or pull request comment longer than 65536 characters with this 422 message.
 * NOTE: the stand-in counts Unicode code points; whether GitHub counts code points or UTF-16 units for
 * text outside the Basic Multilingual Plane is not documented.
 */
const MAX_COMMENT_LENGTH = 65_536;

function checkBody(body: unknown): RouteResponse | undefined {
  if (typeof body !== 'string') return undefined;
  const length = [...body].length;
  if (length <= MAX_COMMENT_LENGTH) return undefined;
  return validationFailed('Validation Failed', [
    { resource: 'IssueComment', code: 'custom', field: 'body', message: `Body is too long (maximum is ${MAX_COMMENT_LENGTH} characters)` },
  ]);
}

function findComment(request: RouteRequest): CommentState | undefined {
  const repository = findRepository(request);
  if (!repository) return undefined;
  const id = Number(request.params.comment_id);
  return request.state.comments.find((comment) => comment.id === id && comment.repository === `${repository.owner}/${repository.name}`.toLowerCase());
}

function missingComment(request: RouteRequest): RouteResponse {
  return notFound(`issue comment ${request.params.comment_id} in ${request.params.owner}/${request.params.repo}`);
}

function listComments(request: RouteRequest): RouteResponse {
  const repository = findRepository(request);
  const number = Number(request.params.issue_number);
  if (!repository || (!repository.pulls.has(number) && !repository.issues.has(number))) {
    return notFound(`issue or pull request ${request.params.owner}/${request.params.repo}#${request.params.issue_number}`);
  }

  const since = request.query.get('since');
  const comments = request.state
    .commentsOn(fullNameOf(repository), number)
    .filter((comment) => !since || comment.updatedAt >= since);
  const { page, headers } = paginate(comments, request);
  return { status: 200, body: page.map((comment) => commentJson(comment, request.state, request.urls)), headers };
}

function createComment(request: RouteRequest): RouteResponse {
  const repository = findRepository(request);
  const number = Number(request.params.issue_number);
  if (!repository || (!repository.pulls.has(number) && !repository.issues.has(number))) {
    return notFound(`issue or pull request ${request.params.owner}/${request.params.repo}#${request.params.issue_number}`);
  }
  const rejection = checkBody(request.body?.body);
  if (rejection) return rejection;

  const comment = request.state.addComment(fullNameOf(repository), number, String(request.body?.body), request.grant.actor);
  const body = commentJson(comment, request.state, request.urls);
  return { status: 201, body, headers: { location: String(body.url) } };
}

function getComment(request: RouteRequest): RouteResponse {
  const comment = findComment(request);
  if (!comment) return missingComment(request);
  return { status: 200, body: commentJson(comment, request.state, request.urls) };
}

function updateComment(request: RouteRequest): RouteResponse {
  const comment = findComment(request);
  if (!comment) return missingComment(request);
  const rejection = checkBody(request.body?.body);
  if (rejection) return rejection;

  comment.body = String(request.body?.body);
  comment.updatedAt = timestamp();
  return { status: 200, body: commentJson(comment, request.state, request.urls) };
}

function deleteComment(request: RouteRequest): RouteResponse {
  const comment = findComment(request);
  if (!comment) return missingComment(request);

  request.state.comments.splice(request.state.comments.indexOf(comment), 1);
  return { status: 204 };
}

/** Adds a reaction. The same user's same reaction again returns the existing one with 200, as GitHub does. */
function createReaction(request: RouteRequest): RouteResponse {
  const comment = findComment(request);
  if (!comment) return missingComment(request);

  const content = String(request.body?.content);
  const existing = comment.reactions.find((r) => r.content === content && r.user.login === request.grant.actor.login);
  if (existing) return { status: 200, body: reactionJson(existing, request.urls) };

  const reaction = { id: request.state.newId(), content, user: request.grant.actor, createdAt: timestamp() };
  comment.reactions.push(reaction);
  return { status: 201, body: reactionJson(reaction, request.urls) };
}

function listReactions(request: RouteRequest): RouteResponse {
  const comment = findComment(request);
  if (!comment) return missingComment(request);

  const content = request.query.get('content');
  const reactions = comment.reactions.filter((reaction) => !content || reaction.content === content);
  const { page, headers } = paginate(reactions, request);
  return { status: 200, body: page.map((reaction) => reactionJson(reaction, request.urls)), headers };
}

export const issueRoutes: Routes = {
  'issues/list-comments': listComments,
  'issues/create-comment': createComment,
  'issues/get-comment': getComment,
  'issues/update-comment': updateComment,
  'issues/delete-comment': deleteComment,
  'reactions/create-for-issue-comment': createReaction,
  'reactions/list-for-issue-comment': listReactions,
};
