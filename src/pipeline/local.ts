import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { PipelineParameter, PipelineParameterType } from '../experiments/types.js';
import type { ExecutionState, ExecutionStatus, Executor, StartRequest, StepState } from './types.js';

export interface LocalExecutorOptions {
  /** Repository root: the step code and the data paths of the local example are relative to it. */
  repoRoot: string;
  /** Python of the environment that scripts/python-env.sh created. */
  python: string;
  /** The pipeline definition whose steps and parameters the local run follows. */
  definitionPath: string;
  /** The directory of the executions' parameters, data, model outputs and state. */
  workRoot: string;
  /** Extra environment for the step processes. */
  env?: NodeJS.ProcessEnv;
  /**
   * Model directories on this machine by ModelId. Nothing can be downloaded in a local run without a model
   * hub, so a ModelId found here (for example `tiny-llama`, which `npm run local` builds) is replaced by its
   * directory before the steps start.
   */
  modelDirectories?: Record<string, string>;
}

interface RawState {
  status?: string;
  failureReason?: string;
  steps?: { name: string; status: string; startTime?: string; endTime?: string; failureReason?: string }[];
}

const LOCAL_ARN_PREFIX = 'local:pipeline-execution/';

/**
 * Runs the pipeline on this machine: one `containers/pipeline/local_pipeline.py` process per execution,
 * which runs the same step scripts as the images, with SageMaker-style paths and environment variables.
 * Its executions are kept under `workRoot`, keyed by the client request token, so a repeated start with the
 * same token returns the first execution, as SageMaker does.
 */
export class LocalExecutor implements Executor {
  readonly kind = 'local' as const;
  private readonly processes = new Map<string, ChildProcess>();

  constructor(private readonly options: LocalExecutorOptions) {}

  async describeParameters(): Promise<PipelineParameter[]> {
    const definition = JSON.parse(readFileSync(this.options.definitionPath, 'utf8')) as {
      Parameters?: { Name: string; Type: PipelineParameterType; DefaultValue?: string | number | boolean }[];
    };
    return (definition.Parameters ?? []).map((parameter) => ({
      name: parameter.Name,
      type: parameter.Type,
      defaultValue: parameter.DefaultValue,
    }));
  }

  private executionDirectory(id: string): string {
    return join(this.options.workRoot, 'executions', id);
  }

  private idOf(executionArn: string): string {
    if (!executionArn.startsWith(LOCAL_ARN_PREFIX)) {
      throw new Error(`${executionArn} is not a local execution ARN (expected ${LOCAL_ARN_PREFIX}<id>)`);
    }
    return executionArn.slice(LOCAL_ARN_PREFIX.length);
  }

  async start(request: StartRequest): Promise<string> {
    // The id is derived from the token, so the same token finds the same execution directory.
    const id = `${request.displayName.slice(0, 40)}-${createHash('sha256').update(request.clientRequestToken).digest('hex').slice(0, 12)}`;
    const executionArn = `${LOCAL_ARN_PREFIX}${id}`;
    const directory = this.executionDirectory(id);
    if (existsSync(join(directory, 'parameters.json'))) return executionArn;

    mkdirSync(directory, { recursive: true });
    const parameters = Object.fromEntries(request.parameters.map((parameter) => [parameter.name, parameter.value]));
    const modelDirectory = this.options.modelDirectories?.[parameters.ModelId ?? ''];
    if (modelDirectory) parameters.ModelId = modelDirectory;
    writeFileSync(join(directory, 'parameters.json'), `${JSON.stringify(parameters, null, 2)}\n`);
    writeFileSync(join(directory, 'state.json'), `${JSON.stringify({ status: 'Executing', steps: [] })}\n`);

    const child = spawn(
      this.options.python,
      [
        join(this.options.repoRoot, 'containers', 'pipeline', 'local_pipeline.py'),
        '--definition', resolve(this.options.definitionPath),
        '--parameters', join(directory, 'parameters.json'),
        '--work-dir', join(directory, 'work'),
        '--state', join(directory, 'state.json'),
        '--repo-root', this.options.repoRoot,
      ],
      {
        cwd: this.options.repoRoot,
        env: { ...process.env, ...this.options.env },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    child.on('exit', (code) => {
      this.processes.delete(executionArn);
      writeFileSync(join(directory, 'runner.log'), stderr);
      const state = this.readState(directory);
      // A runner that died without writing a final state must not leave the execution "Executing" forever.
      if (code !== 0 && (state.status === 'Executing' || state.status === undefined)) {
        const reason = `the local pipeline runner exited with code ${code}: ${stderr.trim().split('\n').slice(-3).join(' ')}`;
        writeFileSync(join(directory, 'state.json'), `${JSON.stringify({ ...state, status: 'Failed', failureReason: reason })}\n`);
      }
    });
    this.processes.set(executionArn, child);
    return executionArn;
  }

  private readState(directory: string): RawState {
    try {
      return JSON.parse(readFileSync(join(directory, 'state.json'), 'utf8')) as RawState;
    } catch {
      // The runner replaces the file atomically; a missing file means it has not written one yet.
      return { status: 'Executing', steps: [] };
    }
  }

  async describe(executionArn: string): Promise<ExecutionState> {
    const directory = this.executionDirectory(this.idOf(executionArn));
    if (!existsSync(directory)) throw new Error(`Local execution ${executionArn} not found under ${this.options.workRoot}`);
    const raw = this.readState(directory);
    const date = (value?: string) => (value ? new Date(value) : undefined);
    const steps: StepState[] = (raw.steps ?? []).map((step) => ({
      name: step.name,
      status: step.status,
      startTime: date(step.startTime),
      endTime: date(step.endTime),
      failureReason: step.failureReason,
    }));
    // SageMaker lists the newest step first; keep the same order for the callers.
    steps.reverse();
    return { executionArn, status: (raw.status ?? 'Executing') as ExecutionStatus, failureReason: raw.failureReason, steps };
  }

  async parameterValues(executionArn: string): Promise<Record<string, string>> {
    const directory = this.executionDirectory(this.idOf(executionArn));
    return JSON.parse(readFileSync(join(directory, 'parameters.json'), 'utf8')) as Record<string, string>;
  }

  async stop(executionArn: string): Promise<void> {
    this.processes.get(executionArn)?.kill('SIGTERM');
  }

  executionUrl(executionArn: string): string | undefined {
    return `file://${this.executionDirectory(this.idOf(executionArn))}`;
  }
}
