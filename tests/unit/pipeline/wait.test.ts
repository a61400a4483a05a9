import { describe, expect, it } from 'vitest';
import { SageMakerCallError } from '../../../src/pipeline/sagemaker-errors.js';
import type { ExecutionState, ExecutionStatus, Executor, StepState } from '../../../src/pipeline/types.js';
import { failedStep, waitForExecutions, type WaitOptions } from '../../../src/pipeline/wait.js';

const ARN_A = 'arn:aws:sagemaker:us-east-1:123456789012:pipeline/llm/execution/aaaa';
const ARN_B = 'arn:aws:sagemaker:us-east-1:123456789012:pipeline/llm/execution/bbbb';

/** An executor whose executions follow a script of states, one per describe call; the last one repeats. */
class ScriptedExecutor implements Executor {
  readonly kind = 'sagemaker' as const;
  readonly stopped: string[] = [];
  readonly describeCalls = new Map<string, number>();

  constructor(private readonly scripts: Map<string, (ExecutionState | Error)[]>) {}

  async describeParameters() {
    return [];
  }

  async start(): Promise<string> {
    throw new Error('not used');
  }

  async describe(arn: string): Promise<ExecutionState> {
    const call = this.describeCalls.get(arn) ?? 0;
    this.describeCalls.set(arn, call + 1);
    if (this.stopped.includes(arn)) return state(arn, 'Stopping');

    const script = this.scripts.get(arn) ?? [];
    const entry = script[Math.min(call, script.length - 1)];
    if (entry instanceof Error) throw entry;
    if (!entry) throw new Error(`no script for ${arn}`);
    return entry;
  }

  async stop(arn: string): Promise<void> {
    this.stopped.push(arn);
  }

  async parameterValues(): Promise<Record<string, string>> {
    return {};
  }

  executionUrl(): string | undefined {
    return undefined;
  }
}

function state(arn: string, status: ExecutionStatus, steps: StepState[] = []): ExecutionState {
  return { executionArn: arn, status, steps };
}

/** Creates a fake clock that `sleep` advances, recording each slept interval. */
function fakeClock() {
  let time = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => time,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      time += ms;
    },
  };
}

const silent = { info: () => {}, warning: () => {} };

function options(clock: ReturnType<typeof fakeClock>, overrides: Partial<WaitOptions> = {}): WaitOptions {
  return { timeoutMs: 3_600_000, pollIntervalMs: 30_000, stopOnTimeout: true, logger: silent, sleep: clock.sleep, now: clock.now, ...overrides };
}

