import * as core from '@actions/core';
import { getOctokit } from '@actions/github';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  GitHubState,
  decodeClaims,
  pullRequestEvent,
  pushEvent,
  runnerEnv,
  startGitHubStandIn,
  type Actor,
  type GitHubStandIn,
} from '../harness/github/index.js';

const OWNER = 'acme';
const REPO = 'llm-lab';
const REPOSITORY = `${OWNER}/${REPO}`;
const CONTRIBUTOR: Actor = { login: 'hubot', id: 502, type: 'User' };

let standIn: GitHubStandIn;
let state: GitHubState;
let base: string;
let head: string;

function client(token = 'test-token') {
  return getOctokit(token, { baseUrl: standIn.url });
}

/** Sets process environment variables for one test and returns a function that restores them. */
function withEnv(values: Record<string, string | undefined>): () => void {
  const previous = Object.fromEntries(Object.keys(values).map((key) => [key, process.env[key]]));
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  return () => {
    for (const [key, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}

beforeEach(async () => {
  state = new GitHubState();
  state.addRepository(REPOSITORY);
  base = state.addCommit({ 'experiments/lora.json': '{"LearningRate": 0.0001}\n', 'README.md': '# lab\n' }, { branch: 'main', repository: REPOSITORY });
  head = state.addCommit({ 'experiments/lora.json': '{"LearningRate": 0.0002}\n', 'experiments/new.json': '{}\n', 'README.md': null }, { parent: base });
  state.addPullRequest(REPOSITORY, { head, base, number: 7, user: CONTRIBUTOR, headRef: 'raise-lr' });
  standIn = await startGitHubStandIn({ state });
});

afterEach(async () => {
  const responseViolations = standIn.violations().filter((violation) => violation.kind === 'response');
  await standIn.stop();
  expect(responseViolations).toEqual([]);
});

describe('pull requests', () => {
  it('get returns head, base and counts', async () => {
    const { data } = await client().rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: 7 });

    expect(data.head.sha).toBe(head);
    expect(data.base.sha).toBe(base);
    expect(data.head.repo?.fork).toBe(false);
    expect(data.changed_files).toBe(3);
    expect(standIn.violations()).toEqual([]);
  });

  it('files carry added, modified and removed', async () => {
    const { data } = await client().rest.pulls.listFiles({ owner: OWNER, repo: REPO, pull_number: 7 });

    expect(data.map((file) => [file.filename, file.status])).toEqual([
      ['README.md', 'removed'],
      ['experiments/lora.json', 'modified'],
      ['experiments/new.json', 'added'],
    ]);
  });

  it('files paginate across pages', async () => {
    const many = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`experiments/e${String(i).padStart(3, '0')}.json`, '{}\n']));
    const wide = state.addCommit(many, { parent: base });
    state.addPullRequest(REPOSITORY, { head: wide, base, number: 9 });

    const first = await client().rest.pulls.listFiles({ owner: OWNER, repo: REPO, pull_number: 9, per_page: 100 });
    const all = await client().paginate(client().rest.pulls.listFiles, { owner: OWNER, repo: REPO, pull_number: 9, per_page: 100 });

    expect(first.data).toHaveLength(100);
    expect(first.headers.link).toContain('page=2>; rel="next"');
    expect(first.headers.link).toContain('page=3>; rel="last"');
    expect(all).toHaveLength(250);
    expect(new Set(all.map((file) => file.filename)).size).toBe(250);
    expect(standIn.violations()).toEqual([]);
  });

  it('files stop at 3000', async () => {
    const many = Object.fromEntries(Array.from({ length: 3050 }, (_, i) => [`data/f${i}.txt`, `${i}\n`]));
    const huge = state.addCommit(many, { parent: base });
    state.addPullRequest(REPOSITORY, { head: huge, base, number: 10 });

    const all = await client().paginate(client().rest.pulls.listFiles, { owner: OWNER, repo: REPO, pull_number: 10, per_page: 100 });

    expect(all).toHaveLength(3000);
  });

  it('list by head finds the pull request', async () => {
    const { data } = await client().rest.pulls.list({ owner: OWNER, repo: REPO, head: `${OWNER}:raise-lr`, state: 'open' });
    const other = await client().rest.pulls.list({ owner: OWNER, repo: REPO, head: `${OWNER}:missing`, state: 'open' });

    expect(data.map((pull) => pull.number)).toEqual([7]);
    expect(other.data).toEqual([]);
  });
});

