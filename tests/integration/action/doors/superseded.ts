import { describe, expect, it } from 'vitest';
import { pullRequestEvent } from '../../../harness/github/index.js';
import { baseParameters, experimentJson, mlflowRuns, REPOSITORY, runAction } from '../world.js';
import { AGGREGATE_CHECK, checkRunsNamed, executionsOf, experimentCheckName, openPullRequest, type WorldRef } from './support.js';

/** Registers the tests of a push to a pull request whose executions still run, where the new head stops the older head's executions. */
export function describeSupersededHead(ref: WorldRef): void {
  describe('superseded head', () => {
    it('stops the older head executions', async () => {
      const world = ref.current;
      // Executions stay Executing until the test advances them, so the older head's one is still running.
      await world.sagemaker.setScenario({ pollsPerStep: 0 });
      const path = 'experiments/superseded.json';
      const pull = openPullRequest(world, { [path]: experimentJson(baseParameters({ LoraR: 16 })) });
      const first = await runAction(world, pullRequestEvent(world.github, REPOSITORY, pull.number), { inputs: { wait: 'false' } });
      expect(first.exitCode, first.log).toBe(0);
      const [older] = await executionsOf(world, path);
      expect(older?.status, 'the older execution before the push').toBe('Executing');

      const newHead = world.github.state.pushToPull(REPOSITORY, pull.number, { [path]: experimentJson(baseParameters({ LoraR: 32 })) });
      const second = await runAction(world, pullRequestEvent(world.github, REPOSITORY, pull.number, 'synchronize'), { inputs: { wait: 'false' } });

      expect(second.exitCode, second.log).toBe(0);
      expect(['Stopping', 'Stopped']).toContain((await world.sagemaker.execution(older!.arn)).status);
      const newer = (await executionsOf(world, path)).filter((execution) => execution.parameters.CommitSha === newHead);
      expect(newer.map((execution) => execution.status)).toEqual(['Executing']);

      const [parent, ...moreParents] = await mlflowRuns(world, `tags.\`experiment-pr.execution-arn\` = '${older!.arn}'`);
      expect(moreParents, 'parent runs after the first').toEqual([]);
      expect(parent?.tags['experiment-pr.superseded-by']).toBe(newHead);
      expect(parent?.status).toBe('KILLED');

      for (const name of [AGGREGATE_CHECK, experimentCheckName(path)]) {
        const check = checkRunsNamed(world, pull.head, name).at(-1);
        expect(check?.conclusion, `conclusion of "${name}" on the older head`).toBe('cancelled');
        expect(`${check?.output.title}\n${check?.output.summary}`, `output of "${name}" on the older head`).toContain(newHead.slice(0, 7));
      }
    });
  });
}
