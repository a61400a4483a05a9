import * as core from '@actions/core';

/** The action's inputs (action.yml), parsed and checked once. */
export interface ActionInputs {
  experimentsPattern: string;
  pipelineName?: string;
  region?: string;
  roleToAssume?: string;
  audience: string;
  roleDurationSeconds: number;
  trackingUri?: string;
  mlflowExperiment?: string;
  mlflowToken?: string;
  mlflowUsername?: string;
  mlflowPassword?: string;
  githubToken: string;
  baselineBranch: string;
  baselineMissing: 'run' | 'skip';
  wait: boolean;
  timeoutMinutes: number;
  pollIntervalSeconds: number;
  stopOnTimeout: boolean;
  checkName: string;
  configPath: string;
}

/** An input that has a value the action cannot use; the message names the input and the fix. */
export class InputError extends Error {
  constructor(input: string, value: string, expected: string) {
    super(`Input "${input}" has the invalid value "${value}": ${expected}. Change it in the workflow's \`with:\` block.`);
    this.name = 'InputError';
  }
}

function optional(name: string): string | undefined {
  const value = core.getInput(name).trim();
  return value === '' ? undefined : value;
}

function withDefault(name: string, fallback: string): string {
  return optional(name) ?? fallback;
}

function boolean(name: string, fallback: boolean): boolean {
  const value = optional(name);
  if (value === undefined) return fallback;
  if (/^(true|yes|1)$/i.test(value)) return true;
  if (/^(false|no|0)$/i.test(value)) return false;
  throw new InputError(name, value, 'expected true or false');
}

function number(name: string, fallback: number, minimum: number, maximum: number): number {
  const value = optional(name);
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < minimum || parsed > maximum) {
    throw new InputError(name, value, `expected a number from ${minimum} to ${maximum}`);
  }
  return parsed;
}

export function readInputs(): ActionInputs {
  const baselineMissing = withDefault('baseline-missing', 'run');
  if (baselineMissing !== 'run' && baselineMissing !== 'skip') {
    throw new InputError('baseline-missing', baselineMissing, 'expected "run" or "skip"');
  }

  const inputs: ActionInputs = {
    experimentsPattern: withDefault('experiments', 'experiments/*.json'),
    pipelineName: optional('pipeline-name'),
    region: optional('aws-region') ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION,
    roleToAssume: optional('role-to-assume'),
    audience: withDefault('audience', 'sts.amazonaws.com'),
    // STS accepts 900 s to 12 h (the role's MaxSessionDuration may be lower).
    roleDurationSeconds: number('role-duration-seconds', 3600, 900, 43_200),
    trackingUri: optional('mlflow-tracking-uri'),
    mlflowExperiment: optional('mlflow-experiment'),
    mlflowToken: optional('mlflow-token'),
    mlflowUsername: optional('mlflow-username'),
    mlflowPassword: optional('mlflow-password'),
    githubToken: withDefault('github-token', process.env.GITHUB_TOKEN ?? ''),
    baselineBranch: withDefault('baseline-branch', 'main'),
    baselineMissing,
    wait: boolean('wait', true),
    // A GitHub-hosted job lives at most 6 hours; the default leaves time to report.
    timeoutMinutes: number('timeout-minutes', 330, 1, 7 * 24 * 60),
    pollIntervalSeconds: number('poll-interval-seconds', 30, 0.01, 3600),
    stopOnTimeout: boolean('stop-on-timeout', true),
    checkName: withDefault('check-name', 'experiment-pr'),
    configPath: withDefault('config', '.github/experiment-pr.json'),
  };

  for (const secret of [inputs.mlflowToken, inputs.mlflowPassword]) {
    if (secret) core.setSecret(secret);
  }
  return inputs;
}
