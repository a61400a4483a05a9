import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import type { CheckRunState } from '../../../harness/github/index.js';
import { REPOSITORY, seedMain, type World } from '../world.js';

/** The world of the running suite; the entry file starts it once and every scenario module reads it. */
export interface WorldRef {
  current: World;
}

/** A stand-in AWS endpoint that records every request and rejects it, so that a test can expect none. */
export interface CountingEndpoint {
  url: string;
  /** `METHOD /path target`, in order of arrival; the target is the X-Amz-Target header or the form's Action. */
  requests: string[];
  stop(): Promise<void>;
}

/**
 * Starts a counting endpoint on 127.0.0.1. It returns 403 AccessDenied, which the AWS SDK does not retry,
 * so a product bug that calls AWS shows up as one recorded request instead of a slow retry loop.
 */
export async function startCountingEndpoint(): Promise<CountingEndpoint> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const target = request.headers['x-amz-target'] ?? /(?:^|&)Action=([^&]+)/.exec(body)?.[1] ?? '';
      requests.push(`${request.method} ${request.url} ${String(target)}`);
      response.writeHead(403, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ __type: 'AccessDeniedException', message: 'the counting endpoint of the test rejects every request' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** A proxy in front of a server that delays the first requests of one path until all of them have arrived. */
export interface BarrierProxy {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts a proxy on 127.0.0.1 in front of `targetUrl`. It forwards the first `parties` requests whose path
 * ends with `pathSuffix` only once all of them have arrived, or after `timeoutMs`. So no client sees the
 * effect of another's request before it sends its own, which makes a timing-dependent race certain.
 */
export async function startBarrierProxy(targetUrl: string, pathSuffix: string, parties: number, timeoutMs = 20_000): Promise<BarrierProxy> {
  const waiting: (() => void)[] = [];
  let released = false;
  const release = () => {
    released = true;
    for (const forwardNow of waiting.splice(0)) forwardNow();
  };
  const timer = setTimeout(release, timeoutMs);

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const forward = () => {
        const headers: Record<string, string> = {};
        for (const name of ['content-type', 'authorization', 'accept']) {
          const value = request.headers[name];
          if (typeof value === 'string') headers[name] = value;
        }
        const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
        fetch(`${targetUrl}${request.url}`, { method: request.method, headers, body })
          .then(async (answer) => {
            response.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
            response.end(Buffer.from(await answer.arrayBuffer()));
          })
          .catch((error: unknown) => {
            response.writeHead(502, { 'content-type': 'text/plain' });
            response.end(`barrier proxy could not reach ${targetUrl}: ${String(error)}`);
          });
      };

      if (released || !(request.url ?? '').split('?')[0]!.endsWith(pathSuffix)) {
        forward();
        return;
      }
      waiting.push(forward);
      if (waiting.length >= parties) release();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        clearTimeout(timer);
        release();
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** Environment that sends the action's STS and SageMaker calls to `endpoint` in place of moto and the stand-in. */
export function awsThrough(endpoint: CountingEndpoint): Record<string, string> {
  return { AWS_ENDPOINT_URL_STS: endpoint.url, AWS_ENDPOINT_URL_SAGEMAKER: endpoint.url };
}

export interface OpenedPullRequest {
  number: number;
  head: string;
  base: string;
}

/** Commits `mainFiles` on main, then opens a pull request whose head changes `files` on top of it. */
export function openPullRequest(
  world: World,
  files: Record<string, string | null>,
  mainFiles: Record<string, string> = {},
  options: { fromFork?: boolean } = {},
): OpenedPullRequest {
  const { state } = world.github;
  const { after } = seedMain(world, { 'experiments/.keep': '', ...mainFiles });
  const head = state.addCommit(files, { parent: after, repository: REPOSITORY });
  const pull = state.addPullRequest(REPOSITORY, { head, base: after, fromFork: options.fromFork });
  return { number: pull.number, head, base: after };
}

/** Returns the pull request's one bot comment, as posted (Markdown escapes included). */
export function botComment(world: World, number: number): string {
  const comments = world.github.state.commentsOn(REPOSITORY, number);
  expect(comments, 'the pull request should have exactly one comment').toHaveLength(1);
  return comments[0]!.body;
}

/** Removes Markdown's backslash escapes and the HTML entities that the report writes, to search the text as shown. */
export function shownText(markdown: string): string {
  return markdown.replace(/\\([\\`*_{}[\]()#+\-.!|~])/g, '$1').replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** Finds the check run of one experiment file on `head` by the name the action gives it. */
export function experimentCheck(world: World, head: string, path: string): CheckRunState | undefined {
  return world.github.state.checkRunsFor(REPOSITORY, head).find((check) => check.name === `experiment-pr / ${path}`);
}

/** Finds the aggregate check run (`check-name`, default `experiment-pr`) on `head`. */
export function aggregateCheck(world: World, head: string): CheckRunState | undefined {
  return world.github.state.checkRunsFor(REPOSITORY, head).find((check) => check.name === 'experiment-pr');
}

/**
 * Splits a GFM table row into its cells. GitHub reads a pipe escaped as `\|` as part of a cell, also inside a
 * code span, and the row's outer pipes give no cell.
 */
export function tableCells(row: string): string[] {
  const inner = row.trim().replace(/^\|/, '').replace(/(?<!\\)\|$/, '');
  return inner.split(/(?<!\\)\|/).map((cell) => cell.trim());
}

/**
 * Returns the lines of the first table whose header starts with `| Experiment`, up to the first line that
 * does not start with a pipe, where GitHub ends the table.
 */
export function resultsTable(markdown: string): string[] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line.startsWith('| Experiment'));
  expect(start, 'the report should have the results table').toBeGreaterThanOrEqual(0);
  const table: string[] = [];
  for (const line of lines.slice(start)) {
    if (!line.startsWith('|')) break;
    table.push(line);
  }
  return table;
}

/** Finds the table row of one experiment by the file name in its first cell, and splits it into cells. */
export function tableRow(markdown: string, fileName: string): string[] {
  const row = resultsTable(markdown).find((line) => tableCells(line)[0]?.includes(fileName));
  expect(row, `the results table should have a row for ${fileName}`).toBeDefined();
  return tableCells(row ?? '');
}

/** Length in UTF-8 bytes, the unit in which the report keeps GitHub's comment limit. */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
