import { resolveCredentialsProvider, roleSessionName } from '../credentials/index.js';
import type { ActionInputs } from '../config/inputs.js';
import type { RunnerContext } from '../event/context.js';
import type { Logger } from '../logging.js';
import { SageMakerExecutor } from '../pipeline/sagemaker.js';
import { createTrackingClient } from '../tracking/client.js';
import type { Connections } from './run-plan.js';

function required(value: string | undefined, input: string, example: string): string {
  if (!value) {
    throw new Error(`Input "${input}" is required to run experiments on SageMaker: set it in the workflow's \`with:\` block, for example \`${input}: ${example}\`.`);
  }
  return value;
}

/**
 * Exchange the workflow's OIDC token for the role when `role-to-assume` is set, or use the AWS SDK's
 * default credential chain. Then open the SageMaker pipeline and the MLflow tracking server with them.
 */
export async function connectToAws(inputs: ActionInputs, context: RunnerContext, logger: Logger): Promise<Connections> {
  const pipelineName = required(inputs.pipelineName, 'pipeline-name', 'llm-fine-tuning');
  const region = required(inputs.region, 'aws-region', 'us-east-1');
  const trackingUri = required(inputs.trackingUri, 'mlflow-tracking-uri', 'arn:aws:sagemaker:us-east-1:123456789012:mlflow-tracking-server/team');

  // The provider assumes the role on the first AWS call and again before the credentials expire.
  const credentials = resolveCredentialsProvider({
    roleArn: inputs.roleToAssume,
    audience: inputs.audience,
    region,
    durationSeconds: inputs.roleDurationSeconds,
    sessionName: roleSessionName(`${context.owner}/${context.repo}`, context.runId, context.runAttempt),
    eventName: context.eventName,
    logger,
  });

  const executor = new SageMakerExecutor({ pipelineName, region, credentials, logger });
  const tracking = createTrackingClient({
    trackingUri,
    token: inputs.mlflowToken,
    username: inputs.mlflowUsername,
    password: inputs.mlflowPassword,
    credentials,
    logger,
  });
  return { executor, tracking, trackingUri };
}
