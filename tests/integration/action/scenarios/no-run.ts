import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GITHUB_ACTIONS_BOT, inputVariable, pullRequestEvent } from '../../../harness/github/index.js';
import { baseParameters, experimentJson, mlflowRuns, REPOSITORY, runAction } from '../world.js';
import { aggregateCheck, awsThrough, botComment, experimentCheck, openPullRequest, shownText, startCountingEndpoint, type CountingEndpoint, type WorldRef } from './support.js';

/** Registers the tests of pull requests that start nothing now, or leave it running: no change, a fork, `wait: false`. */
export function describeRunsThatStartNothing(ref: WorldRef): void {
  let aws: CountingEndpoint;

  beforeAll(async () => {
    aws = await startCountingEndpoint();
  });

  afterAll(async () => {
    await aws?.stop();
  });

  describe('pull request without experiment changes', () => {
    it('passes the aggregate check without AWS calls', async () => {
      const world = ref.current;
      aws.requests.length = 0;
      const { number, head } = openPullRequest(world, { 'README.md': '# llm-lab\n\nHow to add an experiment.\n' }, { 'experiments/untouched.json': experimentJson(baseParameters()) });

      const run = await runAction(world, pullRequestEvent(world.github, REPOSITORY, number), { env: awsThrough(aws) });

      expect(run.exitCode, run.log).toBe(0);
      expect(aws.requests, 'STS and SageMaker requests').toEqual([]);
      expect(await world.sagemaker.startCount()).toBe(0);
      expect(world.github.state.commentsOn(REPOSITORY, number)).toEqual([]);
      const checks = world.github.state.checkRunsFor(REPOSITORY, head);
      expect(checks.map((check) => check.name)).toEqual(['experiment-pr']);
      expect(checks[0]!.status).toBe('completed');
      expect(checks[0]!.conclusion).toBe('success');
      expect(checks[0]!.output?.title).toBe('No experiments changed');
    });
  });

  describe('fork pull request', () => {
    const files = {
      'experiments/fork-a.json': experimentJson(baseParameters({ LoraR: 32 })),
      'experiments/fork-b.json': experimentJson(baseParameters({ LoraR: 64 })),
    };

    it('exits cleanly with a read-only token', async () => {
      const world = ref.current;
      aws.requests.length = 0;
      const { number, head } = openPullRequest(world, files, {}, { fromFork: true });

      // runnerEnv gives a fork's pull_request run no ID token request URL and a read-only GITHUB_TOKEN.
      const run = await runAction(world, pullRequestEvent(world.github, REPOSITORY, number), { env: awsThrough(aws) });

      expect(run.exitCode, run.log).toBe(0);
      expect(aws.requests, 'STS and SageMaker requests').toEqual([]);
      expect(await world.sagemaker.startCount()).toBe(0);
      expect(world.github.state.checkRunsFor(REPOSITORY, head)).toEqual([]);
      expect(world.github.state.commentsOn(REPOSITORY, number)).toEqual([]);
      // GitHub refuses every write of a read-only token, so the job summary is where the report lands.
      expect(shownText(run.summary)).toContain('fork');
      expect(shownText(run.summary)).toContain('/rerun');
    });

    it('marks each experiment neutral with a write token', async () => {
      const world = ref.current;
      aws.requests.length = 0;
      const { number, head } = openPullRequest(world, files, {}, { fromFork: true });
      // A pull_request_target workflow runs in the base repository, with a write token and an ID token.
      const token = `ghs_target${number}`;
      world.github.state.grantToken(token, { actor: GITHUB_ACTIONS_BOT, access: 'write' });

      const run = await runAction(world, pullRequestEvent(world.github, REPOSITORY, number), {
        idToken: true,
        env: { ...awsThrough(aws), GITHUB_EVENT_NAME: 'pull_request_target', [inputVariable('github-token')]: token },
      });

      expect(run.exitCode, run.log).toBe(0);
      expect(aws.requests, 'STS and SageMaker requests').toEqual([]);
      expect(await world.sagemaker.startCount()).toBe(0);
      for (const path of Object.keys(files)) {
        const check = experimentCheck(world, head, path);
        expect(check?.conclusion, path).toBe('neutral');
        expect(check?.output?.title, path).toContain('/rerun');
      }
      // action_required does not satisfy a required check, so the pull request waits for a maintainer's /rerun.
      expect(aggregateCheck(world, head)?.conclusion).toBe('action_required');
      expect(shownText(botComment(world, number))).toContain('/rerun');
    });
  });

  describe('wait false', () => {
    it('starts, records and leaves the checks in progress', async () => {
      const world = ref.current;
      const file = 'experiments/no-wait.json';
      const { number, head } = openPullRequest(world, { [file]: experimentJson(baseParameters({ LoraR: 2 })) });

      const run = await runAction(world, pullRequestEvent(world.github, REPOSITORY, number), { inputs: { wait: 'false' } });

      expect(run.exitCode, run.log).toBe(0);
      const executions = await world.sagemaker.executions();
      expect(executions).toHaveLength(1);
      expect(executions[0]!.status).toBe('Executing');

      const parents = await mlflowRuns(world, `tags.\`experiment-pr.file\` = '${file}' and tags.\`experiment-pr.purpose\` = 'pull-request'`);
      expect(parents).toHaveLength(1);
      expect(parents[0]!.status).toBe('RUNNING');
      expect(parents[0]!.tags['experiment-pr.execution-arn']).toBe(executions[0]!.arn);
      expect(parents[0]!.tags['mlflow.source.git.commit']).toBe(head);

      expect(experimentCheck(world, head, file)?.status).toBe('in_progress');
      expect(aggregateCheck(world, head)?.status).toBe('in_progress');
      expect(JSON.parse(run.outputs['execution-arns'] ?? '[]')).toEqual([executions[0]!.arn]);
      expect(JSON.parse(run.outputs.results ?? '[]')[0].outcome).toBe('running');
      expect(botComment(world, number)).toContain('running');
    });

    it('is finished by a re-run that waits', async () => {
      const world = ref.current;
      const file = 'experiments/resumed.json';
      const { number, head } = openPullRequest(world, { [file]: experimentJson(baseParameters({ LoraR: 3 })) });
      const event = pullRequestEvent(world.github, REPOSITORY, number);
      const first = await runAction(world, event, { runId: '4242', runAttempt: 1, inputs: { wait: 'false' } });
      expect(first.exitCode, first.log).toBe(0);

      // The same attempt key gives the same ClientRequestToken and the same parent run back.
      const second = await runAction(world, event, { runId: '4242', runAttempt: 2 });

      expect(second.exitCode, second.log).toBe(0);
      expect(await world.sagemaker.startCount()).toBe(1);
      const parents = await mlflowRuns(world, `tags.\`experiment-pr.file\` = '${file}' and tags.\`experiment-pr.purpose\` = 'pull-request'`);
      expect(parents).toHaveLength(1);
      expect(parents[0]!.status).toBe('FINISHED');
      const latest = world.github.state.checkRunsFor(REPOSITORY, head).filter((check) => check.name === `experiment-pr / ${file}`).at(-1);
      expect(latest?.conclusion).toBe('neutral');
      expect(JSON.parse(second.outputs.results ?? '[]')[0].outcome).toBe('no-baseline');
    });
  });
}
