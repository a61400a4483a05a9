/** The claims of a GitHub OIDC token that the role's trust policy conditions test. */
export interface TokenClaims {
  sub?: string;
  aud?: string;
  iss?: string;
}

/**
 * Reads the `sub`, `aud` and `iss` claims from a JWT's payload without verifying its signature: they are
 * only printed to explain a rejection, and STS does the verification. Returns empty claims when the token
 * is not a JWT. The token itself must never be logged.
 */
export function decodeTokenClaims(token: string): TokenClaims {
  const payload = token.split('.')[1];
  if (!payload) return {};

  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null) return {};

  const record = parsed as Record<string, unknown>;
  return {
    sub: claimText(record.sub),
    aud: claimText(record.aud),
    iss: claimText(record.iss),
  };
}

/** Converts a claim to text. `aud` may be an array of audiences (RFC 7519, section 4.1.3). */
function claimText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.filter((item) => typeof item === 'string').join(', ');
  return undefined;
}

/**
 * Returns the prefix of the trust policy's condition keys, which is the issuer without its scheme, for example
 * `token.actions.githubusercontent.com` (IAM names OIDC condition keys after the provider URL).
 */
export function conditionKeyPrefix(issuer: string | undefined): string {
  const fallback = 'token.actions.githubusercontent.com';
  if (!issuer) return fallback;
  return issuer.replace(/^https:\/\//, '').replace(/\/$/, '') || fallback;
}
