import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  GitHubState,
  checkRunEvent,
  inputVariable,
  issueCommentEvent,
  pullRequestEvent,
  pushEvent,
  runnerEnv,
  webhookExample,
  type Actor,
  type WebhookEvent,
} from '../harness/github/index.js';
import { validateWebhook } from '../harness/github/openapi.js';

const REPOSITORY = 'acme/llm-lab';
const MAINTAINER: Actor = { login: 'mona', id: 501, type: 'User' };
const CONTRIBUTOR: Actor = { login: 'hubot', id: 502, type: 'User' };
const EXAMPLE_SHA = /ec26c3e57ca3a959ca5aad62de7213c562f8c821|f95f852bd8fca8fcc58a9a2d6c842781e32a215e|6113728f27ae82c7b1a177c8d03f9e96e0adf246|d6fde92930d4715a2b49857d24b940956b26d2d3/;

/** Key paths of a JSON value, with array items folded into `[]`, so two payloads' shapes can be compared. */
function shape(value: unknown, prefix = ''): Set<string> {
  const paths = new Set<string>();
  if (Array.isArray(value)) {
    for (const item of value) for (const path of shape(item, `${prefix}[]`)) paths.add(path);
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      paths.add(`${prefix}.${key}`);
      for (const path of shape(item, `${prefix}.${key}`)) paths.add(path);
    }
  }
  return paths;
}

function schemaErrors(name: string, payload: unknown): string[] {
  return validateWebhook(name, payload).map((error) => `${error.path} ${error.message}`);
}

function setup() {
  const state = new GitHubState();
  state.addRepository(REPOSITORY);
  state.setCollaborator(REPOSITORY, MAINTAINER.login, 'maintain');
  const base = state.addCommit({ 'experiments/lora.json': '{"LearningRate": 0.0001}\n' }, { branch: 'main', repository: REPOSITORY });
  const head = state.addCommit({ 'experiments/lora.json': '{"LearningRate": 0.0002}\n' }, { parent: base });
  const pull = state.addPullRequest(REPOSITORY, { head, base, number: 7, user: CONTRIBUTOR, headRef: 'raise-lr' });
  return { source: { url: 'http://127.0.0.1:1', state }, state, base, head, pull };
}

describe('pullRequestEvent', () => {
  it('keeps the example shape with the test SHAs', () => {
    const { source, base, head } = setup();
    const example = webhookExample('pull_request', (p) => p.action === 'opened');
    const event = pullRequestEvent(source, REPOSITORY, 7);

    expect([...shape(example)].filter((path) => !shape(event.payload).has(path))).toEqual([]);
    expect(event.payload.pull_request.head.sha).toBe(head);
    expect(event.payload.pull_request.base.sha).toBe(base);
    expect(event.payload.number).toBe(7);
    expect(JSON.stringify(event.payload)).not.toMatch(EXAMPLE_SHA);
    expect(JSON.stringify(event.payload)).not.toContain('Codertocat/Hello-World');
  });

  it('adds no schema error to the example', () => {
    const { source } = setup();
    const example = webhookExample('pull_request', (p) => p.action === 'opened');
    const known = new Set(schemaErrors('pull-request-opened', example));
    const event = pullRequestEvent(source, REPOSITORY, 7);

    expect(schemaErrors('pull-request-opened', event.payload).filter((error) => !known.has(error))).toEqual([]);
  });

  it('synchronize carries before and after', () => {
    const { source, state, head } = setup();
    const newHead = state.pushToPull(REPOSITORY, 7, { 'experiments/lora.json': '{"LearningRate": 0.0003}\n' });
    const event = pullRequestEvent(source, REPOSITORY, 7, 'synchronize');
    const example = webhookExample('pull_request', (p) => p.action === 'synchronize');
    const known = new Set(schemaErrors('pull-request-synchronize', example));

    expect(event.payload.action).toBe('synchronize');
    expect(event.payload.before).toBe(head);
    expect(event.payload.after).toBe(newHead);
    expect(event.payload.pull_request.head.sha).toBe(newHead);
    expect(schemaErrors('pull-request-synchronize', event.payload).filter((error) => !known.has(error))).toEqual([]);
  });

  it('fork sets head.repo.fork', () => {
    const { source, state, base, head } = setup();
    state.addPullRequest(REPOSITORY, { head, base, number: 8, user: CONTRIBUTOR, fromFork: true });
    const event = pullRequestEvent(source, REPOSITORY, 8);

    expect(event.payload.pull_request.head.repo.fork).toBe(true);
    expect(event.payload.pull_request.head.repo.full_name).toBe('hubot/llm-lab');
    expect(event.payload.pull_request.base.repo.fork).toBe(false);
    expect(event.payload.repository.full_name).toBe(REPOSITORY);
  });
});

