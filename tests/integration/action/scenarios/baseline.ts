import { describe, expect, it } from 'vitest';
import { pullRequestEvent } from '../../../harness/github/index.js';
import { baseParameters, experimentJson, mlflowRuns, REPOSITORY, runAction } from '../world.js';
import { aggregateCheck, botComment, experimentCheck, openPullRequest, shownText, tableRow, type WorldRef } from './support.js';

/** Sets perplexities by LoRA rank, so the pull request's rank 16 improves on main's rank 8 by 10 %. */
async function setPerplexityByRank(ref: WorldRef, file: string): Promise<void> {
  const { sagemaker } = ref.current;
  await sagemaker.setScenario({ match: { ExperimentFile: file, LoraR: '8' }, metrics: { eval_perplexity: 12.5, eval_loss: Math.log(12.5) } });
  await sagemaker.setScenario({ match: { ExperimentFile: file, LoraR: '16' }, metrics: { eval_perplexity: 11.25, eval_loss: Math.log(11.25) } });
}

/** Registers the tests of pull requests whose base version has no finished run on main, and of new files. */
export function describeBaselines(ref: WorldRef): void {
  describe('baseline missing on main', () => {
    it('runs the base version too by default', async () => {
      const world = ref.current;
      const file = 'experiments/unrun-lora.json';
      await setPerplexityByRank(ref, file);
      const { number, head, base } = openPullRequest(
        world,
        { [file]: experimentJson(baseParameters({ LoraR: 16 })) },
        { [file]: experimentJson(baseParameters({ LoraR: 8 })) },
      );

      const run = await runAction(world, pullRequestEvent(world.github, REPOSITORY, number));

      expect(run.exitCode, run.log).toBe(0);
      const executions = await world.sagemaker.executions();
      expect(executions.map((execution) => execution.parameters.CommitSha).sort()).toEqual([base, head].sort());
      expect(executions.find((execution) => execution.parameters.CommitSha === base)?.parameters.LoraR).toBe('8');
      expect(executions.find((execution) => execution.parameters.CommitSha === head)?.parameters.LoraR).toBe('16');

      const row = tableRow(botComment(world, number), 'unrun-lora.json');
      expect(row[2]).toBe('12.5');
      expect(row[3]).toBe('11.25');
      expect(row[5]).toContain('-10.00 %');
      expect(shownText(botComment(world, number))).toContain('no finished run on main, so the base version was run too');

      const baselines = await mlflowRuns(world, `tags.\`experiment-pr.file\` = '${file}' and tags.\`experiment-pr.purpose\` = 'baseline'`);
      expect(baselines).toHaveLength(1);
      expect(baselines[0]!.tags['mlflow.source.git.commit']).toBe(base);
      expect(baselines[0]!.tags['mlflow.source.git.branch']).toBe('main');
      expect(baselines[0]!.status).toBe('FINISHED');
      expect(experimentCheck(world, head, file)?.conclusion).toBe('success');
    });

    it('skips the base version with baseline-missing skip', async () => {
      const world = ref.current;
      const file = 'experiments/skip-lora.json';
      await setPerplexityByRank(ref, file);
      const { number, head } = openPullRequest(
        world,
        { [file]: experimentJson(baseParameters({ LoraR: 16 })) },
        { [file]: experimentJson(baseParameters({ LoraR: 8 })) },
      );

      const run = await runAction(world, pullRequestEvent(world.github, REPOSITORY, number), { inputs: { 'baseline-missing': 'skip' } });

      expect(run.exitCode, run.log).toBe(0);
      const executions = await world.sagemaker.executions();
      expect(executions).toHaveLength(1);
      expect(executions[0]!.parameters.CommitSha).toBe(head);

      const body = botComment(world, number);
      const row = tableRow(body, 'skip-lora.json');
      expect(row[2], 'main column').toBe('–');
      expect(row[3], 'PR column').toBe('11.25');
      expect(row[4], 'delta column').toBe('–');
      expect(row[7]).toContain('no baseline');
      expect(shownText(body)).toContain('no finished run of the base version on main (baseline-missing: skip)');

      // A result without a baseline is neutral: it ran, but it claims no "no regression".
      expect(experimentCheck(world, head, file)?.conclusion).toBe('neutral');
      expect(aggregateCheck(world, head)?.conclusion).toBe('success');
      expect(JSON.parse(run.outputs.results ?? '[]')[0].outcome).toBe('no-baseline');
    });

    it('reports a new file without a base run', async () => {
      const world = ref.current;
      const file = 'experiments/brand-new.json';
      const { number, head } = openPullRequest(world, { [file]: experimentJson(baseParameters({ LoraR: 4 })) });

      const run = await runAction(world, pullRequestEvent(world.github, REPOSITORY, number));

      expect(run.exitCode, run.log).toBe(0);
      expect(await world.sagemaker.startCount()).toBe(1);
      expect((await world.sagemaker.executions())[0]!.parameters.CommitSha).toBe(head);
      const body = shownText(botComment(world, number));
      expect(body).toContain('new experiment file');
      expect(body).toContain('no baseline');
      expect(await mlflowRuns(world, `tags.\`experiment-pr.file\` = '${file}' and tags.\`experiment-pr.purpose\` = 'baseline'`)).toEqual([]);
      expect(experimentCheck(world, head, file)?.conclusion).toBe('neutral');
    });
  });

  describe('float parameters', () => {
    it('sends and shows the documented number format', async () => {
      const world = ref.current;
      const file = 'experiments/tiny-lr.json';
      const { number, head, base } = openPullRequest(
        world,
        { [file]: experimentJson(baseParameters({ LearningRate: 1e-7 })) },
        { [file]: experimentJson(baseParameters({ LearningRate: 2e-5 })) },
      );

      const run = await runAction(world, pullRequestEvent(world.github, REPOSITORY, number));

      expect(run.exitCode, run.log).toBe(0);
      const executions = await world.sagemaker.executions();
      // Python's repr(float), which the SageMaker Python SDK sends as well.
      expect(executions.find((execution) => execution.parameters.CommitSha === base)?.parameters.LearningRate).toBe('2e-05');
      expect(executions.find((execution) => execution.parameters.CommitSha === head)?.parameters.LearningRate).toBe('1e-07');
      expect(botComment(world, number)).toMatch(/`LearningRate`: `2e-05` → `1e-07`/);
    });
  });
}
