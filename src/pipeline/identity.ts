import { createHash } from 'node:crypto';

/** PipelineExecutionDisplayName limits (SageMaker API reference): 1 to 82 characters. */
export const MAX_DISPLAY_NAME_LENGTH = 82;
export const DISPLAY_NAME_PATTERN = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,81}$/;

/** Fields that identify an execution. The same values give the same execution back. */
export interface ExecutionIdentity {
  /** `owner/repo`. */
  repository: string;
  commitSha: string;
  file: string;
  /** Hash of the experiment's canonical parsed form. */
  contentHash: string;
  /** `1` for the first run; each `/rerun` raises it. */
  attempt: string | number;
}

/**
 * Derives the ClientRequestToken of StartPipelineExecution: the SHA-256 (64 hex digits, within the
 * API's 32 to 128 characters) of exactly the identity's fields. A retried or re-run workflow therefore
 * gets the same execution back instead of a second one.
 */
export function clientRequestToken(identity: ExecutionIdentity): string {
  const fields = [identity.repository, identity.commitSha, identity.file, identity.contentHash, String(identity.attempt)];
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex');
}

/**
 * Builds the execution's display name: the file's stem, the short commit SHA and the attempt, for example
 * `llama2-lora-1a2b3c4-attempt-1`. Characters other than letters and digits become `-`, and a long stem is
 * cut so that the name fits the API's 82 characters.
 */
export function executionDisplayName(options: Pick<ExecutionIdentity, 'file' | 'commitSha' | 'attempt'>): string {
  const base = options.file.split('/').pop() ?? options.file;
  const stem = base.replace(/\.json$/i, '');
  const shortSha = toNamePart(options.commitSha).slice(0, 7) || 'nosha';
  const attempt = toNamePart(String(options.attempt)).slice(0, 10) || '1';
  const suffix = `-${shortSha}-attempt-${attempt}`;

  const room = MAX_DISPLAY_NAME_LENGTH - suffix.length;
  const stemPart = toNamePart(stem).slice(0, room).replace(/-+$/, '') || 'experiment';
  return `${stemPart}${suffix}`;
}

/** Keeps letters and digits, joins the rest with single hyphens, and trims hyphens at both ends. */
function toNamePart(value: string): string {
  return value
    .replace(/[^a-zA-Z0-9]+/g, '-')
    .replace(/^-+/, '')
    .replace(/-+$/, '');
}
