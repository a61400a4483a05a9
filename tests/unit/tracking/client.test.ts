import { describe, expect, it } from 'vitest';
import { createTrackingClient, type TrackingClientOptions } from '../../../src/tracking/client.js';
import { TrackingError } from '../../../src/tracking/errors.js';

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

type Reply = { status: number; body: string; headers?: Record<string, string> } | Error;

/** Creates a fetch that records each request and replies with the next scripted reply. */
function scriptedFetch(replies: Reply[]): { fetch: typeof fetch; calls: Call[] } {
  const calls: Call[] = [];
  const stub = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    calls.push({
      url: String(input),
      method: init?.method ?? 'GET',
      headers: { ...(init?.headers as Record<string, string>) },
      body: init?.body as string | undefined,
    });
    const reply = replies.shift();
    if (!reply) throw new Error('no scripted reply left');
    if (reply instanceof Error) throw reply;
    return new Response(reply.body, { status: reply.status, headers: reply.headers });
  };
  return { fetch: stub as typeof fetch, calls };
}

function recordingLogger() {
  const lines: string[] = [];
  return { lines, logger: { debug: (message: string) => lines.push(message), info: (message: string) => lines.push(message) } };
}

const RUN = JSON.stringify({ run: { info: { run_id: 'r1', experiment_id: '1', status: 'RUNNING', start_time: 1 } } });
const ARN = 'arn:aws:sagemaker:eu-west-1:123456789012:mlflow-tracking-server/team-server';
const SECRET_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const SESSION_TOKEN = 'FwoGZXIvYXdzEXAMPLESESSIONTOKEN';

function client(replies: Reply[], overrides: Partial<TrackingClientOptions> = {}) {
  const { fetch, calls } = scriptedFetch(replies);
  const { lines, logger } = recordingLogger();
  const delays: number[] = [];
  const tracking = createTrackingClient({
    trackingUri: 'http://127.0.0.1:5000/',
    fetch,
    logger,
    sleep: async (milliseconds) => {
      delays.push(milliseconds);
    },
    ...overrides,
  });
  return { tracking, calls, lines, delays };
}

describe('createTrackingClient plain server', () => {
  it('posts JSON to the REST path', async () => {
    const { tracking, calls } = client([{ status: 200, body: RUN }]);
    await tracking.createRun('1', 'run', { a: 'b' });
    expect(calls[0]?.url).toBe('http://127.0.0.1:5000/api/2.0/mlflow/runs/create');
    expect(calls[0]?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(calls[0]!.body!).tags).toEqual([{ key: 'a', value: 'b' }]);
  });

  it('sends a bearer token', async () => {
    const { tracking, calls } = client([{ status: 200, body: RUN }], { token: 'secret-token' });
    await tracking.getRun('r1');
    expect(calls[0]?.headers.authorization).toBe('Bearer secret-token');
  });

  it('sends basic auth', async () => {
    const { tracking, calls } = client([{ status: 200, body: RUN }], { username: 'ml', password: 'pw' });
    await tracking.getRun('r1');
    expect(calls[0]?.headers.authorization).toBe(`Basic ${Buffer.from('ml:pw').toString('base64')}`);
  });

  it('encodes a space in the query as %20', async () => {
    const body = JSON.stringify({ experiment: { experiment_id: '4', lifecycle_stage: 'active' } });
    const { tracking, calls } = client([{ status: 200, body }]);
    await tracking.getOrCreateExperiment('owner/repo llm');
    expect(calls[0]?.url).toBe('http://127.0.0.1:5000/api/2.0/mlflow/experiments/get-by-name?experiment_name=owner%2Frepo%20llm');
  });

  it('creates a missing experiment', async () => {
    const missing = JSON.stringify({ error_code: 'RESOURCE_DOES_NOT_EXIST', message: "Could not find experiment with name 'x'" });
    const { tracking, calls } = client([
      { status: 404, body: missing },
      { status: 200, body: JSON.stringify({ experiment_id: '9' }) },
    ]);
    expect(await tracking.getOrCreateExperiment('x')).toBe('9');
    expect(calls[1]?.url).toMatch(/experiments\/create$/);
  });

  it('rejects a deleted experiment with the fix', async () => {
    const body = JSON.stringify({ experiment: { experiment_id: '4', lifecycle_stage: 'deleted' } });
    const { tracking } = client([{ status: 200, body }]);
    await expect(tracking.getOrCreateExperiment('x')).rejects.toThrow(/is deleted; restore it/);
  });

  it('sends non-finite metrics as strings', async () => {
    const { tracking, calls } = client([{ status: 200, body: '{}' }]);
    await tracking.logMetrics('r1', { eval_perplexity: NaN, eval_loss: Infinity });
    const metrics = JSON.parse(calls[0]!.body!).metrics as { key: string; value: unknown }[];
    expect(metrics.map((metric) => metric.value)).toEqual(['NaN', 'Infinity']);
  });

  it('splits more than 100 tags into batches', async () => {
    const { tracking, calls } = client([{ status: 200, body: '{}' }, { status: 200, body: '{}' }]);
    const tags = Object.fromEntries(Array.from({ length: 150 }, (_, index) => [`tag${index}`, 'v']));
    await tracking.setTags('r1', tags);
    expect(calls.map((call) => JSON.parse(call.body!).tags.length)).toEqual([100, 50]);
  });

  it('parses non-finite metrics from runs/get', async () => {
    const body = JSON.stringify({
      run: {
        info: { run_id: 'r1', experiment_id: '1', status: 'FINISHED', start_time: 1 },
        data: { metrics: [{ key: 'eval_perplexity', value: 'NaN', timestamp: 1, step: 0 }, { key: 'eval_loss', value: 'Infinity', timestamp: 1, step: 0 }] },
      },
    });
    const { tracking } = client([{ status: 200, body }]);
    const run = await tracking.getRun('r1');
    expect(run.metrics.eval_perplexity).toBeNaN();
    expect(run.metrics.eval_loss).toBe(Infinity);
  });

  it('returns an empty search page for {}', async () => {
    const { tracking } = client([{ status: 200, body: '{}' }]);
    const page = await tracking.searchRuns({ experimentIds: ['1'], filter: '' });
    expect(page.runs).toEqual([]);
    expect(page.nextPageToken).toBeUndefined();
  });

  it('rejects maxResults above the server limit', async () => {
    const { tracking, calls } = client([]);
    await expect(tracking.searchRuns({ experimentIds: ['1'], filter: '', maxResults: 50_001 })).rejects.toThrow(/1 to 50000/);
    expect(calls).toHaveLength(0);
  });

  it('builds a run link', () => {
    const { tracking } = client([]);
    expect(tracking.runUrl('3', 'abc')).toBe('http://127.0.0.1:5000/#/experiments/3/runs/abc');
  });

  it('rejects a token together with basic auth', () => {
    expect(() => client([], { token: 't', username: 'u', password: 'p' })).toThrow(/set only one way/);
  });

  it('rejects a URI that is neither URL nor ARN', () => {
    expect(() => client([], { trackingUri: 'mlflow-server' })).toThrow(/"mlflow-server" is not a URL/);
  });
});

