import { blobSha, type FileChange } from './diff.js';
import { example, nodeId, ownerActor, repositoryJson, rewrite, userJson, type JsonObject, type Urls } from './resources.js';
import type { GitHubState, PullRequestState, RepositoryState } from './state.js';

/** Response bodies about code: pull requests, changed files, file contents and commit comparisons. */

/**
 * Builds the repository object of a pull request's head or base. A fork that the state does not contain
 * (the head repository of a fork pull request) is described from its full name alone.
 */
function branchRepositoryJson(state: GitHubState, fullName: string, urls: Urls): JsonObject {
  const known = state.repository(fullName);
  const [owner = '', name = ''] = fullName.split('/');
  const repository = known ?? { owner, name, id: 90_000 + name.length, defaultBranch: 'main', private: false, fork: true };
  const body = repositoryJson(repository, urls);

  // The repository inside a pull request is the shorter `repository` schema: drop what only full-repository has.
  for (const key of ['subscribers_count', 'network_count', 'organization', 'parent', 'source']) delete body[key];
  return body;
}

function branchJson(state: GitHubState, fullName: string, ref: string, sha: string, urls: Urls): JsonObject {
  const [owner = ''] = fullName.split('/');
  return {
    label: `${owner}:${ref}`,
    ref,
    sha,
    user: userJson(ownerActor(owner), urls),
    repo: branchRepositoryJson(state, fullName, urls),
  };
}

function pullUrls(fullName: string, number: number, headSha: string, urls: Urls): JsonObject {
  const api = `${urls.api}/repos/${fullName}`;
  const web = `${urls.web}/${fullName}`;
  return {
    url: `${api}/pulls/${number}`,
    html_url: `${web}/pull/${number}`,
    diff_url: `${web}/pull/${number}.diff`,
    patch_url: `${web}/pull/${number}.patch`,
    issue_url: `${api}/issues/${number}`,
    commits_url: `${api}/pulls/${number}/commits`,
    review_comments_url: `${api}/pulls/${number}/comments`,
    review_comment_url: `${api}/pulls/comments{/number}`,
    comments_url: `${api}/issues/${number}/comments`,
    statuses_url: `${api}/statuses/${headSha}`,
    _links: {
      self: { href: `${api}/pulls/${number}` },
      html: { href: `${web}/pull/${number}` },
      issue: { href: `${api}/issues/${number}` },
      comments: { href: `${api}/issues/${number}/comments` },
      review_comments: { href: `${api}/pulls/${number}/comments` },
      review_comment: { href: `${api}/pulls/comments{/number}` },
      commits: { href: `${api}/pulls/${number}/commits` },
      statuses: { href: `${api}/statuses/${headSha}` },
    },
  };
}

/** A pull request as `pulls/get` returns it (`simple: false`) or as `pulls/list` lists it (`simple: true`). */
export function pullJson(
  state: GitHubState,
  repository: RepositoryState,
  pull: PullRequestState,
  urls: Urls,
  changes: FileChange[],
  simple = false,
): JsonObject {
  const fullName = `${repository.owner}/${repository.name}`;
  const body = simple
    ? ((example('pull-request-simple-items', urls) as unknown as JsonObject[])[0] as JsonObject)
    : example('pull-request', urls);

  Object.assign(body, pullUrls(fullName, pull.number, pull.headSha, urls), {
    id: pull.id,
    node_id: nodeId('PullRequest', pull.id),
    number: pull.number,
    state: pull.state,
    title: pull.title,
    body: null,
    user: userJson(pull.user, urls),
    labels: [],
    milestone: null,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    created_at: pull.createdAt,
    updated_at: pull.createdAt,
    closed_at: null,
    merged_at: null,
    merge_commit_sha: pull.mergeCommitSha ?? null,
    author_association: state.repository(fullName)?.collaborators.has(pull.user.login.toLowerCase()) ? 'COLLABORATOR' : 'CONTRIBUTOR',
    head: branchJson(state, pull.headRepository, pull.headRef, pull.headSha, urls),
    base: branchJson(state, fullName, pull.baseRef, pull.baseSha, urls),
  });
  if (!simple) {
    Object.assign(body, {
      merged: false,
      merged_by: null,
      mergeable: true,
      mergeable_state: 'clean',
      comments: state.commentsOn(fullName, pull.number).length,
      commits: 1,
      additions: changes.reduce((sum, change) => sum + change.additions, 0),
      deletions: changes.reduce((sum, change) => sum + change.deletions, 0),
      changed_files: changes.length,
    });
  }
  return body;
}

