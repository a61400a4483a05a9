import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DescribePipelineCommand,
  DescribePipelineExecutionCommand,
  ListPipelineExecutionStepsCommand,
  ListPipelineExecutionsCommand,
  StartPipelineExecutionCommand,
  StopPipelineExecutionCommand,
  SageMakerClient,
  type Parameter,
} from '@aws-sdk/client-sagemaker';
import { startMlflow } from '../harness/mlflow.js';
import { startMoto } from '../harness/moto.js';
import type { LocalService } from '../harness/process.js';
import {
  TEST_CREDENTIALS,
  TEST_REGION,
  createTestPipeline,
  sageMakerClient,
  startSageMakerStandIn,
  type SageMakerStandIn,
} from '../harness/sagemaker.js';

const DEFINITION_PATH = 'containers/pipeline/definition.json';

/** Read the project's pipeline definition, or return a small one that declares the parameters these tests send. */
function pipelineDefinition(): string {
  if (existsSync(DEFINITION_PATH)) return readFileSync(DEFINITION_PATH, 'utf8');
  return JSON.stringify({
    Version: '2020-12-01',
    Parameters: [
      { Name: 'CommitSha', Type: 'String' },
      { Name: 'MlflowParentRunId', Type: 'String' },
      { Name: 'ExperimentFile', Type: 'String' },
      { Name: 'MlflowTrackingUri', Type: 'String' },
      { Name: 'LoraR', Type: 'Integer', DefaultValue: 8 },
      { Name: 'LearningRate', Type: 'Float', DefaultValue: 0.0002 },
    ],
    Steps: [],
  });
}

const PIPELINE = 'standin-test-pipeline';
const COMMIT = 'c0ffee0000000000000000000000000000000001';

let moto: LocalService;
let standIn: SageMakerStandIn;
let client: SageMakerClient;

beforeAll(async () => {
  moto = await startMoto();
  standIn = await startSageMakerStandIn({ motoUrl: moto.url });
  client = sageMakerClient(standIn.url);
  await createTestPipeline(standIn.url, PIPELINE, pipelineDefinition());
});

afterAll(async () => {
  client?.destroy();
  await standIn?.stop();
  await moto?.stop();
});

beforeEach(async () => {
  await standIn.reset();
});

async function start(parameters: Parameter[] = [], token: string = randomUUID(), displayName?: string): Promise<string> {
  const response = await client.send(
    new StartPipelineExecutionCommand({
      PipelineName: PIPELINE,
      ClientRequestToken: token,
      PipelineExecutionDisplayName: displayName,
      PipelineParameters: parameters,
    }),
  );
  return response.PipelineExecutionArn ?? '';
}

/** Poll DescribePipelineExecution until the status is terminal, returning every status seen. */
async function pollStatuses(arn: string): Promise<string[]> {
  const seen: string[] = [];
  for (let poll = 0; poll < 30; poll++) {
    const status = (await client.send(new DescribePipelineExecutionCommand({ PipelineExecutionArn: arn })))
      .PipelineExecutionStatus;
    seen.push(status ?? 'missing');
    if (status === 'Succeeded' || status === 'Failed' || status === 'Stopped') break;
  }
  return seen;
}

async function errorOf(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { name: string; message: string };
  }
  throw new Error('the request succeeded, but an error was expected');
}

