import { isTransientAwsError } from '../credentials/transient.js';
import { actionsLogger, errorMessage, type Logger } from '../logging.js';
import { SageMakerCallError } from './sagemaker-errors.js';
import type { ExecutionState, ExecutionStatus, Executor, StepState } from './types.js';

/** Outcome of the wait for one execution. */
export type WaitOutcome = 'ended' | 'timed-out' | 'cancelled';

export interface WaitResult {
  /** The last state read. It is undefined when no describe call succeeded before the timeout or the abort. */
  state?: ExecutionState;
  outcome: WaitOutcome;
}

export interface WaitOptions {
  /** How long to wait for all executions, in ms. */
  timeoutMs: number;
  /** First interval between two polls, in ms. It grows by half after each poll. */
  pollIntervalMs: number;
  /** Largest interval between two polls, in ms. */
  maxPollIntervalMs?: number;
  /** Aborting it (a cancelled workflow) ends the wait with outcome `cancelled`. */
  signal?: AbortSignal;
  /** Called when an execution's status or one of its steps' statuses changes, and on its first read. */
  onUpdate?: (executionArn: string, state: ExecutionState, previous: ExecutionState | undefined) => void;
  /** Stop the executions still running when the wait times out or is aborted. */
  stopOnTimeout: boolean;
  /** Log of retries and stops, by default the workflow log. */
  logger?: Pick<Logger, 'info' | 'warning'>;
  /** Waits `ms`, or less when the signal aborts. Tests inject a fake. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Clock in ms since the epoch. Tests inject a fake. */
  now?: () => number;
}

/** The growth factor of the poll interval between two polls. */
const BACKOFF_FACTOR = 1.5;

/** Statuses after which an execution no longer changes. `Stopping` is not one, because it ends as `Stopped`. */
const END_STATUSES = new Set<ExecutionStatus>(['Succeeded', 'Failed', 'Stopped', 'CompletedWithFailures']);

export function isEnded(status: ExecutionStatus): boolean {
  return END_STATUSES.has(status);
}

/**
 * Polls the executions until each has ended, the timeout passes or the signal aborts, with a poll interval
 * that grows by half after each poll up to `maxPollIntervalMs` (5 minutes by default). On timeout or abort,
 * executions still running are stopped when `stopOnTimeout` is set. Transient describe errors (throttling,
 * 5xx, network) are logged and retried at the next poll; any other error is thrown.
 *
 * The waiter keeps no state beyond the ARNs, so a later job can resume waiting from the ARNs alone.
 */
/**
 * Executions described at the same time in one poll round. Each describe is two calls (the execution and
 * its steps), so 50 executions read one after another make a round of 100 calls in series. The SDK retries
 * throttling, so a modest number in parallel is safe.
 */
const POLL_CONCURRENCY = 8;

/** Apply `task` to every item, at most `limit` at a time, and return the results in the items' order. */
async function mapConcurrently<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export async function waitForExecutions(
  executor: Executor,
  executionArns: string[],
  options: WaitOptions,
): Promise<Map<string, WaitResult>> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? abortableSleep;
  const maxIntervalMs = options.maxPollIntervalMs ?? 300_000;
  const deadline = now() + options.timeoutMs;
  const logger = options.logger ?? actionsLogger;

  const results = new Map<string, WaitResult>();
  const states = new Map<string, ExecutionState>();
  const failures = new Map<string, number>();
  const pending = new Set(executionArns);
  let intervalMs = Math.min(options.pollIntervalMs, maxIntervalMs);

  while (pending.size > 0) {
    const round = [...pending];
    const described = await mapConcurrently(round, POLL_CONCURRENCY, (arn) =>
      options.signal?.aborted ? Promise.resolve(undefined) : describeTolerant(executor, arn, failures, logger),
    );
    for (const [index, arn] of round.entries()) {
      const state = described[index];
      if (!state) continue;

      const previous = states.get(arn);
      states.set(arn, state);
      if (hasChanged(previous, state)) options.onUpdate?.(arn, state, previous);

      if (isEnded(state.status)) {
        results.set(arn, { state, outcome: 'ended' });
        pending.delete(arn);
      }
    }
    if (pending.size === 0) break;

    if (options.signal?.aborted) {
      await endWaiting(executor, [...pending], states, results, 'cancelled', { ...options, logger });
      break;
    }
    if (now() >= deadline) {
      await endWaiting(executor, [...pending], states, results, 'timed-out', { ...options, logger });
      break;
    }

    await sleep(Math.min(intervalMs, deadline - now()), options.signal);
    intervalMs = Math.min(intervalMs * BACKOFF_FACTOR, maxIntervalMs);
  }

  return results;
}