describe('contents and compare', () => {
  it('contents at ref decode to the file', async () => {
    const { data } = await client().rest.repos.getContent({ owner: OWNER, repo: REPO, path: 'experiments/lora.json', ref: head });

    expect(Array.isArray(data)).toBe(false);
    expect(Buffer.from((data as { content: string }).content, 'base64').toString('utf8')).toBe('{"LearningRate": 0.0002}\n');
  });

  it('contents of an absent file is 404', async () => {
    const request = client().rest.repos.getContent({ owner: OWNER, repo: REPO, path: 'experiments/new.json', ref: base });

    await expect(request).rejects.toMatchObject({ status: 404 });
  });

  it('contents of a folder lists it', async () => {
    const { data } = await client().rest.repos.getContent({ owner: OWNER, repo: REPO, path: 'experiments', ref: head });

    expect((data as { name: string }[]).map((entry) => entry.name)).toEqual(['lora.json', 'new.json']);
    expect(standIn.violations()).toEqual([]);
  });

  it('compare lists the files of a push', async () => {
    const after = state.addCommit({ 'experiments/lora.json': '{"LearningRate": 0.0005}\n' }, { parent: base, branch: 'main', repository: REPOSITORY });
    const { data } = await client().rest.repos.compareCommitsWithBasehead({ owner: OWNER, repo: REPO, basehead: `${base}...${after}` });

    expect(data.status).toBe('ahead');
    expect(data.files?.map((file) => [file.filename, file.status])).toEqual([['experiments/lora.json', 'modified']]);
    expect(data.commits.map((commit) => commit.sha)).toEqual([after]);
  });

  it('repository reports default branch and fork', async () => {
    const { data } = await client().rest.repos.get({ owner: OWNER, repo: REPO });

    expect(data.default_branch).toBe('main');
    expect(data.fork).toBe(false);
    expect(data.html_url).toBe(`${standIn.url}/${REPOSITORY}`);
  });
});

describe('issue comments', () => {
  it('create, update and list round-trip', async () => {
    const octokit = client();
    const created = await octokit.rest.issues.createComment({ owner: OWNER, repo: REPO, issue_number: 7, body: 'first' });
    await octokit.rest.issues.updateComment({ owner: OWNER, repo: REPO, comment_id: created.data.id, body: 'second' });
    const listed = await octokit.rest.issues.listComments({ owner: OWNER, repo: REPO, issue_number: 7 });

    expect(created.status).toBe(201);
    expect(created.data.user?.login).toBe('github-actions[bot]');
    expect(created.data.user?.type).toBe('Bot');
    expect(listed.data.map((comment) => comment.body)).toEqual(['second']);
    expect(standIn.violations()).toEqual([]);
  });

  it('get and delete', async () => {
    const octokit = client();
    const created = await octokit.rest.issues.createComment({ owner: OWNER, repo: REPO, issue_number: 7, body: 'x' });
    const fetched = await octokit.rest.issues.getComment({ owner: OWNER, repo: REPO, comment_id: created.data.id });
    const deleted = await octokit.rest.issues.deleteComment({ owner: OWNER, repo: REPO, comment_id: created.data.id });

    expect(fetched.data.body).toBe('x');
    expect(deleted.status).toBe(204);
    expect(state.commentsOn(REPOSITORY, 7)).toEqual([]);
  });

  it('body over 65536 characters is 422', async () => {
    const request = client().rest.issues.createComment({ owner: OWNER, repo: REPO, issue_number: 7, body: 'x'.repeat(65_537) });

    await expect(request).rejects.toMatchObject({ status: 422 });
    expect(state.commentsOn(REPOSITORY, 7)).toEqual([]);
    expect(standIn.violations().map((violation) => violation.operationId)).toEqual(['issues/create-comment']);
  });

  it('body of exactly 65536 characters is accepted', async () => {
    const created = await client().rest.issues.createComment({ owner: OWNER, repo: REPO, issue_number: 7, body: 'x'.repeat(65_536) });

    expect(created.status).toBe(201);
    expect(standIn.violations()).toEqual([]);
  });

  it('reactions are kept once per user', async () => {
    const octokit = client();
    const comment = state.addComment(REPOSITORY, 7, '/rerun', CONTRIBUTOR);
    const first = await octokit.rest.reactions.createForIssueComment({ owner: OWNER, repo: REPO, comment_id: comment.id, content: 'eyes' });
    const again = await octokit.rest.reactions.createForIssueComment({ owner: OWNER, repo: REPO, comment_id: comment.id, content: 'eyes' });
    const listed = await octokit.rest.reactions.listForIssueComment({ owner: OWNER, repo: REPO, comment_id: comment.id });

    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(listed.data.map((reaction) => reaction.content)).toEqual(['eyes']);
  });

  it('delayed lists let two clients interleave', async () => {
    standIn.setDelay('issues/list-comments', 300);
    const postUnlessPresent = async () => {
      const octokit = client();
      const existing = await octokit.rest.issues.listComments({ owner: OWNER, repo: REPO, issue_number: 7 });
      if (existing.data.length === 0) await octokit.rest.issues.createComment({ owner: OWNER, repo: REPO, issue_number: 7, body: 'report' });
    };

    await Promise.all([postUnlessPresent(), postUnlessPresent()]);

    // Both clients listed before either created, so a check-then-create client posts twice.
    expect(state.commentsOn(REPOSITORY, 7)).toHaveLength(2);
    expect(standIn.requests().map((request) => request.operationId)).toEqual([
      'issues/list-comments',
      'issues/list-comments',
      'issues/create-comment',
      'issues/create-comment',
    ]);
  });

  it('read-only token gets 403 on create', async () => {
    state.grantToken('fork-token', { actor: state.defaultActor, access: 'read' });
    const request = client('fork-token').rest.issues.createComment({ owner: OWNER, repo: REPO, issue_number: 7, body: 'x' });

    await expect(request).rejects.toMatchObject({ status: 403 });
  });
});

