import { describe, expect, it } from 'vitest';
import {
  createParentRun,
  findOpenParentRuns,
  finishParentRun,
  parentRunTags,
  readExecutionMetrics,
  runStatusForExecution,
} from '../../../src/tracking/runs.js';
import { Tag } from '../../../src/tracking/tags.js';
import type { Run, SearchRunsPage, SearchRunsRequest, TrackingClient } from '../../../src/tracking/types.js';

const SHA = 'a'.repeat(40);

function run(id: string, metrics: Record<string, number>, options: { start?: number; timestamps?: Record<string, number>; tags?: Record<string, string> } = {}): Run {
  return {
    info: { runId: id, experimentId: '1', status: 'FINISHED', startTime: options.start ?? 0 },
    tags: options.tags ?? {},
    params: {},
    metrics,
    metricTimestamps: options.timestamps,
  };
}

/** Creates a TrackingClient that records calls and serves search pages from a list. */
function fakeClient(pages: SearchRunsPage[] = []) {
  const calls: { method: string; args: unknown[] }[] = [];
  const searches: SearchRunsRequest[] = [];
  const record = (method: string) => async (...args: unknown[]) => {
    calls.push({ method, args });
  };
  const client: TrackingClient = {
    uiBaseUrl: 'http://mlflow',
    runUrl: () => 'http://mlflow/run',
    getOrCreateExperiment: async (name) => {
      calls.push({ method: 'getOrCreateExperiment', args: [name] });
      return '5';
    },
    createRun: async (experimentId, runName, tags) => {
      calls.push({ method: 'createRun', args: [experimentId, runName, tags] });
      return run('new', {}, { tags });
    },
    setTags: record('setTags'),
    logMetrics: record('logMetrics'),
    endRun: record('endRun'),
    getRun: async () => run('x', {}),
    searchRuns: async (request) => {
      searches.push(request);
      return pages.shift() ?? { runs: [] };
    },
  };
  return { client, calls, searches };
}

const TAGS = {
  commit: SHA,
  branch: 'feature/lora',
  repoUrl: 'https://github.com/acme/llm',
  repository: 'acme/llm',
  file: 'experiments/lora.json',
  contentHash: 'h1',
  pullRequest: 12,
};

describe('parentRunTags', () => {
  it('uses the standard git tags', () => {
    const tags = parentRunTags(TAGS);
    expect(tags['mlflow.source.git.commit']).toBe(SHA);
    expect(tags['mlflow.source.git.branch']).toBe('feature/lora');
    expect(tags['mlflow.source.git.repoURL']).toBe('https://github.com/acme/llm');
  });

  it('uses the project prefix', () => {
    expect(parentRunTags(TAGS)['experiment-pr.pull-request']).toBe('12');
  });

  it('rejects a short commit', () => {
    expect(() => parentRunTags({ ...TAGS, commit: 'abc1234' })).toThrow(/not 40 hexadecimal digits/);
  });
});

describe('createParentRun', () => {
  it('creates the run in the named experiment', async () => {
    const { client, calls } = fakeClient();
    await createParentRun(client, { experimentName: 'acme/llm', runName: 'r', tags: TAGS });
    expect(calls[0]).toEqual({ method: 'getOrCreateExperiment', args: ['acme/llm'] });
    expect(calls[1]?.args[0]).toBe('5');
  });
});

describe('runStatusForExecution', () => {
  it.each([
    ['Succeeded', 'FINISHED'],
    ['Failed', 'FAILED'],
    ['Stopped', 'KILLED'],
  ] as const)('maps %s to %s', (execution, expected) => {
    expect(runStatusForExecution(execution)).toBe(expected);
  });

  it('rejects an executing execution', () => {
    expect(() => runStatusForExecution('Executing')).toThrow(/Executing has not ended/);
  });
});

describe('finishParentRun', () => {
  it('tags, copies metrics and ends the run', async () => {
    const { client, calls } = fakeClient();
    await finishParentRun(client, 'p1', { executionStatus: 'Failed', executionArn: 'arn:x', metrics: { eval_loss: NaN } });
    expect(calls.map((call) => call.method)).toEqual(['setTags', 'logMetrics', 'endRun']);
    expect(calls[0]?.args[1]).toEqual({ [Tag.executionArn]: 'arn:x' });
    expect(calls[2]?.args).toEqual(['p1', 'FAILED']);
  });

  it('skips empty metrics', async () => {
    const { client, calls } = fakeClient();
    await finishParentRun(client, 'p1', { executionStatus: 'Stopped', executionArn: 'arn:x', metrics: {} });
    expect(calls.map((call) => call.method)).toEqual(['setTags', 'endRun']);
  });
});

