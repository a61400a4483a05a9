import { describe, expect, it } from 'vitest';
import { awsErrorName, isTransientAwsError } from '../../../src/credentials/transient.js';

function awsError(name: string, httpStatusCode?: number): Error {
  return Object.assign(new Error(`${name} message`), { name, $metadata: { httpStatusCode } });
}

describe('isTransientAwsError', () => {
  it('retries throttling', () => {
    expect(isTransientAwsError(awsError('Throttling', 400))).toBe(true);
  });

  it('retries IDPCommunicationError', () => {
    expect(isTransientAwsError(awsError('IDPCommunicationErrorException', 400))).toBe(true);
  });

  it('retries a 503 answer', () => {
    expect(isTransientAwsError(awsError('Unknown', 503))).toBe(true);
  });

  it('retries a reset connection', () => {
    expect(isTransientAwsError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(true);
  });

  it('retries a network error wrapped in cause', () => {
    const error = new TypeError('fetch failed', { cause: Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }) });
    expect(isTransientAwsError(error)).toBe(true);
  });

  it('fails fast on an invalid token', () => {
    expect(isTransientAwsError(awsError('InvalidIdentityTokenException', 400))).toBe(false);
  });

  it('fails fast on access denied', () => {
    expect(isTransientAwsError(awsError('AccessDenied', 403))).toBe(false);
  });

  it('fails fast on a value that is not an error', () => {
    expect(isTransientAwsError('Throttling')).toBe(false);
  });
});

describe('awsErrorName', () => {
  it('strips the SDK suffix', () => {
    expect(awsErrorName(awsError('InvalidIdentityTokenException'))).toBe('InvalidIdentityToken');
  });

  it('keeps a code without suffix', () => {
    expect(awsErrorName(awsError('AccessDenied'))).toBe('AccessDenied');
  });
});
