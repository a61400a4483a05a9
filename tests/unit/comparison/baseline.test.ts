import { describe, expect, it } from 'vitest';
import { baselineFilter, findBaseline } from '../../../src/comparison/baseline.js';
import { Tag } from '../../../src/tracking/tags.js';
import type { Run, RunStatus, SearchRunsRequest, TrackingClient } from '../../../src/tracking/types.js';

const REQUEST = { experimentId: '3', file: 'experiments/lora.json', contentHash: 'h1', branch: 'main' };

function run(id: string, tags: Record<string, string>, status: RunStatus = 'FINISHED'): Run {
  return { info: { runId: id, experimentId: '3', status, startTime: 0 }, tags, params: {}, metrics: {} };
}

const PARENT_TAGS = { [Tag.file]: REQUEST.file, [Tag.contentHash]: 'h1', [Tag.branch]: 'main' };

function fakeClient(searchResult: Run[], runsById: Record<string, Run> = {}) {
  const searches: SearchRunsRequest[] = [];
  const gets: string[] = [];
  const client = {
    searchRuns: async (request: SearchRunsRequest) => {
      searches.push(request);
      return { runs: searchResult };
    },
    getRun: async (runId: string) => {
      gets.push(runId);
      const found = runsById[runId];
      if (!found) throw new Error(`no run ${runId}`);
      return found;
    },
  } as unknown as TrackingClient;
  return { client, searches, gets };
}

describe('baselineFilter', () => {
  it('filters file, hash, branch and status', () => {
    expect(baselineFilter(REQUEST)).toBe(
      "tags.`experiment-pr.file` = 'experiments/lora.json' and tags.`experiment-pr.content-hash` = 'h1' and " +
        "tags.`mlflow.source.git.branch` = 'main' and attributes.status = 'FINISHED'",
    );
  });

  it('adds repository and executor when given', () => {
    const filter = baselineFilter({ ...REQUEST, repository: 'acme/llm', executor: 'sagemaker' });
    expect(filter).toContain("tags.`experiment-pr.repository` = 'acme/llm'");
    expect(filter).toContain("tags.`experiment-pr.executor` = 'sagemaker'");
  });

  it('quotes a file name with a quote', () => {
    expect(baselineFilter({ ...REQUEST, file: "experiments/bob's.json" })).toContain(`tags.\`experiment-pr.file\` = "experiments/bob's.json"`);
  });
});

describe('findBaseline', () => {
  it('asks the server for the newest run only', async () => {
    const { client, searches } = fakeClient([]);
    await findBaseline(client, REQUEST);
    expect(searches).toHaveLength(1);
    expect(searches[0]?.orderBy).toEqual(['attributes.start_time DESC']);
    expect(searches[0]?.maxResults).toBe(1);
    expect(searches[0]?.experimentIds).toEqual(['3']);
  });

  it('returns undefined without a match', async () => {
    const { client } = fakeClient([]);
    expect(await findBaseline(client, REQUEST)).toBeUndefined();
  });

  it('returns a parent run as found', async () => {
    const { client, gets } = fakeClient([run('p1', PARENT_TAGS)]);
    expect((await findBaseline(client, REQUEST))?.info.runId).toBe('p1');
    expect(gets).toEqual([]);
  });

  it('replaces a nested hit by its parent', async () => {
    const nested = run('n1', { ...PARENT_TAGS, [Tag.parentRunId]: 'p1' });
    const { client } = fakeClient([nested], { p1: run('p1', PARENT_TAGS) });
    expect((await findBaseline(client, REQUEST))?.info.runId).toBe('p1');
  });

  it('rejects a nested hit whose parent still runs', async () => {
    const nested = run('n1', { ...PARENT_TAGS, [Tag.parentRunId]: 'p1' });
    const { client } = fakeClient([nested], { p1: run('p1', PARENT_TAGS, 'RUNNING') });
    expect(await findBaseline(client, REQUEST)).toBeUndefined();
  });
});
