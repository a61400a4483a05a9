import { exampleValue } from './openapi.js';
import type { Actor, CheckRunState, CommentState, GitHubState, ReactionState, RepositoryState } from './state.js';

/**
 * Response bodies, each built from the matching example of GitHub's REST description so that every field the
 * schema requires is present, with the stand-in's own values written over the fields that tests read.
 */

/** Where the stand-in serves the REST API (`url`, `*_url` fields) and the web pages (`html_url` fields). */
export interface Urls {
  api: string;
  web: string;
}

export type JsonObject = Record<string, unknown>;

/** Replaces every occurrence of each `from` in the strings of `value`, recursively. */
export function rewrite<T>(value: T, replacements: [string, string][]): T {
  if (typeof value === 'string') {
    let text: string = value;
    for (const [from, to] of replacements) text = text.split(from).join(to);
    return text as T;
  }
  if (Array.isArray(value)) return value.map((item) => rewrite(item, replacements)) as T;
  if (value && typeof value === 'object') {
    const copy: JsonObject = {};
    for (const [key, item] of Object.entries(value)) copy[key] = rewrite(item, replacements);
    return copy as T;
  }
  return value;
}

/** Copies an example of the description, with its host names moved to the stand-in and its repository renamed. */
export function example(name: string, urls: Urls, repository?: { from: string; to: string }): JsonObject {
  const replacements: [string, string][] = [];
  if (repository) replacements.push([`/${repository.from}`, `/${repository.to}`]);
  replacements.push(['https://api.github.com', urls.api], ['https://github.com', urls.web]);
  return rewrite(exampleValue(name) as JsonObject, replacements);
}

export function nodeId(kind: string, id: number | string): string {
  return Buffer.from(`${kind}${id}`).toString('base64');
}

export function userJson(actor: Actor, urls: Urls): JsonObject {
  // GitHub percent-encodes the brackets of a bot's login (`github-actions%5Bbot%5D`) so its URLs stay valid.
  const api = `${urls.api}/users/${encodeURIComponent(actor.login)}`;
  return {
    login: actor.login,
    id: actor.id,
    node_id: nodeId('User', actor.id),
    avatar_url: `${urls.web}/avatars/u/${actor.id}`,
    gravatar_id: '',
    url: api,
    html_url: `${urls.web}/${actor.type === 'Bot' ? `apps/${actor.login.replace(/\[bot\]$/, '')}` : actor.login}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type: actor.type,
    site_admin: false,
    user_view_type: 'public',
  };
}

export function ownerActor(login: string): Actor {
  // A stable id per login keeps `owner.id` equal across responses.
  let id = 0;
  for (const char of login) id = (id * 31 + char.charCodeAt(0)) % 1_000_000;
  return { login, id: 10_000_000 + id, type: 'User' };
}

/** Builds the `full-repository` body of `GET /repos/{owner}/{repo}`. */
export function repositoryJson(
  repository: Pick<RepositoryState, 'owner' | 'name' | 'id' | 'defaultBranch' | 'private' | 'fork'>,
  urls: Urls,
  template = 'full-repository-default-response',
): JsonObject {
  const fullName = `${repository.owner}/${repository.name}`;
  const body = example(template, urls, { from: 'octocat/Hello-World', to: fullName });

  Object.assign(body, {
    id: repository.id,
    node_id: nodeId('Repository', repository.id),
    name: repository.name,
    full_name: fullName,
    owner: userJson(ownerActor(repository.owner), urls),
    private: repository.private,
    visibility: repository.private ? 'private' : 'public',
    fork: repository.fork,
    default_branch: repository.defaultBranch,
    html_url: `${urls.web}/${fullName}`,
    url: `${urls.api}/repos/${fullName}`,
    clone_url: `${urls.web}/${fullName}.git`,
    // The example leaves out `language`, which the schema requires (it is null for a repository without code).
    language: null,
  });
  // The stand-in's repositories have no organization and no fork network of their own.
  delete body.organization;
  delete body.parent;
  delete body.source;
  delete body.template_repository;
  return body;
}

/** GitHub's `author_association` of a user with the repository, as comments and payloads show it. */
export function authorAssociation(repository: RepositoryState, user: Actor): string {
  if (user.login.toLowerCase() === repository.owner.toLowerCase()) return 'OWNER';
  if (repository.collaborators.has(user.login.toLowerCase())) return 'COLLABORATOR';
  return 'NONE';
}

export function commentJson(comment: CommentState, state: GitHubState, urls: Urls): JsonObject {
  const repository = state.requireRepository(comment.repository);
  const fullName = `${repository.owner}/${repository.name}`;
  const body = example('issue-comment', urls);
  const reactions = (content: string) => comment.reactions.filter((r) => r.content === content).length;

  Object.assign(body, {
    id: comment.id,
    node_id: nodeId('IssueComment', comment.id),
    url: `${urls.api}/repos/${fullName}/issues/comments/${comment.id}`,
    html_url: `${urls.web}/${fullName}/${repository.pulls.has(comment.issueNumber) ? 'pull' : 'issues'}/${comment.issueNumber}#issuecomment-${comment.id}`,
    issue_url: `${urls.api}/repos/${fullName}/issues/${comment.issueNumber}`,
    body: comment.body,
    user: userJson(comment.user, urls),
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    author_association: authorAssociation(repository, comment.user),
    reactions: {
      url: `${urls.api}/repos/${fullName}/issues/comments/${comment.id}/reactions`,
      total_count: comment.reactions.length,
      '+1': reactions('+1'),
      '-1': reactions('-1'),
      laugh: reactions('laugh'),
      confused: reactions('confused'),
      heart: reactions('heart'),
      hooray: reactions('hooray'),
      eyes: reactions('eyes'),
      rocket: reactions('rocket'),
    },
  });
  return body;
}

