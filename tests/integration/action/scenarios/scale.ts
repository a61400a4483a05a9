import { describe, expect, it } from 'vitest';
import { pullRequestEvent } from '../../../harness/github/index.js';
import { baseParameters, experimentJson, REPOSITORY, runAction } from '../world.js';
import { botComment, openPullRequest, resultsTable, utf8Length, type WorldRef } from './support.js';

/** GitHub's limit for an issue comment body ("Body is too long (maximum is 65536 characters)"). */
const COMMENT_LIMIT = 65_536;

/** Builds experiment files `experiments/<prefix>-01.json` and on, each with its own seed. */
function manyExperiments(prefix: string, count: number): Record<string, string> {
  const files: Record<string, string> = {};
  for (let index = 1; index <= count; index += 1) {
    files[`experiments/${prefix}-${String(index).padStart(2, '0')}.json`] = experimentJson(baseParameters({ Seed: index }));
  }
  return files;
}

/**
 * A training failure as a step's FailureReason reports it, a traceback's tail of about 280 characters (the
 * SageMaker API allows 1,024). The report shows it twice per experiment, so 40 of them make about 70,000.
 */
const FAILURE_REASON = [
  'AlgorithmError: ExecuteUserScriptError:',
  'ExitCode 1',
  'ErrorMessage "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 22.05 GiB of which 1.12 GiB is free."',
  '  File "/opt/ml/code/train.py", line 212, in main',
  '    trainer.train()',
].join('\n');

/** Tells the lines that only a cut comment has: the marker, the folding tags, closing fences and the pointer. */
function isCommentOnly(line: string): boolean {
  return line.startsWith('<!-- ') || /^<\/?(details|summary)/.test(line) || /^`{3,}$/.test(line) || line.startsWith('**This report is cut');
}

/** Registers the tests of many experiments in one pull request, and of a report longer than a comment may be. */
export function describeLargePullRequests(ref: WorldRef): void {
  describe('many experiments', () => {
    it('runs 50 experiments with one comment', async () => {
      const world = ref.current;
      await world.sagemaker.setScenario({ steps: [{ name: 'Evaluate' }] });
      const files = manyExperiments('grid', 50);
      const { number, head } = openPullRequest(world, files);

      const run = await runAction(world, pullRequestEvent(world.github, REPOSITORY, number));

      expect(run.exitCode, run.log).toBe(0);
      expect(await world.sagemaker.startCount()).toBe(50);
      expect(utf8Length(botComment(world, number))).toBeLessThanOrEqual(COMMENT_LIMIT);

      const checks = world.github.state.checkRunsFor(REPOSITORY, head);
      expect(checks).toHaveLength(51);
      expect(checks.filter((check) => check.name === 'experiment-pr')).toHaveLength(1);
      expect(checks.filter((check) => check.status === 'completed')).toHaveLength(51);
      const checked = checks.map((check) => check.externalId).filter((path) => path);
      expect(new Set(checked)).toEqual(new Set(Object.keys(files)));

      const results = JSON.parse(run.outputs.results ?? '[]') as { path: string }[];
      expect(results.map((result) => result.path).sort()).toEqual(Object.keys(files).sort());
      expect(JSON.parse(run.outputs['execution-arns'] ?? '[]')).toHaveLength(50);
    });
  });

  describe('comment over the length limit', () => {
    it('is cut when created and updated', async () => {
      const world = ref.current;
      await world.sagemaker.setScenario({ steps: [{ name: 'Train', outcome: 'Failed', failureReason: FAILURE_REASON }] });
      const { number } = openPullRequest(world, manyExperiments('oom', 40));
      const event = pullRequestEvent(world.github, REPOSITORY, number);

      const first = await runAction(world, event);

      expect(first.exitCode, first.log).toBe(1);
      // The whole report, in the job summary, is what the comment could not hold.
      expect(utf8Length(first.summary)).toBeGreaterThan(COMMENT_LIMIT);
      const created = botComment(world, number);
      expect(utf8Length(created)).toBeLessThanOrEqual(COMMENT_LIMIT);
      const pointer = created.trimEnd().split('\n').at(-1) ?? '';
      expect(pointer).toContain('This report is cut at');
      expect(pointer).toContain('check run');
      expect(pointer).toContain('job summary');

      // Cut at a line boundary: every line the comment kept from the report is a whole line of it.
      const reportLines = new Set(first.summary.split('\n'));
      const partial = created.split('\n').filter((line) => !isCommentOnly(line) && !reportLines.has(line));
      expect(partial).toEqual([]);
      // The cut drops the experiments' sections from the end, never a row of the table at the top.
      expect(resultsTable(created)).toHaveLength(2 + 40);
      const fences = created.split('\n').filter((line) => /^`{3,}/.test(line));
      expect(fences.length % 2, 'every code block is closed').toBe(0);

      const second = await runAction(world, event);

      expect(second.exitCode, second.log).toBe(1);
      const updates = world.github.requests().filter((request) => request.operationId === 'issues/update-comment');
      expect(updates.at(-1)?.status).toBe(200);
      const updated = botComment(world, number);
      expect(updated).not.toBe(created);
      expect(utf8Length(updated)).toBeLessThanOrEqual(COMMENT_LIMIT);
      expect(updated.trimEnd().split('\n').at(-1)).toContain('This report is cut at');
    });
  });
}