describe('check runs', () => {
  it('create, update, get and list by name', async () => {
    const octokit = client();
    const created = await octokit.rest.checks.create({ owner: OWNER, repo: REPO, name: 'experiment-pr', head_sha: head, status: 'in_progress' });
    await octokit.rest.checks.update({ owner: OWNER, repo: REPO, check_run_id: created.data.id, conclusion: 'success', output: { title: 'ok', summary: 'all within limits' } });
    await octokit.rest.checks.create({ owner: OWNER, repo: REPO, name: 'other', head_sha: head });
    const fetched = await octokit.rest.checks.get({ owner: OWNER, repo: REPO, check_run_id: created.data.id });
    const listed = await octokit.rest.checks.listForRef({ owner: OWNER, repo: REPO, ref: head, check_name: 'experiment-pr' });

    expect(fetched.data.status).toBe('completed');
    expect(fetched.data.conclusion).toBe('success');
    expect(fetched.data.output.summary).toBe('all within limits');
    expect(fetched.data.pull_requests.map((pull) => pull.number)).toEqual([7]);
    expect(listed.data.total_count).toBe(1);
    expect(listed.data.check_runs[0]?.id).toBe(created.data.id);
    expect(standIn.violations()).toEqual([]);
  });

  it('invalid conclusion is 422 and a violation', async () => {
    const invalid: Record<string, unknown> = { owner: OWNER, repo: REPO, name: 'experiment-pr', head_sha: head, conclusion: 'great' };
    // A plain string route lets the body break Octokit's types, as a hand-built request could.
    const route: string = 'POST /repos/{owner}/{repo}/check-runs';
    const request = client().request(route, invalid);

    await expect(request).rejects.toMatchObject({ status: 422 });
    expect(standIn.violations()).toHaveLength(1);
    expect(standIn.violations()[0]?.errors[0]?.path).toBe('/conclusion');
    expect(state.checkRunsFor(REPOSITORY)).toEqual([]);
  });

  it('completed without conclusion is 422', async () => {
    const request = client().rest.checks.create({ owner: OWNER, repo: REPO, name: 'experiment-pr', head_sha: head, status: 'completed' });

    await expect(request).rejects.toMatchObject({ status: 422 });
  });

  it('unknown head_sha is 422', async () => {
    const request = client().rest.checks.create({ owner: OWNER, repo: REPO, name: 'experiment-pr', head_sha: 'f'.repeat(40) });

    await expect(request).rejects.toMatchObject({ status: 422 });
  });

  it('list paginates with filter all', async () => {
    const octokit = client();
    for (let i = 0; i < 3; i += 1) await octokit.rest.checks.create({ owner: OWNER, repo: REPO, name: 'experiment-pr', head_sha: head });
    const latest = await octokit.rest.checks.listForRef({ owner: OWNER, repo: REPO, ref: head });
    const all = await octokit.paginate(octokit.rest.checks.listForRef, { owner: OWNER, repo: REPO, ref: head, filter: 'all', per_page: 2 });

    expect(latest.data.total_count).toBe(1);
    expect(all).toHaveLength(3);
  });
});

