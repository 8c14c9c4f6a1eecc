import type { Caller } from '../sts/caller';
import type { CredentialStore, IssuedCredentials } from '../sts/credential-store';
import type { Directory } from '../sts/directory';
import type { QueryParams } from '../sts/query-params';
import { MAX_SESSION_TOKEN_BYTES } from '../sts/limits';
import type { XmlElement } from '../sts/xml';

/** What every operation gets: the request's parameters and who signed it, plus the server's state. */
export interface OperationContext {
  params: QueryParams;
  /** The verified caller; undefined for the unsigned AssumeRoleWith* operations. */
  caller?: Caller;
  /** The region the request was signed for (the configured default for unsigned requests). */
  region: string;
  sourceIp: string;
  now: number;
  directory: Directory;
  store: CredentialStore;
}

/** An operation's `…Result` element (the server adds the envelope and request id). */
export type Operation = (context: OperationContext) => Promise<XmlElement> | XmlElement;

/** The caller, which signed operations always have (the server verified it). */
export function signedCaller(context: OperationContext): Caller {
  if (context.caller === undefined) {
    throw new Error('a signed operation ran without a verified caller');
  }
  return context.caller;
}

/** `YYYY-MM-DDTHH:MM:SSZ`, the Expiration format of docs/sts-local.md. */
export function expirationText(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * SessionTokenSize and SessionTokenUtilization (newer STS models; they
 * replace PackedPolicySize): the token's bytes, and the larger of the packed
 * policy share and the token's share of MAX_SESSION_TOKEN_BYTES, in percent.
 */
export function tokenMetrics(issued: IssuedCredentials, packedPercent = 0): XmlElement {
  const size = Buffer.byteLength(issued.sessionToken);
  return {
    SessionTokenUtilization: Math.min(
      100,
      Math.max(packedPercent, Math.ceil((size * 100) / MAX_SESSION_TOKEN_BYTES)),
    ),
    SessionTokenSize: size,
  };
}

/** The Credentials element of a response. */
export function credentialsElement(issued: IssuedCredentials): XmlElement {
  return {
    AccessKeyId: issued.accessKeyId,
    SecretAccessKey: issued.secretAccessKey,
    SessionToken: issued.sessionToken,
    Expiration: expirationText(issued.expiresAt),
  };
}