describe('issueCommentEvent', () => {
  it('on a pull request carries issue.pull_request', () => {
    const { source, state } = setup();
    const event = issueCommentEvent(source, REPOSITORY, 7, { body: '/rerun', author: MAINTAINER });

    expect(event.payload.issue.number).toBe(7);
    expect(event.payload.issue.pull_request.url).toBe(`http://127.0.0.1:1/repos/${REPOSITORY}/pulls/7`);
    expect(event.payload.comment.body).toBe('/rerun');
    expect(event.payload.comment.user.login).toBe('mona');
    expect(event.payload.comment.author_association).toBe('COLLABORATOR');
    expect(event.payload.sender.login).toBe('mona');
    expect(state.commentsOn(REPOSITORY, 7).map((comment) => comment.id)).toEqual([event.payload.comment.id]);
  });

  it('on a plain issue has no issue.pull_request', () => {
    const { source, state } = setup();
    const issue = state.addIssue(REPOSITORY);
    const event = issueCommentEvent(source, REPOSITORY, issue, { body: '/rerun', author: MAINTAINER });

    expect(event.payload.issue.number).toBe(issue);
    expect(event.payload.issue.pull_request).toBeUndefined();
  });

  it('adds no schema error to the example', () => {
    const { source } = setup();
    const example = webhookExample('issue_comment', (p) => p.action === 'created');
    const known = new Set(schemaErrors('issue-comment-created', example));
    const event = issueCommentEvent(source, REPOSITORY, 7, { body: '/rerun', author: MAINTAINER });

    expect(schemaErrors('issue-comment-created', event.payload).filter((error) => !known.has(error))).toEqual([]);
  });
});

describe('checkRunEvent', () => {
  it('rerequested names the check run and its pull request', () => {
    const { source, state, head } = setup();
    state.checkRuns.push({
      id: 99, repository: REPOSITORY, name: 'experiment-pr', headSha: head, status: 'completed', conclusion: 'failure',
      startedAt: '2024-01-01T00:00:00Z', completedAt: '2024-01-01T00:10:00Z', detailsUrl: null, externalId: null,
      output: { annotations_count: 0 }, history: [],
    });
    const example = webhookExample('check_run', (p) => p.action === 'rerequested');
    const known = new Set(schemaErrors('check-run-rerequested', example));
    const event = checkRunEvent(source, REPOSITORY, 99, MAINTAINER);

    expect(event.payload.action).toBe('rerequested');
    expect(event.payload.check_run.head_sha).toBe(head);
    expect(event.payload.check_run.pull_requests.map((pull: { number: number }) => pull.number)).toEqual([7]);
    expect(JSON.stringify(event.payload)).not.toMatch(EXAMPLE_SHA);
    expect(schemaErrors('check-run-rerequested', event.payload).filter((error) => !known.has(error))).toEqual([]);
  });
});

describe('pushEvent', () => {
  it('lists the pushed commits and their files', () => {
    const { source, state, base } = setup();
    const after = state.addCommit({ 'experiments/new.json': '{}\n' }, { parent: base, branch: 'main', repository: REPOSITORY });
    const example = webhookExample('push', (p) => String(p.ref).startsWith('refs/heads/') && p.commits.length > 0);
    const known = new Set(schemaErrors('push', example));
    const event = pushEvent(source, REPOSITORY, { branch: 'main', before: base, after, pusher: MAINTAINER });

    expect(event.payload.ref).toBe('refs/heads/main');
    expect(event.payload.before).toBe(base);
    expect(event.payload.after).toBe(after);
    expect(event.payload.commits.map((commit: { id: string }) => commit.id)).toEqual([after]);
    expect(event.payload.head_commit.added).toEqual(['experiments/new.json']);
    expect(JSON.stringify(event.payload)).not.toMatch(EXAMPLE_SHA);
    expect(schemaErrors('push', event.payload).filter((error) => !known.has(error))).toEqual([]);
  });
});

