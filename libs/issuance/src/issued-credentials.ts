import type { Credentials } from '@aws-sdk/client-sts';
import { FedgateError } from '@fedgate/core';

/** Temporary credentials as STS returned them. The three key fields are secrets. */
export interface IssuedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
  accountId: string;
  /**
   * Role credentials (AssumeRole, AssumeRoleWithWebIdentity) or a federated
   * user's (GetFederationToken): the console federation endpoint accepts
   * SessionDuration only for the first (docs/issuance.md#console-sign-in).
   */
  kind: 'role' | 'federated-user';
  /** The assumed-role or federated-user ARN STS reported, for audit. */
  assumedRoleArn?: string;
  /** Mode web-identity: the token fedgate signed for this call (its `jti` and `kid`), for audit. */
  webIdentityToken?: { id: string; keyId: string };
}

/** The AWS `credential_process` output (docs/http-api.md, POST /api/v1/credentials). Version is the number 1. */
export interface CredentialProcessOutput {
  Version: 1;
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken: string;
  Expiration: string;
  AccountId: string;
}

/** Formats a timestamp as `YYYY-MM-DDTHH:MM:SSZ`, the form STS and the SDKs use. */
export function formatAwsTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function toCredentialProcess(credentials: IssuedCredentials): CredentialProcessOutput {
  return {
    Version: 1,
    AccessKeyId: credentials.accessKeyId,
    SecretAccessKey: credentials.secretAccessKey,
    SessionToken: credentials.sessionToken,
    Expiration: formatAwsTimestamp(credentials.expiration),
    AccountId: credentials.accountId,
  };
}

/**
 * STS's Credentials element as IssuedCredentials. An answer without all four
 * parts is the backend's failure (upstream_unavailable, with the call's
 * phase and detail), never half a result.
 */
export function fromStsCredentials(
  credentials: Credentials | undefined,
  issued: { accountId: string; kind: IssuedCredentials['kind']; arn?: string | undefined },
  failure: { phase: string; detail: Record<string, unknown> },
): IssuedCredentials {
  if (
    !credentials?.AccessKeyId ||
    !credentials.SecretAccessKey ||
    !credentials.SessionToken ||
    !credentials.Expiration
  ) {
    throw new FedgateError('upstream_unavailable', 'The STS backend returned no credentials', failure);
  }
  return {
    accessKeyId: credentials.AccessKeyId,
    secretAccessKey: credentials.SecretAccessKey,
    sessionToken: credentials.SessionToken,
    expiration: credentials.Expiration,
    accountId: issued.accountId,
    kind: issued.kind,
    ...(issued.arn === undefined ? {} : { assumedRoleArn: issued.arn }),
  };
}
