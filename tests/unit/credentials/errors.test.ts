import { describe, expect, it } from 'vitest';
import { redactToken, rejectionMessage, tokenUnavailableMessage } from '../../../src/credentials/errors.js';

const context = {
  roleArn: 'arn:aws:iam::123456789012:role/experiment-pr',
  audience: 'sts.amazonaws.com',
  claims: { sub: 'repo:octo-org/llm-lab:pull_request', aud: 'https://github.com/octo-org', iss: 'https://token.actions.githubusercontent.com' },
  eventName: 'pull_request',
  errorName: 'InvalidIdentityToken',
  errorMessage: 'Incorrect token audience',
};

describe('rejectionMessage', () => {
  const message = rejectionMessage(context);

  it('names the role', () => {
    expect(message).toContain('arn:aws:iam::123456789012:role/experiment-pr');
  });

  it('names the claims', () => {
    expect(message).toContain('sub "repo:octo-org/llm-lab:pull_request", aud "https://github.com/octo-org", iss "https://token.actions.githubusercontent.com"');
  });

  it('names the event', () => {
    expect(message).toContain('event "pull_request"');
  });

  it('points at the aud condition first for an audience error', () => {
    const hints = message.split('trust policy: ')[1] ?? '';
    expect(hints.startsWith('the condition `token.actions.githubusercontent.com:aud` must be "sts.amazonaws.com"')).toBe(true);
  });

  it('points at the sub condition first for access denied', () => {
    const denied = rejectionMessage({ ...context, errorName: 'AccessDenied', errorMessage: 'Not authorized to perform sts:AssumeRoleWithWebIdentity' });
    const hints = denied.split('trust policy: ')[1] ?? '';
    expect(hints.startsWith('the condition `token.actions.githubusercontent.com:sub` must match "repo:octo-org/llm-lab:pull_request"')).toBe(true);
  });

  it('points at the provider first when it is missing', () => {
    const missing = rejectionMessage({
      ...context,
      errorMessage: 'No OpenIDConnect provider found in your account for https://token.actions.githubusercontent.com',
    });
    const hints = missing.split('trust policy: ')[1] ?? '';
    expect(hints.startsWith('the account must have an IAM OIDC identity provider')).toBe(true);
  });
});

describe('tokenUnavailableMessage', () => {
  it('names the id-token permission', () => {
    expect(tokenUnavailableMessage('role x')).toContain('permissions: id-token: write');
  });

  it('mentions forks', () => {
    expect(tokenUnavailableMessage('role x')).toContain('forks');
  });
});

describe('redactToken', () => {
  it('replaces the token', () => {
    expect(redactToken('bad token eyJhbGciOiJSUzI1NiJ9.payload.sig here', 'eyJhbGciOiJSUzI1NiJ9.payload.sig')).toBe('bad token *** here');
  });
});