describe('createTrackingClient retries', () => {
  it('retries a 503 and logs the attempt', async () => {
    const { tracking, calls, lines } = client([{ status: 503, body: 'busy' }, { status: 200, body: RUN }]);
    await tracking.getRun('r1');
    expect(calls).toHaveLength(2);
    expect(lines).toContain('MLflow runs/get failed with HTTP 503 (attempt 1 of 5); retrying in 1.0 s.');
  });

  it('logs no bearer token', async () => {
    const { tracking, lines } = client([{ status: 503, body: '' }, { status: 200, body: RUN }], { token: 'secret-token' });
    await tracking.getRun('r1');
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).not.toContain('secret-token');
  });

  it('retries a network error', async () => {
    const { tracking, calls } = client([new TypeError('fetch failed'), { status: 200, body: RUN }]);
    await tracking.getRun('r1');
    expect(calls).toHaveLength(2);
  });

  it('doubles the delay', async () => {
    const replies: Reply[] = [{ status: 500, body: '' }, { status: 502, body: '' }, { status: 504, body: '' }, { status: 200, body: RUN }];
    const { tracking, delays } = client(replies);
    await tracking.getRun('r1');
    expect(delays).toEqual([1000, 2000, 4000]);
  });

  it('honours Retry-After on 429', async () => {
    const { tracking, delays } = client([{ status: 429, body: '', headers: { 'retry-after': '7' } }, { status: 200, body: RUN }]);
    await tracking.getRun('r1');
    expect(delays).toEqual([7000]);
  });

  it('does not retry a 400', async () => {
    const body = JSON.stringify({ error_code: 'INVALID_PARAMETER_VALUE', message: 'Invalid filter' });
    const { tracking, calls } = client([{ status: 400, body }]);
    await expect(tracking.searchRuns({ experimentIds: ['1'], filter: 'x' })).rejects.toThrow(TrackingError);
    expect(calls).toHaveLength(1);
  });

  it('gives up after the last attempt', async () => {
    const replies: Reply[] = Array.from({ length: 3 }, () => ({ status: 500, body: '' }));
    const { tracking, calls } = client(replies, { retry: { maxAttempts: 3 } });
    await expect(tracking.getRun('r1')).rejects.toThrow(/runs\/get failed with HTTP 500 after 3 attempts/);
    expect(calls).toHaveLength(3);
  });
});