export function diffEntryJson(change: FileChange, fullName: string, ref: string, urls: Urls): JsonObject {
  const path = change.filename.split('/').map(encodeURIComponent).join('/');
  const entry: JsonObject = {
    sha: change.sha,
    filename: change.filename,
    status: change.status,
    additions: change.additions,
    deletions: change.deletions,
    changes: change.changes,
    blob_url: `${urls.web}/${fullName}/blob/${ref}/${path}`,
    raw_url: `${urls.web}/${fullName}/raw/${ref}/${path}`,
    contents_url: `${urls.api}/repos/${fullName}/contents/${path}?ref=${ref}`,
  };
  if (change.patch !== undefined) entry.patch = change.patch;
  return entry;
}

/** Builds a file's `content-file` body, with base64 in lines of 60 characters as GitHub sends it. */
export function contentFileJson(fullName: string, path: string, content: string | Buffer, ref: string, urls: Urls): JsonObject {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const encoded = (bytes.toString('base64').match(/.{1,60}/g) ?? []).join('\n');
  const sha = blobSha(bytes);
  const url = `${urls.api}/repos/${fullName}/contents/${path}?ref=${ref}`;
  const htmlUrl = `${urls.web}/${fullName}/blob/${ref}/${path}`;
  const gitUrl = `${urls.api}/repos/${fullName}/git/blobs/${sha}`;
  return {
    type: 'file',
    encoding: 'base64',
    size: bytes.length,
    name: path.split('/').pop() ?? path,
    path,
    content: encoded.length > 0 ? `${encoded}\n` : '',
    sha,
    url,
    git_url: gitUrl,
    html_url: htmlUrl,
    download_url: `${urls.web}/${fullName}/raw/${ref}/${path}`,
    _links: { self: url, git: gitUrl, html: htmlUrl },
  };
}

function commitJson(fullName: string, sha: string, message: string, parents: string[], urls: Urls): JsonObject {
  const body = example('commit-comparison', urls).base_commit as JsonObject;
  const template = String(body.sha);
  const renamed = rewrite(body, [[template, sha], ['/octocat/Hello-World', `/${fullName}`]]);
  (renamed.commit as JsonObject).message = message;
  renamed.node_id = nodeId('Commit', sha);
  renamed.parents = parents.map((parent) => ({
    url: `${urls.api}/repos/${fullName}/commits/${parent}`,
    html_url: `${urls.web}/${fullName}/commit/${parent}`,
    sha: parent,
  }));
  return renamed;
}

function comparisonStatus(base: string, head: string, descends: boolean): string {
  if (base === head) return 'identical';
  return descends ? 'ahead' : 'diverged';
}

/** Builds the `commit-comparison` body of two commits, whether or not `head` descends from `base`. */
export function comparisonJson(
  state: GitHubState,
  fullName: string,
  base: string,
  head: string,
  files: JsonObject[],
  urls: Urls,
): JsonObject {
  const baseCommit = state.requireCommit(base);
  const headCommit = state.requireCommit(head);

  // Walk first parents from head to find base; the stand-in's history is linear per branch.
  const between: string[] = [];
  let cursor: string | undefined = headCommit.sha;
  while (cursor && cursor !== baseCommit.sha) {
    between.unshift(cursor);
    cursor = state.commits.get(cursor)?.parents[0];
  }
  const descends = cursor === baseCommit.sha;

  const body = example('commit-comparison', urls, { from: 'octocat/Hello-World', to: fullName });
  const commits = (descends ? between : [headCommit.sha]).map((sha) => {
    const commit = state.requireCommit(sha);
    return commitJson(fullName, sha, commit.message, commit.parents, urls);
  });
  Object.assign(body, {
    url: `${urls.api}/repos/${fullName}/compare/${base}...${head}`,
    html_url: `${urls.web}/${fullName}/compare/${base}...${head}`,
    permalink_url: `${urls.web}/${fullName}/compare/${base}...${head}`,
    diff_url: `${urls.web}/${fullName}/compare/${base}...${head}.diff`,
    patch_url: `${urls.web}/${fullName}/compare/${base}...${head}.patch`,
    base_commit: commitJson(fullName, baseCommit.sha, baseCommit.message, baseCommit.parents, urls),
    merge_base_commit: commitJson(fullName, baseCommit.sha, baseCommit.message, baseCommit.parents, urls),
    status: comparisonStatus(base, head, descends),
    ahead_by: commits.length,
    behind_by: 0,
    total_commits: commits.length,
    commits,
    files,
  });
  return body;
}