describe('collaborator permission', () => {
  const cases: [string, 'admin' | 'maintain' | 'write' | 'triage' | 'read', string][] = [
    ['ada', 'admin', 'admin'],
    ['max', 'maintain', 'write'],
    ['wes', 'write', 'write'],
    ['tia', 'triage', 'read'],
    ['rei', 'read', 'read'],
  ];

  it.each(cases)('%s with role %s has permission %s', async (login, role, permission) => {
    state.setCollaborator(REPOSITORY, login, role);
    const { data } = await client().rest.repos.getCollaboratorPermissionLevel({ owner: OWNER, repo: REPO, username: login });

    expect(data.permission).toBe(permission);
    expect(data.role_name).toBe(role);
  });

  it('stranger on a private repository is none', async () => {
    const { data } = await client().rest.repos.getCollaboratorPermissionLevel({ owner: OWNER, repo: REPO, username: 'stranger' });

    expect(data.permission).toBe('none');
  });

  it('stranger on a public repository is read', async () => {
    state.requireRepository(REPOSITORY).private = false;
    const { data } = await client().rest.repos.getCollaboratorPermissionLevel({ owner: OWNER, repo: REPO, username: 'stranger' });

    expect(data.permission).toBe('read');
  });
});

describe('ID token', () => {
  it('carries the requested audience and the pull_request subject', async () => {
    const env = runnerEnv(standIn, pullRequestEvent(standIn, REPOSITORY, 7));
    const restore = withEnv({ ACTIONS_ID_TOKEN_REQUEST_URL: env.ACTIONS_ID_TOKEN_REQUEST_URL, ACTIONS_ID_TOKEN_REQUEST_TOKEN: env.ACTIONS_ID_TOKEN_REQUEST_TOKEN });
    try {
      const claims = decodeClaims(await core.getIDToken('sts.amazonaws.com'));

      expect(claims.aud).toBe('sts.amazonaws.com');
      expect(claims.iss).toBe('https://token.actions.githubusercontent.com');
      expect(claims.sub).toBe(`repo:${REPOSITORY}:pull_request`);
      expect(claims.sha).toBe(env.GITHUB_SHA);
      expect(claims.event_name).toBe('pull_request');
    } finally {
      restore();
    }
  });

  it('without audience names the owner', async () => {
    const env = runnerEnv(standIn, pullRequestEvent(standIn, REPOSITORY, 7));
    const restore = withEnv({ ACTIONS_ID_TOKEN_REQUEST_URL: env.ACTIONS_ID_TOKEN_REQUEST_URL, ACTIONS_ID_TOKEN_REQUEST_TOKEN: env.ACTIONS_ID_TOKEN_REQUEST_TOKEN });
    try {
      const claims = decodeClaims(await core.getIDToken());

      expect(claims.aud).toBe(`https://github.com/${OWNER}`);
    } finally {
      restore();
    }
  });

  it('push and environment subjects', async () => {
    const after = state.addCommit({ 'experiments/x.json': '{}\n' }, { parent: base, branch: 'main', repository: REPOSITORY });
    const event = pushEvent(standIn, REPOSITORY, { branch: 'main', before: base, after, pusher: CONTRIBUTOR });
    const push = runnerEnv(standIn, event);
    const deploy = runnerEnv(standIn, event, { environment: 'training' });

    const subjects: string[] = [];
    for (const env of [push, deploy]) {
      const restore = withEnv({ ACTIONS_ID_TOKEN_REQUEST_URL: env.ACTIONS_ID_TOKEN_REQUEST_URL, ACTIONS_ID_TOKEN_REQUEST_TOKEN: env.ACTIONS_ID_TOKEN_REQUEST_TOKEN });
      try {
        subjects.push(String(decodeClaims(await core.getIDToken('sts.amazonaws.com')).sub));
      } finally {
        restore();
      }
    }

    expect(subjects).toEqual([`repo:${REPOSITORY}:ref:refs/heads/main`, `repo:${REPOSITORY}:environment:training`]);
  });

  it('wrong request token is refused', async () => {
    const env = runnerEnv(standIn, pullRequestEvent(standIn, REPOSITORY, 7));
    const restore = withEnv({ ACTIONS_ID_TOKEN_REQUEST_URL: env.ACTIONS_ID_TOKEN_REQUEST_URL, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'not-the-token' });
    try {
      await expect(core.getIDToken('sts.amazonaws.com')).rejects.toThrow(/401/);
    } finally {
      restore();
    }
  });
});

describe('unimplemented paths', () => {
  it('are 404 and recorded', async () => {
    const request = client().rest.issues.listLabelsOnIssue({ owner: OWNER, repo: REPO, issue_number: 7 });

    await expect(request).rejects.toMatchObject({ status: 404 });
    expect(standIn.unimplemented()).toEqual([`GET /repos/${REPOSITORY}/issues/7/labels`]);
  });
});
