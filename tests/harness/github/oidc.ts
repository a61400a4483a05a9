import { randomUUID } from 'node:crypto';

/** The workflow job that an ID token is issued to; its claims come from these values. */
export interface JobContext {
  /** `owner/name` */
  repository: string;
  repositoryId: number;
  repositoryVisibility: 'private' | 'public' | 'internal';
  eventName: string;
  /** GITHUB_REF, such as `refs/pull/7/merge` or `refs/heads/main`. */
  ref: string;
  sha: string;
  runId: string;
  runAttempt: string;
  actor: string;
  workflow: string;
  /** The job's deployment environment, which replaces the ref in `sub` when set. */
  environment?: string;
  headRef?: string;
  baseRef?: string;
}

/** Path of the stand-in's ID token endpoint; runnerEnv points ACTIONS_ID_TOKEN_REQUEST_URL at it. */
export const OIDC_PATH = '/_oidc/token';

/** Issuer of GitHub Actions ID tokens. */
export const ISSUER = 'https://token.actions.githubusercontent.com';

/** Lifetime of an Actions ID token in seconds: `exp - iat` is 300 in tokens that github.com issues (not documented). */
const LIFETIME_SECONDS = 300;

/**
 * Builds the `sub` claim as GitHub does by default: the environment when the job has one, `pull_request`
 * for pull request events, and the ref otherwise.
 */
export function subjectClaim(job: JobContext): string {
  const prefix = `repo:${job.repository}`;
  if (job.environment) return `${prefix}:environment:${job.environment}`;
  if (job.eventName === 'pull_request' || job.eventName === 'pull_request_target') return `${prefix}:pull_request`;
  return `${prefix}:ref:${job.ref}`;
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/**
 * Builds an ID token with GitHub's claims for `job`. Without an audience, `aud` is `https://github.com/<owner>`,
 * as github.com issues it even where the stand-in serves the API. The signature part is a fixed placeholder
 * because nothing in the tests verifies it.
 */
export function idToken(job: JobContext, audience: string | undefined): string {
  const [owner = ''] = job.repository.split('/');
  const issuedAt = Math.floor(Date.now() / 1000);
  const header = { typ: 'JWT', alg: 'RS256', kid: 'stand-in' };
  const claims: Record<string, unknown> = {
    jti: randomUUID(),
    sub: subjectClaim(job),
    aud: audience ?? `https://github.com/${owner}`,
    ref: job.ref,
    sha: job.sha,
    repository: job.repository,
    repository_owner: owner,
    repository_id: String(job.repositoryId),
    repository_visibility: job.repositoryVisibility,
    run_id: job.runId,
    run_number: '1',
    run_attempt: job.runAttempt,
    actor: job.actor,
    workflow: job.workflow,
    event_name: job.eventName,
    ref_type: job.ref.startsWith('refs/tags/') ? 'tag' : 'branch',
    head_ref: job.headRef ?? '',
    base_ref: job.baseRef ?? '',
    job_workflow_ref: `${job.repository}/.github/workflows/experiments.yml@${job.ref}`,
    runner_environment: 'github-hosted',
    iss: ISSUER,
    nbf: issuedAt - 5,
    iat: issuedAt,
    exp: issuedAt + LIFETIME_SECONDS,
  };
  if (job.environment) claims.environment = job.environment;
  return `${base64url(header)}.${base64url(claims)}.${Buffer.from('stand-in-signature').toString('base64url')}`;
}

/** Reads the claims of a JWT without checking its signature, for assertions in tests. */
export function decodeClaims(token: string): Record<string, unknown> {
  const [, payload] = token.split('.');
  if (!payload) throw new Error('the value is not a JWT: it has no payload part');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}
