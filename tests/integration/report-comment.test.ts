import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getOctokit } from '@actions/github';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { GITHUB_ACTIONS_BOT, startGitHubStandIn, type GitHubStandIn } from '../harness/github/index.js';
import { completeAggregateCheck, completeExperimentCheck, createExperimentCheck } from '../../src/report/checks.js';
import { upsertComment, type Logger, type Octokit } from '../../src/report/comment.js';
import { GitHubPublisher } from '../../src/report/github-publisher.js';
import { COMMENT_MAX_LENGTH } from '../../src/report/limit.js';
import { parseMarker } from '../../src/report/marker.js';
import { renderComment } from '../../src/report/render.js';
import type { Report } from '../../src/report/types.js';
import { longReport, perplexityDelta, reportOf, successResult } from '../unit/report/fixtures.js';

const REPOSITORY = 'octo-org/fine-tune';
const [OWNER, REPO] = REPOSITORY.split('/') as [string, string];

const logger: Logger = { info: () => {}, warning: () => {} };

let standIn: GitHubStandIn;
let octokit: Octokit;
let pullNumber: number;
let oldHead: string;
let newHead: string;

beforeEach(async () => {
  standIn = await startGitHubStandIn();
  octokit = getOctokit('report-test-token', { baseUrl: standIn.url });

  const { state } = standIn;
  state.addRepository(REPOSITORY);
  const base = state.addCommit({ 'experiments/llama2-lora.json': '{"parameters":{"LoraR":8}}' }, { branch: 'main' });
  oldHead = state.addCommit({ 'experiments/llama2-lora.json': '{"parameters":{"LoraR":16}}' }, { parent: base });
  pullNumber = state.addPullRequest(REPOSITORY, { head: oldHead, base }).number;
});

afterEach(async () => {
  // Request violations are this module's: a request that GitHub's REST description rejects. Response
  // violations are the stand-in's own and it prints them.
  expect(standIn.violations().filter((violation) => violation.kind === 'request')).toEqual([]);
  expect(standIn.unimplemented()).toEqual([]);
  await standIn.stop();
});

/** Pushes a new head to the pull request, as a second push does while the first run is still going. */
function pushNewHead(): string {
  newHead = standIn.state.pushToPull(REPOSITORY, pullNumber, { 'experiments/llama2-lora.json': '{"parameters":{"LoraR":32}}' });
  return newHead;
}

function reportFor(headSha: string, report: Report = reportOf([successResult()])): Report {
  return { ...report, headSha };
}

function upsert(headSha: string, report?: Report) {
  return upsertComment(octokit, {
    owner: OWNER,
    repo: REPO,
    issueNumber: pullNumber,
    headSha,
    body: renderComment(reportFor(headSha, report)),
    logger,
  });
}

function botComments() {
  return standIn.state.commentsOn(REPOSITORY, pullNumber).filter((comment) => parseMarker(comment.body));
}

describe('upsertComment', () => {
  it('creates then updates one comment', async () => {
    const first = await upsert(oldHead);
    const regressed = reportOf([successResult({ outcome: 'regressed', delta: perplexityDelta(12, 12.6) })]);
    const second = await upsert(oldHead, regressed);

    expect(first.action).toBe('created');
    expect(second.action).toBe('updated');
    expect(second.id).toBe(first.id);
    expect(botComments()).toHaveLength(1);
    expect(botComments()[0]?.body).toContain('❌ regressed');
  });

  it('leaves other comments alone', async () => {
    const quoted = `> ${renderComment(reportFor(oldHead)).split('\n')[0]}\nlooks good`;
    standIn.state.addComment(REPOSITORY, pullNumber, quoted, { login: 'octocat', id: 583231, type: 'User' });
    await upsert(oldHead);

    const comments = standIn.state.commentsOn(REPOSITORY, pullNumber);
    expect(comments).toHaveLength(2);
    expect(comments[0]?.body).toBe(quoted);
  });

  it('leaves one comment after concurrent runs', async () => {
    pushNewHead();
    // Both runs list the comments before either creates one, as two workflow runs 20 s apart can.
    standIn.setDelay('issues/list-comments', 300);
    const results = await Promise.all([upsert(oldHead), upsert(newHead)]);

    const creates = standIn.requests().filter((request) => request.operationId === 'issues/create-comment');
    expect(creates).toHaveLength(2);
    const comments = botComments();
    expect(comments).toHaveLength(1);
    expect(parseMarker(comments[0]?.body)?.headSha).toBe(newHead);
    expect(results.map((result) => result.id)).toEqual([comments[0]?.id, comments[0]?.id]);
  });

  it('leaves one comment after concurrent runs of one head', async () => {
    standIn.setDelay('issues/list-comments', 300);
    await Promise.all([upsert(oldHead), upsert(oldHead), upsert(oldHead)]);

    const creates = standIn.requests().filter((request) => request.operationId === 'issues/create-comment');
    expect(creates).toHaveLength(3);
    expect(botComments()).toHaveLength(1);
  });

  it('keeps the report of a newer head', async () => {
    pushNewHead();
    await upsert(newHead);
    const before = botComments()[0]?.body;
    const older = await upsert(oldHead, reportOf([successResult({ outcome: 'failed' })]));

    expect(older.action).toBe('skipped-older-head');
    expect(botComments()).toHaveLength(1);
    expect(botComments()[0]?.body).toBe(before);
  });

  it('replaces the report of an older head', async () => {
    await upsert(oldHead);
    pushNewHead();
    const newer = await upsert(newHead);

    expect(newer.action).toBe('updated');
    expect(parseMarker(botComments()[0]?.body)?.headSha).toBe(newHead);
  });

  it('creates and updates a 70,000-character report', async () => {
    const body = renderComment(reportFor(oldHead, longReport()));
    const created = await upsert(oldHead, longReport());
    const updated = await upsert(oldHead, longReport());

    expect(body.length).toBeLessThanOrEqual(COMMENT_MAX_LENGTH);
    expect(created.action).toBe('created');
    expect(updated.action).toBe('updated');
    expect(botComments()[0]?.body).toContain('This report is cut at');
  });

  it('names the permission when the token cannot write', async () => {
    standIn.state.grantToken('read-only', { actor: GITHUB_ACTIONS_BOT, access: 'read' });
    const readOnly = getOctokit('read-only', { baseUrl: standIn.url });
    const request = { owner: OWNER, repo: REPO, issueNumber: pullNumber, headSha: oldHead, body: renderComment(reportFor(oldHead)), logger };

    await expect(upsertComment(readOnly, request)).rejects.toThrow(/HTTP 403.*pull-requests: write/);
  });
});

