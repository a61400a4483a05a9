/** The kind of tracking server a request went to, so that an error can name the right fix. */
export type ServerKind = 'plain' | 'sagemaker';

export interface TrackingErrorDetails {
  /** The REST call, for example `runs/search`. */
  call: string;
  /** The HTTP status; undefined when no response came (network error, timeout). */
  status?: number;
  /** MLflow's `error_code`, for example `RESOURCE_DOES_NOT_EXIST`. */
  errorCode?: string;
  /** MLflow's `message`, or the network error's message. */
  serverMessage?: string;
  /** The next step for the user. */
  fix: string;
  /** Whether a later attempt of the same request can succeed. */
  retryable: boolean;
  attempts: number;
}

/** A failed MLflow REST call, with the call, the status, MLflow's error code and message, and the fix. */
export class TrackingError extends Error {
  readonly call: string;
  readonly status?: number;
  readonly errorCode?: string;
  readonly serverMessage?: string;
  readonly fix: string;
  readonly retryable: boolean;
  readonly attempts: number;

  constructor(details: TrackingErrorDetails) {
    super(formatMessage(details));
    this.name = 'TrackingError';
    this.call = details.call;
    this.status = details.status;
    this.errorCode = details.errorCode;
    this.serverMessage = details.serverMessage;
    this.fix = details.fix;
    this.retryable = details.retryable;
    this.attempts = details.attempts;
  }
}

function formatMessage(details: TrackingErrorDetails): string {
  const outcome = details.status === undefined ? 'failed' : `failed with HTTP ${details.status}`;
  let reason = '';
  if (details.serverMessage) {
    reason = details.errorCode ? ` (${details.errorCode}: ${details.serverMessage})` : ` (${details.serverMessage})`;
  } else if (details.errorCode) {
    reason = ` (${details.errorCode})`;
  }
  const attempts = details.attempts > 1 ? ` after ${details.attempts} attempts` : '';
  return `MLflow ${details.call} ${outcome}${attempts}${reason}. ${details.fix}`;
}

/**
 * Whether an HTTP status is worth another attempt: 429 (rate limited) and 5xx (server or gateway error).
 * Other 4xx statuses return the same response on every attempt, so the request fails at once.
 */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** Returns the fix for an HTTP error, by status and MLflow error code. */
export function fixForStatus(status: number, errorCode: string | undefined, server: ServerKind, target: string): string {
  if (status === 401 || status === 403) {
    if (server === 'sagemaker') {
      return `Check that the assumed role's IAM policy allows the sagemaker-mlflow:* actions on ${target}, and that the tracking server is in the role's account and region.`;
    }
    return `Check the credentials for ${target}: the mlflow-token input (a bearer token), or mlflow-username and mlflow-password (basic auth).`;
  }
  if (status === 404 && errorCode === 'RESOURCE_DOES_NOT_EXIST') {
    return 'Check that the experiment or run id exists on this tracking server and was not deleted.';
  }
  if (status === 404) {
    return `Check that mlflow-tracking-uri (${target}) is the base URL of an MLflow tracking server, without /api/2.0/mlflow.`;
  }
  if (status === 429) {
    return 'The tracking server kept rate-limiting the requests; re-run the job later or raise the server\'s request limit.';
  }
  if (status >= 500) {
    return `The tracking server ${target} kept failing; check its health and logs, then re-run the job.`;
  }
  return 'The tracking server rejected the request; the message above names the value it did not accept.';
}

/** Returns the fix for a request that got no response. */
export function fixForNetworkError(target: string, timedOut: boolean, timeoutMs: number): string {
  if (timedOut) {
    return `The tracking server ${target} did not answer within ${timeoutMs} ms; check that it is running and not overloaded, then re-run the job.`;
  }
  return `Check that ${target} is reachable from this runner (DNS, network, proxy and TLS).`;
}
