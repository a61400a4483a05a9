import type { Logger } from '../logging.js';
import { waitForExecutions } from '../pipeline/wait.js';
import type { ExecutionState, Executor, StepState } from '../pipeline/types.js';
import type { WaitOutcome } from './finish.js';
import type { Launched } from './launch.js';

export interface WaitOptions {
  wait: boolean;
  timeoutMs: number;
  pollIntervalMs: number;
  stopOnTimeout: boolean;
  signal?: AbortSignal;
}

export interface Ended {
  state?: ExecutionState;
  outcome: WaitOutcome;
}

function describeStep(step: StepState): string {
  const seconds = step.startTime && step.endTime ? ` in ${Math.round((step.endTime.getTime() - step.startTime.getTime()) / 1000)} s` : '';
  const reason = step.failureReason ? `: ${step.failureReason}` : '';
  return `${step.name} ${step.status}${seconds}${reason}`;
}

/**
 * Wait for the launched executions (or, with `wait: false`, only read their state once) and log each
 * step's progress as it changes, then one group per experiment with every step.
 */
export async function waitForLaunched(executor: Executor, launched: Launched[], options: WaitOptions, logger: Logger): Promise<Map<string, Ended>> {
  const ended = new Map<string, Ended>();
  if (launched.length === 0) return ended;

  const byArn = new Map(launched.map((entry) => [entry.executionArn, entry]));
  const label = (arn: string) => {
    const entry = byArn.get(arn);
    return entry ? `${entry.request.experiment.path} (${entry.request.purpose})` : arn;
  };

  if (!options.wait) {
    logger.info(`wait is false: leaving ${launched.length} execution(s) running; a later run of the action reports them.`);
    for (const entry of launched) ended.set(entry.executionArn, { outcome: 'not-waited' });
    return ended;
  }

  logger.info(`Waiting for ${byArn.size} execution(s), at most ${Math.round(options.timeoutMs / 60_000)} min.`);
  const results = await waitForExecutions(executor, [...byArn.keys()], {
    timeoutMs: options.timeoutMs,
    pollIntervalMs: options.pollIntervalMs,
    stopOnTimeout: options.stopOnTimeout,
    signal: options.signal,
    onUpdate: (arn, state, previous) => {
      const before = new Map((previous?.steps ?? []).map((step) => [step.name, step.status]));
      for (const step of state.steps) {
        if (before.get(step.name) !== step.status) logger.info(`${label(arn)}: ${describeStep(step)}`);
      }
      if (previous?.status !== state.status) logger.info(`${label(arn)}: execution ${state.status}`);
    },
  });

  for (const [arn, result] of results) {
    ended.set(arn, { state: result.state, outcome: result.outcome });
    await logger.group(`Steps of ${label(arn)}`, async () => {
      logger.info(`Execution ${arn}: ${result.state?.status ?? 'unknown'} (${result.outcome})`);
      const steps = [...(result.state?.steps ?? [])].reverse();
      for (const step of steps) logger.info(`  ${describeStep(step)}`);
    });
  }
  return ended;
}
