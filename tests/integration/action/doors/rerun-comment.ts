import { describe, expect, it } from 'vitest';
import { pullRequestEvent } from '../../../harness/github/index.js';
import { baseParameters, experimentJson, mlflowRuns, REPOSITORY, runAction } from '../world.js';
import {
  AGGREGATE_CHECK,
  botComments,
  checkRunsNamed,
  collaborator,
  commentEvent,
  executionsOf,
  experimentCheckName,
  openPullRequest,
  reactionsOf,
  reportComments,
  reportedHead,
  type WorldRef,
} from './support.js';

/** The Train step fails with its own reason, for experiments with LoraR 64. */
const FAILING_TRAIN = {
  match: { LoraR: '64' },
  steps: [{ name: 'Preprocess' }, { name: 'Train', outcome: 'Failed' as const, failureReason: 'AlgorithmError: CUDA out of memory' }],
};

/** Registers the tests of the `/rerun` comment door: which commit, which files, which attempt. */
export function describeRerunComment(ref: WorldRef): void {
  describe('/rerun comment', () => {
    it('runs the head commit from the pulls API', async () => {
      const world = ref.current;
      const path = 'experiments/rerun-head.json';
      const maintainer = collaborator(world, 'mona', 'write', 3001);
      const pull = openPullRequest(world, { [path]: experimentJson(baseParameters({ LoraR: 16 })) });
      const first = await runAction(world, pullRequestEvent(world.github, REPOSITORY, pull.number));
      expect(first.exitCode, first.log).toBe(0);
      const [firstExecution] = await executionsOf(world, path);
      const startsBefore = await world.sagemaker.startCount();
      // The stand-in updates the stored comment in place, so keep what it was.
      const report = { ...reportComments(world, pull.number)[0] };
      const checksBefore = checkRunsNamed(world, pull.head, experimentCheckName(path)).length;

      const event = commentEvent(world, pull.number, '/rerun', maintainer);
      const run = await runAction(world, event);

      expect(run.exitCode, run.log).toBe(0);
      expect(await world.sagemaker.startCount()).toBe(startsBefore + 1);
      const rerun = (await executionsOf(world, path)).at(-1);
      expect(rerun?.parameters.CommitSha, 'commit of the new execution').toBe(pull.head);
      expect(rerun?.clientRequestToken, 'ClientRequestToken of the new execution').not.toBe(firstExecution?.clientRequestToken);

      const parents = await mlflowRuns(world, `tags.\`experiment-pr.attempt\` = 'comment-${String(event.payload.comment.id)}'`);
      expect(parents).toHaveLength(1);
      expect(parents[0]?.tags['mlflow.source.git.commit']).toBe(pull.head);
      expect(parents[0]?.tags['experiment-pr.execution-arn']).toBe(rerun?.arn);
      expect(parents[0]?.status).toBe('FINISHED');

      const checks = checkRunsNamed(world, pull.head, experimentCheckName(path));
      expect(checks).toHaveLength(checksBefore + 1);
      // The file is new in the pull request, so there is no baseline and the check is neutral.
      expect(checks.at(-1)?.conclusion).toBe('neutral');
      expect(world.github.state.checkRunsFor(REPOSITORY, pull.mainHead), 'check runs on the default branch head').toEqual([]);

      const comments = botComments(world, pull.number);
      expect(comments).toHaveLength(1);
      expect(comments[0]?.id, 'the report comment keeps its id').toBe(report.id);
      expect(comments[0]?.body, 'the report comment is rewritten').not.toBe(report.body);
      const executionId = (arn: string | undefined) => arn?.split('/').at(-1) ?? 'no execution';
      expect(comments[0]?.body, 'the report links the new execution').toContain(executionId(rerun?.arn));
      expect(comments[0]?.body, 'the report no longer links the first execution').not.toContain(executionId(firstExecution?.arn));
      expect(reportedHead(comments[0]!)).toBe(pull.head);
      expect(reactionsOf(world, event)).toEqual(['eyes', 'rocket']);
    });

    it('starts nothing when its workflow is re-run', async () => {
      const world = ref.current;
      const path = 'experiments/rerun-twice.json';
      const maintainer = collaborator(world, 'mona', 'write', 3001);
      const pull = openPullRequest(world, { [path]: experimentJson(baseParameters({ LoraR: 16 })) });
      const event = commentEvent(world, pull.number, '/rerun', maintainer);
      const first = await runAction(world, event, { runId: '4242', runAttempt: 1 });
      expect(first.exitCode, first.log).toBe(0);
      const startsBefore = await world.sagemaker.startCount();

      const second = await runAction(world, event, { runId: '4242', runAttempt: 2 });

      expect(second.exitCode, second.log).toBe(0);
      expect(await world.sagemaker.startCount()).toBe(startsBefore);
      expect(await executionsOf(world, path)).toHaveLength(1);
      expect(reportComments(world, pull.number)).toHaveLength(1);
    });

    it('runs only the named file', async () => {
      const world = ref.current;
      const named = 'experiments/rerun-named.json';
      const other = 'experiments/rerun-other.json';
      const maintainer = collaborator(world, 'mona', 'write', 3001);
      const pull = openPullRequest(world, {
        [named]: experimentJson(baseParameters({ LoraR: 16 })),
        [other]: experimentJson(baseParameters({ LoraR: 32 })),
      });

      const run = await runAction(world, commentEvent(world, pull.number, `/rerun ${named}`, maintainer));

      expect(run.exitCode, run.log).toBe(0);
      expect(await world.sagemaker.startCount()).toBe(1);
      expect(await executionsOf(world, named)).toHaveLength(1);
      expect(await executionsOf(world, other)).toHaveLength(0);
      expect(checkRunsNamed(world, pull.head, experimentCheckName(other)), 'check runs of the file not named').toEqual([]);
    });

    it('runs only the failed file on /rerun failed', async () => {
      const world = ref.current;
      await world.sagemaker.setScenario(FAILING_TRAIN);
      const failing = 'experiments/rerun-failing.json';
      const passing = 'experiments/rerun-passing.json';
      const maintainer = collaborator(world, 'mona', 'write', 3001);
      const pull = openPullRequest(world, {
        [failing]: experimentJson(baseParameters({ LoraR: 64 })),
        [passing]: experimentJson(baseParameters({ LoraR: 16 })),
      });
      const first = await runAction(world, pullRequestEvent(world.github, REPOSITORY, pull.number));
      expect(first.exitCode, 'the pull request run fails with one failed experiment').toBe(1);
      expect(checkRunsNamed(world, pull.head, experimentCheckName(failing)).at(-1)?.conclusion).toBe('failure');
      const startsBefore = await world.sagemaker.startCount();

      const event = commentEvent(world, pull.number, '/rerun failed', maintainer);
      await runAction(world, event);

      expect(await world.sagemaker.startCount()).toBe(startsBefore + 1);
      expect(await executionsOf(world, failing)).toHaveLength(2);
      expect(await executionsOf(world, passing)).toHaveLength(1);
      expect(checkRunsNamed(world, pull.head, experimentCheckName(passing)), 'check runs of the passed file').toHaveLength(1);
      expect(checkRunsNamed(world, pull.head, AGGREGATE_CHECK).at(-1)?.conclusion).toBe('failure');
      expect(reactionsOf(world, event)).toEqual(['eyes', 'confused']);
    });
  });
}