describe('createTrackingClient errors', () => {
  it('names call, status, code, message and fix on 403', async () => {
    const body = JSON.stringify({ error_code: 'PERMISSION_DENIED', message: 'User cannot read experiment 1' });
    const { tracking } = client([{ status: 403, body }], { token: 't' });
    const error = await tracking.getRun('r1').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TrackingError);
    expect((error as Error).message).toBe(
      'MLflow runs/get failed with HTTP 403 (PERMISSION_DENIED: User cannot read experiment 1). ' +
        'Check the credentials for http://127.0.0.1:5000: the mlflow-token input (a bearer token), or mlflow-username and mlflow-password (basic auth).',
    );
  });

  it('names the sagemaker-mlflow permissions on 403 from SageMaker', async () => {
    const credentials = async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: SECRET_KEY });
    const { tracking } = client([{ status: 403, body: '{"message":"not authorized"}' }], { trackingUri: ARN, credentials });
    await expect(tracking.getRun('r1')).rejects.toThrow(`allows the sagemaker-mlflow:* actions on ${ARN}`);
  });

  it('explains an HTML page', async () => {
    const { tracking } = client([{ status: 200, body: '<html>Sign in</html>' }]);
    await expect(tracking.getRun('r1')).rejects.toThrow(/not JSON.*not at a login page/);
  });

  it('explains a timeout', async () => {
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    const { tracking } = client([timeout], { retry: { maxAttempts: 1, timeoutMs: 250 } });
    await expect(tracking.getRun('r1')).rejects.toThrow(/did not answer within 250 ms/);
  });
});

describe('createTrackingClient SageMaker server', () => {
  const credentials = async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: SECRET_KEY, sessionToken: SESSION_TOKEN });

  it('sends requests to the regional endpoint', async () => {
    const { tracking, calls } = client([{ status: 200, body: RUN }], { trackingUri: ARN, credentials });
    await tracking.getRun('r1');
    expect(calls[0]?.url).toBe('https://eu-west-1.experiments.sagemaker.aws/api/2.0/mlflow/runs/get?run_id=r1');
  });

  it('signs with SigV4 for sagemaker-mlflow', async () => {
    const { tracking, calls } = client([{ status: 200, body: RUN }], { trackingUri: ARN, credentials });
    await tracking.createRun('1', 'run', {});
    const headers = calls[0]!.headers;
    expect(headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/sagemaker-mlflow\/aws4_request, SignedHeaders=/);
    expect(headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(headers['x-amz-security-token']).toBe(SESSION_TOKEN);
    expect(headers['x-amz-content-sha256']).toMatch(/^[0-9a-f]{64}$/);
  });

  it('signs the tracking server header', async () => {
    const { tracking, calls } = client([{ status: 200, body: RUN }], { trackingUri: ARN, credentials });
    await tracking.getRun('r1');
    expect(calls[0]?.headers['x-mlflow-sm-tracking-server-arn']).toBe(ARN);
    expect(calls[0]?.headers.authorization).toContain('x-mlflow-sm-tracking-server-arn');
  });

  it('uses the endpoint override', async () => {
    const { tracking, calls } = client([{ status: 200, body: RUN }], { trackingUri: ARN, credentials, endpoint: 'http://127.0.0.1:9999' });
    await tracking.getRun('r1');
    expect(calls[0]?.url).toBe('http://127.0.0.1:9999/api/2.0/mlflow/runs/get?run_id=r1');
  });

  it('asks the provider again for each attempt', async () => {
    let requests = 0;
    const counting = async () => {
      requests += 1;
      return { accessKeyId: `AKID${requests}`, secretAccessKey: SECRET_KEY };
    };
    const { tracking, calls } = client([{ status: 500, body: '' }, { status: 200, body: RUN }], { trackingUri: ARN, credentials: counting });
    await tracking.getRun('r1');
    expect(calls[1]?.headers.authorization).toContain('Credential=AKID2/');
  });

  it('logs no secret', async () => {
    const { tracking, lines } = client([{ status: 500, body: '' }, { status: 200, body: RUN }], { trackingUri: ARN, credentials });
    await tracking.getRun('r1');
    const log = lines.join('\n');
    expect(log).toContain('attempt 1 of 5');
    expect(log).not.toContain(SECRET_KEY);
    expect(log).not.toContain(SESSION_TOKEN);
    expect(log).not.toContain('AWS4-HMAC-SHA256');
  });

  it('requires credentials', () => {
    expect(() => client([], { trackingUri: ARN })).toThrow(/no AWS credentials were given; set role-to-assume/);
  });

  it('rejects a malformed ARN', () => {
    expect(() => client([], { trackingUri: 'arn:aws:sagemaker:eu-west-1:123:mlflow-tracking-server/x', credentials })).toThrow(/is not a SageMaker MLflow tracking server ARN/);
  });

  it('rejects a token for a SageMaker server', () => {
    expect(() => client([], { trackingUri: ARN, credentials, token: 't' })).toThrow(/do not apply to the SageMaker tracking server/);
  });
});
