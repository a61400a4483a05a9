import { createRequire } from 'node:module';
import { changedFiles } from './diff.js';
import { authorAssociation } from './resources.js';
import type { Actor, GitHubState, PullRequestState, RepositoryState } from './state.js';

/**
 * Webhook payloads for GITHUB_EVENT_PATH, each a real example from `@octokit/webhooks-examples` (the payloads
 * GitHub documents) with only the fields that name the test's repository, pull request, commits, comment
 * and people changed.
 */

// Payloads are plain JSON that the builders edit in place, so their fields are left untyped.
type Payload = Record<string, any>;

/** An event as a workflow receives it: GITHUB_EVENT_NAME and the payload at GITHUB_EVENT_PATH. */
export interface WebhookEvent {
  name: 'pull_request' | 'issue_comment' | 'check_run' | 'push';
  payload: Payload;
}

/** The stand-in parts that a payload builder reads: its state and the URL that replaces github.com. */
export interface PayloadSource {
  url: string;
  state: GitHubState;
}

interface WebhookDefinition {
  name: string;
  examples: Payload[];
}

/** The repository that every example of `@octokit/webhooks-examples` 7.x is written for. */
const EXAMPLE_REPOSITORY = 'Codertocat/Hello-World';

let definitions: WebhookDefinition[] | undefined;

/** Returns a deep copy of the first example of `event` that `matches` accepts. */
export function webhookExample(event: string, matches: (payload: Payload) => boolean): Payload {
  definitions ??= createRequire(import.meta.url)('@octokit/webhooks-examples') as WebhookDefinition[];
  const example = definitions.find((definition) => definition.name === event)?.examples.find(matches);
  if (!example) throw new Error(`@octokit/webhooks-examples has no ${event} example of the requested kind`);
  return structuredClone(example);
}

function rewrite(value: unknown, replacements: [string, string][]): unknown {
  if (typeof value === 'string') {
    let text = value;
    for (const [from, to] of replacements) if (from) text = text.split(from).join(to);
    return text;
  }
  if (Array.isArray(value)) return value.map((item) => rewrite(item, replacements));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, rewrite(item, replacements)]));
  }
  return value;
}

/** Moves an example to the stand-in's host and to `fullName`, and replaces the example's SHAs in its URLs. */
function retarget(payload: Payload, source: PayloadSource, fullName: string, shas: [string, string][] = []): Payload {
  return rewrite(payload, [
    ...shas,
    [EXAMPLE_REPOSITORY, fullName],
    ['https://api.github.com', source.url],
    ['https://github.com', source.url],
    ['http://github.com', source.url],
  ]) as Payload;
}

function setUser(target: Payload | undefined, actor: Actor, source: PayloadSource): void {
  if (!target) return;
  const previous = String(target.login);
  Object.assign(target, rewrite(target, [[`/${previous}`, `/${actor.login}`]]) as Payload, {
    login: actor.login,
    id: actor.id,
    type: actor.type,
    html_url: `${source.url}/${actor.login}`,
  });
}

function setRepository(target: Payload, repository: Pick<RepositoryState, 'owner' | 'name' | 'id' | 'defaultBranch' | 'private' | 'fork'>, source: PayloadSource): void {
  Object.assign(target, {
    id: repository.id,
    name: repository.name,
    full_name: `${repository.owner}/${repository.name}`,
    private: repository.private,
    fork: repository.fork,
    default_branch: repository.defaultBranch,
    ...(target.visibility !== undefined ? { visibility: repository.private ? 'private' : 'public' } : {}),
    ...('master_branch' in target ? { master_branch: repository.defaultBranch } : {}),
  });
  setUser(target.owner, { login: repository.owner, id: 10_000 + repository.id, type: 'User' }, source);
}