describe('waitForExecutions', () => {
  it('ends when every execution has ended', async () => {
    const executor = new ScriptedExecutor(
      new Map([
        [ARN_A, [state(ARN_A, 'Executing'), state(ARN_A, 'Succeeded')]],
        [ARN_B, [state(ARN_B, 'Executing'), state(ARN_B, 'Executing'), state(ARN_B, 'Failed')]],
      ]),
    );
    const results = await waitForExecutions(executor, [ARN_A, ARN_B], options(fakeClock()));
    expect(results.get(ARN_A)).toEqual({ state: state(ARN_A, 'Succeeded'), outcome: 'ended' });
    expect(results.get(ARN_B)).toEqual({ state: state(ARN_B, 'Failed'), outcome: 'ended' });
  });

  it('grows the interval by half up to the maximum', async () => {
    const clock = fakeClock();
    const executor = new ScriptedExecutor(new Map([[ARN_A, [...Array(6).fill(state(ARN_A, 'Executing')), state(ARN_A, 'Succeeded')]]]));
    await waitForExecutions(executor, [ARN_A], options(clock, { pollIntervalMs: 100_000, maxPollIntervalMs: 300_000 }));
    expect(clock.sleeps).toEqual([100_000, 150_000, 225_000, 300_000, 300_000, 300_000]);
  });

  it('stops running executions on timeout', async () => {
    const clock = fakeClock();
    const executor = new ScriptedExecutor(new Map([[ARN_A, [state(ARN_A, 'Executing')]]]));
    const results = await waitForExecutions(executor, [ARN_A], options(clock, { timeoutMs: 120_000 }));
    expect(results.get(ARN_A)?.outcome).toBe('timed-out');
    expect(executor.stopped).toEqual([ARN_A]);
  });

  it('returns the state read after the stop', async () => {
    const executor = new ScriptedExecutor(new Map([[ARN_A, [state(ARN_A, 'Executing')]]]));
    const results = await waitForExecutions(executor, [ARN_A], options(fakeClock(), { timeoutMs: 60_000 }));
    expect(results.get(ARN_A)?.state?.status).toBe('Stopping');
  });

  it('does not sleep past the deadline', async () => {
    const clock = fakeClock();
    const executor = new ScriptedExecutor(new Map([[ARN_A, [state(ARN_A, 'Executing')]]]));
    await waitForExecutions(executor, [ARN_A], options(clock, { timeoutMs: 100_000, pollIntervalMs: 60_000 }));
    expect(clock.sleeps).toEqual([60_000, 40_000]);
  });

  it('leaves executions running without stopOnTimeout', async () => {
    const executor = new ScriptedExecutor(new Map([[ARN_A, [state(ARN_A, 'Executing')]]]));
    const results = await waitForExecutions(executor, [ARN_A], options(fakeClock(), { timeoutMs: 60_000, stopOnTimeout: false }));
    expect(results.get(ARN_A)).toEqual({ state: state(ARN_A, 'Executing'), outcome: 'timed-out' });
    expect(executor.stopped).toEqual([]);
  });

  it('stops executions on abort', async () => {
    const controller = new AbortController();
    const clock = fakeClock();
    const executor = new ScriptedExecutor(new Map([[ARN_A, [state(ARN_A, 'Executing')]]]));
    const sleep = async (ms: number) => {
      await clock.sleep(ms);
      controller.abort();
    };
    const results = await waitForExecutions(executor, [ARN_A], options(clock, { signal: controller.signal, sleep }));
    expect(results.get(ARN_A)?.outcome).toBe('cancelled');
    expect(executor.stopped).toEqual([ARN_A]);
  });

  it('keeps ended executions out of the stop', async () => {
    const executor = new ScriptedExecutor(
      new Map([
        [ARN_A, [state(ARN_A, 'Succeeded')]],
        [ARN_B, [state(ARN_B, 'Executing')]],
      ]),
    );
    const results = await waitForExecutions(executor, [ARN_A, ARN_B], options(fakeClock(), { timeoutMs: 60_000 }));
    expect(results.get(ARN_A)?.outcome).toBe('ended');
    expect(executor.stopped).toEqual([ARN_B]);
  });

  it('retries a transient describe error', async () => {
    const throttled = new SageMakerCallError({
      operation: 'DescribePipelineExecution',
      pipelineName: 'llm',
      errorName: 'ThrottlingException',
      transient: true,
      message: 'Rate exceeded',
      cause: undefined,
    });
    const warnings: string[] = [];
    const executor = new ScriptedExecutor(new Map([[ARN_A, [throttled, throttled, state(ARN_A, 'Succeeded')]]]));
    const results = await waitForExecutions(executor, [ARN_A], {
      ...options(fakeClock()),
      logger: { info: () => {}, warning: (message) => warnings.push(message) },
    });
    expect(results.get(ARN_A)?.outcome).toBe('ended');
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toContain('2 times in a row');
  });

  it('throws a describe error that is not transient', async () => {
    const denied = new SageMakerCallError({
      operation: 'DescribePipelineExecution',
      pipelineName: 'llm',
      errorName: 'AccessDenied',
      transient: false,
      message: 'access denied',
      cause: undefined,
    });
    const executor = new ScriptedExecutor(new Map([[ARN_A, [denied]]]));
    await expect(waitForExecutions(executor, [ARN_A], options(fakeClock()))).rejects.toThrow('access denied');
  });

  it('calls onUpdate when a step changes', async () => {
    const step = (status: string): StepState => ({ name: 'Train', status });
    const executor = new ScriptedExecutor(
      new Map([
        [
          ARN_A,
          [
            state(ARN_A, 'Executing', [step('Executing')]),
            state(ARN_A, 'Executing', [step('Executing')]),
            state(ARN_A, 'Executing', [step('Succeeded')]),
            state(ARN_A, 'Succeeded', [step('Succeeded')]),
          ],
        ],
      ]),
    );
    const updates: [string | undefined, string][] = [];
    await waitForExecutions(executor, [ARN_A], {
      ...options(fakeClock()),
      onUpdate: (_arn, current, previous) => updates.push([previous?.steps[0]?.status, current.steps[0]?.status ?? '']),
    });
    expect(updates).toEqual([
      [undefined, 'Executing'],
      ['Executing', 'Succeeded'],
      ['Succeeded', 'Succeeded'],
    ]);
  });
});

describe('failedStep', () => {
  const trainReason =
    "ClientError: ResourceLimitExceeded: The account-level service limit 'ml.g5.12xlarge for training job usage' is 0 Instances, with current utilization of 0 Instances and a request delta of 1 Instances.";

  it('names the failed step behind a generic execution reason', () => {
    const failed: ExecutionState = {
      executionArn: ARN_A,
      status: 'Failed',
      failureReason: 'Step failure: One or multiple steps failed.',
      steps: [
        { name: 'Train', status: 'Failed', startTime: new Date('2024-05-01T10:05:00Z'), failureReason: trainReason },
        { name: 'Preprocess', status: 'Succeeded', startTime: new Date('2024-05-01T10:00:00Z') },
      ],
    };
    expect(failedStep(failed)).toEqual({ name: 'Train', reason: trainReason });
  });

  it('prefers the earliest failed step', () => {
    const failed: ExecutionState = {
      executionArn: ARN_A,
      status: 'Failed',
      steps: [
        { name: 'Evaluate', status: 'Failed', startTime: new Date('2024-05-01T11:00:00Z'), failureReason: 'no model' },
        { name: 'Train', status: 'Failed', startTime: new Date('2024-05-01T10:00:00Z'), failureReason: 'out of memory' },
      ],
    };
    expect(failedStep(failed)?.name).toBe('Train');
  });

  it('falls back to the execution reason', () => {
    const failed: ExecutionState = {
      executionArn: ARN_A,
      status: 'Failed',
      failureReason: 'Step failure: One or multiple steps failed.',
      steps: [{ name: 'Train', status: 'Failed' }],
    };
    expect(failedStep(failed)?.reason).toBe('Step failure: One or multiple steps failed.');
  });

  it('returns undefined without a failed step', () => {
    expect(failedStep(state(ARN_A, 'Succeeded', [{ name: 'Train', status: 'Succeeded' }]))).toBeUndefined();
  });
});
