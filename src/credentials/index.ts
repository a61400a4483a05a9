import { defaultProvider } from '@aws-sdk/credential-provider-node';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { Logger } from '../logging.js';
import { assumeRoleWithOidc, type AssumeRoleWithOidcOptions } from './oidc.js';

export { decodeTokenClaims, type TokenClaims } from './claims.js';
export { CredentialsError, type CredentialsErrorKind } from './errors.js';
export { assumeRoleWithOidc, DEFAULT_AUDIENCE, RENEWAL_MARGIN_MS, type AssumeRoleWithOidcOptions } from './oidc.js';
export { roleSessionName } from './session-name.js';
export { awsErrorName, isTransientAwsError } from './transient.js';

export type CredentialsOptions = Omit<AssumeRoleWithOidcOptions, 'roleArn'> & {
  /** The `role-to-assume` input; without it the SDK's default chain is used. */
  roleArn?: string;
};

/**
 * Returns the credentials provider for the AWS clients. When a role is given, it is the role assumed
 * with the workflow's OIDC token. Otherwise it is the SDK's default chain (AWS_ACCESS_KEY_ID and
 * AWS_SECRET_ACCESS_KEY, a profile, a web identity token file, a container or instance role), for users
 * who get credentials by other means.
 */
export function resolveCredentialsProvider(options: CredentialsOptions): AwsCredentialIdentityProvider {
  const { roleArn, ...rest } = options;
  if (roleArn) return assumeRoleWithOidc({ ...rest, roleArn });

  options.logger.info(
    'No role-to-assume given: using the AWS credentials of the environment (AWS_ACCESS_KEY_ID, a profile, or an instance role).',
  );
  return defaultProvider();
}
