import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OIDC_PATH, type JobContext } from './oidc.js';
import type { WebhookEvent } from './payloads.js';
import type { GitHubState } from './state.js';

export interface RunnerOptions {
  /** Action inputs by their name in action.yml, such as `role-to-assume`. */
  inputs?: Record<string, string>;
  runId?: string;
  runAttempt?: number;
  /** The job's deployment environment, which becomes the `sub` claim of the ID token. */
  environment?: string;
  workflow?: string;
  /** Folder for the event file, the job summary and the outputs file. A new temp folder is made when absent. */
  directory?: string;
  /**
   * Whether the job may request an ID token. GitHub withholds ACTIONS_ID_TOKEN_REQUEST_URL from
   * `pull_request` runs of a fork, so this defaults to false for those and true otherwise.
   */
  idToken?: boolean;
  /** Access of the minted GITHUB_TOKEN. It is `read` by default for a fork's `pull_request` run, as on GitHub. */
  tokenAccess?: 'read' | 'write';
}

/** Names an input's variable as the runner does: `INPUT_` and the name upper-cased, spaces made `_`, hyphens kept. */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/** GITHUB_SHA and GITHUB_REF of a run of `event`, as GitHub-hosted runners set them. */
function commitAndRef(state: GitHubState, fullName: string, event: WebhookEvent): { sha: string; ref: string } {
  const repository = state.requireRepository(fullName);
  const defaultHead = () => {
    const sha = repository.branches.get(repository.defaultBranch);
    if (!sha) throw new Error(`${fullName} has no commit on its default branch ${repository.defaultBranch}: add one with state.addCommit({...}, { branch })`);
    return sha;
  };

  switch (event.name) {
    case 'pull_request': {
      // The workflow runs on the test merge commit of head into base, not on the head commit.
      const number = Number(event.payload.number);
      return { sha: state.mergeCommit(fullName, number), ref: `refs/pull/${number}/merge` };
    }
    case 'push':
      return { sha: String(event.payload.after), ref: String(event.payload.ref) };
    case 'issue_comment':
    case 'check_run':
      // Both run on the default branch's newest commit, whatever the pull request's head is.
      return { sha: defaultHead(), ref: `refs/heads/${repository.defaultBranch}` };
  }
}

/**
 * Builds the environment that a GitHub-hosted runner gives the action for `event`: GITHUB_* variables, the
 * event file, empty GITHUB_STEP_SUMMARY and GITHUB_OUTPUT files, the ID token request variables, and
 * INPUT_* from `options.inputs`. It registers a GITHUB_TOKEN (as the `github-token` input unless given) and
 * an ID token request token with the stand-in, so both work against it.
 */
export function runnerEnv(standIn: { url: string; state: GitHubState }, event: WebhookEvent, options: RunnerOptions = {}): Record<string, string> {
  const { state } = standIn;
  const fullName = String(event.payload.repository.full_name);
  const repository = state.requireRepository(fullName);
  const directory = options.directory ?? mkdtempSync(join(tmpdir(), 'runner-'));
  const { sha, ref } = commitAndRef(state, fullName, event);
  const fork = event.name === 'pull_request' && Boolean(event.payload.pull_request.head.repo?.fork);
  const runId = options.runId ?? String(1_000_000 + state.newId());
  const runAttempt = String(options.runAttempt ?? 1);
  const actor = String(event.payload.sender?.login ?? repository.owner);

  const eventPath = join(directory, 'event.json');
  const summaryPath = join(directory, 'step-summary.md');
  const outputPath = join(directory, 'github-output.txt');
  writeFileSync(eventPath, JSON.stringify(event.payload, null, 2));
  writeFileSync(summaryPath, '');
  writeFileSync(outputPath, '');

  const githubToken = `ghs_standin${randomBytes(12).toString('hex')}`;
  state.grantToken(githubToken, { actor: state.defaultActor, access: options.tokenAccess ?? (fork ? 'read' : 'write') });

  const env: Record<string, string> = {
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: event.name,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REPOSITORY: `${repository.owner}/${repository.name}`,
    GITHUB_REPOSITORY_OWNER: repository.owner,
    GITHUB_REPOSITORY_ID: String(repository.id),
    GITHUB_SHA: sha,
    GITHUB_REF: ref,
    GITHUB_REF_NAME: ref.replace(/^refs\/(heads|tags)\//, '').replace(/^refs\//, ''),
    GITHUB_RUN_ID: runId,
    GITHUB_RUN_NUMBER: '1',
    GITHUB_RUN_ATTEMPT: runAttempt,
    GITHUB_ACTOR: actor,
    GITHUB_TRIGGERING_ACTOR: actor,
    GITHUB_WORKFLOW: options.workflow ?? 'experiments',
    GITHUB_JOB: 'experiments',
    GITHUB_SERVER_URL: standIn.url,
    GITHUB_API_URL: standIn.url,
    GITHUB_GRAPHQL_URL: `${standIn.url}/graphql`,
    GITHUB_STEP_SUMMARY: summaryPath,
    GITHUB_OUTPUT: outputPath,
    RUNNER_TEMP: directory,
    RUNNER_OS: 'Linux',
  };
  if (event.name === 'pull_request') {
    env.GITHUB_HEAD_REF = String(event.payload.pull_request.head.ref);
    env.GITHUB_BASE_REF = String(event.payload.pull_request.base.ref);
  }

  if (options.idToken ?? !fork) {
    const requestToken = randomBytes(16).toString('hex');
    const job: JobContext = {
      repository: env.GITHUB_REPOSITORY as string,
      repositoryId: repository.id,
      repositoryVisibility: repository.private ? 'private' : 'public',
      eventName: event.name,
      ref,
      sha,
      runId,
      runAttempt,
      actor,
      workflow: env.GITHUB_WORKFLOW as string,
      environment: options.environment,
      headRef: env.GITHUB_HEAD_REF,
      baseRef: env.GITHUB_BASE_REF,
    };
    state.jobs.set(requestToken, job);
    env.ACTIONS_ID_TOKEN_REQUEST_URL = `${standIn.url}${OIDC_PATH}?api-version=2.0`;
    env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = requestToken;
  }

  const inputs = { 'github-token': githubToken, ...options.inputs };
  for (const [name, value] of Object.entries(inputs)) env[inputVariable(name)] = value;
  return env;
}
