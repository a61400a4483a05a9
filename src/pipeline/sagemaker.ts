import { createHash } from 'node:crypto';
import {
  DescribePipelineCommand,
  DescribePipelineExecutionCommand,
  paginateListPipelineExecutionSteps,
  paginateListPipelineParametersForExecution,
  SageMakerClient,
  StartPipelineExecutionCommand,
  StopPipelineExecutionCommand,
  type PipelineExecutionStep,
} from '@aws-sdk/client-sagemaker';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { PipelineParameter, PipelineParameterType } from '../experiments/types.js';
import type { Logger } from '../logging.js';
import { awsErrorName } from '../credentials/transient.js';
import { SageMakerCallError, toSageMakerError } from './sagemaker-errors.js';
import type { ExecutionState, ExecutionStatus, Executor, StartRequest, StepState } from './types.js';

export interface SageMakerExecutorOptions {
  pipelineName: string;
  region: string;
  /** Without it, the SDK's default credential chain is used. */
  credentials?: AwsCredentialIdentityProvider;
  logger: Pick<Logger, 'info' | 'warning'>;
  /**
   * Tries per call, the first included, for throttling and 5xx responses (the SDK's standard retry strategy
   * with exponential backoff). The SDK default of 3 is low for many executions polled for hours.
   */
  maxAttempts?: number;
}

const PARAMETER_TYPES = new Set<PipelineParameterType>(['String', 'Integer', 'Float', 'Boolean']);

/** Runs the pipeline on SageMaker Pipelines. The SDK honours AWS_ENDPOINT_URL_SAGEMAKER, which tests point at a stand-in. */
export class SageMakerExecutor implements Executor {
  readonly kind = 'sagemaker' as const;
  readonly pipelineName: string;
  private readonly region: string;
  private readonly client: SageMakerClient;
  private readonly logger: Pick<Logger, 'info' | 'warning'>;

  constructor(options: SageMakerExecutorOptions) {
    this.pipelineName = options.pipelineName;
    this.region = options.region;
    this.logger = options.logger;
    this.client = new SageMakerClient({
      region: options.region,
      credentials: options.credentials,
      maxAttempts: options.maxAttempts ?? 8,
      retryMode: 'standard',
    });
  }

  /** Reads the parameters that the pipeline definition declares (DescribePipeline, PipelineDefinition JSON). */
  async describeParameters(): Promise<PipelineParameter[]> {
    const response = await this.call('DescribePipeline', undefined, () =>
      this.client.send(new DescribePipelineCommand({ PipelineName: this.pipelineName })),
    );
    return parseDeclaredParameters(response.PipelineDefinition, this.pipelineName);
  }

  async start(request: StartRequest): Promise<string> {
    const response = await this.call('StartPipelineExecution', undefined, () =>
      this.client.send(
        new StartPipelineExecutionCommand({
          PipelineName: this.pipelineName,
          PipelineExecutionDisplayName: request.displayName,
          PipelineExecutionDescription: request.description,
          ClientRequestToken: request.clientRequestToken,
          PipelineParameters: request.parameters.map((parameter) => ({ Name: parameter.name, Value: parameter.value })),
          // ParallelismConfiguration is left out, so the pipeline's own setting applies.
        }),
      ),
    );

    if (!response.PipelineExecutionArn) {
      throw new SageMakerCallError({
        operation: 'StartPipelineExecution',
        pipelineName: this.pipelineName,
        errorName: 'MissingExecutionArn',
        transient: true,
        message: `SageMaker StartPipelineExecution for pipeline "${this.pipelineName}" returned no execution ARN. Re-run the job: the same ClientRequestToken returns the same execution.`,
        cause: undefined,
      });
    }
    return response.PipelineExecutionArn;
  }

  /** Reads the execution's status and all its steps (ListPipelineExecutionSteps returns at most 100 per page). */
  async describe(executionArn: string): Promise<ExecutionState> {
    const execution = await this.call('DescribePipelineExecution', executionArn, () =>
      this.client.send(new DescribePipelineExecutionCommand({ PipelineExecutionArn: executionArn })),
    );

    const steps: StepState[] = [];
    await this.call('ListPipelineExecutionSteps', executionArn, async () => {
      const pages = paginateListPipelineExecutionSteps({ client: this.client }, { PipelineExecutionArn: executionArn });
      for await (const page of pages) {
        for (const step of page.PipelineExecutionSteps ?? []) steps.push(toStepState(step));
      }
    });

    return {
      executionArn,
      status: (execution.PipelineExecutionStatus ?? 'Executing') as ExecutionStatus,
      failureReason: execution.FailureReason || undefined,
      steps,
    };
  }