describe('check runs', () => {
  it('complete a failed experiment with batched annotations', async () => {
    const errors = Array.from({ length: 120 }, (_, i) => ({
      file: 'experiments/llama2-lora.json',
      line: i + 1,
      column: 5,
      rule: 'duplicate-key',
      message: 'duplicate key LearningRate',
      fix: 'Keep one LearningRate key.',
    }));
    const result = successResult({ outcome: 'invalid', summary: '120 validation errors; nothing was started.', errors });
    const checkRun = await createExperimentCheck(octokit, {
      owner: OWNER,
      repo: REPO,
      headSha: oldHead,
      name: 'experiment-pr / experiments/llama2-lora.json',
    });
    const conclusion = await completeExperimentCheck(octokit, { owner: OWNER, repo: REPO, checkRunId: checkRun.id }, result);

    const [stored] = standIn.state.checkRunsFor(REPOSITORY, oldHead);
    expect(conclusion).toBe('failure');
    expect(stored?.conclusion).toBe('failure');
    expect(stored?.output.annotations_count).toBe(120);
    expect(stored?.output.title).toBe('120 validation errors; nothing was started.');
  });

  it('pass the aggregate with no experiments', async () => {
    const { conclusion } = await completeAggregateCheck(
      octokit,
      { owner: OWNER, repo: REPO, headSha: oldHead, name: 'experiment-pr' },
      reportFor(oldHead, reportOf([])),
    );

    const [stored] = standIn.state.checkRunsFor(REPOSITORY, oldHead);
    expect(conclusion).toBe('success');
    expect(stored?.name).toBe('experiment-pr');
    expect(stored?.output.title).toBe('No experiments changed');
  });

  it('fail the aggregate on a regression', async () => {
    const regressed = successResult({ path: 'experiments/b.json', outcome: 'regressed', delta: perplexityDelta(12, 12.6) });
    await completeAggregateCheck(
      octokit,
      { owner: OWNER, repo: REPO, headSha: oldHead, name: 'experiment-pr' },
      reportFor(oldHead, reportOf([successResult(), regressed])),
    );

    const [stored] = standIn.state.checkRunsFor(REPOSITORY, oldHead);
    expect(stored?.conclusion).toBe('failure');
    expect(stored?.output.summary).toContain('+5.00 % ▲ worse');
  });
});

describe('GitHubPublisher', () => {
  it('publishes checks, comment and job summary', async () => {
    const summaryFile = join(mkdtempSync(join(tmpdir(), 'summary-')), 'step-summary.md');
    writeFileSync(summaryFile, '');
    process.env.GITHUB_STEP_SUMMARY = summaryFile;
    const plan = {
      door: 'pull_request' as const,
      owner: OWNER,
      repo: REPO,
      headSha: oldHead,
      headRef: 'change-1',
      pullRequest: { number: pullNumber, fromFork: false },
      selection: { kind: 'changed' as const },
      attempt: '1',
    };
    const publisherLogger = { ...logger, error: () => {}, debug: () => {}, group: <T>(_: string, body: () => Promise<T>) => body() };
    const publisher = new GitHubPublisher(octokit, plan, { checkName: 'experiment-pr', logger: publisherLogger });
    const regressed = successResult({ path: 'experiments/b.json', outcome: 'regressed', delta: perplexityDelta(12, 12.6) });
    const report = reportFor(oldHead, reportOf([successResult(), regressed]));

    for (const result of report.results) await publisher.beginExperiment(result.path);
    for (const result of report.results) await publisher.endExperiment(result);
    const { commentUrl } = await publisher.publish(report);
    delete process.env.GITHUB_STEP_SUMMARY;

    const checkRuns = standIn.state.checkRunsFor(REPOSITORY, oldHead);
    const conclusions = Object.fromEntries(checkRuns.map((run) => [run.name, run.conclusion]));
    expect(conclusions).toEqual({
      'experiment-pr': 'failure',
      'experiment-pr / experiments/llama2-lora.json': 'success',
      'experiment-pr / experiments/b.json': 'failure',
    });
    expect(botComments()).toHaveLength(1);
    expect(commentUrl).toMatch(new RegExp(`/pull/${pullNumber}#issuecomment-${botComments()[0]?.id}$`));
    expect(readFileSync(summaryFile, 'utf8')).toContain('### ❌ regressed: experiments/b.json');
    expect(await publisher.failedExperimentPaths()).toEqual(['experiments/b.json']);
  });
});
