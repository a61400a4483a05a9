import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { pullRequestEvent, pushEvent } from '../../harness/github/index.js';
import { baseParameters, experimentJson, mlflowRuns, REPOSITORY, runAction, seedMain, startWorld, type World } from './world.js';

let world: World;

beforeAll(async () => {
  world = await startWorld();
});

afterAll(async () => {
  await world?.stop();
});

afterEach(async () => {
  expect(world.github.violations()).toEqual([]);
  expect(await world.sagemaker.violations()).toEqual([]);
});

it('finishes executions left running by an earlier job', async () => {
  const { state } = world.github;
  const file = 'experiments/resume.json';
  // Executions stay in their first step until the test advances them, as long trainings would.
  await world.sagemaker.setScenario({ match: { ExperimentFile: file }, pollsPerStep: 0, metrics: { eval_perplexity: 9.5 } });
  const { after } = seedMain(world, { 'experiments/.keep': '' });
  const head = state.addCommit({ [file]: experimentJson(baseParameters({ LoraR: 32 })) }, { parent: after, repository: REPOSITORY });
  const pull = state.addPullRequest(REPOSITORY, { head, base: after });

  const started = await runAction(world, pullRequestEvent(world.github, REPOSITORY, pull.number), { inputs: { wait: 'false' } });

  expect(started.exitCode, started.log).toBe(0);
  const open = await mlflowRuns(world, `tags.\`experiment-pr.file\` = '${file}'`);
  expect(open).toHaveLength(1);
  expect(open[0]!.status).toBe('RUNNING');
  const aggregateBefore = state.checkRunsFor(REPOSITORY, head).find((check) => check.name === 'experiment-pr');
  expect(aggregateBefore?.status).toBe('in_progress');

  for (const execution of await world.sagemaker.executions()) {
    for (let step = 0; step < 5 && execution.status === 'Executing'; step += 1) await world.sagemaker.advance(execution.arn);
  }
  // A scheduled run of the action finds the open parent run in MLflow and finishes it.
  const push = pushEvent(world.github, REPOSITORY, { branch: 'main', before: after, after, pusher: { login: 'octocat', id: 1, type: 'User' } });
  const resumed = await runAction(world, push, { env: { GITHUB_EVENT_NAME: 'schedule' } });

  expect(resumed.exitCode, resumed.log).toBe(0);
  const finished = await mlflowRuns(world, `tags.\`experiment-pr.file\` = '${file}' and tags.\`experiment-pr.purpose\` = 'pull-request'`);
  expect(finished[0]!.status).toBe('FINISHED');
  expect(finished[0]!.metrics.eval_perplexity).toBe(9.5);
  const checks = state.checkRunsFor(REPOSITORY, head);
  expect(checks.filter((check) => check.name === 'experiment-pr')).toHaveLength(1);
  expect(checks.every((check) => check.status === 'completed')).toBe(true);
  const comments = state.commentsOn(REPOSITORY, pull.number);
  expect(comments).toHaveLength(1);
  expect(comments[0]!.body).toContain('9.5');
});
