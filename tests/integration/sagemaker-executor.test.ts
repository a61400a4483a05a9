import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CredentialsError } from '../../src/credentials/errors.js';
import { clientRequestToken, executionDisplayName } from '../../src/pipeline/identity.js';
import { SageMakerExecutor } from '../../src/pipeline/sagemaker.js';
import type { StartRequest } from '../../src/pipeline/types.js';
import { failedStep, waitForExecutions } from '../../src/pipeline/wait.js';
import { startMoto } from '../harness/moto.js';
import type { LocalService } from '../harness/process.js';
import { createTestPipeline, startSageMakerStandIn, TEST_CREDENTIALS, TEST_REGION, type SageMakerStandIn } from '../harness/sagemaker.js';

const PIPELINE = 'experiment-pr-executor-test';

const DEFINITION = JSON.stringify({
  Version: '2020-12-01',
  Parameters: [
    { Name: 'ModelId', Type: 'String', DefaultValue: 'tiny-llama' },
    { Name: 'LoraR', Type: 'Integer', DefaultValue: 8 },
    { Name: 'LearningRate', Type: 'Float', DefaultValue: 0.0002 },
    { Name: 'CommitSha', Type: 'String' },
    { Name: 'MlflowParentRunId', Type: 'String' },
    { Name: 'ExperimentFile', Type: 'String' },
    { Name: 'MlflowTrackingUri', Type: 'String' },
  ],
  Steps: [],
});

const TRAIN_LIMIT_REASON =
  "ClientError: ResourceLimitExceeded: The account-level service limit 'ml.g5.12xlarge for training job usage' is 0 Instances, with current utilization of 0 Instances and a request delta of 1 Instances. Please use AWS Service Quotas to request an increase for this quota.";

/** Awaits a promise that must reject, and returns its error. */
async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the promise to reject, but it resolved');
}

const silent = { info: () => {}, warning: () => {} };

function executor(pipelineName = PIPELINE): SageMakerExecutor {
  return new SageMakerExecutor({
    pipelineName,
    region: TEST_REGION,
    credentials: async () => TEST_CREDENTIALS,
    logger: silent,
    maxAttempts: 1,
  });
}

/** Builds a start request without MlflowTrackingUri, so that the stand-in logs no MLflow runs. */
function startRequest(file: string, attempt = 1): StartRequest {
  const identity = {
    repository: 'octo-org/llm-lab',
    commitSha: '1a2b3c4d5e6f708192a3b4c5d6e7f80912a3b4c5',
    file,
    contentHash: 'a'.repeat(64),
    attempt,
  };
  return {
    displayName: executionDisplayName(identity),
    clientRequestToken: clientRequestToken(identity),
    parameters: [
      { name: 'LearningRate', value: '2e-05' },
      { name: 'CommitSha', value: identity.commitSha },
      { name: 'ExperimentFile', value: file },
    ],
  };
}

