import { readFileSync } from 'node:fs';

/** The facts that the runner passes to every action through its environment. */
export interface RunnerContext {
  eventName: string;
  payload: Record<string, any>;
  owner: string;
  repo: string;
  sha: string;
  ref: string;
  runId: string;
  runAttempt: string;
  serverUrl: string;
  workflowRunUrl?: string;
}

export function readRunnerContext(env: NodeJS.ProcessEnv = process.env): RunnerContext {
  const repository = env.GITHUB_REPOSITORY ?? '';
  const [owner, repo] = repository.split('/');
  if (!owner || !repo) {
    throw new Error(
      `GITHUB_REPOSITORY is "${repository}", not "owner/repo": run the action in a GitHub Actions workflow, or use the local command (npm run local)`,
    );
  }

  let payload: Record<string, any> = {};
  if (env.GITHUB_EVENT_PATH) {
    try {
      payload = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8'));
    } catch (error) {
      throw new Error(`Could not read the event payload at GITHUB_EVENT_PATH=${env.GITHUB_EVENT_PATH}: ${String(error)}`);
    }
  }

  const serverUrl = env.GITHUB_SERVER_URL ?? 'https://github.com';
  const runId = env.GITHUB_RUN_ID ?? '';
  return {
    eventName: env.GITHUB_EVENT_NAME ?? '',
    payload,
    owner,
    repo,
    sha: env.GITHUB_SHA ?? '',
    ref: env.GITHUB_REF ?? '',
    runId,
    runAttempt: env.GITHUB_RUN_ATTEMPT ?? '1',
    serverUrl,
    workflowRunUrl: runId ? `${serverUrl}/${owner}/${repo}/actions/runs/${runId}` : undefined,
  };
}
