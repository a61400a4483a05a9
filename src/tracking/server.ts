import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { ServerKind } from './errors.js';

/** A request as the transport sends it, before authorization headers are added. */
export interface OutgoingRequest {
  method: 'GET' | 'POST';
  url: URL;
  headers: Record<string, string>;
  body?: string;
}

/** A tracking server: the base URL of its REST API and the authorization of each request. */
export interface TrackingServer {
  kind: ServerKind;
  /** Base URL of the REST API, without `/api/2.0/mlflow`. */
  baseUrl: string;
  /** The tracking URI or ARN as the user gave it, for messages. */
  target: string;
  /** Returns the headers that authorize the request; called again for every attempt. */
  authorize(request: OutgoingRequest): Promise<Record<string, string>>;
}

export interface ServerOptions {
  /** An `http(s)://` URL or the ARN of a SageMaker managed MLflow tracking server. */
  trackingUri: string;
  /** Bearer token for a plain server, sent as MLflow's client sends MLFLOW_TRACKING_TOKEN. */
  token?: string;
  /** Basic-auth user name and password for a plain server (MLFLOW_TRACKING_USERNAME and _PASSWORD). */
  username?: string;
  password?: string;
  /** Credentials for a SageMaker managed server; the caller renews them. */
  credentials?: AwsCredentialIdentityProvider;
  /** Replaces the SageMaker endpoint, for tests against a local server. */
  endpoint?: string;
}

/**
 * The parts of `arn:PARTITION:sagemaker:REGION:ACCOUNT:mlflow-tracking-server/NAME`. The sagemaker-mlflow
 * plugin (aws/sagemaker-mlflow, `mlflow_sagemaker_helpers.py`) supports the partitions `aws` and
 * `aws-us-gov`, both with the DNS suffix `aws`. Other partitions are rejected here as they are there.
 */
export interface TrackingServerArn {
  arn: string;
  partition: string;
  region: string;
  account: string;
  name: string;
}

const ARN_PATTERN = /^arn:(aws|aws-us-gov):sagemaker:([a-z0-9-]+):(\d{12}):mlflow-tracking-server\/([A-Za-z0-9-]+)$/;

/**
 * The signing name of SageMaker managed MLflow. The sagemaker-mlflow plugin signs with `sagemaker-mlflow`
 * (`auth.py`, SERVICE_NAME), which is also the prefix of the IAM actions the role needs.
 */
export const SIGNING_SERVICE = 'sagemaker-mlflow';

/** The header that routes a request to one tracking server (the plugin's request header provider). */
export const ARN_HEADER = 'x-mlflow-sm-tracking-server-arn';

/** Parses a tracking server ARN, or returns undefined when the text is not an ARN at all. */
export function parseTrackingServerArn(text: string): TrackingServerArn | undefined {
  if (!text.startsWith('arn:')) return undefined;

  const match = ARN_PATTERN.exec(text);
  if (!match) {
    throw new Error(
      `mlflow-tracking-uri ${JSON.stringify(text)} is not a SageMaker MLflow tracking server ARN; ` +
        'use the form arn:aws:sagemaker:REGION:ACCOUNT:mlflow-tracking-server/NAME (partition aws or aws-us-gov), ' +
        'as DescribeMlflowTrackingServer returns it, or an http(s):// URL.',
    );
  }
  const [, partition, region, account, name] = match;
  return { arn: text, partition: partition!, region: region!, account: account!, name: name! };
}

/** Returns the endpoint of SageMaker managed MLflow in the ARN's region, as the sagemaker-mlflow plugin builds it. */
export function sagemakerEndpoint(arn: TrackingServerArn): string {
  return `https://${arn.region}.experiments.sagemaker.aws`;
}

/** Resolves the tracking URI into a server: a plain URL with optional auth, or a SigV4-signed ARN. */
export function resolveServer(options: ServerOptions): TrackingServer {
  const arn = parseTrackingServerArn(options.trackingUri.trim());
  if (arn) return sagemakerServer(arn, options);
  return plainServer(options);
}

function plainServer(options: ServerOptions): TrackingServer {
  const uri = options.trackingUri.trim();
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new Error(
      `mlflow-tracking-uri ${JSON.stringify(uri)} is not a URL; give the tracking server's http(s):// URL or the ARN of a SageMaker MLflow tracking server.`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`mlflow-tracking-uri ${JSON.stringify(uri)} uses ${url.protocol}; only http:// and https:// servers are supported.`);
  }
  if (options.token && (options.username || options.password)) {
    throw new Error('Both mlflow-token and mlflow-username/mlflow-password are set; set only one way of signing in to the MLflow server.');
  }
  if (Boolean(options.username) !== Boolean(options.password)) {
    throw new Error('Only one of mlflow-username and mlflow-password is set; basic auth needs both.');
  }

  // MLflow's Python client sends the token as `Bearer` and the user name and password as `Basic`
  // (mlflow/utils/rest_utils.py). Sending the same headers makes this client work behind the same proxies.
  let authorization: string | undefined;
  if (options.token) authorization = `Bearer ${options.token}`;
  if (options.username && options.password) {
    authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
  }

  const target = `${url.origin}${url.pathname}`.replace(/\/+$/, '');
  return {
    kind: 'plain',
    baseUrl: target,
    target,
    authorize: async (): Promise<Record<string, string>> => (authorization ? { authorization } : {}),
  };
}

function sagemakerServer(arn: TrackingServerArn, options: ServerOptions): TrackingServer {
  const credentials = options.credentials;
  if (!credentials) {
    throw new Error(`mlflow-tracking-uri is the SageMaker tracking server ${arn.arn}, but no AWS credentials were given; set role-to-assume.`);
  }
  if (options.token || options.username || options.password) {
    throw new Error(`mlflow-token, mlflow-username and mlflow-password do not apply to the SageMaker tracking server ${arn.arn}, which uses the role's credentials; remove them.`);
  }

  const signer = new SignatureV4({ service: SIGNING_SERVICE, region: arn.region, credentials, sha256: Sha256 });
  const baseUrl = (options.endpoint ?? sagemakerEndpoint(arn)).replace(/\/+$/, '');

  return {
    kind: 'sagemaker',
    baseUrl,
    target: arn.arn,
    authorize: async (request) => signRequest(signer, request, arn.arn),
  };
}

/** Signs one request with SigV4 and returns the headers to send, the ARN routing header included. */
async function signRequest(signer: SignatureV4, request: OutgoingRequest, arn: string): Promise<Record<string, string>> {
  const query: Record<string, string> = {};
  for (const [key, value] of request.url.searchParams) query[key] = value;

  const signed = await signer.sign({
    method: request.method,
    protocol: request.url.protocol,
    hostname: request.url.hostname,
    port: request.url.port ? Number(request.url.port) : undefined,
    path: request.url.pathname,
    query,
    headers: { ...request.headers, host: request.url.host, [ARN_HEADER]: arn },
    body: request.body,
  });

  // fetch sets `host` itself and rejects it as a request header.
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) {
    if (name.toLowerCase() !== 'host') headers[name] = value;
  }
  return headers;
}
