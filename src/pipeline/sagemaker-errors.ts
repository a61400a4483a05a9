import { CredentialsError } from '../credentials/errors.js';
import { awsErrorName, isTransientAwsError } from '../credentials/transient.js';
import { errorMessage } from '../logging.js';

/** A SageMaker API call that failed, with the pipeline, the operation and what to do about it. */
export class SageMakerCallError extends Error {
  readonly operation: string;
  readonly pipelineName: string;
  /** The API's error code, for example `ResourceNotFound` or `AccessDenied`. */
  readonly errorName: string;
  /** Whether a later try may succeed (throttling, 5xx, network); the SDK has already retried it. */
  readonly transient: boolean;

  constructor(options: { operation: string; pipelineName: string; errorName: string; transient: boolean; message: string; cause: unknown }) {
    super(options.message, { cause: options.cause });
    this.name = 'SageMakerCallError';
    this.operation = options.operation;
    this.pipelineName = options.pipelineName;
    this.errorName = options.errorName;
    this.transient = options.transient;
  }
}

const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'NotAuthorized']);
const INVALID_CREDENTIALS = new Set(['ExpiredToken', 'UnrecognizedClient', 'InvalidClientTokenId', 'InvalidSignature', 'SignatureDoesNotMatch', 'MissingAuthenticationToken', 'CredentialsProviderError']);

export interface CallContext {
  operation: string;
  pipelineName: string;
  region: string;
  /** The resource the call was about, when it is not the pipeline itself (an execution ARN). */
  resource?: string;
}

/**
 * Wraps an error of the SageMaker client in a message that names the pipeline, the operation and the fix.
 * Errors of the credentials provider pass through unchanged, because their message already carries the
 * fix for the role or the token.
 */
export function toSageMakerError(error: unknown, context: CallContext): Error {
  if (error instanceof CredentialsError || error instanceof SageMakerCallError) return error;

  const name = awsErrorName(error) || 'Error';
  const message = errorMessage(error);
  const transient = isTransientAwsError(error);
  const subject = context.resource ?? `pipeline "${context.pipelineName}"`;
  const text = `SageMaker ${context.operation} failed for ${subject} in ${context.region}: ${name}: ${message}. ${fixFor(name, message, transient, context)}`;

  return new SageMakerCallError({ operation: context.operation, pipelineName: context.pipelineName, errorName: name, transient, message: text, cause: error });
}

function fixFor(name: string, message: string, transient: boolean, context: CallContext): string {
  if (ACCESS_DENIED.has(name)) {
    return `Allow the IAM action \`sagemaker:${context.operation}\` to the role, on the ARN of the pipeline "${context.pipelineName}" and on its executions (the pipeline ARN followed by \`/execution/*\`).`;
  }
  if (INVALID_CREDENTIALS.has(name)) {
    return 'The AWS credentials are invalid or expired: check `role-to-assume`, or the AWS credentials of the environment.';
  }
  if (name === 'ResourceNotFound' || /does not exist|not found|could not find/i.test(message)) {
    return context.resource
      ? `Check that the execution belongs to the pipeline "${context.pipelineName}" in ${context.region}.`
      : `Check the \`pipeline-name\` input ("${context.pipelineName}") and \`aws-region\` (${context.region}): the pipeline must exist in that region of the role's account.`;
  }
  if (name === 'ResourceLimitExceeded') {
    return 'An account quota of SageMaker Pipelines was reached (for example concurrent executions): wait for running executions to end, or request a quota increase in Service Quotas.';
  }
  if (transient) {
    return 'SageMaker or the network is unavailable or throttling the calls, and the SDK retries did not help: re-run the job later.';
  }
  if (name === 'ValidationException') {
    return 'SageMaker rejected a value of the request: check the pipeline parameters named in the message.';
  }
  return 'Check the message above; if it names a value of the experiment file, fix that value.';
}
