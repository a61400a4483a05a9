import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreatePipelineCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { freePort, startProcess, venvBin, type LocalService } from './process.js';

const STANDIN_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'sagemaker_standin.py');

/** moto's default account: CreatePipeline accepts any role ARN in it without checking IAM. */
const TEST_ROLE_ARN = 'arn:aws:iam::123456789012:role/experiment-pr-test-pipeline';

/** Dummy credentials: neither moto nor the stand-in checks signatures. */
export const TEST_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };
export const TEST_REGION = 'us-east-1';

/** A metric value; JSON cannot carry NaN or Infinity as numbers, so they travel as these strings. */
export type MetricValue = number | 'NaN' | 'Infinity' | '-Infinity';

export interface ScenarioStep {
  name: string;
  /** Default: Succeeded. */
  outcome?: 'Succeeded' | 'Failed';
  /** The step's own FailureReason when it fails. */
  failureReason?: string;
  /** Default from the name: Train is Training, CheckPerplexity is Condition, the rest Processing. */
  kind?: 'Processing' | 'Training' | 'Condition';
  /** Forces a condition step's outcome; by default it is eval_perplexity <= PerplexityThreshold. */
  conditionOutcome?: 'True' | 'False';
}

export interface Scenario {
  /** Pipeline parameter values that an execution must have for this scenario; absent: the default scenario. */
  match?: Record<string, string>;
  /** Default: Preprocess, Train, Evaluate, CheckPerplexity, Register, all succeeding. */
  steps?: ScenarioStep[];
  /** Values logged by the Evaluate run in place of the computed ones; null leaves that metric out. */
  metrics?: Record<string, MetricValue | null>;
  /** DescribePipelineExecution/ListPipelineExecutionSteps calls per step; 0: only `advance` moves it. Default 1. */
  pollsPerStep?: number;
}

export interface StandInStep {
  name: string;
  kind: 'Processing' | 'Training' | 'Condition';
  status: string;
  /** Epoch seconds. */
  startTime: number;
  endTime: number | null;
  failureReason: string | null;
  jobArn: string | null;
  conditionOutcome: 'True' | 'False' | null;
  /** The nested MLflow run that the step logged, when it logged one. */
  runId: string | null;
}

export interface StandInExecution {
  arn: string;
  pipelineArn: string;
  pipelineName: string;
  displayName: string;
  clientRequestToken: string;
  status: 'Executing' | 'Stopping' | 'Stopped' | 'Failed' | 'Succeeded';
  failureReason: string | null;
  /** The parameters as StartPipelineExecution sent them. */
  parameters: Record<string, string>;
  /** Every declared parameter's value, the definition's defaults included. */
  resolvedParameters: Record<string, string>;
  /** The metrics the Evaluate run logs (or logged). */
  metrics: Record<string, MetricValue>;
  scenario: Required<Scenario>;
  polls: number;
  /** StartPipelineExecution calls that returned this execution: 1 plus the idempotent repeats. */
  startRequests: number;
  /** Oldest first. */
  steps: StandInStep[];
}

/** A request that the stand-in rejected as invalid, or a response of its own that broke the service model. */
export interface Violation {
  kind: 'request' | 'response';
  operation: string;
  message: string;
  time: number;
}

/** A failure of the stand-in's MLflow logging, which failed the step as it would fail the real step. */
export interface RunError {
  executionArn: string;
  step: string;
  message: string;
}

export interface SageMakerStandIn extends LocalService {
  /** Set the default scenario (no `match`) or add one for matching executions; the last added wins. */
  setScenario(scenario: Scenario): Promise<Required<Scenario>>;
  executions(): Promise<StandInExecution[]>;
  execution(arn: string): Promise<StandInExecution>;
  /** Executions really started; idempotent repeats of a ClientRequestToken do not count. */
  startCount(): Promise<number>;
  /** Finish the execution's current step (or a pending stop) now, whatever its pollsPerStep. */
  advance(arn: string): Promise<StandInExecution>;
  violations(): Promise<Violation[]>;
  runErrors(): Promise<RunError[]>;
  /** Forget executions, scenarios, violations and the start count. Pipelines stay in moto. */
  reset(): Promise<void>;
}

interface ExecutionsPayload {
  startCount: number;
  executions: StandInExecution[];
  runErrors: RunError[];
}

/** Start the SageMaker stand-in on 127.0.0.1 in front of a running moto server. */
export async function startSageMakerStandIn(options: { motoUrl: string }): Promise<SageMakerStandIn> {
  const port = await freePort();
  const service = await startProcess(
    venvBin('python'),
    [STANDIN_SCRIPT, '--port', String(port), '--moto-url', options.motoUrl],
    port,
    '/__standin/health',
  );

  const control = async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${service.url}/__standin/${path}`, {
      method,
      headers: body === undefined ? undefined : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) {
      throw new Error(`stand-in control call ${method} /__standin/${path} failed with HTTP ${response.status}: ${text}`);
    }
    return JSON.parse(text) as T;
  };
  const listExecutions = () => control<ExecutionsPayload>('GET', 'executions');

  return {
    ...service,
    setScenario: (scenario) => control<Required<Scenario>>('POST', 'scenarios', scenario),
    executions: async () => (await listExecutions()).executions,
    execution: async (arn) => {
      const found = (await listExecutions()).executions.find((execution) => execution.arn === arn);
      if (!found) throw new Error(`the stand-in has no execution ${arn}; did the start request fail?`);
      return found;
    },
    startCount: async () => (await listExecutions()).startCount,
    advance: (arn) => control<StandInExecution>('POST', 'advance', { arn }),
    violations: async () => (await control<{ violations: Violation[] }>('GET', 'violations')).violations,
    runErrors: async () => (await listExecutions()).runErrors,
    reset: async () => {
      await control('POST', 'reset', {});
    },
  };
}

/** Create an AWS SDK v3 SageMaker client that sends to `url` (the stand-in) with dummy credentials. */
export function sageMakerClient(url: string): SageMakerClient {
  return new SageMakerClient({ endpoint: url, region: TEST_REGION, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
}

/** Create a pipeline through the stand-in (so in moto) and return its ARN. */
export async function createTestPipeline(sagemakerUrl: string, name: string, definitionJson: string): Promise<string> {
  const client = sageMakerClient(sagemakerUrl);
  try {
    const response = await client.send(
      new CreatePipelineCommand({
        PipelineName: name,
        PipelineDefinition: definitionJson,
        RoleArn: TEST_ROLE_ARN,
        ClientRequestToken: randomUUID(),
      }),
    );
    if (!response.PipelineArn) throw new Error(`CreatePipeline for ${name} returned no PipelineArn`);
    return response.PipelineArn;
  } finally {
    client.destroy();
  }
}
