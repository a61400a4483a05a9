import { describe, expect, it } from 'vitest';
import type { Plan } from '../../../src/event/plan.js';
import type { PipelineParameter, ValidationError } from '../../../src/experiments/types.js';
import { runPlan, type Connections, type FlowOptions, type FlowServices } from '../../../src/flow/run-plan.js';
import type { ExperimentResult } from '../../../src/report/types.js';
import { recordingLogger } from './fakes.js';

const HEAD = 'a'.repeat(40);
const BASE = 'b'.repeat(40);
const PATHS = ['experiments/a.json', 'experiments/b.json'];

const DECLARED: PipelineParameter[] = ['CommitSha', 'MlflowParentRunId', 'ExperimentFile', 'MlflowTrackingUri']
  .map((name): PipelineParameter => ({ name, type: 'String' }))
  .concat([{ name: 'LoraR', type: 'Integer', defaultValue: 8 }]);

const PLAN: Plan = { door: 'pull_request', owner: 'acme', repo: 'llm-lab', headSha: HEAD, headRef: 'x', baseSha: BASE, pullRequest: { number: 7, fromFork: false }, selection: { kind: 'changed' }, attempt: '1' };

const OPTIONS: FlowOptions = {
  experimentsPattern: 'experiments/*.json',
  baselineBranch: 'main',
  baselineMissing: 'skip',
  mlflowExperiment: 'acme/llm-lab',
  wait: true,
  timeoutMs: 1000,
  pollIntervalMs: 10,
  stopOnTimeout: true,
  serverUrl: 'https://github.com',
};

/** Services whose connection starts nothing; every experiment is over the concurrency limit, so none launches. */
function services(calls: string[]): { services: FlowServices; ended: ExperimentResult[] } {
  const ended: ExperimentResult[] = [];
  const connections = {
    executor: { kind: 'sagemaker', describeParameters: async () => DECLARED },
    tracking: { getOrCreateExperiment: async () => '5' },
    trackingUri: 'http://127.0.0.1:5000',
  } as unknown as Connections;

  return {
    ended,
    services: {
      files: {
        changedFiles: async () => PATHS.map((filename) => ({ filename, status: 'modified' })),
        readFile: async () => '{"parameters": {"LoraR": 16}}',
      },
      publisher: {
        beginExperiment: async () => {},
        endExperiment: async (result) => {
          ended.push(result);
        },
        publish: async () => ({}),
      },
      connect: async () => connections,
      checkGuardrails: () => [],
      failedPaths: async () => [],
      logger: recordingLogger(),
      supersede: async (_connections, experimentId) => {
        calls.push(`supersede ${experimentId}`);
      },
      checkConcurrency: async (_connections, experimentId, experiments) => {
        calls.push(`concurrency ${experimentId} ${experiments.map((experiment) => experiment.path).join(' ')}`);
        const error = (file: string): ValidationError => ({ file, line: 1, column: 1, rule: 'too-many-executions', message: `${file} was not started`, fix: 'wait' });
        return new Map(experiments.map((experiment) => [experiment.path, error(experiment.path)]));
      },
    },
  };
}

describe('runPlan wiring', () => {
  it('supersedes before the concurrency check', async () => {
    const calls: string[] = [];

    await runPlan(PLAN, OPTIONS, services(calls).services);

    expect(calls).toEqual(['supersede 5', 'concurrency 5 experiments/a.json experiments/b.json']);
  });

  it('rejects experiments over the limit', async () => {
    const setup = services([]);

    const report = await runPlan(PLAN, OPTIONS, setup.services);

    expect(report.results.map((result) => [result.path, result.outcome, result.errors[0]?.rule])).toEqual([
      ['experiments/a.json', 'invalid', 'too-many-executions'],
      ['experiments/b.json', 'invalid', 'too-many-executions'],
    ]);
  });

  it('supersedes only for pull_request plans', async () => {
    const calls: string[] = [];

    await runPlan({ ...PLAN, door: 'issue_comment', attempt: 'comment-9' }, OPTIONS, services(calls).services);

    expect(calls.some((call) => call.startsWith('supersede'))).toBe(false);
  });

  it('starts nothing when counting fails', async () => {
    const setup = services([]);
    setup.services.checkConcurrency = async () => {
      throw new Error('MLflow returned 503');
    };

    const report = await runPlan(PLAN, OPTIONS, setup.services);

    expect(report.results.map((result) => result.outcome)).toEqual(['failed', 'failed']);
    expect(report.results[0]?.summary).toContain('MLflow returned 503');
  });
});