describe('SageMakerExecutor', () => {
  let moto: LocalService;
  let standIn: SageMakerStandIn;
  const savedEndpoint = process.env.AWS_ENDPOINT_URL_SAGEMAKER;

  beforeAll(async () => {
    moto = await startMoto();
    standIn = await startSageMakerStandIn({ motoUrl: moto.url });
    await createTestPipeline(standIn.url, PIPELINE, DEFINITION);
  });

  afterAll(async () => {
    if (savedEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL_SAGEMAKER;
    else process.env.AWS_ENDPOINT_URL_SAGEMAKER = savedEndpoint;
    await standIn?.stop();
    await moto?.stop();
  });

  describe('on moto', () => {
    beforeEach(() => {
      process.env.AWS_ENDPOINT_URL_SAGEMAKER = moto.url;
    });

    it('describes the declared parameters typed', async () => {
      const parameters = await executor().describeParameters();
      expect(parameters).toContainEqual({ name: 'LoraR', type: 'Integer', defaultValue: 8 });
      expect(parameters).toContainEqual({ name: 'LearningRate', type: 'Float', defaultValue: 0.0002 });
      expect(parameters).toContainEqual({ name: 'CommitSha', type: 'String' });
      expect(parameters).toHaveLength(7);
    });

    it('starts an execution', async () => {
      const arn = await executor().start(startRequest('experiments/moto.json'));
      expect(arn).toMatch(new RegExp(`^arn:aws:sagemaker:${TEST_REGION}:\\d{12}:pipeline/${PIPELINE}/execution/`));
    });

    it('names pipeline-name for a missing pipeline', async () => {
      const error = await rejectionOf(executor('no-such-pipeline').describeParameters());
      expect(error.message).toContain('SageMaker DescribePipeline failed for pipeline "no-such-pipeline"');
      expect(error.message).toContain('Check the `pipeline-name` input ("no-such-pipeline")');
    });

    it('passes a credentials error through', async () => {
      const rejected = new CredentialsError('rejected', 'STS AssumeRoleWithWebIdentity rejected the OIDC token');
      const sagemaker = new SageMakerExecutor({
        pipelineName: PIPELINE,
        region: TEST_REGION,
        credentials: async () => {
          throw rejected;
        },
        logger: silent,
      });
      await expect(sagemaker.describeParameters()).rejects.toBe(rejected);
    });
  });

  describe('on the stand-in', () => {
    beforeEach(async () => {
      process.env.AWS_ENDPOINT_URL_SAGEMAKER = standIn.url;
      await standIn.reset();
      await standIn.setScenario({ pollsPerStep: 0 });
    });

    afterEach(async () => {
      expect(await standIn.violations()).toEqual([]);
    });

    it('returns the same execution for a repeated start', async () => {
      const first = await executor().start(startRequest('experiments/repeat.json'));
      const second = await executor().start(startRequest('experiments/repeat.json'));
      expect(second).toBe(first);
      expect(await standIn.startCount()).toBe(1);
    });

    it('starts a new execution for a new attempt', async () => {
      const first = await executor().start(startRequest('experiments/repeat.json', 1));
      const second = await executor().start(startRequest('experiments/repeat.json', 2));
      expect(second).not.toBe(first);
    });

    it('sends display name and parameters', async () => {
      const arn = await executor().start(startRequest('experiments/llama2-lora.json'));
      const execution = await standIn.execution(arn);
      expect(execution.displayName).toBe('llama2-lora-1a2b3c4-attempt-1');
      expect(execution.parameters.LearningRate).toBe('2e-05');
    });

    it('describes the steps with their job ARNs', async () => {
      const sagemaker = executor();
      const arn = await sagemaker.start(startRequest('experiments/steps.json'));
      await standIn.advance(arn);

      const state = await sagemaker.describe(arn);
      expect(state.status).toBe('Executing');
      const byName = new Map(state.steps.map((step) => [step.name, step]));
      expect(byName.get('Preprocess')?.status).toBe('Succeeded');
      expect(byName.get('Preprocess')?.jobArn).toMatch(/:processing-job\//);
      expect(byName.get('Train')?.status).toBe('Executing');
      expect(byName.get('Train')?.jobArn).toMatch(/:training-job\//);
      expect(byName.get('Train')?.startTime).toBeInstanceOf(Date);
    });

    it('names the failed step and its own reason', async () => {
      await standIn.setScenario({
        pollsPerStep: 0,
        steps: [{ name: 'Preprocess' }, { name: 'Train', outcome: 'Failed', failureReason: TRAIN_LIMIT_REASON }, { name: 'Evaluate' }],
      });
      const sagemaker = executor();
      const arn = await sagemaker.start(startRequest('experiments/quota.json'));
      await standIn.advance(arn);
      await standIn.advance(arn);

      const state = await sagemaker.describe(arn);
      expect(state.status).toBe('Failed');
      expect(state.failureReason).toBe('Step failure: One or multiple steps failed.');
      expect(failedStep(state)).toEqual({ name: 'Train', reason: TRAIN_LIMIT_REASON });
    });

    it('stops an executing execution', async () => {
      const sagemaker = executor();
      const arn = await sagemaker.start(startRequest('experiments/stop.json'));
      await sagemaker.stop(arn);
      expect((await sagemaker.describe(arn)).status).toBe('Stopping');
    });

    it('ignores a stop of a stopping execution', async () => {
      const sagemaker = executor();
      const arn = await sagemaker.start(startRequest('experiments/stop-twice.json'));
      await sagemaker.stop(arn);
      await expect(sagemaker.stop(arn)).resolves.toBeUndefined();
    });

    it('ignores a stop of a finished execution', async () => {
      await standIn.setScenario({ pollsPerStep: 0, steps: [{ name: 'Preprocess' }] });
      const sagemaker = executor();
      const arn = await sagemaker.start(startRequest('experiments/finished.json'));
      await standIn.advance(arn);
      await expect(sagemaker.stop(arn)).resolves.toBeUndefined();
      expect((await sagemaker.describe(arn)).status).toBe('Succeeded');
    });

    it('names the execution when it is not found', async () => {
      const missing = `arn:aws:sagemaker:${TEST_REGION}:123456789012:pipeline/${PIPELINE}/execution/000000000000`;
      const error = await rejectionOf(executor().describe(missing));
      expect(error.message).toContain(`SageMaker DescribePipelineExecution failed for execution ${missing}`);
    });

    it('waits until the execution ends', async () => {
      await standIn.setScenario({ pollsPerStep: 1 });
      const sagemaker = executor();
      const arn = await sagemaker.start(startRequest('experiments/wait.json'));

      const results = await waitForExecutions(sagemaker, [arn], {
        timeoutMs: 60_000,
        pollIntervalMs: 10,
        maxPollIntervalMs: 50,
        stopOnTimeout: true,
        logger: silent,
      });
      expect(results.get(arn)?.outcome).toBe('ended');
      expect(results.get(arn)?.state?.status).toBe('Succeeded');
    });

    it('stops the execution when the wait times out', async () => {
      const sagemaker = executor();
      const arn = await sagemaker.start(startRequest('experiments/timeout.json'));

      const results = await waitForExecutions(sagemaker, [arn], { timeoutMs: 0, pollIntervalMs: 10, stopOnTimeout: true, logger: silent });
      expect(results.get(arn)?.outcome).toBe('timed-out');
      expect((await standIn.execution(arn)).status).toBe('Stopping');
    });
  });
});
