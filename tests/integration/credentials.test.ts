import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CredentialsError } from '../../src/credentials/errors.js';
import { assumeRoleWithOidc, type AssumeRoleWithOidcOptions } from '../../src/credentials/oidc.js';
import { startMoto } from '../harness/moto.js';
import type { LocalService } from '../harness/process.js';

const ROLE_ARN = 'arn:aws:iam::123456789012:role/experiment-pr';
const ISSUER = 'https://token.actions.githubusercontent.com';
const SUBJECT = 'repo:octo-org/llm-lab:pull_request';

/** Builds a JWT with GitHub's claims and a dummy signature, which moto and the test servers do not verify. */
function githubToken(audience: string): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode({ sub: SUBJECT, aud: audience, iss: ISSUER, iat: now, exp: now + 300 })}.c2lnbmF0dXJl`;
}

/** A small HTTP server on 127.0.0.1 whose handler the test sets. It records each request. */
interface TestServer {
  url: string;
  requests: { url: string; authorization?: string; body: string }[];
  handle: (request: IncomingMessage, body: string, response: ServerResponse) => void;
  close(): Promise<void>;
}

async function startTestServer(): Promise<TestServer> {
  const state: TestServer = {
    url: '',
    requests: [],
    handle: (_request, _body, response) => response.writeHead(404).end(),
    close: async () => {},
  };
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      state.requests.push({ url: request.url ?? '', authorization: request.headers.authorization, body });
      state.handle(request, body, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () => new Promise((resolve) => server.close(() => resolve()));
  return state;
}

function stsError(code: string, message: string): string {
  return `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ErrorResponse>`;
}

function stsSuccess(expiration: Date): string {
  return `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult>
