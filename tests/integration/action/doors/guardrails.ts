import { describe, expect, it } from 'vitest';
import { pullRequestEvent } from '../../../harness/github/index.js';
import { baseParameters, experimentJson, REPOSITORY, runAction } from '../world.js';
import { checkRunsNamed, experimentCheckName, openPullRequest, reportComments, shownText, type WorldRef } from './support.js';

/** The `config` input's default path. */
const GUARDRAIL_FILE = '.github/experiment-pr.json';

/**
 * The team's limits. ml.m5.xlarge is the pipeline's default ProcessingInstanceType, allowed so that the only
 * limit an experiment can break here is the training instance type.
 */
const LIMITS = `${JSON.stringify({ allowedInstanceTypes: ['ml.g5.2xlarge', 'ml.m5.xlarge'] }, null, 2)}\n`;

/** Registers the tests of the repository limits in the guardrail file, read at the pull request's base commit. */
export function describeGuardrails(ref: WorldRef): void {
  describe('guardrail file', () => {
    it('rejects a disallowed instance type', async () => {
      const world = ref.current;
      const path = 'experiments/guardrail-p4d.json';
      const pull = openPullRequest(
        world,
        { [path]: experimentJson(baseParameters({ TrainingInstanceType: 'ml.p4d.24xlarge' })) },
        { [GUARDRAIL_FILE]: LIMITS },
      );

      const run = await runAction(world, pullRequestEvent(world.github, REPOSITORY, pull.number));

      expect(run.exitCode, 'a rejected experiment fails the job').toBe(1);
      expect(await world.sagemaker.startCount()).toBe(0);
      const body = shownText(reportComments(world, pull.number)[0]?.body ?? '');
      expect(body).toContain('TrainingInstanceType "ml.p4d.24xlarge" is not in allowedInstanceTypes');
      expect(body).toContain(GUARDRAIL_FILE);
      const check = checkRunsNamed(world, pull.head, experimentCheckName(path)).at(-1);
      expect(check?.conclusion).toBe('failure');
      const checkText = shownText(JSON.stringify(check?.history ?? []));
      expect(checkText).toContain('allowedInstanceTypes');
      expect(checkText).toContain(GUARDRAIL_FILE);
    });

    it('reads the limits at the base commit', async () => {
      const world = ref.current;
      const path = 'experiments/guardrail-raised.json';
      const raised = `${JSON.stringify({ allowedInstanceTypes: ['ml.g5.2xlarge', 'ml.m5.xlarge', 'ml.p4d.24xlarge'] }, null, 2)}\n`;
      const pull = openPullRequest(
        world,
        { [GUARDRAIL_FILE]: raised, [path]: experimentJson(baseParameters({ TrainingInstanceType: 'ml.p4d.24xlarge' })) },
        { [GUARDRAIL_FILE]: LIMITS },
      );

      const run = await runAction(world, pullRequestEvent(world.github, REPOSITORY, pull.number));

      expect(run.exitCode, 'a rejected experiment fails the job').toBe(1);
      expect(await world.sagemaker.startCount()).toBe(0);
      expect(shownText(reportComments(world, pull.number)[0]?.body ?? '')).toContain('"ml.p4d.24xlarge" is not in allowedInstanceTypes');
      expect(checkRunsNamed(world, pull.head, experimentCheckName(path)).at(-1)?.conclusion).toBe('failure');
    });
  });
}
