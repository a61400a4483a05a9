import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findBaseline } from '../../src/comparison/baseline.js';
import { createTrackingClient } from '../../src/tracking/client.js';
import { TrackingError } from '../../src/tracking/errors.js';
import { and, quoteValue, tagEquals } from '../../src/tracking/filter.js';
import { createParentRun, finishParentRun, findOpenParentRuns, readExecutionMetrics } from '../../src/tracking/runs.js';
import { Tag } from '../../src/tracking/tags.js';
import type { RunStatus, TrackingClient } from '../../src/tracking/types.js';
import { startMlflow } from '../harness/mlflow.js';
import { venvBin, type LocalService } from '../harness/process.js';

const run = promisify(execFile);
const SHA = '3f2c1a9b8e7d6c5b4a39281706f5e4d3c2b1a090';
const silent = { debug: () => {}, info: () => {} };

let mlflow: LocalService;
let client: TrackingClient;

beforeAll(async () => {
  mlflow = await startMlflow();
  client = createTrackingClient({ trackingUri: mlflow.url, logger: silent, retry: { maxAttempts: 2, baseDelayMs: 100 } });
});

afterAll(async () => {
  await mlflow?.stop();
});

const parentTags = {
  commit: SHA,
  branch: 'feature/lora-rank',
  repoUrl: 'https://github.com/acme/llm',
  repository: 'acme/llm',
  file: 'experiments/lora.json',
  contentHash: 'c0ffee',
  pullRequest: 7,
  attempt: '1',
  purpose: 'pull-request' as const,
  executor: 'sagemaker' as const,
};

interface RunSpec {
  startTime: number;
  tags: Record<string, string>;
  status?: Exclude<RunStatus, 'RUNNING' | 'SCHEDULED'>;
}