describe('runnerEnv', () => {
  function environmentFor(event: WebhookEvent, source: ReturnType<typeof setup>['source'], inputs: Record<string, string> = {}) {
    return runnerEnv(source, event, { inputs });
  }

  it('pull_request runs on the merge commit', () => {
    const { source, state, head } = setup();
    const env = environmentFor(pullRequestEvent(source, REPOSITORY, 7), source);

    expect(env.GITHUB_SHA).toBe(state.requirePull(REPOSITORY, 7).mergeCommitSha);
    expect(env.GITHUB_SHA).not.toBe(head);
    expect(env.GITHUB_REF).toBe('refs/pull/7/merge');
    expect(env.GITHUB_HEAD_REF).toBe('raise-lr');
    expect(env.GITHUB_EVENT_NAME).toBe('pull_request');
  });

  it('issue_comment runs on the default branch head', () => {
    const { source, base } = setup();
    const env = environmentFor(issueCommentEvent(source, REPOSITORY, 7, { body: '/rerun', author: MAINTAINER }), source);

    expect(env.GITHUB_SHA).toBe(base);
    expect(env.GITHUB_REF).toBe('refs/heads/main');
  });

  it('writes the event and empty output files', () => {
    const { source } = setup();
    const event = pullRequestEvent(source, REPOSITORY, 7);
    const env = environmentFor(event, source);

    expect(JSON.parse(readFileSync(env.GITHUB_EVENT_PATH as string, 'utf8'))).toEqual(event.payload);
    expect(readFileSync(env.GITHUB_STEP_SUMMARY as string, 'utf8')).toBe('');
    expect(readFileSync(env.GITHUB_OUTPUT as string, 'utf8')).toBe('');
    expect(env.GITHUB_API_URL).toBe('http://127.0.0.1:1');
    expect(env.GITHUB_REPOSITORY).toBe(REPOSITORY);
  });

  it('names inputs as the runner does', () => {
    const { source } = setup();
    const env = environmentFor(pullRequestEvent(source, REPOSITORY, 7), source, { 'role-to-assume': 'arn:aws:iam::123456789012:role/x', 'my input': 'v' });

    expect(inputVariable('role-to-assume')).toBe('INPUT_ROLE-TO-ASSUME');
    expect(env['INPUT_ROLE-TO-ASSUME']).toBe('arn:aws:iam::123456789012:role/x');
    expect(env.INPUT_MY_INPUT).toBe('v');
    expect(env['INPUT_GITHUB-TOKEN']).toMatch(/^ghs_/);
  });

  it('fork pull_request gets no ID token variables', () => {
    const { source, state, base, head } = setup();
    state.addPullRequest(REPOSITORY, { head, base, number: 8, user: CONTRIBUTOR, fromFork: true });
    const env = environmentFor(pullRequestEvent(source, REPOSITORY, 8), source);

    expect(env.ACTIONS_ID_TOKEN_REQUEST_URL).toBeUndefined();
    expect(env.ACTIONS_ID_TOKEN_REQUEST_TOKEN).toBeUndefined();
    expect(state.grantFor(env['INPUT_GITHUB-TOKEN'] as string).access).toBe('read');
  });

  it('same-repository pull_request gets ID token variables', () => {
    const { source } = setup();
    const env = environmentFor(pullRequestEvent(source, REPOSITORY, 7), source);

    expect(env.ACTIONS_ID_TOKEN_REQUEST_URL).toBe('http://127.0.0.1:1/_oidc/token?api-version=2.0');
    expect(env.ACTIONS_ID_TOKEN_REQUEST_TOKEN).toMatch(/^[0-9a-f]{32}$/);
  });
});
