import { createHash } from 'node:crypto';

/** STS RoleSessionName limits (AssumeRoleWithWebIdentity API reference): 2 to 64 characters of `[\w+=,.@-]`. */
export const SESSION_NAME_MAX_LENGTH = 64;
export const SESSION_NAME_PATTERN = /^[\w+=,.@-]{2,64}$/;

const PREFIX = 'experiment-pr';

/**
 * Builds the role session name that CloudTrail shows for this workflow run, for example
 * `experiment-pr@octo-org.llm-lab-9876543210-1`. The same repository, run and attempt always give the same
 * name. A repository name too long for the limit is cut and followed by a hash of the whole name, so two
 * long names with a common start still differ.
 */
export function roleSessionName(repository: string, runId: string | number, runAttempt: string | number): string {
  const repositoryPart = sanitize(repository.replace('/', '.')) || 'repository';
  const runPart = `${sanitize(String(runId)) || 'local'}-${sanitize(String(runAttempt)) || '1'}`;

  const full = `${PREFIX}@${repositoryPart}-${runPart}`;
  if (full.length <= SESSION_NAME_MAX_LENGTH) return full;

  // 8 hex digits of the hash keep names of different repositories apart after the cut.
  const hash = createHash('sha256').update(repository).digest('hex').slice(0, 8);
  const room = SESSION_NAME_MAX_LENGTH - `${PREFIX}@-${hash}-${runPart}`.length;
  if (room <= 0) {
    // Only a run id of more than about 40 characters gets here; GitHub run ids are 64-bit integers.
    return `${PREFIX}@${hash}-${runPart}`.slice(0, SESSION_NAME_MAX_LENGTH);
  }
  return `${PREFIX}@${repositoryPart.slice(0, room)}-${hash}-${runPart}`;
}

/** Replaces each character that STS does not allow in a session name with `-`. */
function sanitize(value: string): string {
  return value.replace(/[^\w+=,.@-]/g, '-');
}
