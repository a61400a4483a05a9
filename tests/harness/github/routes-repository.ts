import { changedFiles } from './diff.js';
import { comparisonJson, contentFileJson, diffEntryJson, pullJson } from './resources-git.js';
import { repositoryJson, userJson } from './resources.js';
import { findRepository, fullNameOf, notFound, paginate, type RouteRequest, type Routes } from './route.js';
import type { RoleName } from './state.js';

/** GitHub lists at most 3000 files of a pull request, whatever the page size. */
const MAX_PULL_FILES = 3000;
/** The compare endpoint shows at most 300 changed files for the whole comparison. */
const MAX_COMPARE_FILES = 300;

/** The legacy `permission` of each role: `maintain` counts as write and `triage` as read. */
const LEGACY_PERMISSION: Record<RoleName, string> = {
  admin: 'admin',
  maintain: 'write',
  write: 'write',
  triage: 'read',
  read: 'read',
};

function getRepository(request: RouteRequest) {
  const repository = findRepository(request);
  if (!repository) return notFound(`repository ${request.params.owner}/${request.params.repo}`);
  return { status: 200, body: repositoryJson(repository, request.urls) };
}

function getPull(request: RouteRequest) {
  const repository = findRepository(request);
  const pull = repository?.pulls.get(Number(request.params.pull_number));
  if (!repository || !pull) return notFound(`pull request ${request.params.owner}/${request.params.repo}#${request.params.pull_number}`);

  const changes = changedFiles(request.state.requireCommit(pull.baseSha), request.state.requireCommit(pull.headSha));
  return { status: 200, body: pullJson(request.state, repository, pull, request.urls, changes) };
}

function listPullFiles(request: RouteRequest) {
  const repository = findRepository(request);
  const pull = repository?.pulls.get(Number(request.params.pull_number));
  if (!repository || !pull) return notFound(`pull request ${request.params.owner}/${request.params.repo}#${request.params.pull_number}`);

  const changes = changedFiles(request.state.requireCommit(pull.baseSha), request.state.requireCommit(pull.headSha));
  const entries = changes.slice(0, MAX_PULL_FILES).map((change) => diffEntryJson(change, fullNameOf(repository), pull.headSha, request.urls));
  const { page, headers } = paginate(entries, request);
  return { status: 200, body: page, headers };
}

/** `GET /repos/{owner}/{repo}/pulls`: `head` is `owner:branch`, `state` is open (default), closed or all. */
function listPulls(request: RouteRequest) {
  const repository = findRepository(request);
  if (!repository) return notFound(`repository ${request.params.owner}/${request.params.repo}`);

  const state = request.query.get('state') ?? 'open';
  const head = request.query.get('head');
  const base = request.query.get('base');
  const pulls = [...repository.pulls.values()]
    .filter((pull) => state === 'all' || pull.state === state)
    .filter((pull) => {
      if (!head) return true;
      const [owner, branch] = head.includes(':') ? head.split(':', 2) : [undefined, head];
      const headOwner = pull.headRepository.split('/')[0] ?? '';
      return pull.headRef === branch && (!owner || headOwner.toLowerCase() === owner.toLowerCase());
    })
    .filter((pull) => !base || pull.baseRef === base)
    .sort((a, b) => b.number - a.number);

  const { page, headers } = paginate(pulls, request);
  const body = page.map((pull) => pullJson(request.state, repository, pull, request.urls, [], true));
  return { status: 200, body, headers };
}

