import * as core from '@actions/core';
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { Logger } from '../logging.js';
import { errorMessage } from '../logging.js';
import { decodeTokenClaims } from './claims.js';
import { CredentialsError, redactToken, rejectionMessage, requestRejectionHint, tokenUnavailableMessage } from './errors.js';
import { awsErrorName, isTransientAwsError } from './transient.js';

export const DEFAULT_AUDIENCE = 'sts.amazonaws.com';

/** Credentials are renewed when less than this much validity remains, in ms (the SDK's own margin is also 5 minutes). */
export const RENEWAL_MARGIN_MS = 5 * 60_000;

/** DurationSeconds limits of AssumeRoleWithWebIdentity: 900 s up to the role's maximum, at most 43,200 s. */
const MIN_DURATION_SECONDS = 900;
const MAX_DURATION_SECONDS = 43_200;

export interface AssumeRoleWithOidcOptions {
  roleArn: string;
  /** Audience of the OIDC token, which the trust policy's `aud` condition must name. */
  audience?: string;
  region: string;
  /** Lifetime of each set of credentials, in seconds (900 to 43,200, and at most the role's maximum). */
  durationSeconds?: number;
  /** RoleSessionName; build it with `roleSessionName()`. */
  sessionName: string;
  /** Fetches a GitHub OIDC token for an audience, by default with `core.getIDToken`. */
  getIdToken?: (audience: string) => Promise<string>;
  logger: Pick<Logger, 'info' | 'warning' | 'debug'>;
  /** The workflow's event, printed when STS rejects the token. GITHUB_EVENT_NAME by default. */
  eventName?: string;
  /** Tries of AssumeRoleWithWebIdentity for transient errors, the first included. */
  maxAttempts?: number;
  /** Delay before the second try, in ms. It doubles for each further try, up to 20 s. */
  retryBaseDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** Masks a value in the workflow log, by default with `core.setSecret`. */
  maskSecret?: (value: string) => void;
}

/**
 * Returns a credentials provider that exchanges the workflow's OIDC token for the role's credentials
 * (STS AssumeRoleWithWebIdentity). It caches them and, when less than 5 minutes of validity remain,
 * fetches a new token and assumes the role again, so a wait of many hours never outlives them.
 * Transient STS errors are retried with backoff. A rejection fails at once with the trust policy
 * condition to check.
 */
export function assumeRoleWithOidc(options: AssumeRoleWithOidcOptions): AwsCredentialIdentityProvider {
  const durationSeconds = options.durationSeconds ?? 3600;
  checkOptions(options, durationSeconds);

  const now = options.now ?? Date.now;
  const client = new STSClient({
    region: options.region,
    // This module retries itself, so each try is logged and rejections are not repeated.
    maxAttempts: 1,
  });

  let cached: AwsCredentialIdentity | undefined;
  let pending: Promise<AwsCredentialIdentity> | undefined;

  const isFresh = (credentials: AwsCredentialIdentity | undefined): credentials is AwsCredentialIdentity =>
    credentials?.expiration !== undefined && credentials.expiration.getTime() - now() >= RENEWAL_MARGIN_MS;

  return async (properties?: { forceRefresh?: boolean }) => {
    if (!properties?.forceRefresh && isFresh(cached)) return cached;
    if (pending) return pending;

    if (cached?.expiration) {
      options.logger.info(`Renewing the credentials of role ${options.roleArn}: they expire at ${cached.expiration.toISOString()}.`);
    }
    pending = assumeOnce(client, options, durationSeconds)
      .then((credentials) => {
        cached = credentials;
        return credentials;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
}

function checkOptions(options: AssumeRoleWithOidcOptions, durationSeconds: number): void {
  if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/.test(options.roleArn)) {
    throw new CredentialsError(
      'invalid-input',
      `Invalid role-to-assume "${options.roleArn}": expected an IAM role ARN such as arn:aws:iam::123456789012:role/experiment-pr.`,
    );
  }
  if (!options.region) {
    throw new CredentialsError('invalid-input', 'Missing aws-region: STS needs a region to assume the role; set the `aws-region` input.');
  }
  if (!Number.isInteger(durationSeconds) || durationSeconds < MIN_DURATION_SECONDS || durationSeconds > MAX_DURATION_SECONDS) {
    throw new CredentialsError(
      'invalid-input',
      `Invalid role-duration-seconds ${durationSeconds}: STS accepts whole seconds from ${MIN_DURATION_SECONDS} to ${MAX_DURATION_SECONDS}, and at most the role's maximum session duration.`,
    );
  }
}

/** Fetches one token and assumes the role with it, retrying transient STS errors. */
async function assumeOnce(
  client: STSClient,
  options: AssumeRoleWithOidcOptions,
  durationSeconds: number,
): Promise<AwsCredentialIdentity> {
  const audience = options.audience ?? DEFAULT_AUDIENCE;
  const maxAttempts = options.maxAttempts ?? 5;
  const baseDelayMs = options.retryBaseDelayMs ?? 1000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const maskSecret = options.maskSecret ?? ((value: string) => core.setSecret(value));

  const token = await fetchToken(options, audience);
  options.logger.info(`Assuming role ${options.roleArn} as session ${options.sessionName} (token audience ${audience}).`);

  for (let attempt = 1; ; attempt++) {
    try {
      const response = await client.send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: options.roleArn,
          RoleSessionName: options.sessionName,
          WebIdentityToken: token,
          DurationSeconds: durationSeconds,
        }),
      );
      const credentials = toIdentity(response.Credentials, options.roleArn);

      maskSecret(credentials.accessKeyId);
      maskSecret(credentials.secretAccessKey);
      if (credentials.sessionToken) maskSecret(credentials.sessionToken);

      options.logger.info(`Assumed role ${options.roleArn}; the credentials expire at ${credentials.expiration?.toISOString()}.`);
      return credentials;
    } catch (error) {
      const name = awsErrorName(error) || 'Error';
      const message = redactToken(errorMessage(error), token);

      if (!isTransientAwsError(error)) {
        throw rejection(options, audience, token, name, message, error);
      }
      if (attempt >= maxAttempts) {
        throw new CredentialsError(
          'transient',
          `STS AssumeRoleWithWebIdentity for role ${options.roleArn} failed ${maxAttempts} times, the last with ${name}: ${message}. ` +
            'STS or the network may be unavailable: re-run the job later.',
          { cause: error },
        );
      }

      const delayMs = Math.min(baseDelayMs * 2 ** (attempt - 1), 20_000);
      options.logger.warning(
        `STS AssumeRoleWithWebIdentity for role ${options.roleArn} failed with ${name}: ${message} ` +
          `(attempt ${attempt} of ${maxAttempts}); retrying in ${(delayMs / 1000).toFixed(1)} s.`,
      );
      await sleep(delayMs);
    }
  }
}

