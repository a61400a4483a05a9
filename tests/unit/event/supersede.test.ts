import { describe, expect, it } from 'vitest';
import type { Plan } from '../../../src/event/plan.js';
import { SUPERSEDED_BY_TAG, countRunningExecutions, supersedeOlderHeads, type SupersedeGitHub } from '../../../src/event/supersede.js';
import { parseExperiment } from '../../../src/experiments/parse.js';
import { Tag } from '../../../src/tracking/tags.js';
import type { Run, RunStatus, SearchRunsRequest, TrackingClient } from '../../../src/tracking/types.js';
import { recordingLogger } from './fakes.js';

const OLD = '1'.repeat(40);
const NEW = '2'.repeat(40);
const BASE = '0'.repeat(40);

const PLAN: Plan = { door: 'pull_request', owner: 'acme', repo: 'llm-lab', headSha: NEW, headRef: 'raise-rank', baseSha: BASE, pullRequest: { number: 7, fromFork: false }, selection: { kind: 'changed' }, attempt: '1' };

function run(id: string, tags: { commit: string; file: string; purpose?: string; attempt?: string; pullRequest?: string }): Run {
  return {
    info: { runId: id, experimentId: '5', status: 'RUNNING', startTime: 1 },
    tags: {
      [Tag.repository]: 'acme/llm-lab',
      [Tag.pullRequest]: tags.pullRequest ?? '7',
      [Tag.commit]: tags.commit,
      [Tag.file]: tags.file,
      [Tag.purpose]: tags.purpose ?? 'pull-request',
      [Tag.attempt]: tags.attempt ?? '1',
      [Tag.executionArn]: `arn:aws:sagemaker:us-east-1:123456789012:pipeline/llm/execution/${id}`,
    },
    params: {},
    metrics: {},
  };
}