export function reactionJson(reaction: ReactionState, urls: Urls): JsonObject {
  return {
    ...example('reaction', urls),
    id: reaction.id,
    node_id: nodeId('Reaction', reaction.id),
    user: userJson(reaction.user, urls),
    content: reaction.content,
    created_at: reaction.createdAt,
  };
}

export function checkRunJson(run: CheckRunState, state: GitHubState, urls: Urls): JsonObject {
  const repository = state.requireRepository(run.repository);
  const fullName = `${repository.owner}/${repository.name}`;
  const body = example('check-run', urls);
  const api = `${urls.api}/repos/${fullName}/check-runs/${run.id}`;

  // GitHub links a check run to the open pull requests of the same repository whose head is its commit.
  const pulls = [...repository.pulls.values()].filter(
    (pull) => pull.state === 'open' && pull.headSha === run.headSha && pull.headRepository.toLowerCase() === run.repository,
  );
  const branchRepository = { id: repository.id, url: `${urls.api}/repos/${fullName}`, name: repository.name };

  Object.assign(body, {
    id: run.id,
    node_id: nodeId('CheckRun', run.id),
    head_sha: run.headSha,
    external_id: run.externalId ?? '',
    url: api,
    html_url: `${urls.web}/${fullName}/runs/${run.id}`,
    details_url: run.detailsUrl ?? `${urls.web}/${fullName}/runs/${run.id}`,
    status: run.status,
    conclusion: run.conclusion,
    started_at: run.startedAt,
    completed_at: run.completedAt,
    name: run.name,
    // Check runs made with a workflow's GITHUB_TOKEN belong to the GitHub Actions app.
    app: { ...(body.app as JsonObject), id: 15368, slug: 'github-actions', node_id: 'MDM6QXBwMTUzNjg=', name: 'GitHub Actions', html_url: `${urls.web}/apps/github-actions` },
    output: {
      title: run.output.title ?? null,
      summary: run.output.summary ?? null,
      text: run.output.text ?? null,
      annotations_count: run.output.annotations_count,
      annotations_url: `${api}/annotations`,
    },
    pull_requests: pulls.map((pull) => ({
      url: `${urls.api}/repos/${fullName}/pulls/${pull.number}`,
      id: pull.id,
      number: pull.number,
      head: { ref: pull.headRef, sha: pull.headSha, repo: branchRepository },
      base: { ref: pull.baseRef, sha: pull.baseSha, repo: branchRepository },
    })),
  });
  return body;
}