async function fetchToken(options: AssumeRoleWithOidcOptions, audience: string): Promise<string> {
  if (!options.getIdToken) {
    if (!process.env.ACTIONS_ID_TOKEN_REQUEST_URL || !process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) {
      throw new CredentialsError('token-unavailable', tokenUnavailableMessage(`role ${options.roleArn}`));
    }
  }

  const getIdToken = options.getIdToken ?? ((aud: string) => core.getIDToken(aud));
  try {
    return await getIdToken(audience);
  } catch (error) {
    const message = errorMessage(error);
    if (message.includes('ACTIONS_ID_TOKEN_REQUEST')) {
      throw new CredentialsError('token-unavailable', tokenUnavailableMessage(`role ${options.roleArn}`), { cause: error });
    }
    throw new CredentialsError(
      'token-unavailable',
      `Could not get a GitHub OIDC token for audience "${audience}": ${message}. Re-run the job; if it keeps failing, check the status of GitHub Actions.`,
      { cause: error },
    );
  }
}

function rejection(
  options: AssumeRoleWithOidcOptions,
  audience: string,
  token: string,
  name: string,
  message: string,
  cause: unknown,
): CredentialsError {
  const requestHint = requestRejectionHint(name, message);
  if (requestHint) {
    return new CredentialsError(
      'rejected',
      `STS AssumeRoleWithWebIdentity for role ${options.roleArn} was rejected: ${name}: ${message}. ${requestHint}`,
      { cause },
    );
  }

  const text = rejectionMessage({
    roleArn: options.roleArn,
    audience,
    claims: decodeTokenClaims(token),
    eventName: options.eventName ?? process.env.GITHUB_EVENT_NAME,
    errorName: name,
    errorMessage: message,
  });
  return new CredentialsError('rejected', text, { cause });
}

function toIdentity(
  credentials: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string; Expiration?: Date } | undefined,
  roleArn: string,
): AwsCredentialIdentity {
  if (!credentials?.AccessKeyId || !credentials.SecretAccessKey || !credentials.SessionToken || !credentials.Expiration) {
    throw new CredentialsError(
      'transient',
      `STS AssumeRoleWithWebIdentity for role ${roleArn} returned no complete credentials (key id, secret, session token, expiration). Re-run the job.`,
    );
  }
  return {
    accessKeyId: credentials.AccessKeyId,
    secretAccessKey: credentials.SecretAccessKey,
    sessionToken: credentials.SessionToken,
    expiration: credentials.Expiration,
  };
}