/** Returns a tracking client over a list of runs that applies the tag and status clauses `findOpenParentRuns` sends. */
function fakeTracking(runs: Run[]) {
  const ended: [string, RunStatus][] = [];
  const tagged: [string, Record<string, string>][] = [];
  const searches: SearchRunsRequest[] = [];
  const client = {
    uiBaseUrl: 'http://127.0.0.1:5000',
    runUrl: () => '',
    searchRuns: async (request: SearchRunsRequest) => {
      searches.push(request);
      const clauses = [...request.filter.matchAll(/tags\.`([^`]+)` = '([^']*)'/g)].map((match): [string, string] => [match[1] ?? '', match[2] ?? '']);
      const matching = runs.filter((candidate) => candidate.info.status === 'RUNNING' && clauses.every(([key, value]) => candidate.tags[key] === value));
      return { runs: matching };
    },
    setTags: async (runId: string, tags: Record<string, string>) => {
      tagged.push([runId, tags]);
    },
    endRun: async (runId: string, status: RunStatus) => {
      ended.push([runId, status]);
    },
  } as unknown as TrackingClient;
  return { client, ended, tagged, searches };
}

function fakeExecutor(failing: Set<string> = new Set()) {
  const stopped: string[] = [];
  return {
    stopped,
    stop: async (arn: string) => {
      if (failing.has(arn)) throw new Error(`ValidationException: execution ${arn} is not in a stoppable state`);
      stopped.push(arn);
    },
  };
}

function fakeGitHub(head: string | undefined) {
  const cancelled: { headSha: string; names: string[]; title: string; summary: string }[] = [];
  const github: SupersedeGitHub = {
    currentHeadSha: async () => head,
    cancelCheckRuns: async (headSha, names, output) => {
      cancelled.push({ headSha, names, ...output });
      return names;
    },
  };
  return { github, cancelled };
}

function request(runs: Run[], options: { head?: string; plan?: Plan; failing?: Set<string> } = {}) {
  const tracking = fakeTracking(runs);
  const executor = fakeExecutor(options.failing);
  const github = fakeGitHub('head' in options ? options.head : NEW);
  const logger = recordingLogger();
  const call = () => supersedeOlderHeads({ plan: options.plan ?? PLAN, executor, tracking: tracking.client, experimentId: '5', checkName: 'experiment-pr', github: github.github, logger });
  return { call, tracking, executor, github, logger };
}

describe('supersedeOlderHeads', () => {
  it('stops executions of an older head', async () => {
    const setup = request([run('old-a', { commit: OLD, file: 'experiments/a.json' }), run('new-a', { commit: NEW, file: 'experiments/a.json' })]);

    await setup.call();

    expect(setup.executor.stopped).toEqual([expect.stringMatching(/execution\/old-a$/)]);
  });

  it('ends the parent run as killed', async () => {
    const setup = request([run('old-a', { commit: OLD, file: 'experiments/a.json' })]);

    await setup.call();

    expect(setup.tracking.tagged).toEqual([['old-a', { [SUPERSEDED_BY_TAG]: NEW }]]);
    expect(setup.tracking.ended).toEqual([['old-a', 'KILLED']]);
  });

  it('cancels the older head checks by name', async () => {
    const setup = request([run('old-a', { commit: OLD, file: 'experiments/a.json' }), run('old-b', { commit: OLD, file: 'experiments/b.json' })]);

    await setup.call();

    expect(setup.github.cancelled).toHaveLength(1);
    expect(setup.github.cancelled[0]).toMatchObject({
      headSha: OLD,
      names: ['experiment-pr', 'experiment-pr / experiments/a.json', 'experiment-pr / experiments/b.json'],
      title: `Superseded by ${NEW.slice(0, 7)}`,
    });
    expect(setup.github.cancelled[0]?.summary).toContain(`newer head commit, ${NEW}`);
  });

  it('searches by repository and pull request', async () => {
    const setup = request([]);

    await setup.call();

    expect(setup.tracking.searches[0]?.filter).toContain("tags.`experiment-pr.pull-request` = '7'");
  });

  it('leaves baseline runs alone', async () => {
    const setup = request([run('base-a', { commit: BASE, file: 'experiments/a.json', purpose: 'baseline' })]);

    expect(await setup.call()).toEqual([]);
    expect(setup.executor.stopped).toEqual([]);
  });

  it('leaves other pull requests alone', async () => {
    const setup = request([run('other', { commit: OLD, file: 'experiments/a.json', pullRequest: '8' })]);

    await setup.call();

    expect(setup.executor.stopped).toEqual([]);
  });

  it('stops nothing when its head is stale', async () => {
    const setup = request([run('old-a', { commit: OLD, file: 'experiments/a.json' })], { head: '3'.repeat(40) });

    expect(await setup.call()).toEqual([]);
    expect(setup.executor.stopped).toEqual([]);
  });

  it('stops nothing without the current head', async () => {
    const setup = request([run('old-a', { commit: OLD, file: 'experiments/a.json' })], { head: undefined });

    await setup.call();

    expect(setup.executor.stopped).toEqual([]);
  });

  it('ignores other doors', async () => {
    const setup = request([run('old-a', { commit: OLD, file: 'experiments/a.json' })], { plan: { ...PLAN, door: 'issue_comment' } });

    await setup.call();

    expect(setup.tracking.searches).toEqual([]);
  });

  it('keeps a run whose stop failed open', async () => {
    const arn = 'arn:aws:sagemaker:us-east-1:123456789012:pipeline/llm/execution/old-a';
    const setup = request([run('old-a', { commit: OLD, file: 'experiments/a.json' })], { failing: new Set([arn]) });

    const superseded = await setup.call();

    expect(superseded).toMatchObject([{ executionArn: arn, stopped: false }]);
    expect(setup.tracking.ended).toEqual([]);
    expect(setup.github.cancelled).toEqual([]);
    expect(setup.logger.lines).toContainEqual(expect.stringContaining('not in a stoppable state'));
  });
});

describe('countRunningExecutions', () => {
  const planned = ['experiments/a.json'].map((path) => {
    const parsed = parseExperiment(path, '{"parameters": {}}');
    if (!parsed.ok) throw new Error('fixture does not parse');
    return parsed.experiment;
  });

  it('counts other open executions', async () => {
    const { client } = fakeTracking([run('x', { commit: NEW, file: 'experiments/b.json' }), run('y', { commit: BASE, file: 'experiments/a.json', purpose: 'baseline' })]);

    expect(await countRunningExecutions(client, '5', PLAN, planned)).toBe(2);
  });

  it('skips the plan’s own executions', async () => {
    const { client } = fakeTracking([run('mine', { commit: NEW, file: 'experiments/a.json' })]);

    expect(await countRunningExecutions(client, '5', PLAN, planned)).toBe(0);
  });

  it('counts an earlier attempt', async () => {
    const { client } = fakeTracking([run('earlier', { commit: NEW, file: 'experiments/a.json', attempt: 'comment-9' })]);

    expect(await countRunningExecutions(client, '5', PLAN, planned)).toBe(1);
  });
});