describe('readExecutionMetrics', () => {
  it('filters on the parent run id', async () => {
    const { client, searches } = fakeClient();
    await readExecutionMetrics(client, { experimentId: '1', parentRunId: 'p1', metricNames: ['eval_perplexity'] });
    expect(searches[0]?.filter).toBe("tags.`mlflow.parentRunId` = 'p1'");
  });

  it('follows next_page_token', async () => {
    const { client, searches } = fakeClient([
      { runs: [run('a', { eval_loss: 2 }, { timestamps: { eval_loss: 1 } })], nextPageToken: 'next' },
      { runs: [run('b', { eval_perplexity: 7.4 }, { timestamps: { eval_perplexity: 2 } })] },
    ]);
    const metrics = await readExecutionMetrics(client, { experimentId: '1', parentRunId: 'p1', metricNames: ['eval_perplexity', 'eval_loss'] });
    expect(searches.map((search) => search.pageToken)).toEqual([undefined, 'next']);
    expect(metrics).toEqual({ eval_loss: 2, eval_perplexity: 7.4 });
  });

  it('keeps the newest value', async () => {
    const { client } = fakeClient([
      { runs: [run('train', { eval_loss: 3.1 }, { timestamps: { eval_loss: 100 } }), run('evaluate', { eval_loss: 2.9 }, { timestamps: { eval_loss: 200 } })] },
    ]);
    const metrics = await readExecutionMetrics(client, { experimentId: '1', parentRunId: 'p1', metricNames: ['eval_loss'] });
    expect(metrics.eval_loss).toBe(2.9);
  });

  it('breaks timestamp ties by run start', async () => {
    const { client } = fakeClient([
      { runs: [run('late', { eval_loss: 1 }, { start: 20, timestamps: { eval_loss: 5 } }), run('early', { eval_loss: 9 }, { start: 10, timestamps: { eval_loss: 5 } })] },
    ]);
    const metrics = await readExecutionMetrics(client, { experimentId: '1', parentRunId: 'p1', metricNames: ['eval_loss'] });
    expect(metrics.eval_loss).toBe(1);
  });

  it('keeps NaN and Infinity', async () => {
    const { client } = fakeClient([{ runs: [run('e', { eval_perplexity: NaN, eval_loss: Infinity })] }]);
    const metrics = await readExecutionMetrics(client, { experimentId: '1', parentRunId: 'p1', metricNames: ['eval_perplexity', 'eval_loss'] });
    expect(metrics.eval_perplexity).toBeNaN();
    expect(metrics.eval_loss).toBe(Infinity);
  });

  it('leaves out unrequested and missing metrics', async () => {
    const { client } = fakeClient([{ runs: [run('e', { train_loss: 1 })] }]);
    const metrics = await readExecutionMetrics(client, { experimentId: '1', parentRunId: 'p1', metricNames: ['eval_perplexity'] });
    expect(metrics).toEqual({});
  });
});

describe('findOpenParentRuns', () => {
  it('filters running runs of the pull request', async () => {
    const { client, searches } = fakeClient();
    await findOpenParentRuns(client, { experimentId: '1', repository: 'acme/llm', pullRequest: 12, commit: SHA });
    expect(searches[0]?.filter).toBe(
      "tags.`experiment-pr.repository` = 'acme/llm' and attributes.status = 'RUNNING' and " +
        `tags.\`experiment-pr.pull-request\` = '12' and tags.\`mlflow.source.git.commit\` = '${SHA}'`,
    );
  });

  it('keeps only runs with an execution ARN', async () => {
    const { client } = fakeClient([
      { runs: [run('started', {}, { tags: { [Tag.executionArn]: 'arn:e' } }), run('orphan', {})], nextPageToken: 't' },
      { runs: [run('older', {}, { tags: { [Tag.executionArn]: 'arn:f' } })] },
    ]);
    const runs = await findOpenParentRuns(client, { experimentId: '1', repository: 'acme/llm' });
    expect(runs.map((found) => found.info.runId)).toEqual(['started', 'older']);
  });

  it('rejects a bad commit before searching', async () => {
    const { client, searches } = fakeClient();
    await expect(findOpenParentRuns(client, { experimentId: '1', repository: 'acme/llm', commit: 'HEAD' })).rejects.toThrow(/"HEAD"/);
    expect(searches).toHaveLength(0);
  });
});
