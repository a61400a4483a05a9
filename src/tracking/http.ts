import type { Logger } from '../logging.js';
import { TrackingError, fixForNetworkError, fixForStatus, isRetryableStatus } from './errors.js';
import type { OutgoingRequest, TrackingServer } from './server.js';
import { parseMlflowJson } from './values.js';

/** The part of the project's logger that the tracking client writes to. */
export type TrackingLogger = Pick<Logger, 'debug' | 'info'>;

export interface RetryPolicy {
  /** Attempts per request, the first included. */
  maxAttempts: number;
  /** Limit of one attempt, in milliseconds. */
  timeoutMs: number;
  /** Delay before the second attempt, in milliseconds; it doubles for each later one. */
  baseDelayMs: number;
  /** Upper limit of one delay, in milliseconds, `Retry-After` included. */
  maxDelayMs: number;
}

/**
 * Defaults close to MLflow's Python client (MLFLOW_HTTP_REQUEST_MAX_RETRIES 7, backoff factor 2,
 * MLFLOW_HTTP_REQUEST_TIMEOUT 120 s), shortened so that a dead server fails the job within about 5 minutes.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  timeoutMs: 60_000,
  baseDelayMs: 1_000,
  maxDelayMs: 30_000,
};

export interface CallRequest {
  method: 'GET' | 'POST';
  /** The path under `/api/2.0/mlflow/`, for example `runs/search`. */
  call: string;
  query?: Record<string, string>;
  body?: unknown;
}

export interface Transport {
  send(request: CallRequest): Promise<unknown>;
}

export interface TransportOptions {
  server: TrackingServer;
  logger: TrackingLogger;
  retry: RetryPolicy;
  fetch: typeof fetch;
  /** Waits between attempts; replaced in tests. */
  sleep?: (milliseconds: number) => Promise<void>;
}

/**
 * Encodes a query component as RFC 3986 does, so that a space is `%20`: SigV4's canonical query uses this
 * encoding, and a `+` from URLSearchParams would make the signature differ from the server's.
 */
function encodeQueryComponent(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

function buildUrl(baseUrl: string, request: CallRequest): URL {
  const url = new URL(`${baseUrl}/api/2.0/mlflow/${request.call}`);
  const pairs = Object.entries(request.query ?? {}).map(([key, value]) => `${encodeQueryComponent(key)}=${encodeQueryComponent(value)}`);
  if (pairs.length > 0) url.search = pairs.join('&');
  return url;
}

const defaultSleep = (milliseconds: number) => new Promise<void>((resolve) => setTimeout(resolve, milliseconds));

/** Sends MLflow REST calls with auth, a timeout per attempt, and retries with backoff on 429, 5xx and network errors. */
export function createTransport(options: TransportOptions): Transport {
  const { server, logger, retry } = options;
  const sleep = options.sleep ?? defaultSleep;

  async function attempt(request: CallRequest, attemptNumber: number): Promise<{ value?: unknown; error?: TrackingError; retryAfterMs?: number }> {
    const outgoing: OutgoingRequest = {
      method: request.method,
      url: buildUrl(server.baseUrl, request),
      headers: { accept: 'application/json' },
    };
    if (request.body !== undefined) {
      outgoing.body = JSON.stringify(request.body);
      outgoing.headers['content-type'] = 'application/json';
    }
    const auth = await server.authorize(outgoing);

    let response: Response;
    let text: string;
    try {
      response = await options.fetch(outgoing.url, {
        method: outgoing.method,
        headers: { ...outgoing.headers, ...auth },
        body: outgoing.body,
        signal: AbortSignal.timeout(retry.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
      return {
        error: new TrackingError({
          call: request.call,
          serverMessage: `${error instanceof Error ? error.message : String(error)}${cause}`,
          fix: fixForNetworkError(server.target, timedOut, retry.timeoutMs),
          retryable: true,
          attempts: attemptNumber,
        }),
      };
    }

    if (response.ok) {
      try {
        return { value: text.trim() === '' ? {} : parseMlflowJson(text) };
      } catch {
        return {
          error: new TrackingError({
            call: request.call,
            status: response.status,
            serverMessage: `the response is not JSON: ${JSON.stringify(text.slice(0, 200))}`,
            fix: `Check that mlflow-tracking-uri (${server.target}) points at the MLflow tracking server itself, not at a login page or proxy.`,
            retryable: false,
            attempts: attemptNumber,
          }),
        };
      }
    }

    const { errorCode, message } = readErrorBody(text);
    return {
      error: new TrackingError({
        call: request.call,
        status: response.status,
        errorCode,
        serverMessage: message,
        fix: fixForStatus(response.status, errorCode, server.kind, server.target),
        retryable: isRetryableStatus(response.status),
        attempts: attemptNumber,
      }),
      retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
    };
  }

  return {
    async send(request) {
      for (let attemptNumber = 1; ; attemptNumber += 1) {
        logger.debug(`MLflow ${request.method} ${request.call} (attempt ${attemptNumber} of ${retry.maxAttempts})`);
        const result = await attempt(request, attemptNumber);
        if (!result.error) return result.value;

        const error = result.error;
        if (!error.retryable || attemptNumber >= retry.maxAttempts) throw error;

        const backoff = retry.baseDelayMs * 2 ** (attemptNumber - 1);
        const delay = Math.min(retry.maxDelayMs, Math.max(backoff, result.retryAfterMs ?? 0));
        const status = error.status === undefined ? (error.serverMessage ?? 'no response') : `HTTP ${error.status}`;
        logger.info(
          `MLflow ${request.call} failed with ${status} (attempt ${attemptNumber} of ${retry.maxAttempts}); retrying in ${(delay / 1000).toFixed(1)} s.`,
        );
        await sleep(delay);
      }
    },
  };
}

/** Reads MLflow's `{"error_code": …, "message": …}`; a proxy's HTML or text body becomes a short message. */
function readErrorBody(text: string): { errorCode?: string; message?: string } {
  try {
    const body = JSON.parse(text) as { error_code?: unknown; message?: unknown };
    return {
      errorCode: typeof body.error_code === 'string' ? body.error_code : undefined,
      message: typeof body.message === 'string' ? body.message : undefined,
    };
  } catch {
    const snippet = text.replace(/\s+/g, ' ').trim().slice(0, 200);
    return { message: snippet || undefined };
  }
}

/** `Retry-After` in seconds or as an HTTP date, in milliseconds; undefined when absent or unreadable. */
function parseRetryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  if (Number.isFinite(date)) return Math.max(0, date - Date.now());
  return undefined;
}
