import { describe, expect, it } from 'vitest';
import { pullRequestEvent } from '../../../harness/github/index.js';
import { baseParameters, experimentJson, REPOSITORY, runAction } from '../world.js';
import {
  checkRunsNamed,
  collaborator,
  commentEvent,
  executionsOf,
  experimentCheckName,
  openPullRequest,
  reactionsOf,
  reportComments,
  shownText,
  type WorldRef,
} from './support.js';

/**
 * Registers the tests of a pull request from a fork. Its own workflow gets no ID token and a read-only token,
 * so it starts nothing. A maintainer's `/rerun` runs the fork's files, read through the API at the fork's head.
 */
export function describeForkPullRequests(ref: WorldRef): void {
  describe('fork pull request', () => {
    it('starts nothing on its own pull_request run', async () => {
      const world = ref.current;
      const path = 'experiments/fork-own.json';
      const pull = openPullRequest(world, { [path]: experimentJson(baseParameters({ LoraR: 16 })) }, {}, { fromFork: true });

      const run = await runAction(world, pullRequestEvent(world.github, REPOSITORY, pull.number));

      expect(run.exitCode, run.log).toBe(0);
      expect(await world.sagemaker.startCount()).toBe(0);
      expect(run.summary).toContain('fork');
      expect(run.summary).toContain('/rerun');
    });

    it('runs the fork head on a maintainer /rerun', async () => {
      const world = ref.current;
      const path = 'experiments/fork-rerun.json';
      const maintainer = collaborator(world, 'mona', 'write', 3001);
      const pull = openPullRequest(world, { [path]: experimentJson(baseParameters({ LoraR: 24 })) }, {}, { fromFork: true });
      const own = await runAction(world, pullRequestEvent(world.github, REPOSITORY, pull.number));
      expect(own.exitCode, own.log).toBe(0);

      const event = commentEvent(world, pull.number, '/rerun', maintainer);
      const run = await runAction(world, event);

      expect(run.exitCode, run.log).toBe(0);
      const [execution, ...more] = await executionsOf(world, path);
      expect(more, 'executions after the first').toEqual([]);
      expect(execution?.parameters.CommitSha).toBe(pull.head);
      expect(execution?.parameters.LoraR, 'LoraR from the fork file').toBe('24');
      // The file is new, so there is no baseline and the check is neutral. The fork's own run could write no check run.
      expect(checkRunsNamed(world, pull.head, experimentCheckName(path)).map((check) => check.conclusion)).toEqual(['neutral']);
      expect(reportComments(world, pull.number)).toHaveLength(1);
      expect(reactionsOf(world, event)).toEqual(['eyes', 'rocket']);
    });

    it('validates the fork file before a start', async () => {
      const world = ref.current;
      const path = 'experiments/fork-invalid.json';
      const maintainer = collaborator(world, 'mona', 'write', 3001);
      const pull = openPullRequest(world, { [path]: experimentJson(baseParameters({ DatasetRevision: '' })) }, {}, { fromFork: true });

      const event = commentEvent(world, pull.number, '/rerun', maintainer);
      const run = await runAction(world, event);

      expect(run.exitCode, 'an invalid experiment fails the job').toBe(1);
      expect(await world.sagemaker.startCount()).toBe(0);
      const [report] = reportComments(world, pull.number);
      expect(shownText(report?.body ?? '')).toContain(path);
      expect(shownText(report?.body ?? '')).toContain('DatasetRevision');
      expect(checkRunsNamed(world, pull.head, experimentCheckName(path)).at(-1)?.conclusion).toBe('failure');
      expect(reactionsOf(world, event)).toEqual(['eyes', 'confused']);
    });
  });
}
