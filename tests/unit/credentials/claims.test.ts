import { describe, expect, it } from 'vitest';
import { conditionKeyPrefix, decodeTokenClaims } from '../../../src/credentials/claims.js';

function jwt(payload: object): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode(payload)}.signature`;
}

describe('decodeTokenClaims', () => {
  it('reads sub, aud and iss', () => {
    const claims = decodeTokenClaims(
      jwt({ sub: 'repo:octo-org/llm-lab:pull_request', aud: 'sts.amazonaws.com', iss: 'https://token.actions.githubusercontent.com' }),
    );
    expect(claims).toEqual({
      sub: 'repo:octo-org/llm-lab:pull_request',
      aud: 'sts.amazonaws.com',
      iss: 'https://token.actions.githubusercontent.com',
    });
  });

  it('joins an audience list', () => {
    expect(decodeTokenClaims(jwt({ aud: ['sts.amazonaws.com', 'other'] })).aud).toBe('sts.amazonaws.com, other');
  });

  it('returns no claims for a token that is not a JWT', () => {
    expect(decodeTokenClaims('not-a-jwt')).toEqual({});
  });

  it('returns no claims for a payload that is not JSON', () => {
    expect(decodeTokenClaims('a.bm90IGpzb24.c')).toEqual({});
  });
});

describe('conditionKeyPrefix', () => {
  it('strips the scheme of the issuer', () => {
    expect(conditionKeyPrefix('https://token.actions.githubusercontent.com')).toBe('token.actions.githubusercontent.com');
  });

  it('keeps an enterprise issuer path', () => {
    expect(conditionKeyPrefix('https://token.actions.githubusercontent.com/octo-enterprise')).toBe(
      'token.actions.githubusercontent.com/octo-enterprise',
    );
  });

  it('falls back to the GitHub issuer', () => {
    expect(conditionKeyPrefix(undefined)).toBe('token.actions.githubusercontent.com');
  });
});