/**
 * Picks the step whose failure ended the execution, with its own FailureReason. The execution's reason
 * ("Step failure: One or multiple steps failed.") hides it. When several steps failed, the one that
 * started first is the cause, and the others are usually its consequences.
 */
export function failedStep(state: ExecutionState): { name: string; reason: string } | undefined {
  const failed = state.steps
    .map((step, index) => ({ step, index }))
    .filter(({ step }) => step.status === 'Failed');
  if (failed.length === 0) return undefined;

  failed.sort((a, b) => startOf(a.step) - startOf(b.step) || a.index - b.index);
  const step = failed[0]!.step;
  return {
    name: step.name,
    reason: step.failureReason ?? state.failureReason ?? 'SageMaker gave no failure reason for this step.',
  };
}

function startOf(step: StepState): number {
  return step.startTime?.getTime() ?? step.endTime?.getTime() ?? Number.POSITIVE_INFINITY;
}

function hasChanged(previous: ExecutionState | undefined, state: ExecutionState): boolean {
  if (!previous || previous.status !== state.status) return true;

  const before = new Map(previous.steps.map((step) => [step.name, step.status]));
  return state.steps.some((step) => before.get(step.name) !== step.status);
}

/** Describes one execution. A transient error is logged and gives undefined, so the next poll tries again. */
async function describeTolerant(
  executor: Executor,
  arn: string,
  failures: Map<string, number>,
  logger: Pick<Logger, 'info' | 'warning'>,
): Promise<ExecutionState | undefined> {
  try {
    const state = await executor.describe(arn);
    failures.delete(arn);
    return state;
  } catch (error) {
    const transient = error instanceof SageMakerCallError ? error.transient : isTransientAwsError(error);
    if (!transient) throw error;

    const count = (failures.get(arn) ?? 0) + 1;
    failures.set(arn, count);
    logger.warning(`Reading execution ${arn} failed (${count} time${count === 1 ? '' : 's'} in a row): ${errorMessage(error)}; trying again at the next poll.`);
    return undefined;
  }
}

/** Records the outcome of the executions still running and stops them when the options ask for it. */
async function endWaiting(
  executor: Executor,
  arns: string[],
  states: Map<string, ExecutionState>,
  results: Map<string, WaitResult>,
  outcome: 'timed-out' | 'cancelled',
  options: WaitOptions & { logger: Pick<Logger, 'info' | 'warning'> },
): Promise<void> {
  let reason = 'the wait was cancelled';
  if (outcome === 'timed-out') reason = `the wait timed out after ${Math.round(options.timeoutMs / 1000)} s`;

  for (const arn of arns) {
    let state = states.get(arn);

    if (options.stopOnTimeout) {
      options.logger.info(`Stopping execution ${arn}: ${reason}.`);
      try {
        await executor.stop(arn);
        state = (await executor.describe(arn).catch(() => undefined)) ?? state;
      } catch (error) {
        options.logger.warning(`Stopping execution ${arn} failed: ${errorMessage(error)}. Stop it in the SageMaker console.`);
      }
    } else {
      options.logger.info(`Leaving execution ${arn} running: ${reason} and stop-on-timeout is false; a later run of the action can report it.`);
    }

    results.set(arn, { state, outcome });
  }
}

/** Resolves after `ms`, or at once when the signal aborts. */
function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted || ms <= 0) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