describe('SageMaker stand-in', () => {
  it('start returns an execution ARN', async () => {
    const arn = await start();

    expect(arn).toMatch(/^arn:aws:sagemaker:us-east-1:\d{12}:pipeline\/standin-test-pipeline\/execution\/[a-z0-9]{12}$/);
  });

  it('execution goes Executing to Succeeded', async () => {
    const statuses = await pollStatuses(await start());

    expect(statuses[0]).toBe('Executing');
    expect(statuses.at(-1)).toBe('Succeeded');
  });

  it('repeated token returns the same execution', async () => {
    const token = randomUUID();

    const first = await start([], token);
    const second = await start([], token);

    expect(second).toBe(first);
    expect(await standIn.startCount()).toBe(1);
    expect((await standIn.execution(first)).startRequests).toBe(2);
  });

  it('display name with underscore is rejected', async () => {
    const error = await errorOf(start([], randomUUID(), 'run_1'));

    expect(error.name).toBe('ValidationException');
    expect(error.message).toContain("Value 'run_1' at 'pipelineExecutionDisplayName'");
    expect(await standIn.startCount()).toBe(0);
  });

  it('display name of 83 characters is rejected', async () => {
    const error = await errorOf(start([], randomUUID(), 'a'.repeat(83)));

    expect(error.name).toBe('ValidationException');
    expect(error.message).toContain('Member must have length less than or equal to 82');
    expect((await standIn.violations()).map((violation) => violation.kind)).toEqual(['request']);
  });

  it('ill-typed parameter is rejected', async () => {
    const error = await errorOf(start([{ Name: 'LoraR', Value: '8.5' }]));

    expect(error.name).toBe('ValidationException');
    expect(error.message).toContain("'LoraR'");
  });

  it('unknown pipeline is ResourceNotFound', async () => {
    const error = await errorOf(
      client.send(new StartPipelineExecutionCommand({ PipelineName: 'no-such-pipeline', ClientRequestToken: randomUUID() })),
    );

    expect(error.name).toBe('ResourceNotFound');
    expect(error.message).toContain('no-such-pipeline');
  });

  it('failed train step keeps its own reason', async () => {
    const reason = "ClientError: ResourceLimitExceeded: The account-level service limit 'ml.g5.12xlarge for training job usage' is 0 Instances";
    await standIn.setScenario({
      match: { ExperimentFile: 'experiments/fails.json' },
      steps: [{ name: 'Preprocess' }, { name: 'Train', outcome: 'Failed', failureReason: reason }, { name: 'Evaluate' }],
    });
    const arn = await start([{ Name: 'ExperimentFile', Value: 'experiments/fails.json' }]);

    await pollStatuses(arn);
    const execution = await client.send(new DescribePipelineExecutionCommand({ PipelineExecutionArn: arn }));
    const steps = (await client.send(new ListPipelineExecutionStepsCommand({ PipelineExecutionArn: arn }))).PipelineExecutionSteps ?? [];

    expect(execution.PipelineExecutionStatus).toBe('Failed');
    expect(execution.FailureReason).toBe('Step failure: One or multiple steps failed.');
    expect(steps.map((step) => step.StepName)).toEqual(['Train', 'Preprocess']);
    expect(steps[0]?.StepStatus).toBe('Failed');
    expect(steps[0]?.FailureReason).toBe(reason);
    expect(steps[0]?.Metadata?.TrainingJob?.Arn).toMatch(/:training-job\/pipelines-/);
    expect(steps[0]?.EndTime).toBeInstanceOf(Date);
  });

  it('stop goes Stopping to Stopped', async () => {
    await standIn.setScenario({ pollsPerStep: 0 });
    const arn = await start();

    await client.send(new StopPipelineExecutionCommand({ PipelineExecutionArn: arn, ClientRequestToken: randomUUID() }));
    const stopping = await client.send(new DescribePipelineExecutionCommand({ PipelineExecutionArn: arn }));
    await standIn.advance(arn);
    const stopped = await client.send(new DescribePipelineExecutionCommand({ PipelineExecutionArn: arn }));
    const steps = (await client.send(new ListPipelineExecutionStepsCommand({ PipelineExecutionArn: arn }))).PipelineExecutionSteps ?? [];

    expect(stopping.PipelineExecutionStatus).toBe('Stopping');
    expect(stopped.PipelineExecutionStatus).toBe('Stopped');
    expect(steps.map((step) => step.StepStatus)).toEqual(['Stopped']);
  });

  it('pollsPerStep 0 waits for advance', async () => {
    await standIn.setScenario({ pollsPerStep: 0 });
    const arn = await start();

    for (let poll = 0; poll < 3; poll++) {
      await client.send(new DescribePipelineExecutionCommand({ PipelineExecutionArn: arn }));
    }
    const before = await standIn.execution(arn);
    const after = await standIn.advance(arn);

    expect(before.steps.map((step) => step.name)).toEqual(['Preprocess']);
    expect(after.steps.map((step) => step.status)).toEqual(['Succeeded', 'Executing']);
  });

  it('list executions is newest first', async () => {
    const first = await start();
    const second = await start();

    const response = await client.send(new ListPipelineExecutionsCommand({ PipelineName: PIPELINE }));

    expect(response.PipelineExecutionSummaries?.map((summary) => summary.PipelineExecutionArn)).toEqual([second, first]);
  });

  it('AWS_ENDPOINT_URL_SAGEMAKER reaches the stand-in', async () => {
    const previous = process.env.AWS_ENDPOINT_URL_SAGEMAKER;
    process.env.AWS_ENDPOINT_URL_SAGEMAKER = standIn.url;
    const fromEnvironment = new SageMakerClient({ region: TEST_REGION, credentials: TEST_CREDENTIALS });
    try {
      await fromEnvironment.send(new StartPipelineExecutionCommand({ PipelineName: PIPELINE, ClientRequestToken: randomUUID() }));
    } finally {
      fromEnvironment.destroy();
      if (previous === undefined) delete process.env.AWS_ENDPOINT_URL_SAGEMAKER;
      else process.env.AWS_ENDPOINT_URL_SAGEMAKER = previous;
    }

    expect(await standIn.startCount()).toBe(1);
  });

  it('other operations are forwarded to moto', async () => {
    const response = await client.send(new DescribePipelineCommand({ PipelineName: PIPELINE }));

    expect(response.PipelineName).toBe(PIPELINE);
    expect(response.PipelineDefinition).toBe(pipelineDefinition());
  });
});