  /** Reads the parameter values that the execution was started with (ListPipelineParametersForExecution). */
  async parameterValues(executionArn: string): Promise<Record<string, string>> {
    const values: Record<string, string> = {};
    await this.call('ListPipelineParametersForExecution', executionArn, async () => {
      const pages = paginateListPipelineParametersForExecution({ client: this.client }, { PipelineExecutionArn: executionArn });
      for await (const page of pages) {
        for (const parameter of page.PipelineParameters ?? []) {
          if (parameter.Name !== undefined) values[parameter.Name] = parameter.Value ?? '';
        }
      }
    });
    return values;
  }

  /**
   * Stops the execution. The ClientRequestToken is derived from the ARN, so repeated stops are one request.
   * An execution that already ended or is stopping is left as it is.
   */
  async stop(executionArn: string): Promise<void> {
    const token = createHash('sha256').update(`stop\n${executionArn}`).digest('hex');
    try {
      await this.client.send(new StopPipelineExecutionCommand({ PipelineExecutionArn: executionArn, ClientRequestToken: token }));
      this.logger.info(`Stopping execution ${executionArn}.`);
    } catch (error) {
      const name = awsErrorName(error);
      if (name === 'Conflict' || name === 'ValidationException' || name === 'Validation') {
        const state = await this.describe(executionArn).catch(() => undefined);
        if (state && state.status !== 'Executing') {
          this.logger.info(`Execution ${executionArn} is already ${state.status}; nothing to stop.`);
          return;
        }
      }
      throw toSageMakerError(error, this.context('StopPipelineExecution', executionArn));
    }
  }

  /**
   * Returns the execution's page in the SageMaker console of its region, or undefined when the ARN is not a
   * pipeline execution of the `aws` partition (the console domain of other partitions differs).
   */
  executionUrl(executionArn: string): string | undefined {
    const match = /^arn:aws:sagemaker:([a-z0-9-]+):\d{12}:pipeline\/([^/]+)\/execution\/([^/]+)$/.exec(executionArn);
    if (!match) return undefined;

    const [, region, pipeline, executionId] = match;
    // NOTE: the console's route for one execution is taken from public examples, not from AWS documentation.
    return `https://${region}.console.aws.amazon.com/sagemaker/home?region=${region}#/pipelines/${encodeURIComponent(pipeline!)}/executions/${encodeURIComponent(executionId!)}`;
  }

  private context(operation: string, resource: string | undefined) {
    return { operation, pipelineName: this.pipelineName, region: this.region, resource: resource && `execution ${resource}` };
  }

  private async call<T>(operation: string, resource: string | undefined, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw toSageMakerError(error, this.context(operation, resource));
    }
  }
}

/** Parses DescribePipeline's PipelineDefinition (a JSON string) into the declared parameters. */
export function parseDeclaredParameters(definition: string | undefined, pipelineName: string): PipelineParameter[] {
  if (!definition) {
    throw new Error(`SageMaker DescribePipeline returned no PipelineDefinition for pipeline "${pipelineName}": re-create the pipeline with a definition (pipeline.upsert() in the SageMaker Python SDK).`);
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(definition);
  } catch (error) {
    throw new Error(`The definition of pipeline "${pipelineName}" is not valid JSON (${error instanceof Error ? error.message : String(error)}): re-create the pipeline from its definition script.`);
  }

  const list = (parsed as { Parameters?: unknown }).Parameters ?? [];
  if (!Array.isArray(list)) {
    throw new Error(`The definition of pipeline "${pipelineName}" has "Parameters" that is not a list: re-create the pipeline from its definition script.`);
  }

  return list.map((entry, index) => {
    const { Name: name, Type: type, DefaultValue: defaultValue } = (entry ?? {}) as { Name?: unknown; Type?: unknown; DefaultValue?: unknown };
    if (typeof name !== 'string' || !PARAMETER_TYPES.has(type as PipelineParameterType)) {
      throw new Error(
        `Parameter ${index + 1} of pipeline "${pipelineName}" has Name ${JSON.stringify(name)} and Type ${JSON.stringify(type)}: expected a name and one of String, Integer, Float, Boolean.`,
      );
    }

    const parameter: PipelineParameter = { name, type: type as PipelineParameterType };
    if (typeof defaultValue === 'string' || typeof defaultValue === 'number' || typeof defaultValue === 'boolean') {
      parameter.defaultValue = defaultValue;
    }
    return parameter;
  });
}

function toStepState(step: PipelineExecutionStep): StepState {
  const metadata = step.Metadata;
  const jobArn =
    metadata?.TrainingJob?.Arn ??
    metadata?.ProcessingJob?.Arn ??
    metadata?.TransformJob?.Arn ??
    metadata?.TuningJob?.Arn ??
    metadata?.AutoMLJob?.Arn ??
    metadata?.Model?.Arn ??
    metadata?.RegisterModel?.Arn ??
    metadata?.Lambda?.Arn;

  return {
    name: step.StepName ?? 'unnamed step',
    status: step.StepStatus ?? 'Starting',
    startTime: step.StartTime,
    endTime: step.EndTime,
    failureReason: step.FailureReason || undefined,
    jobArn,
  };
}
