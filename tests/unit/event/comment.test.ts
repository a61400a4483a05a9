import { getOctokit } from '@actions/github';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ActionInputs } from '../../../src/config/inputs.js';
import { commandsDocsUrl, planFromComment } from '../../../src/event/comment.js';
import type { RunnerContext } from '../../../src/event/context.js';
import type { Plan } from '../../../src/event/plan.js';
import type { ExperimentResult, Report } from '../../../src/report/types.js';
import { GITHUB_ACTIONS_BOT, GitHubState, issueCommentEvent, startGitHubStandIn, type Actor, type GitHubStandIn, type WebhookEvent } from '../../harness/github/index.js';
import { recordingLogger } from './fakes.js';

const OWNER = 'acme';
const REPO = 'llm-lab';
const REPOSITORY = `${OWNER}/${REPO}`;
const MAINTAINER: Actor = { login: 'mona', id: 501, type: 'User' };
const READER: Actor = { login: 'hubot', id: 502, type: 'User' };
const RENOVATE: Actor = { login: 'renovate[bot]', id: 503, type: 'Bot' };

const INPUTS = { experimentsPattern: 'experiments/*.json', checkName: 'experiment-pr' } as ActionInputs;

let standIn: GitHubStandIn;
let state: GitHubState;
let mainHead: string;
let prHead: string;

// The stand-in compiles GitHub's OpenAPI description on its first request, which takes seconds on a busy
// machine: pay that once here, under a hook timeout, rather than in the first test.
beforeAll(async () => {
  const warm = await startGitHubStandIn({ state: new GitHubState() });
  await getOctokit('test-token', { baseUrl: warm.url }).rest.repos.get({ owner: OWNER, repo: REPO }).catch(() => undefined);
  await warm.stop();
}, 60_000);

beforeEach(async () => {
  state = new GitHubState();
  state.addRepository(REPOSITORY);
  state.setCollaborator(REPOSITORY, MAINTAINER.login, 'maintain');
  state.setCollaborator(REPOSITORY, READER.login, 'read');
  const base = state.addCommit({ 'experiments/lora.json': '{"parameters": {"LoraR": 8}}\n' }, { branch: 'main', repository: REPOSITORY });
  prHead = state.addCommit({ 'experiments/lora.json': '{"parameters": {"LoraR": 16}}\n' }, { parent: base });
  // The default branch moves on after the pull request was opened, so GITHUB_SHA differs from the PR's base and head.
  mainHead = state.addCommit({ 'README.md': '# lab\n' }, { parent: base, branch: 'main', repository: REPOSITORY });
  state.addPullRequest(REPOSITORY, { head: prHead, base, number: 7, user: READER, headRef: 'raise-rank' });
  standIn = await startGitHubStandIn({ state });
});

afterEach(async () => {
  await standIn.stop();
});

/** Builds the runner context of an `issue_comment` workflow, whose GITHUB_SHA is the default branch's head. */
function contextFor(event: WebhookEvent): RunnerContext {
  return { eventName: event.name, payload: event.payload, owner: OWNER, repo: REPO, sha: mainHead, ref: 'refs/heads/main', runId: '42', runAttempt: '1', serverUrl: 'https://github.com' };
}

function comment(body: string, author: Actor = MAINTAINER, issueNumber = 7): WebhookEvent {
  return issueCommentEvent(standIn, REPOSITORY, issueNumber, { body, author });
}

async function dispatch(event: WebhookEvent, logger = recordingLogger()) {
  return planFromComment(contextFor(event), INPUTS, getOctokit('test-token', { baseUrl: standIn.url }), logger);
}

function reactionsOf(event: WebhookEvent): string[] {
  return state.comments.find((stored) => stored.id === event.payload.comment.id)?.reactions.map((reaction) => reaction.content) ?? [];
}

function repliesOn(issueNumber = 7): string[] {
  return state.commentsOn(REPOSITORY, issueNumber).filter((stored) => stored.user.login === GITHUB_ACTIONS_BOT.login).map((stored) => stored.body);
}

function report(outcomes: ExperimentResult['outcome'][]): Report {
  const results = outcomes.map((outcome, index) => ({ path: `experiments/e${index}.json`, outcome, summary: '', metric: { name: 'eval_perplexity', goal: 'minimize' as const }, parameterChanges: [], errors: [], attempt: 1 }));
  return { repository: REPOSITORY, pullRequest: 7, headSha: prHead, results };
}

