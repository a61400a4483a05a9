/**
 * Error names of AWS APIs that mean "try again later". STS and SageMaker return them as the error code;
 * the SDK gives modelled errors a name ending in `Exception`, which is stripped before the lookup.
 */
const TRANSIENT_ERROR_NAMES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'SlowDown',
  'ServiceUnavailable',
  'InternalFailure',
  'InternalError',
  'InternalServerError',
  // STS could not reach the identity provider's keys endpoint; a second try usually succeeds.
  'IDPCommunicationError',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);

/** Node.js socket error codes of a connection that failed on the way, not because of the request. */
const NETWORK_ERROR_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** Returns the error's API name without the SDK's `Exception` suffix, for example `InvalidIdentityToken`. */
export function awsErrorName(error: unknown): string {
  if (typeof error !== 'object' || error === null) return '';
  const record = error as { name?: unknown; Code?: unknown };
  let name = '';
  if (typeof record.Code === 'string') name = record.Code;
  else if (typeof record.name === 'string') name = record.name;

  return name.endsWith('Exception') && name !== 'Exception' ? name.slice(0, -'Exception'.length) : name;
}

/** Returns the HTTP status of the response that carried the error, when there was one. */
export function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const metadata = (error as { $metadata?: { httpStatusCode?: unknown } }).$metadata;
  return typeof metadata?.httpStatusCode === 'number' ? metadata.httpStatusCode : undefined;
}

/**
 * Returns whether a second try of the same request may succeed: throttling, a 5xx response, a network failure or
 * a timeout. Rejections such as access denied or an invalid token are not transient and fail at once.
 */
export function isTransientAwsError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;

  const name = awsErrorName(error);
  if (TRANSIENT_ERROR_NAMES.has(name) || TRANSIENT_ERROR_NAMES.has(`${name}Exception`)) return true;

  const status = httpStatusOf(error);
  if (status !== undefined && (status >= 500 || status === 429)) return true;

  const record = error as { code?: unknown; cause?: unknown; $retryable?: unknown };
  if (typeof record.code === 'string' && NETWORK_ERROR_CODES.has(record.code)) return true;
  if (record.$retryable) return true;

  // fetch() and undici wrap the socket error in `cause`.
  if (record.cause && record.cause !== error) return isTransientAwsError(record.cause);
  return false;
}
