import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { planLocal, GitFileSource } from '../event/local.js';
import { matchExperimentFiles } from '../experiments/match.js';
import { selectExperimentPaths } from '../flow/load.js';
import { runPlan } from '../flow/run-plan.js';
import { consoleLogger, type Logger } from '../logging.js';
import { LocalExecutor } from '../pipeline/local.js';
import { ConsolePublisher } from '../report/console-publisher.js';
import { failedOutcomes } from '../report/outputs.js';
import { createTrackingClient } from '../tracking/client.js';

export interface LocalOptions {
  paths: string[];
  base: string;
  experimentsPattern: string;
  trackingUri?: string;
  python?: string;
  baselineMissing: 'run' | 'skip';
  timeoutMinutes: number;
  repoRoot: string;
  stdout: NodeJS.WritableStream;
}

/** Return a free port on 127.0.0.1 that the system picks, so that two local runs never share a server. */
async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolvePort(address.port) : reject(new Error('no free port on 127.0.0.1'))));
    });
  });
}

/**
 * Start `mlflow server` with a SQLite store under .local/mlflow on 127.0.0.1, so that the runs of local
 * executions survive between commands and later runs find their baselines.
 */
async function startLocalMlflow(python: string, stateDirectory: string, logger: Logger): Promise<{ uri: string; stop: () => void }> {
  const directory = join(stateDirectory, 'mlflow');
  mkdirSync(directory, { recursive: true });
  const port = await freePort();
  const child = spawn(
    python,
    ['-m', 'mlflow', 'server', '--host', '127.0.0.1', '--port', String(port), '--workers', '1',
      '--backend-store-uri', `sqlite:///${join(directory, 'mlflow.db')}`, '--default-artifact-root', join(directory, 'artifacts')],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4000);
  });
  const uri = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`mlflow server exited with code ${child.exitCode}:\n${log}`);
    try {
      // Another process may have taken the port since it was chosen; only a live child of ours counts.
      if ((await fetch(`${uri}/health`)).ok && child.exitCode === null) break;
    } catch {
      // Not listening yet.
    }
    await new Promise((wake) => setTimeout(wake, 300));
  }
  logger.info(`Started MLflow at ${uri} (store: ${directory}).`);
  return { uri, stop: () => child.kill('SIGTERM') };
}

/**
 * Run the experiments that differ between the working tree and the base branch
 * (or the ones named) with the local executor, and print the comment a pull request would get.
 */
export async function runLocal(options: LocalOptions): Promise<number> {
  const logger = consoleLogger(Boolean(process.env.RUNNER_DEBUG));
  const repoRoot = resolve(options.repoRoot);
  const stateDirectory = join(repoRoot, '.local');
  const python = options.python ?? (process.env.SEP_VENV ? join(process.env.SEP_VENV, 'bin', 'python') : undefined);
  if (!python || !existsSync(python)) {
    logger.error('No Python environment for the steps: run `npm run local`, which creates it, or set SEP_VENV to the output of `bash scripts/python-env.sh`.');
    return 2;
  }

  const plan = planLocal({ repoRoot, base: options.base, paths: options.paths });
  const files = new GitFileSource(repoRoot);
  if (plan.selection.kind === 'changed') {
    const changed = await selectExperimentPaths(plan, files, options.experimentsPattern, async () => []);
    if (changed.length === 0) {
      const all = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: repoRoot, encoding: 'utf8' });
      const paths = matchExperimentFiles(all.split('\n').filter(Boolean).map((filename) => ({ filename, status: 'modified' })), options.experimentsPattern).map((file) => file.path);
      logger.info(`No experiment differs from ${options.base}; running every experiment as it is: ${paths.join(', ') || 'none'}. Edit one and run again to see a delta.`);
      plan.selection = { kind: 'paths', paths };
    }
  }

  const mlflow = options.trackingUri ? undefined : await startLocalMlflow(python, stateDirectory, logger);
  const trackingUri = options.trackingUri ?? mlflow!.uri;
  try {
    const executor = new LocalExecutor({
      repoRoot,
      python,
      definitionPath: join(repoRoot, 'containers', 'pipeline', 'definition.json'),
      workRoot: stateDirectory,
      env: { MLFLOW_TRACKING_URI: trackingUri },
      modelDirectories: { 'tiny-llama': join(stateDirectory, 'models', 'tiny-llama') },
    });
    const report = await runPlan(
      plan,
      {
        experimentsPattern: options.experimentsPattern,
        baselineBranch: options.base,
        baselineMissing: options.baselineMissing,
        mlflowExperiment: `${plan.owner}/${plan.repo}`,
        wait: true,
        timeoutMs: options.timeoutMinutes * 60_000,
        pollIntervalMs: 1000,
        stopOnTimeout: true,
        serverUrl: 'https://github.com',
      },
      {
        files,
        publisher: new ConsolePublisher(options.stdout, logger),
        logger,
        connect: async () => ({ executor, tracking: createTrackingClient({ trackingUri, logger }), trackingUri }),
        checkGuardrails: () => [],
        failedPaths: async () => [],
      },
    );
    if (mlflow) {
      logger.info(
        `The runs stay in ${join(stateDirectory, 'mlflow')}. To open the links above: ${python} -m mlflow ui --port ${new URL(trackingUri).port} --backend-store-uri sqlite:///${join(stateDirectory, 'mlflow', 'mlflow.db')}`,
      );
    }
    return failedOutcomes(report).length > 0 ? 1 : 0;
  } finally {
    mlflow?.stop();
  }
}
