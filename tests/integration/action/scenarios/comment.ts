import { describe, expect, it } from 'vitest';
import { pullRequestEvent } from '../../../harness/github/index.js';
import { baseParameters, experimentJson, REPOSITORY, runAction } from '../world.js';
import { aggregateCheck, botComment, openPullRequest, resultsTable, startBarrierProxy, tableCells, type WorldRef } from './support.js';

/** One Evaluate step: the shortest execution that still logs the metric through MLflow. */
const EVALUATE_ONLY = { steps: [{ name: 'Evaluate' }] };

/** Returns the head SHA in the marker on the comment's first line. */
function markerHead(body: string): string | undefined {
  return /^<!-- sagemaker-experiment-pr: head=([0-9a-f]{40}) /.exec(body)?.[1];
}

/** Registers the tests of the sticky comment: concurrent runs, and values that could break its table. */
export function describeStickyComment(ref: WorldRef): void {
  describe('concurrent runs', () => {
    it('leave exactly one comment', async () => {
      const world = ref.current;
      await world.sagemaker.setScenario(EVALUATE_ONLY);
      const { number } = openPullRequest(world, { 'experiments/twice-run.json': experimentJson(baseParameters({ LoraR: 12 })) });
      const event = pullRequestEvent(world.github, REPOSITORY, number);
      const requestsBefore = world.github.requests().length;

      // The stand-in delays each listing by 3 s, so both runs list before either creates its comment.
      world.github.setDelay('issues/list-comments', 3_000);
      let runs;
      try {
        runs = await Promise.all([runAction(world, event), runAction(world, event)]);
      } finally {
        world.github.setDelay('issues/list-comments', 0);
      }

      const operations = world.github.requests().slice(requestsBefore).map((request) => request.operationId);
      const firstCreate = operations.indexOf('issues/create-comment');
      const listingsBeforeCreate = operations.slice(0, firstCreate).filter((operation) => operation === 'issues/list-comments');
      expect(listingsBeforeCreate.length, 'both runs should list the comments before either creates one').toBe(2);

      expect(world.github.state.commentsOn(REPOSITORY, number)).toHaveLength(1);
      expect(await world.sagemaker.startCount()).toBe(1);
    });

    it('both report the shared execution', async () => {
      const world = ref.current;
      await world.sagemaker.setScenario(EVALUATE_ONLY);
      const file = 'experiments/raced.json';
      const { number } = openPullRequest(world, { [file]: experimentJson(baseParameters({ LoraR: 14 })) });
      const event = pullRequestEvent(world.github, REPOSITORY, number);
      // Both runs look for an earlier parent run before either creates one, as two runs of one head may.
      const mlflow = await startBarrierProxy(world.mlflow.url, '/runs/create', 2);

      let runs;
      try {
        const inputs = { 'mlflow-tracking-uri': mlflow.url };
        runs = await Promise.all([runAction(world, event, { inputs }), runAction(world, event, { inputs })]);
      } finally {
        await mlflow.stop();
      }

      // The ClientRequestToken gives both runs one execution, whose steps log under one parent run.
      expect(await world.sagemaker.startCount()).toBe(1);
      for (const run of runs) {
        const outcome = JSON.parse(run.outputs.results ?? '[]')[0]?.outcome;
        expect(outcome, `each run reads the metric of the execution it shares:\n${run.log}`).toBe('no-baseline');
      }
      expect(botComment(world, number)).not.toContain('metric missing');
    });

    it('keep the newer head report', async () => {
      const world = ref.current;
      await world.sagemaker.setScenario(EVALUATE_ONLY);
      const file = 'experiments/pushed-twice.json';
      const { number, head: older } = openPullRequest(world, { [file]: experimentJson(baseParameters({ LoraR: 20 })) });
      const olderEvent = pullRequestEvent(world.github, REPOSITORY, number);
      const newer = world.github.state.pushToPull(REPOSITORY, number, { [file]: experimentJson(baseParameters({ LoraR: 24 })) });

      const newerRun = await runAction(world, pullRequestEvent(world.github, REPOSITORY, number, 'synchronize'));
      expect(newerRun.exitCode, newerRun.log).toBe(0);
      const newerBody = botComment(world, number);

      // The run of the first push ends last, as a slow job does.
      const olderRun = await runAction(world, olderEvent);

      expect(olderRun.exitCode, olderRun.log).toBe(0);
      const body = botComment(world, number);
      expect(markerHead(body)).toBe(newer);
      expect(body).toBe(newerBody);
      expect(body).not.toContain(older.slice(0, 12));
    });
  });

  describe('results table', () => {
    it('keeps its shape with pipes and newlines', async () => {
      const world = ref.current;
      await world.sagemaker.setScenario(EVALUATE_ONLY);
      // The schema's patterns reject a line break in every String parameter the pipeline declares, so the
      // description carries the line break as well as the pipe.
      const described = experimentJson(baseParameters({ LoraR: 6 }), { description: 'lr=2e-5 | wd=0.1\nwarmup=100 steps' });
      const { number, head } = openPullRequest(world, {
        'experiments/pipes.json': described,
        'experiments/plain.json': experimentJson(baseParameters({ LoraR: 10 })),
      });

      const run = await runAction(world, pullRequestEvent(world.github, REPOSITORY, number));

      expect(run.exitCode, run.log).toBe(0);
      const table = resultsTable(botComment(world, number));
      // Header, delimiter row, and one row per experiment: a line break inside a cell would end the table early.
      expect(table).toHaveLength(4);
      const headerCells = tableCells(table[0]!).length;
      expect(headerCells).toBe(8);
      for (const row of table) expect(tableCells(row), row).toHaveLength(headerCells);

      const describedRow = table.find((row) => row.includes('pipes.json')) ?? '';
      expect(tableCells(describedRow)[0]).toContain('lr=2e-5 \\| wd=0.1<br>warmup=100 steps');

      const aggregateTable = resultsTable(aggregateCheck(world, head)?.output?.summary ?? '');
      expect(aggregateTable).toHaveLength(4);
      for (const row of aggregateTable) expect(tableCells(row), row).toHaveLength(headerCells);
    });
  });
}