/** Returns a file (`content-file`), or a directory listing when `path` is a folder, at `ref` or the default branch. */
function getContent(request: RouteRequest) {
  const repository = findRepository(request);
  if (!repository) return notFound(`repository ${request.params.owner}/${request.params.repo}`);

  const ref = request.query.get('ref') ?? repository.defaultBranch;
  const commit = request.state.resolveRef(repository, ref);
  if (!commit) return notFound(`commit or branch ${ref} in ${fullNameOf(repository)}`);

  const path = (request.params.path ?? '').replace(/^\/+|\/+$/g, '');
  const content = commit.files.get(path);
  if (content !== undefined) {
    return { status: 200, body: contentFileJson(fullNameOf(repository), path, content, ref, request.urls) };
  }

  const prefix = `${path}/`;
  const children = new Map<string, 'file' | 'dir'>();
  for (const file of commit.files.keys()) {
    if (!file.startsWith(prefix)) continue;
    const [name = '', ...rest] = file.slice(prefix.length).split('/');
    children.set(name, rest.length > 0 ? 'dir' : 'file');
  }
  if (children.size === 0) return notFound(`file ${path} at ${ref} in ${fullNameOf(repository)}`);

  const listing = [...children.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, type]) => {
    const childPath = `${path}/${name}`;
    const file = type === 'file' ? contentFileJson(fullNameOf(repository), childPath, commit.files.get(childPath) ?? '', ref, request.urls) : undefined;
    const url = `${request.urls.api}/repos/${fullNameOf(repository)}/contents/${childPath}?ref=${ref}`;
    const htmlUrl = `${request.urls.web}/${fullNameOf(repository)}/tree/${ref}/${childPath}`;
    return {
      type,
      size: file?.size ?? 0,
      name,
      path: childPath,
      sha: file?.sha ?? commit.sha,
      url,
      git_url: file?.git_url ?? null,
      html_url: file?.html_url ?? htmlUrl,
      download_url: file?.download_url ?? null,
      _links: { self: url, git: file?.git_url ?? null, html: file?.html_url ?? htmlUrl },
    };
  });
  return { status: 200, body: listing };
}

/** `compare/{base}...{head}`: the files changed between two refs, as for a push's `before` and `after`. */
function compare(request: RouteRequest) {
  const repository = findRepository(request);
  if (!repository) return notFound(`repository ${request.params.owner}/${request.params.repo}`);

  let baseRef = request.params.base;
  let headRef = request.params.head;
  if (request.params.basehead !== undefined) {
    const parts = request.params.basehead.split('...');
    if (parts.length !== 2) return notFound(`comparison ${request.params.basehead}: write it as BASE...HEAD`);
    [baseRef, headRef] = parts;
  }

  const base = request.state.resolveRef(repository, baseRef ?? '');
  const head = request.state.resolveRef(repository, headRef ?? '');
  if (!base || !head) return notFound(`commit ${base ? headRef : baseRef} in ${fullNameOf(repository)}`);

  const files = changedFiles(base, head)
    .slice(0, MAX_COMPARE_FILES)
    .map((change) => diffEntryJson(change, fullNameOf(repository), head.sha, request.urls));
  return { status: 200, body: comparisonJson(request.state, fullNameOf(repository), base.sha, head.sha, files, request.urls) };
}

/**
 * Returns a user's role on the repository. A user without one is not a 404: GitHub returns `none` on a
 * private repository and `read` on a public one, because anyone may read a public repository.
 */
function getPermission(request: RouteRequest) {
  const repository = findRepository(request);
  if (!repository) return notFound(`repository ${request.params.owner}/${request.params.repo}`);

  const login = request.params.username ?? '';
  const role = repository.collaborators.get(login.toLowerCase());
  let permission = repository.private ? 'none' : 'read';
  if (role) permission = LEGACY_PERMISSION[role];
  const roleName = role ?? permission;
  const user = userJson({ login, id: 20_000_000 + login.length, type: 'User' }, request.urls);
  return { status: 200, body: { permission, role_name: roleName, user: { ...user, role_name: roleName } } };
}

export const repositoryRoutes: Routes = {
  'repos/get': getRepository,
  'pulls/get': getPull,
  'pulls/list-files': listPullFiles,
  'pulls/list': listPulls,
  'repos/get-content': getContent,
  'repos/compare-commits': compare,
  'repos/compare-commits-with-basehead': compare,
  'repos/get-collaborator-permission-level': getPermission,
};