function pullPart(target: Payload, pull: PullRequestState, repository: RepositoryState, source: PayloadSource): void {
  const baseName = `${repository.owner}/${repository.name}`;
  const [headOwner = repository.owner, headName = repository.name] = pull.headRepository.split('/');
  const fromFork = pull.headRepository.toLowerCase() !== baseName.toLowerCase();

  Object.assign(target, { number: pull.number, id: pull.id, title: pull.title, state: pull.state, merge_commit_sha: pull.mergeCommitSha ?? null });
  setUser(target.user, pull.user, source);

  Object.assign(target.base, { ref: pull.baseRef, sha: pull.baseSha, label: `${repository.owner}:${pull.baseRef}` });
  setRepository(target.base.repo, repository, source);

  Object.assign(target.head, { ref: pull.headRef, sha: pull.headSha, label: `${headOwner}:${pull.headRef}` });
  if (fromFork) {
    // The fork is a repository of its own: another owner and id, `fork: true`, the same name.
    target.head.repo = rewrite(target.head.repo, [[`/${baseName}`, `/${pull.headRepository}`]]);
    setRepository(target.head.repo, { owner: headOwner, name: headName, id: repository.id + 1, defaultBranch: repository.defaultBranch, private: false, fork: true }, source);
    setUser(target.head.user, { login: headOwner, id: pull.user.id, type: 'User' }, source);
  } else {
    setRepository(target.head.repo, repository, source);
  }
}

/**
 * Builds a `pull_request` event for a pull request of the state, `opened` or `synchronize`. For
 * `synchronize`, `before` is `options.before` or else the parent of the head commit.
 */
export function pullRequestEvent(
  source: PayloadSource,
  fullName: string,
  number: number,
  action: 'opened' | 'synchronize' = 'opened',
  options: { before?: string } = {},
): WebhookEvent {
  const repository = source.state.requireRepository(fullName);
  const pull = source.state.requirePull(fullName, number);
  const example = webhookExample('pull_request', (payload) => payload.action === action);
  const payload = retarget(example, source, fullName, [
    [String(example.pull_request.head.sha), pull.headSha],
    [String(example.pull_request.base.sha), pull.baseSha],
  ]);

  payload.number = pull.number;
  pullPart(payload.pull_request, pull, repository, source);
  payload.pull_request.url = `${source.url}/repos/${fullName}/pulls/${pull.number}`;
  payload.pull_request.html_url = `${source.url}/${fullName}/pull/${pull.number}`;
  payload.pull_request.changed_files = changedFiles(source.state.requireCommit(pull.baseSha), source.state.requireCommit(pull.headSha)).length;
  if (action === 'synchronize') {
    payload.before = options.before ?? source.state.requireCommit(pull.headSha).parents[0] ?? pull.baseSha;
    payload.after = pull.headSha;
  }
  setRepository(payload.repository, repository, source);
  setUser(payload.sender, pull.user, source);
  return { name: 'pull_request', payload };
}

/**
 * Builds an `issue_comment` `created` event and stores the comment in the state. On a pull request,
 * `issue.pull_request` gets the links GitHub adds there, because the example is a comment on a plain issue.
 */
export function issueCommentEvent(
  source: PayloadSource,
  fullName: string,
  issueNumber: number,
  comment: { body: string; author: Actor },
): WebhookEvent {
  const repository = source.state.requireRepository(fullName);
  const payload = retarget(webhookExample('issue_comment', (p) => p.action === 'created' && !p.issue.pull_request), source, fullName);
  const pull = repository.pulls.get(issueNumber);

  const stored = source.state.addComment(fullName, issueNumber, comment.body, comment.author);
  const issueApi = `${source.url}/repos/${fullName}/issues/${issueNumber}`;
  Object.assign(payload.issue, {
    number: issueNumber,
    url: issueApi,
    comments_url: `${issueApi}/comments`,
    html_url: `${source.url}/${fullName}/${pull ? 'pull' : 'issues'}/${issueNumber}`,
  });
  if (pull) {
    payload.issue.title = pull.title;
    setUser(payload.issue.user, pull.user, source);
    payload.issue.pull_request = {
      url: `${source.url}/repos/${fullName}/pulls/${issueNumber}`,
      html_url: `${source.url}/${fullName}/pull/${issueNumber}`,
      diff_url: `${source.url}/${fullName}/pull/${issueNumber}.diff`,
      patch_url: `${source.url}/${fullName}/pull/${issueNumber}.patch`,
      merged_at: null,
    };
  }

  Object.assign(payload.comment, {
    id: stored.id,
    body: comment.body,
    url: `${source.url}/repos/${fullName}/issues/comments/${stored.id}`,
    html_url: `${payload.issue.html_url}#issuecomment-${stored.id}`,
    issue_url: issueApi,
    created_at: stored.createdAt,
    updated_at: stored.updatedAt,
    author_association: authorAssociation(repository, comment.author),
  });
  setUser(payload.comment.user, comment.author, source);
  setRepository(payload.repository, repository, source);
  setUser(payload.sender, comment.author, source);
  return { name: 'issue_comment', payload };
}

