import { describe, expect, it } from 'vitest';
import { checkRunEvent, pullRequestEvent } from '../../../harness/github/index.js';
import { baseParameters, experimentJson, mlflowRuns, REPOSITORY, runAction, type World } from '../world.js';
import { AGGREGATE_CHECK, checkRunsNamed, collaborator, executionsOf, experimentCheckName, openPullRequest, type OpenedPullRequest, type WorldRef } from './support.js';

/** Opens a pull request with two experiments and runs it, so that the action has created its check runs. */
async function runPullRequest(world: World, prefix: string): Promise<{ pull: OpenedPullRequest; paths: [string, string] }> {
  const paths: [string, string] = [`experiments/${prefix}-a.json`, `experiments/${prefix}-b.json`];
  const pull = openPullRequest(world, {
    [paths[0]]: experimentJson(baseParameters({ LoraR: 16 })),
    [paths[1]]: experimentJson(baseParameters({ LoraR: 32 })),
  });
  const run = await runAction(world, pullRequestEvent(world.github, REPOSITORY, pull.number));
  expect(run.exitCode, run.log).toBe(0);
  return { pull, paths };
}

/** Registers the tests of the check's "Re-run" button: a `check_run` `rerequested` event for a check run that the action created. */
export function describeCheckRerun(ref: WorldRef): void {
  describe('check run rerequested', () => {
    it('reruns the experiment of its check', async () => {
      const world = ref.current;
      const maintainer = collaborator(world, 'mona', 'write', 3001);
      const { pull, paths } = await runPullRequest(world, 'check-one');
      const [firstExecution] = await executionsOf(world, paths[0]);
      const check = checkRunsNamed(world, pull.head, experimentCheckName(paths[0]))[0];
      expect(check?.externalId, 'the check run carries its experiment path').toBe(paths[0]);

      const run = await runAction(world, checkRunEvent(world.github, REPOSITORY, check!.id, maintainer));

      expect(run.exitCode, run.log).toBe(0);
      const executions = await executionsOf(world, paths[0]);
      expect(executions).toHaveLength(2);
      expect(executions[1]?.parameters.CommitSha).toBe(pull.head);
      expect(executions[1]?.clientRequestToken).not.toBe(firstExecution?.clientRequestToken);
      expect(await executionsOf(world, paths[1]), 'executions of the other experiment').toHaveLength(1);
      const parents = await mlflowRuns(world, `tags.\`experiment-pr.attempt\` = 'check-${check!.id}'`);
      expect(parents.map((parent) => parent.tags['experiment-pr.file'])).toEqual([paths[0]]);
      // Both files are new, so there is no baseline and each check is neutral.
      expect(checkRunsNamed(world, pull.head, experimentCheckName(paths[0])).map((check) => check.conclusion)).toEqual(['neutral', 'neutral']);
    });

    it('reruns every experiment from the aggregate check', async () => {
      const world = ref.current;
      const maintainer = collaborator(world, 'mona', 'write', 3001);
      const { pull, paths } = await runPullRequest(world, 'check-all');
      const aggregate = checkRunsNamed(world, pull.head, AGGREGATE_CHECK)[0];
      const startsBefore = await world.sagemaker.startCount();

      const run = await runAction(world, checkRunEvent(world.github, REPOSITORY, aggregate!.id, maintainer));

      expect(run.exitCode, run.log).toBe(0);
      expect(await world.sagemaker.startCount()).toBe(startsBefore + 2);
      expect(await executionsOf(world, paths[0])).toHaveLength(2);
      expect(await executionsOf(world, paths[1])).toHaveLength(2);
      expect(checkRunsNamed(world, pull.head, AGGREGATE_CHECK).at(-1)?.conclusion).toBe('success');
    });

    it('ignores a re-run by a reader', async () => {
      const world = ref.current;
      const reader = collaborator(world, 'reader-check', 'read', 3301);
      const { pull, paths } = await runPullRequest(world, 'check-reader');
      const check = checkRunsNamed(world, pull.head, experimentCheckName(paths[0]))[0];
      const startsBefore = await world.sagemaker.startCount();

      const run = await runAction(world, checkRunEvent(world.github, REPOSITORY, check!.id, reader));

      expect(run.exitCode, run.log).toBe(0);
      expect(await world.sagemaker.startCount()).toBe(startsBefore);
    });
  });
}
