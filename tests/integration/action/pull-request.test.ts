import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pullRequestEvent, pushEvent } from '../../harness/github/index.js';
import { baseParameters, experimentJson, mlflowRuns, REPOSITORY, runAction, seedMain, startWorld, type World } from './world.js';

const FILE = 'experiments/llama2-lora.json';
let world: World;

beforeAll(async () => {
  world = await startWorld();
});

afterAll(async () => {
  await world?.stop();
});

beforeEach(async () => {
  await world.sagemaker.reset();
  // Lower perplexity for rank 16 than for rank 8, so the pull request improves on main.
  await world.sagemaker.setScenario({ match: { LoraR: '8' }, metrics: { eval_perplexity: 12.5, eval_loss: Math.log(12.5) } });
  await world.sagemaker.setScenario({ match: { LoraR: '16' }, metrics: { eval_perplexity: 11.25, eval_loss: Math.log(11.25) } });
});

afterEach(async () => {
  expect(world.github.violations()).toEqual([]);
  expect(world.github.unimplemented()).toEqual([]);
  expect(await world.sagemaker.violations()).toEqual([]);
});

/** Record main's baseline with a push, then open a pull request that changes LoraR from 8 to 16. */
async function openLoraPullRequest(prefix: string): Promise<{ number: number; head: string; base: string }> {
  const file = FILE.replace('llama2-lora', `${prefix}-lora`);
  const { state } = world.github;
  const { before, after } = seedMain(world, { [file]: experimentJson(baseParameters({ LoraR: 8 })) });
  const baseline = await runAction(world, pushEvent(world.github, REPOSITORY, { branch: 'main', before, after, pusher: { login: 'octocat', id: 1, type: 'User' } }));
  expect(baseline.exitCode, baseline.log).toBe(0);

  const head = state.addCommit({ [file]: experimentJson(baseParameters({ LoraR: 16 })) }, { parent: after, repository: REPOSITORY, branch: `${prefix}-lora-16` });
  const pull = state.addPullRequest(REPOSITORY, { head, base: after, headRef: `${prefix}-lora-16` });
  return { number: pull.number, head, base: after };
}

describe('pull request with a changed experiment', () => {
  it('comments the perplexity delta against main', async () => {
    const { number, head } = await openLoraPullRequest('delta');

    const run = await runAction(world, pullRequestEvent(world.github, REPOSITORY, number));

    expect(run.exitCode, run.log).toBe(0);
    const comments = world.github.state.commentsOn(REPOSITORY, number);
    expect(comments).toHaveLength(1);
    const body = comments[0]!.body;
    expect(body).toContain('12.5');
    expect(body).toContain('11.25');
    expect(body).toContain('-10.00 %');
    expect(body).toMatch(/LoraR.*8.*→.*16/);
    expect(body).not.toContain('confounded');

    const results = JSON.parse(run.outputs.results ?? '[]');
    expect(results[0].outcome).toBe('success');
    expect(run.outputs['comment-url']).toContain(`/pull/${number}`);
    expect(JSON.parse(run.outputs['execution-arns'] ?? '[]')).toHaveLength(1);
    expect(run.summary).toContain('11.25');
  });

  it('uses the head commit, not the merge commit', async () => {
    const { number, head } = await openLoraPullRequest('sha');

    const run = await runAction(world, pullRequestEvent(world.github, REPOSITORY, number));

    expect(run.exitCode, run.log).toBe(0);
    const executions = await world.sagemaker.executions();
    const started = executions.filter((execution) => execution.parameters.CommitSha === head);
    expect(started).toHaveLength(1);
    const parents = await mlflowRuns(world, `tags.\`mlflow.source.git.commit\` = '${head}' and tags.\`experiment-pr.purpose\` = 'pull-request'`);
    expect(parents).toHaveLength(1);
    expect(parents[0]!.status).toBe('FINISHED');
    expect(parents[0]!.tags['experiment-pr.pull-request']).toBe(String(number));
    expect(parents[0]!.tags['experiment-pr.execution-arn']).toBe(started[0]!.arn);
    const checks = world.github.state.checkRunsFor(REPOSITORY, head);
    expect(checks.map((check) => check.name).sort()).toEqual(['experiment-pr', `experiment-pr / experiments/sha-lora.json`]);
    expect(checks.every((check) => check.conclusion === 'success')).toBe(true);
  });

  it('starts no second execution when the workflow is re-run', async () => {
    const { number } = await openLoraPullRequest('rerun');
    const first = await runAction(world, pullRequestEvent(world.github, REPOSITORY, number), { runId: '777', runAttempt: 1 });
    expect(first.exitCode, first.log).toBe(0);
    const startsBefore = await world.sagemaker.startCount();

    const second = await runAction(world, pullRequestEvent(world.github, REPOSITORY, number), { runId: '777', runAttempt: 2 });

    expect(second.exitCode, second.log).toBe(0);
    expect(await world.sagemaker.startCount()).toBe(startsBefore);
    expect(world.github.state.commentsOn(REPOSITORY, number)).toHaveLength(1);
  });
});