/** Creates runs with chosen start times through the REST API, `concurrency` requests at a time. */
async function createRuns(experimentId: string, specs: RunSpec[], concurrency = 8): Promise<string[]> {
  const api = `${mlflow.url}/api/2.0/mlflow`;
  const post = async (call: string, body: unknown) => {
    const response = await fetch(`${api}/${call}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`${call} failed: ${response.status} ${await response.text()}`);
    return response.json() as Promise<{ run?: { info: { run_id: string } } }>;
  };

  const ids: string[] = new Array(specs.length);
  let next = 0;
  const worker = async () => {
    while (next < specs.length) {
      const index = next++;
      const spec = specs[index]!;
      const tags = Object.entries(spec.tags).map(([key, value]) => ({ key, value }));
      const created = await post('runs/create', { experiment_id: experimentId, start_time: spec.startTime, tags });
      const runId = created.run!.info.run_id;
      if (spec.status) await post('runs/update', { run_id: runId, status: spec.status, end_time: spec.startTime + 1 });
      ids[index] = runId;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return ids;
}

describe('parent run lifecycle', () => {
  it('creates, tags, finishes and reads back', async () => {
    const parent = await createParentRun(client, { experimentName: 'acme/llm lifecycle', runName: 'experiments/lora.json@3f2c1a9', tags: parentTags });
    expect(parent.info.status).toBe('RUNNING');
    expect(parent.tags[Tag.commit]).toBe(SHA);
    expect(parent.tags[Tag.repoUrl]).toBe('https://github.com/acme/llm');
    expect(parent.tags[Tag.pullRequest]).toBe('7');

    const arn = 'arn:aws:sagemaker:eu-west-1:123456789012:pipeline/llm/execution/abc123';
    await finishParentRun(client, parent.info.runId, {
      executionStatus: 'Succeeded',
      executionArn: arn,
      metrics: { eval_perplexity: 7.25, eval_loss: NaN, grad_norm: Infinity, margin: -Infinity },
    });

    const finished = await client.getRun(parent.info.runId);
    expect(finished.info.status).toBe('FINISHED');
    expect(finished.info.endTime).toBeGreaterThan(0);
    expect(finished.tags[Tag.executionArn]).toBe(arn);
    expect(finished.metrics.eval_perplexity).toBe(7.25);
    expect(finished.metrics.eval_loss).toBeNaN();
    expect(finished.metrics.grad_norm).toBe(Infinity);
    expect(finished.metrics.margin).toBe(-Infinity);
  });

  it('reuses an existing experiment', async () => {
    const first = await client.getOrCreateExperiment('acme/llm reuse');
    expect(await client.getOrCreateExperiment('acme/llm reuse')).toBe(first);
  });

  it('ends a stopped execution as KILLED', async () => {
    const parent = await createParentRun(client, { experimentName: 'acme/llm lifecycle', runName: 'stopped', tags: parentTags });
    await finishParentRun(client, parent.info.runId, { executionStatus: 'Stopped', executionArn: 'arn:stopped', metrics: {} });
    expect((await client.getRun(parent.info.runId)).info.status).toBe('KILLED');
  });

  it('finds open parent runs with an execution ARN', async () => {
    const experimentName = 'acme/llm open';
    const started = await createParentRun(client, { experimentName, runName: 'started', tags: parentTags });
    await client.setTags(started.info.runId, { [Tag.executionArn]: 'arn:open' });
    const orphan = await createParentRun(client, { experimentName, runName: 'orphan', tags: parentTags });

    const open = await findOpenParentRuns(client, { experimentId: started.info.experimentId, repository: 'acme/llm', pullRequest: 7, commit: SHA });
    const ids = open.map((found) => found.info.runId);
    expect(ids).toContain(started.info.runId);
    expect(ids).not.toContain(orphan.info.runId);
  });
});

describe('nested run metrics', () => {
  it('reads NaN and Infinity logged by the Python client', async () => {
    const parent = await createParentRun(client, { experimentName: 'acme/llm nested', runName: 'parent', tags: parentTags });
    const script = [
      'import os, time, mlflow',
      "parent = os.environ['PARENT_RUN_ID']",
      "experiment = os.environ['EXPERIMENT_ID']",
      "with mlflow.start_run(experiment_id=experiment, run_name='train', nested=True, parent_run_id=parent):",
      "    mlflow.log_metric('eval_loss', 3.0)",
      "    mlflow.log_metric('eval_perplexity', 20.1)",
      'time.sleep(0.05)',
      "with mlflow.start_run(experiment_id=experiment, run_name='evaluate', nested=True, parent_run_id=parent):",
      "    mlflow.log_metric('eval_perplexity', float('nan'))",
      "    mlflow.log_metric('eval_loss', float('inf'))",
    ].join('\n');
    await run(venvBin('python'), ['-c', script], {
      env: { ...process.env, MLFLOW_TRACKING_URI: mlflow.url, PARENT_RUN_ID: parent.info.runId, EXPERIMENT_ID: parent.info.experimentId },
    });

    const metrics = await readExecutionMetrics(client, {
      experimentId: parent.info.experimentId,
      parentRunId: parent.info.runId,
      metricNames: ['eval_perplexity', 'eval_loss'],
    });
    expect(metrics.eval_perplexity).toBeNaN();
    expect(metrics.eval_loss).toBe(Infinity);
  });
});

describe('search filters on the real server', () => {
  it.each([
    ['a single quote', "bob's run"],
    ['double quotes', 'say "hi"'],
    ['a backslash', 'C:\\runs\\a'],
    ['filter words', "x' and tags.other = 'y"],
  ])('matches a value with %s exactly', async (_case, value) => {
    const experimentId = await client.getOrCreateExperiment('acme/llm filters');
    const key = 'team:owner-id.name';
    const [target] = await createRuns(experimentId, [{ startTime: Date.now(), tags: { [key]: value } }, { startTime: Date.now(), tags: { [key]: `${value}x` } }]);

    const page = await client.searchRuns({ experimentIds: [experimentId], filter: and(tagEquals(key, value)) });
    expect(page.runs.map((found) => found.info.runId)).toEqual([target]);
  });

  it('matches 60 generated values in one filter', async () => {
    // Values drawn from the characters that matter to MLflow's filter parser, by a fixed linear
    // congruential sequence so that a failure repeats.
    const alphabet = ['a', 'b', ' ', "'", '"', '\\', '.', '=', '-', ':', '(', ')', '%', '_', 'and', 'or', ','];
    let state = 12345;
    const nextIndex = (size: number) => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return state % size;
    };
    const tags: Record<string, string> = {};
    while (Object.keys(tags).length < 60) {
      const length = nextIndex(9);
      const value = Array.from({ length }, () => alphabet[nextIndex(alphabet.length)]).join('');
      const quotable = (() => {
        try {
          quoteValue(value);
          return true;
        } catch {
          return false;
        }
      })();
      if (quotable) tags[`gen.key-${Object.keys(tags).length}:x`] = value;
    }

    const experimentId = await client.getOrCreateExperiment('acme/llm generated filters');
    const nearTags = { ...tags, 'gen.key-59:x': `${tags['gen.key-59:x']}z` };
    const [target] = await createRuns(experimentId, [{ startTime: Date.now(), tags }, { startTime: Date.now(), tags: nearTags }]);

    const filter = and(...Object.entries(tags).map(([key, value]) => tagEquals(key, value)));
    const page = await client.searchRuns({ experimentIds: [experimentId], filter });
    expect(page.runs.map((found) => found.info.runId)).toEqual([target]);
  });

  it('fails a bad filter at once with the server message', async () => {
    const error = await client.searchRuns({ experimentIds: ['0'], filter: 'tags.x == 1' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TrackingError);
    expect((error as TrackingError).status).toBe(400);
    expect((error as TrackingError).errorCode).toBe('INVALID_PARAMETER_VALUE');
    expect((error as TrackingError).attempts).toBe(1);
  });
});

describe('baseline lookup', () => {
  const match = { [Tag.file]: 'experiments/lora.json', [Tag.contentHash]: 'base-hash', [Tag.branch]: 'main' };
  const request = { file: 'experiments/lora.json', contentHash: 'base-hash', branch: 'main' };
  let experimentId: string;
  let targetId: string;
  let olderId: string;

  beforeAll(async () => {
    experimentId = await client.getOrCreateExperiment('acme/llm baseline');
    const start = Date.UTC(2025, 0, 1);

    // The target is older than 1,000 other runs, so it is the 1,001st in MLflow's default newest-first order.
    // Every tenth newer run is a finished near miss that differs from the target in one tag. The rest are
    // running runs of other files, because they need no runs/update and so keep the fill fast.
    const specs: RunSpec[] = [
      { startTime: start, tags: match, status: 'FINISHED' },
      { startTime: start + 1, tags: match, status: 'FINISHED' },
    ];
    const nearMisses: Record<string, string>[] = [
      { ...match, [Tag.contentHash]: 'other-hash' },
      { ...match, [Tag.file]: 'experiments/other.json' },
      { ...match, [Tag.branch]: 'feature/x' },
    ];
    for (let index = 0; index < 1000; index += 1) {
      const startTime = start + 2 + index;
      if (index === 998) specs.push({ startTime, tags: match, status: 'FAILED' });
      else if (index === 999) specs.push({ startTime, tags: match });
      else if (index % 10 === 0) specs.push({ startTime, tags: nearMisses[(index / 10) % nearMisses.length]!, status: 'FINISHED' });
      else specs.push({ startTime, tags: { ...match, [Tag.file]: `experiments/filler-${index}.json` } });
    }
    [olderId, targetId] = (await createRuns(experimentId, specs)) as [string, string];
  });

  it('misses the target in the first default page', async () => {
    const page = await client.searchRuns({ experimentIds: [experimentId], filter: '', orderBy: ['attributes.start_time DESC'] });
    expect(page.runs).toHaveLength(1000);
    expect(page.runs.map((found) => found.info.runId)).not.toContain(targetId);
  });

  it('finds the 1,001st run with one search', async () => {
    let searches = 0;
    const counting: TrackingClient = Object.create(client);
    counting.searchRuns = (searchRequest) => {
      searches += 1;
      return client.searchRuns(searchRequest);
    };
    const baseline = await findBaseline(counting, { experimentId, ...request });
    expect(baseline?.info.runId).toBe(targetId);
    expect(searches).toBe(1);
  });

  it('skips the older finished run', async () => {
    const baseline = await findBaseline(client, { experimentId, ...request });
    expect(baseline?.info.runId).not.toBe(olderId);
  });

  it('finds nothing for another hash', async () => {
    expect(await findBaseline(client, { experimentId, ...request, contentHash: 'never-run' })).toBeUndefined();
  });

  it('finds another file its own run', async () => {
    const other = await findBaseline(client, { experimentId, ...request, file: 'experiments/other.json' });
    expect(other?.tags[Tag.file]).toBe('experiments/other.json');
    expect(other?.tags[Tag.contentHash]).toBe('base-hash');
  });
});
