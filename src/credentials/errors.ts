import { conditionKeyPrefix, type TokenClaims } from './claims.js';

/**
 * Why credentials could not be had:
 * - `token-unavailable`: GitHub gave no OIDC token (no `id-token: write` permission, or a fork's pull request);
 * - `rejected`: STS rejected the token or the request, and retrying cannot help;
 * - `transient`: STS or the network kept failing for every attempt;
 * - `invalid-input`: an input of the action is out of range.
 */
export type CredentialsErrorKind = 'token-unavailable' | 'rejected' | 'transient' | 'invalid-input';

export class CredentialsError extends Error {
  readonly kind: CredentialsErrorKind;

  constructor(kind: CredentialsErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CredentialsError';
    this.kind = kind;
  }
}

/** Builds the message of a missing OIDC token, whose usual cause is the workflow's permissions or a fork. */
export function tokenUnavailableMessage(detail: string): string {
  return [
    `Could not get a GitHub OIDC token (${detail}): ACTIONS_ID_TOKEN_REQUEST_URL is not set.`,
    'Add `permissions: id-token: write` to the workflow or to this job (set it next to the other permissions,',
    'because listing any permission drops the ones not listed).',
    'Pull requests from forks get no OIDC token at all, so a maintainer has to start their experiments.',
  ].join(' ');
}

export interface RejectionContext {
  roleArn: string;
  audience: string;
  claims: TokenClaims;
  eventName?: string;
  errorName: string;
  errorMessage: string;
}

/**
 * Explains a rejection by STS: the role, the claims the trust policy tests (never the token), the event,
 * and the condition to check, naming first the one that the STS message points to.
 */
export function rejectionMessage(context: RejectionContext): string {
  const { roleArn, audience, claims, eventName, errorName, errorMessage } = context;
  const prefix = conditionKeyPrefix(claims.iss);
  const issuer = claims.iss ?? 'https://token.actions.githubusercontent.com';

  const audienceHint = `the condition \`${prefix}:aud\` must be "${audience}" and the token's aud is "${claims.aud ?? 'unknown'}" (set the action's \`audience\` input to the value the trust policy expects)`;
  const subjectHint = `the condition \`${prefix}:sub\` must match "${claims.sub ?? 'unknown'}" (for pull requests the sub is \`repo:OWNER/REPO:pull_request\`; for an environment, \`repo:OWNER/REPO:environment:NAME\`)`;
  const providerHint = `the account must have an IAM OIDC identity provider for ${issuer} whose audience list contains "${audience}"`;

  const lowered = errorMessage.toLowerCase();
  let hints: string[];
  if (lowered.includes('audience')) {
    hints = [audienceHint, subjectHint, providerHint];
  } else if (lowered.includes('openidconnect provider') || lowered.includes('oidc provider')) {
    hints = [providerHint, audienceHint, subjectHint];
  } else {
    hints = [subjectHint, audienceHint, providerHint];
  }

  const lines = [
    `STS AssumeRoleWithWebIdentity rejected the OIDC token for role ${roleArn}: ${errorName}: ${errorMessage}`,
    `Token claims: sub "${claims.sub ?? 'unknown'}", aud "${claims.aud ?? 'unknown'}", iss "${claims.iss ?? 'unknown'}"; event "${eventName ?? 'unknown'}".`,
    `Check the role's trust policy: ${hints.join('; ')}.`,
  ];
  return lines.join('\n');
}

/**
 * Explains an STS rejection that is about the request rather than the trust policy, or undefined when
 * the trust policy is the place to look.
 */
export function requestRejectionHint(errorName: string, errorMessage: string): string | undefined {
  if (errorName === 'ValidationError' && /durationseconds/i.test(errorMessage)) {
    return 'Lower the action\'s `role-duration-seconds` input to at most the role\'s maximum session duration, or raise that maximum in IAM.';
  }
  if (errorName === 'RegionDisabled') {
    return 'Activate STS in this region (IAM account settings) or set `aws-region` to an active region.';
  }
  return undefined;
}

/** Removes every occurrence of the token from a message that came from elsewhere, as a guard. */
export function redactToken(message: string, token: string): string {
  if (token.length < 8) return message;
  return message.split(token).join('***');
}
