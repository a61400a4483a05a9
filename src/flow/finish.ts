import type { Logger } from '../logging.js';
import { errorMessage } from '../logging.js';
import { failedStep } from '../pipeline/wait.js';
import type { ExecutionState, Executor } from '../pipeline/types.js';
import { finishParentRun, readExecutionMetrics } from '../tracking/runs.js';
import type { TrackingClient } from '../tracking/types.js';
import type { FailedStep, RunReference } from '../report/types.js';
import type { Launched } from './launch.js';

/** The way the wait for one execution ended. */
export type WaitOutcome = 'ended' | 'timed-out' | 'cancelled' | 'not-waited';

/** The end of one launched execution: its state, its metric, and its failed step if any. */
export interface Finished {
  launched: Launched;
  reference: RunReference;
  state?: ExecutionState;
  waitOutcome: WaitOutcome;
  failedStep?: FailedStep;
  /** Set when reading the metric from MLflow failed, with the reason. */
  trackingError?: string;
}

const RUN_STATUS = { Succeeded: 'FINISHED', Failed: 'FAILED', CompletedWithFailures: 'FAILED', Stopped: 'KILLED' } as const;

/**
 * Close the parent run to match the execution and read the metric back from the nested runs that the
 * pipeline's steps logged. An execution that is still running keeps its parent run open for a later job.
 */
export async function finishExecution(
  launched: Launched,
  state: ExecutionState | undefined,
  waitOutcome: WaitOutcome,
  metricName: string,
  tracking: TrackingClient,
  logger: Logger,
): Promise<Finished> {
  const reference: RunReference = {
    executionArn: launched.executionArn,
    executionUrl: launched.executionUrl,
    executionStatus: state?.status,
    parentRunId: launched.parentRun.info.runId,
    runUrl: launched.runUrl,
    commitSha: launched.request.commitSha,
  };
  const finished: Finished = { launched, reference, state, waitOutcome };
  if (!state) return finished;

  finished.failedStep = failedStep(state);

  const runStatus = RUN_STATUS[state.status as keyof typeof RUN_STATUS];
  if (runStatus === undefined) return finished;

  try {
    let metrics: Record<string, number> = {};
    if (state.status === 'Succeeded') {
      metrics = await readExecutionMetrics(tracking, {
        experimentId: launched.parentRun.info.experimentId,
        parentRunId: launched.parentRun.info.runId,
        metricNames: [metricName, 'eval_loss'],
      });
      reference.value = metrics[metricName];
    }
    await finishParentRun(tracking, launched.parentRun.info.runId, {
      executionStatus: state.status,
      executionArn: launched.executionArn,
      metrics,
    });
    logger.info(`Ended parent run ${launched.parentRun.info.runId} as ${runStatus} (execution ${state.status}).`);
  } catch (error) {
    finished.trackingError = errorMessage(error);
    logger.error(`Could not finish parent run ${launched.parentRun.info.runId}: ${finished.trackingError}`);
  }
  return finished;
}

/** Stop an execution that a newer commit or a cancellation replaced; a failure to stop is logged, not fatal. */
export async function stopExecution(executor: Executor, executionArn: string, logger: Logger): Promise<void> {
  try {
    await executor.stop(executionArn);
    logger.info(`Stopped execution ${executionArn}.`);
  } catch (error) {
    logger.warning(`Could not stop execution ${executionArn}: ${errorMessage(error)}`);
  }
}