<Credentials><AccessKeyId>ASIASTANDIN000000001</AccessKeyId><SecretAccessKey>stand-in-secret</SecretAccessKey><SessionToken>stand-in-session</SessionToken><Expiration>${expiration.toISOString()}</Expiration></Credentials>
</AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>`;
}

/** Awaits a promise that must reject, and returns its error. */
async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the promise to reject, but it resolved');
}

const ENV_KEYS = ['AWS_ENDPOINT_URL_STS', 'ACTIONS_ID_TOKEN_REQUEST_URL', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN', 'GITHUB_EVENT_NAME'];

describe('assumeRoleWithOidc', () => {
  let moto: LocalService;
  let oidc: TestServer;
  let sts: TestServer;
  const savedEnv: Record<string, string | undefined> = {};
  let warnings: string[];
  let masked: string[];

  function options(overrides: Partial<AssumeRoleWithOidcOptions> = {}): AssumeRoleWithOidcOptions {
    return {
      roleArn: ROLE_ARN,
      region: 'us-east-1',
      durationSeconds: 900,
      sessionName: 'experiment-pr@octo-org.llm-lab-1-1',
      logger: { info: () => {}, warning: (message) => warnings.push(message), debug: () => {} },
      maskSecret: (value) => masked.push(value),
      retryBaseDelayMs: 10,
      ...overrides,
    };
  }

  beforeAll(async () => {
    moto = await startMoto();
    oidc = await startTestServer();
    sts = await startTestServer();
    for (const key of ENV_KEYS) savedEnv[key] = process.env[key];
  });

  afterAll(async () => {
    for (const key of ENV_KEYS) {
      if (savedEnv[key] === undefined) delete process.env[key];
      else process.env[key] = savedEnv[key];
    }
    await oidc?.close();
    await sts?.close();
    await moto?.stop();
  });

  beforeEach(() => {
    warnings = [];
    masked = [];
    oidc.requests.length = 0;
    sts.requests.length = 0;
    oidc.handle = (request, _body, response) => {
      const audience = new URL(request.url ?? '/', oidc.url).searchParams.get('audience') ?? `https://github.com/octo-org`;
      response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ value: githubToken(audience) }));
    };
    // GitHub's request URL already carries a query, and @actions/core appends `&audience=`.
    process.env.ACTIONS_ID_TOKEN_REQUEST_URL = `${oidc.url}/_apis/token?api-version=2.0`;
    process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = 'runtime-request-token';
    process.env.GITHUB_EVENT_NAME = 'pull_request';
    process.env.AWS_ENDPOINT_URL_STS = moto.url;
  });

  afterEach(() => {
    delete process.env.AWS_ENDPOINT_URL_STS;
  });

  it('assumes the role through moto', async () => {
    const credentials = await assumeRoleWithOidc(options())();
    expect(credentials.accessKeyId).toMatch(/^ASIA/);
    expect(credentials.sessionToken).toBeTruthy();
    expect(credentials.expiration!.getTime()).toBeGreaterThan(Date.now());
  });

  it('requests the sts.amazonaws.com audience', async () => {
    await assumeRoleWithOidc(options())();
    const url = new URL(oidc.requests[0]!.url, oidc.url);
    expect(url.searchParams.get('audience')).toBe('sts.amazonaws.com');
  });

  it('sends the runtime request token to GitHub', async () => {
    await assumeRoleWithOidc(options())();
    expect(oidc.requests[0]!.authorization).toBe('Bearer runtime-request-token');
  });

  it('masks key id, secret and session token', async () => {
    const credentials = await assumeRoleWithOidc(options())();
    expect(masked).toEqual([credentials.accessKeyId, credentials.secretAccessKey, credentials.sessionToken]);
  });

  it('caches fresh credentials', async () => {
    const provider = assumeRoleWithOidc(options());
    const first = await provider();
    const second = await provider();
    expect(second.accessKeyId).toBe(first.accessKeyId);
    expect(oidc.requests).toHaveLength(1);
  });

  it('renews with a new token near expiry', async () => {
    let offsetMs = 0;
    const provider = assumeRoleWithOidc(options({ now: () => Date.now() + offsetMs }));
    const first = await provider();

    // 900 s credentials: 11 minutes later less than the 5 minute margin remains.
    offsetMs = 11 * 60_000;
    const renewed = await provider();
    expect(oidc.requests).toHaveLength(2);
    expect(renewed.accessKeyId).not.toBe(first.accessKeyId);
  });

  it('names id-token write without a request URL', async () => {
    delete process.env.ACTIONS_ID_TOKEN_REQUEST_URL;
    const error = await rejectionOf(assumeRoleWithOidc(options())());
    expect(error).toBeInstanceOf(CredentialsError);
    expect((error as CredentialsError).kind).toBe('token-unavailable');
    expect((error as Error).message).toContain('permissions: id-token: write');
  });

  it('rejects a role that is not an ARN', () => {
    expect(() => assumeRoleWithOidc(options({ roleArn: 'experiment-pr' }))).toThrow('Invalid role-to-assume "experiment-pr"');
  });

  describe('with a rejecting STS', () => {
    let token: string;

    beforeEach(() => {
      process.env.AWS_ENDPOINT_URL_STS = sts.url;
      // The token a workflow gets when the audience is not requested.
      token = githubToken('https://github.com/octo-org');
      sts.handle = (_request, _body, response) =>
        response.writeHead(400, { 'Content-Type': 'text/xml' }).end(stsError('InvalidIdentityToken', 'Incorrect token audience'));
    });

    async function rejection(): Promise<Error> {
      const provider = assumeRoleWithOidc(options({ getIdToken: async () => token }));
      return rejectionOf(provider());
    }

    it('names role and claims', async () => {
      const error = await rejection();
      expect(error.message).toContain(ROLE_ARN);
      expect(error.message).toContain(`sub "${SUBJECT}"`);
      expect(error.message).toContain('aud "https://github.com/octo-org"');
      expect(error.message).toContain(`iss "${ISSUER}"`);
      expect(error.message).toContain('event "pull_request"');
    });

    it('names the aud condition', async () => {
      const error = await rejection();
      expect(error.message).toContain('`token.actions.githubusercontent.com:aud` must be "sts.amazonaws.com"');
    });

    it('never prints the token', async () => {
      const error = await rejection();
      expect(error.message).not.toContain(token);
      expect(error.message).not.toContain(token.split('.')[1]!);
    });

    it('does not retry', async () => {
      const error = await rejection();
      expect((error as CredentialsError).kind).toBe('rejected');
      expect(sts.requests).toHaveLength(1);
    });

    it('sends the token to STS', async () => {
      await rejection();
      expect(new URLSearchParams(sts.requests[0]!.body).get('WebIdentityToken')).toBe(token);
    });
  });

  describe('with a flaky STS', () => {
    beforeEach(() => {
      process.env.AWS_ENDPOINT_URL_STS = sts.url;
    });

    it('retries a 503', async () => {
      sts.handle = (_request, _body, response) => {
        if (sts.requests.length === 1) {
          response.writeHead(503, { 'Content-Type': 'text/xml' }).end(stsError('ServiceUnavailable', 'Service is unavailable'));
        } else {
          response.writeHead(200, { 'Content-Type': 'text/xml' }).end(stsSuccess(new Date(Date.now() + 3_600_000)));
        }
      };
      const credentials = await assumeRoleWithOidc(options())();
      expect(credentials.accessKeyId).toBe('ASIASTANDIN000000001');
      expect(sts.requests).toHaveLength(2);
      expect(warnings[0]).toContain('(attempt 1 of 5)');
    });

    it('gives up after the last attempt', async () => {
      sts.handle = (_request, _body, response) =>
        response.writeHead(503, { 'Content-Type': 'text/xml' }).end(stsError('ServiceUnavailable', 'Service is unavailable'));
      const error = (await rejectionOf(assumeRoleWithOidc(options({ maxAttempts: 3 }))())) as CredentialsError;
      expect(error.kind).toBe('transient');
      expect(sts.requests).toHaveLength(3);
    });
  });
});