describe('planFromComment', () => {
  it('plans at the PR head, not GITHUB_SHA', async () => {
    const event = comment('/rerun');

    const dispatched = await dispatch(event);

    expect('plans' in dispatched).toBe(true);
    const plan = (dispatched as { plans: Plan[] }).plans[0];
    expect(plan?.headSha).toBe(prHead);
    expect(plan?.headSha).not.toBe(mainHead);
  });

  it('sets door, selection and attempt', async () => {
    const event = comment('/rerun experiments/lora.json');

    const dispatched = (await dispatch(event)) as { plans: Plan[] };

    const id = Number(event.payload.comment.id);
    expect(dispatched.plans[0]).toMatchObject({ door: 'issue_comment', attempt: `comment-${id}`, commandCommentId: id, selection: { kind: 'paths', paths: ['experiments/lora.json'] } });
  });

  it('reacts with eyes on receipt', async () => {
    const event = comment('/rerun failed');

    await dispatch(event);

    expect(reactionsOf(event)).toEqual(['eyes']);
  });

  it('reacts rocket when every experiment passed', async () => {
    const event = comment('/rerun');
    const dispatched = (await dispatch(event)) as { afterAll: (reports: Report[]) => Promise<void> };

    await dispatched.afterAll([report(['success', 'no-baseline'])]);

    expect(reactionsOf(event)).toEqual(['eyes', 'rocket']);
  });

  it('reacts confused when one regressed', async () => {
    const event = comment('/rerun');
    const dispatched = (await dispatch(event)) as { afterAll: (reports: Report[]) => Promise<void> };

    await dispatched.afterAll([report(['success', 'regressed'])]);

    expect(reactionsOf(event)).toEqual(['eyes', 'confused']);
  });

  it('replies when nothing ran', async () => {
    const event = comment('/rerun');
    const dispatched = (await dispatch(event)) as { afterAll: (reports: Report[]) => Promise<void> };

    await dispatched.afterAll([{ ...report([]), notice: 'No experiments changed.' }]);

    expect(reactionsOf(event)).toEqual(['eyes', 'confused']);
    expect(repliesOn()).toEqual([expect.stringContaining('nothing was run: No experiments changed.')]);
  });

  it('leaves running executions without a final reaction', async () => {
    const event = comment('/rerun');
    const dispatched = (await dispatch(event)) as { afterAll: (reports: Report[]) => Promise<void> };

    await dispatched.afterAll([report(['running'])]);

    expect(reactionsOf(event)).toEqual(['eyes']);
  });

  it('ignores a comment on a plain issue', async () => {
    const issue = state.addIssue(REPOSITORY);
    const event = comment('/rerun', MAINTAINER, issue);

    const dispatched = await dispatch(event);

    expect(dispatched).toEqual({ skip: expect.stringContaining('is an issue, not a pull request') });
    expect(reactionsOf(event)).toEqual([]);
  });

  it('ignores an edited comment', async () => {
    const event = comment('/rerun');
    event.payload.action = 'edited';

    expect(await dispatch(event)).toEqual({ skip: expect.stringContaining('only new comments run commands') });
  });

  it('ignores a bot comment', async () => {
    const event = comment('/rerun', RENOVATE);

    expect(await dispatch(event)).toEqual({ skip: expect.stringContaining('by the bot renovate[bot]') });
    expect(repliesOn()).toEqual([]);
  });

  it('ignores a comment without a command', async () => {
    expect(await dispatch(comment('Looks good, but see `/rerun` in the docs.'))).toEqual({ skip: expect.stringContaining('has no command') });
  });

  it('refuses a reader with a reply', async () => {
    const event = comment('/rerun', READER);

    const dispatched = await dispatch(event);

    expect(dispatched).toEqual({ skip: expect.stringContaining('Sorry @hubot') });
    expect(repliesOn()).toEqual([expect.stringContaining('only people with write access to acme/llm-lab can start them')]);
    expect(reactionsOf(event)).toEqual([]);
  });

  it('answers help with usage and docs', async () => {
    const dispatched = await dispatch(comment('/help'));

    expect('skip' in dispatched).toBe(true);
    expect(repliesOn()).toEqual([expect.stringContaining('`/rerun failed`')]);
    expect(repliesOn()[0]).toContain('https://github.com/acme/llm-lab#commands');
  });

  it('answers a typo with did you mean', async () => {
    await dispatch(comment('/rerum', READER));

    expect(repliesOn()).toEqual([expect.stringContaining('Did you mean `/rerun`?')]);
  });

  it('answers a bad path with the reason', async () => {
    const dispatched = await dispatch(comment('/rerun ../secrets.json'));

    expect('skip' in dispatched).toBe(true);
    expect(repliesOn()).toEqual([expect.stringContaining('`../secrets.json` contains `..`')]);
  });

  it('refuses a reader before judging paths', async () => {
    await dispatch(comment('/rerun ../secrets.json', READER));

    expect(repliesOn()).toEqual([expect.stringContaining('Sorry @hubot')]);
  });

  it('replies when the pull request is closed', async () => {
    state.requirePull(REPOSITORY, 7).state = 'closed';
    const event = comment('/rerun');

    const dispatched = await dispatch(event);

    expect(dispatched).toEqual({ skip: 'pull request #7 is closed' });
    expect(reactionsOf(event)).toEqual(['eyes', 'confused']);
  });

  it('runs a fork pull request on a maintainer command', async () => {
    const forkHead = state.addCommit({ 'experiments/fork.json': '{"parameters": {}}\n' }, { parent: prHead });
    state.addPullRequest(REPOSITORY, { head: forkHead, base: prHead, number: 8, user: READER, fromFork: true });

    const dispatched = (await dispatch(comment('/rerun', MAINTAINER, 8))) as { plans: Plan[] };

    expect(dispatched.plans[0]?.pullRequest?.fromFork).toBe(true);
    expect(dispatched.plans[0]?.notStartedReason).toBeUndefined();
    expect(dispatched.plans[0]?.headSha).toBe(forkHead);
  });

  it('logs the commands after the first', async () => {
    const logger = recordingLogger();

    await dispatch(comment('/rerun\n/rerun failed'), logger);

    expect(logger.lines).toContainEqual(expect.stringContaining('"/rerun failed" was ignored'));
  });

  it('sends only requests GitHub documents', async () => {
    await dispatch(comment('/rerun'));

    expect(standIn.violations()).toEqual([]);
  });
});

describe('commandsDocsUrl', () => {
  const context = { owner: OWNER, repo: REPO, serverUrl: 'https://github.com' } as RunnerContext;

  it('points at the action repository', () => {
    expect(commandsDocsUrl(context, { GITHUB_ACTION_REPOSITORY: 'tools/experiment-pr' })).toBe('https://github.com/tools/experiment-pr#commands');
  });

  it('falls back to this repository', () => {
    expect(commandsDocsUrl(context, {})).toBe('https://github.com/acme/llm-lab#commands');
  });
});
