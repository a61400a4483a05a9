import type { PipelineParameter } from '../experiments/types.js';

/**
 * PipelineExecutionStatus values of the SageMaker API. Current API versions also return `CompletedWithFailures`
 * (botocore 1.44 SageMaker service model), an end state with failed steps.
 */
export type ExecutionStatus = 'Executing' | 'Stopping' | 'Stopped' | 'Failed' | 'Succeeded' | 'CompletedWithFailures';

/** One step of an execution, as ListPipelineExecutionSteps returns it. */
export interface StepState {
  name: string;
  /** StepStatus: Starting | Executing | Stopping | Stopped | Failed | Succeeded. */
  status: string;
  startTime?: Date;
  endTime?: Date;
  /** The step's own failure reason, which the execution's reason does not repeat. */
  failureReason?: string;
  /** ARN of the training or processing job the step ran, when it ran one. */
  jobArn?: string;
}

export interface ExecutionState {
  executionArn: string;
  status: ExecutionStatus;
  failureReason?: string;
  steps: StepState[];
}

/** A typed pipeline parameter formatted as the string that StartPipelineExecution sends. */
export interface ParameterAssignment {
  name: string;
  value: string;
}

export interface StartRequest {
  displayName: string;
  /** Idempotency token: the same token returns the same execution instead of starting a second one. */
  clientRequestToken: string;
  parameters: ParameterAssignment[];
  description?: string;
}

/**
 * Runs the pipeline. SageMaker Pipelines is one implementation; the local executor, which runs the same
 * step code as processes on this machine, is the other.
 */
export interface Executor {
  readonly kind: 'sagemaker' | 'local';
  /** The parameters the pipeline definition declares (DescribePipeline). */
  describeParameters(): Promise<PipelineParameter[]>;
  /** Start an execution and return its ARN; a repeated token returns the first execution's ARN. */
  start(request: StartRequest): Promise<string>;
  /** The execution's status with its steps. */
  describe(executionArn: string): Promise<ExecutionState>;
  stop(executionArn: string): Promise<void>;
  /** The parameter values the execution was started with, as strings. */
  parameterValues(executionArn: string): Promise<Record<string, string>>;
  /** A link a person can open for the execution, when there is one. */
  executionUrl(executionArn: string): string | undefined;
}