/** Builds a `check_run` `rerequested` event for a check run of the state, sent by `sender` (the user who pressed re-run). */
export function checkRunEvent(source: PayloadSource, fullName: string, checkRunId: number, sender: Actor): WebhookEvent {
  const repository = source.state.requireRepository(fullName);
  const run = source.state.checkRunsFor(fullName).find((candidate) => candidate.id === checkRunId);
  if (!run) throw new Error(`the stand-in has no check run ${checkRunId} in ${fullName}: create it through the API first`);

  const example = webhookExample('check_run', (payload) => payload.action === 'rerequested');
  const payload = retarget(example, source, fullName, [[String(example.check_run.head_sha), run.headSha]]) as Payload;
  payload.check_run = rewrite(payload.check_run, [['/github/hello-world', `/${fullName}`]]);

  const pulls = [...repository.pulls.values()].filter((pull) => pull.state === 'open' && pull.headSha === run.headSha);
  const repoRef = { id: repository.id, url: `${source.url}/repos/${fullName}`, name: repository.name };
  const pullRequests = pulls.map((pull) => ({
    url: `${source.url}/repos/${fullName}/pulls/${pull.number}`,
    id: pull.id,
    number: pull.number,
    head: { ref: pull.headRef, sha: pull.headSha, repo: repoRef },
    base: { ref: pull.baseRef, sha: pull.baseSha, repo: repoRef },
  }));
  Object.assign(payload.check_run, {
    id: run.id,
    name: run.name,
    head_sha: run.headSha,
    status: run.status,
    conclusion: run.conclusion,
    external_id: run.externalId ?? '',
    url: `${source.url}/repos/${fullName}/check-runs/${run.id}`,
    html_url: `${source.url}/${fullName}/runs/${run.id}`,
    pull_requests: pullRequests,
  });
  Object.assign(payload.check_run.check_suite, { head_sha: run.headSha, after: run.headSha, head_branch: pulls[0]?.headRef ?? repository.defaultBranch, pull_requests: pullRequests });
  setRepository(payload.repository, repository, source);
  setUser(payload.sender, sender, source);
  return { name: 'check_run', payload };
}

/** Builds a `push` event of a branch from `before` to `after`, with the commits in between listed as GitHub lists them. */
export function pushEvent(source: PayloadSource, fullName: string, options: { branch: string; before: string; after: string; pusher: Actor }): WebhookEvent {
  const repository = source.state.requireRepository(fullName);
  const example = webhookExample('push', (payload) => String(payload.ref).startsWith('refs/heads/') && payload.commits.length > 0);
  const payload = retarget(example, source, fullName, [[String(example.after), options.after]]);
  const template = payload.commits[0] as Payload;

  const chain: string[] = [];
  for (let sha: string | undefined = options.after; sha && sha !== options.before; sha = source.state.commits.get(sha)?.parents[0]) chain.unshift(sha);
  payload.commits = chain.map((sha) => {
    const commit = source.state.requireCommit(sha);
    const parent = source.state.commits.get(commit.parents[0] ?? '') ?? { sha: '', parents: [], message: '', files: new Map() };
    const files = changedFiles(parent, commit);
    return {
      ...structuredClone(template),
      id: sha,
      message: commit.message,
      url: `${source.url}/${fullName}/commit/${sha}`,
      added: files.filter((f) => f.status === 'added').map((f) => f.filename),
      removed: files.filter((f) => f.status === 'removed').map((f) => f.filename),
      modified: files.filter((f) => f.status === 'modified').map((f) => f.filename),
    };
  });

  Object.assign(payload, {
    ref: `refs/heads/${options.branch}`,
    before: options.before,
    after: options.after,
    created: /^0+$/.test(options.before),
    compare: `${source.url}/${fullName}/compare/${options.before.slice(0, 12)}...${options.after.slice(0, 12)}`,
    head_commit: payload.commits.at(-1) ?? null,
    pusher: { name: options.pusher.login, email: `${options.pusher.id}+${options.pusher.login}@users.noreply.github.com` },
  });
  setRepository(payload.repository, repository, source);
  setUser(payload.sender, options.pusher, source);
  return { name: 'push', payload };
}