describe('SageMaker stand-in with MLflow', () => {
  let mlflow: LocalService;

  beforeAll(async () => {
    mlflow = await startMlflow();
  });

  afterAll(async () => {
    await mlflow?.stop();
  });

  async function mlflowCall<T>(path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${mlflow.url}/api/2.0/mlflow/${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`MLflow ${path} failed with HTTP ${response.status}: ${await response.text()}`);
    return (await response.json()) as T;
  }

  interface MlflowRun {
    info: { run_id: string; status: string; experiment_id: string };
    data: { tags?: { key: string; value: string }[]; metrics?: { key: string; value: number | string }[] };
  }

  async function createParentRun(experimentName: string): Promise<{ experimentId: string; runId: string }> {
    const { experiment_id: experimentId } = await mlflowCall<{ experiment_id: string }>('experiments/create', { name: experimentName });
    const { run } = await mlflowCall<{ run: MlflowRun }>('runs/create', { experiment_id: experimentId, start_time: Date.now() });
    return { experimentId, runId: run.info.run_id };
  }

  async function runExecution(parentRunId: string, file: string): Promise<void> {
    const arn = await start([
      { Name: 'CommitSha', Value: COMMIT },
      { Name: 'MlflowParentRunId', Value: parentRunId },
      { Name: 'ExperimentFile', Value: file },
      { Name: 'MlflowTrackingUri', Value: mlflow.url },
      { Name: 'LoraR', Value: '16' },
      { Name: 'LearningRate', Value: '2e-05' },
    ]);
    const statuses = await pollStatuses(arn);
    if (statuses.at(-1) !== 'Succeeded') {
      throw new Error(`execution ended ${statuses.at(-1)}: ${JSON.stringify(await standIn.runErrors())}`);
    }
  }

  async function nestedRun(experimentId: string, parentRunId: string, step: string): Promise<MlflowRun | undefined> {
    const { runs } = await mlflowCall<{ runs?: MlflowRun[] }>('runs/search', {
      experiment_ids: [experimentId],
      filter: `tags.\`mlflow.parentRunId\` = '${parentRunId}' and tags.\`experiment-pr.step\` = '${step}'`,
      max_results: 10,
    });
    return runs?.[0];
  }

  const tagOf = (run: MlflowRun | undefined, key: string) => run?.data.tags?.find((tag) => tag.key === key)?.value;
  const metricOf = (run: MlflowRun | undefined, key: string) => run?.data.metrics?.find((metric) => metric.key === key)?.value;

  it('evaluate logs a nested run with tags and metrics', async () => {
    const parent = await createParentRun('standin-nested');

    await runExecution(parent.runId, 'experiments/lora-r16.json');
    const evaluate = await nestedRun(parent.experimentId, parent.runId, 'Evaluate');
    const [execution] = await standIn.executions();

    expect(tagOf(evaluate, 'mlflow.source.git.commit')).toBe(COMMIT);
    expect(tagOf(evaluate, 'experiment-pr.file')).toBe('experiments/lora-r16.json');
    expect(evaluate?.info.status).toBe('FINISHED');
    expect(metricOf(evaluate, 'eval_perplexity')).toBeCloseTo(Number(execution?.metrics.eval_perplexity), 5);
    expect(metricOf(evaluate, 'eval_loss')).toBeCloseTo(Number(execution?.metrics.eval_loss), 5);
  });

  it('preprocess and train log nested runs', async () => {
    const parent = await createParentRun('standin-steps');

    await runExecution(parent.runId, 'experiments/steps.json');

    expect(await nestedRun(parent.experimentId, parent.runId, 'Preprocess')).toBeDefined();
    expect(await nestedRun(parent.experimentId, parent.runId, 'Train')).toBeDefined();
  });

  it('parent run stays running', async () => {
    const parent = await createParentRun('standin-parent');

    await runExecution(parent.runId, 'experiments/parent.json');
    const { run } = await mlflowCall<{ run: MlflowRun }>(`runs/get?run_id=${parent.runId}`);

    expect(run.info.status).toBe('RUNNING');
  });

  it('scenario metrics reach MLflow as NaN', async () => {
    await standIn.setScenario({ match: { ExperimentFile: 'experiments/nan.json' }, metrics: { eval_perplexity: 'NaN' } });
    const parent = await createParentRun('standin-nan');

    await runExecution(parent.runId, 'experiments/nan.json');
    const evaluate = await nestedRun(parent.experimentId, parent.runId, 'Evaluate');

    expect(Number(metricOf(evaluate, 'eval_perplexity'))).toBeNaN();
  });
});
