import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { idToken, OIDC_PATH } from './oidc.js';
import { findOperation, validateRequest, validateResponse, type Operation, type SchemaError } from './openapi.js';
import { errorResponse, type RouteRequest, type RouteResponse, type Routes } from './route.js';
import { checkRoutes } from './routes-checks.js';
import { issueRoutes } from './routes-issues.js';
import { repositoryRoutes } from './routes-repository.js';
import { GitHubState } from './state.js';

const ROUTES: Routes = { ...repositoryRoutes, ...issueRoutes, ...checkRoutes };

/** A request or response that broke GitHub's REST description, or a stand-in rule GitHub enforces. */
export interface Violation {
  kind: 'request' | 'response';
  method: string;
  path: string;
  operationId: string;
  status: number;
  errors: SchemaError[];
}

export interface RecordedRequest {
  method: string;
  path: string;
  operationId?: string;
  status: number;
  body?: unknown;
}

export interface StandInOptions {
  state?: GitHubState;
  /** Milliseconds to hold back each response of a route, keyed by operationId (`issues/list-comments`). */
  delays?: Record<string, number>;
}

export interface GitHubStandIn {
  /** Base URL for GITHUB_API_URL and GITHUB_SERVER_URL, such as `http://127.0.0.1:41234`. */
  url: string;
  state: GitHubState;
  /** Requests that GitHub would reject with 422, and responses that broke the description. A passing test expects none. */
  violations(): Violation[];
  /** Requests to paths that the stand-in does not implement, as `METHOD /path`. */
  unimplemented(): string[];
  /** Every request served, in order of arrival. */
  requests(): RecordedRequest[];
  /** Holds back the responses of one operation by `milliseconds` (0 removes the delay), so clients interleave. */
  setDelay(operationId: string, milliseconds: number): void;
  stop(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(response: ServerResponse, result: RouteResponse): void {
  const headers: Record<string, string> = {
    'x-github-media-type': 'github.v3; format=json',
    'x-github-request-id': `STANDIN:${Date.now().toString(16)}`,
    'x-ratelimit-limit': '5000',
    'x-ratelimit-remaining': '4999',
    'x-ratelimit-used': '1',
    'x-ratelimit-resource': 'core',
    'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
    ...result.headers,
  };
  if (result.body === undefined) {
    response.writeHead(result.status, headers).end();
    return;
  }
  headers['content-type'] = 'application/json; charset=utf-8';
  response.writeHead(result.status, headers).end(JSON.stringify(result.body));
}

/** Serves `GET /_oidc/token?api-version=2.0&audience=…` for the job registered under the bearer token. */
function serveIdToken(state: GitHubState, request: IncomingMessage, url: URL): RouteResponse {
  const authorization = request.headers.authorization ?? '';
  const token = /^bearer\s+(.+)$/i.exec(authorization)?.[1];
  const job = token ? state.jobs.get(token) : undefined;
  if (!job) {
    return errorResponse(401, 'The ID token request needs `Authorization: bearer <ACTIONS_ID_TOKEN_REQUEST_TOKEN>` with the token of a job that runnerEnv registered');
  }
  return { status: 200, body: { count: 1, value: idToken(job, url.searchParams.get('audience') ?? undefined) } };
}

function isWrite(method: string): boolean {
  return method !== 'GET' && method !== 'HEAD';
}

/** Starts the GitHub stand-in on 127.0.0.1 at a free port. */
export async function startGitHubStandIn(options: StandInOptions = {}): Promise<GitHubStandIn> {
  const state = options.state ?? new GitHubState();
  const delays = new Map(Object.entries(options.delays ?? {}));
  const violations: Violation[] = [];
  const unimplemented: string[] = [];
  const requests: RecordedRequest[] = [];
  let baseUrl = '';

  const handle = async (request: IncomingMessage): Promise<{ result: RouteResponse; operation?: Operation }> => {
    const method = (request.method ?? 'GET').toUpperCase();
    const url = new URL(request.url ?? '/', baseUrl);
    const text = await readBody(request);

    if (url.pathname === OIDC_PATH && method === 'GET') return { result: serveIdToken(state, request, url) };

    const operation = findOperation(method, url.pathname);
    const route = operation ? ROUTES[operation.operationId] : undefined;
    if (!operation || !route) {
      unimplemented.push(`${method} ${url.pathname}`);
      const known = operation ? `GitHub's operation ${operation.operationId}` : 'a path that GitHub does not have either';
      return { result: errorResponse(404, `The GitHub stand-in does not implement ${method} ${url.pathname} (${known}); add a route in tests/harness/github`) };
    }

    let body: Record<string, unknown> | undefined;
    if (text.length > 0) {
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        return { result: errorResponse(400, 'Problems parsing JSON'), operation };
      }
    }

    const authorization = request.headers.authorization ?? '';
    const token = /^(?:token|bearer)\s+(.+)$/i.exec(authorization)?.[1];
    if (!token) return { result: errorResponse(401, 'Requires authentication'), operation };
    const grant = state.grantFor(token);
    if (isWrite(method) && grant.access !== 'write') {
      return { result: errorResponse(403, 'Resource not accessible by integration'), operation };
    }

    const errors = validateRequest(operation, url.searchParams, body);
    if (errors.length > 0) {
      violations.push({ kind: 'request', method, path: url.pathname, operationId: operation.operationId, status: 422, errors });
      const message = `Invalid request.\n\n${errors.map((e) => `${e.location} ${e.path}: ${e.message}`).join('\n')}`;
      return { result: errorResponse(422, message, { errors }), operation };
    }

    const routeRequest: RouteRequest = { state, urls: { api: baseUrl, web: baseUrl }, params: operation.pathParams, query: url.searchParams, body, url, grant };
    const result = route(routeRequest);
    if (result.status === 422) {
      // A rule GitHub enforces beyond the schema (comment length, a completed check run's conclusion) is a
      // rejected request all the same, so a test that expects no violations notices it.
      const message = String((result.body as { message?: unknown } | undefined)?.message ?? 'rejected');
      violations.push({ kind: 'request', method, path: url.pathname, operationId: operation.operationId, status: 422, errors: [{ location: 'body', path: '/', message }] });
    }
    return { result, operation };
  };

  const server = createServer((request, response) => {
    handle(request)
      .then(async ({ result, operation }) => {
        const method = (request.method ?? 'GET').toUpperCase();
        const path = new URL(request.url ?? '/', baseUrl).pathname;

        if (operation) {
          const errors = validateResponse(operation, result.status, result.body);
          if (errors.length > 0) {
            // A response that breaks the description is a bug in the stand-in, not in the code under test.
            violations.push({ kind: 'response', method, path, operationId: operation.operationId, status: result.status, errors });
            console.error(`GitHub stand-in sent an invalid ${operation.operationId} response: ${JSON.stringify(errors)}`);
          }
        }
        requests.push({ method, path, operationId: operation?.operationId, status: result.status, body: result.body });

        const delay = operation ? delays.get(operation.operationId) ?? 0 : 0;
        if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
        send(response, result);
      })
      .catch((error: unknown) => {
        const message = error instanceof Error ? error.stack ?? error.message : String(error);
        const path = new URL(request.url ?? '/', baseUrl).pathname;
        violations.push({ kind: 'response', method: request.method ?? 'GET', path, operationId: 'unknown', status: 500, errors: [{ location: 'response', path: '/', message }] });
        console.error(`GitHub stand-in failed on ${request.method} ${request.url}: ${message}`);
        send(response, errorResponse(500, `The GitHub stand-in failed: ${message}`));
      });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: baseUrl,
    state,
    violations: () => [...violations],
    unimplemented: () => [...unimplemented],
    requests: () => [...requests],
    setDelay: (operationId, milliseconds) => {
      if (milliseconds > 0) delays.set(operationId, milliseconds);
      else delays.delete(operationId);
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
