import { isThrottlingError } from '@smithy/core/retry';
import { AWS_LIMITS } from '@fedgate/aws';
import { FedgateError } from '@fedgate/core';
import { retryAfterSeconds } from './retry-strategy';

interface SdkErrorShape {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  cause?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: number; requestId?: string; attempts?: number; totalRetryDelay?: number };
  $response?: unknown;
}

/** The STS operations fedgate calls to issue credentials. */
export type StsOperation = 'AssumeRole' | 'AssumeRoleWithWebIdentity' | 'GetFederationToken';

/** The `phase` of a FedgateError raised at each STS operation: logged and audited, never sent to clients. */
export const STS_PHASES: Readonly<Record<StsOperation, string>> = {
  AssumeRole: 'sts.assume-role',
  AssumeRoleWithWebIdentity: 'sts.assume-role-with-web-identity',
  GetFederationToken: 'sts.get-federation-token',
};

/** The STS call that failed, and what it sent: the messages name the causes that fit. */
export interface StsCallContext {
  backendId: string;
  /** AssumeRole when absent; also decides the error's phase (STS_PHASES). */
  operation?: StsOperation;
  /** The role asked for (AssumeRole*). */
  roleArn?: string;
  /** GetFederationToken's Name. */
  federatedUserName?: string;
  /** Session tags were sent: the trust policy (or the user's policy) needs sts:TagSession. */
  sentTags?: boolean;
  /** A SourceIdentity was sent: the trust policy needs sts:SetSourceIdentity. */
  sentSourceIdentity?: boolean;
  /** An ExternalId was sent (the account's `externalId`). */
  sentExternalId?: boolean;
  /** The backend's longest backoff (`retryMaxDelayMs`): Retry-After when STS kept throttling. */
  retryMaxDelayMs?: number;
}

/** Network-level failures: the backend was not reached or did not answer in time. */
const NETWORK_ERROR_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'AbortError']);
const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
const NETWORK_CODE_IN_MESSAGE = new RegExp(`\\b(${[...NETWORK_ERROR_CODES].join('|')})\\b`);

/** STS refusing the broker's own credentials or region: an operator's problem, not the user's request. */
const BROKER_CREDENTIAL_ERRORS = new Set([
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'ExpiredToken',
  'UnrecognizedClientException',
]);

/** The SDK's default when the backend's own is not known. */
const DEFAULT_RETRY_MAX_DELAY_MS = 5_000;

/**
 * The socket error code (ECONNREFUSED, …) of a network failure. The SDK's
 * retry middleware re-wraps errors it does not recognise as Error instances
 * (as happens across VM contexts) into "AWS SDK error wrapper for Error:
 * connect ECONNREFUSED …", keeping only the text, so the message is read
 * too; causes are followed a few levels.
 */
function networkErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const { code, cause, message } = current as SdkErrorShape;
    if (typeof code === 'string' && NETWORK_ERROR_CODES.has(code)) {
      return code;
    }
    const inMessage = typeof message === 'string' ? NETWORK_CODE_IN_MESSAGE.exec(message) : null;
    if (inMessage) {
      return inMessage[1];
    }
    current = cause;
  }
  return undefined;
}

/** What a request was for, as the messages name it. */
function targetOf(context: StsCallContext): string {
  if (context.operation === 'GetFederationToken') {
    return `federated user ${context.federatedUserName ?? '(unnamed)'}`;
  }
  return context.roleArn ?? '(no role)';
}

/** Which AWS limit a ValidationError names, by the parameter in its text (docs/mapping.md#limits). */
const PARAMETER_LIMITS: Readonly<Record<string, string>> = {
  rolesessionname: 'RoleSessionName must be 2–64 characters of letters, digits and +=,.@_-',
  sourceidentity:
    'SourceIdentity must be 2–64 characters of letters, digits and +=,.@_-, not starting with "aws:"',
  externalid:
    "ExternalId (the account's externalId) must be 2–1224 characters of letters, digits and +=,.@:/_-",
  policy:
    'the inline session policy (sessionPolicy) must be at most 2048 characters of tab, LF, CR and U+0020–U+00FF',
  policyarns: 'at most 10 managed session policy ARNs (managedPolicyArns) are allowed, each a valid ARN',
  tags: 'at most 50 session tags are allowed, keys of 1–128 and values of 0–256 letters, digits, spaces and _.:/=+-@',
  transitivetagkeys: 'at most 50 transitive tag keys are allowed, each one of the session tags',
  name: 'the federated user Name must be 2–32 characters of letters, digits and +=,.@_-',
  rolearn: 'RoleArn must be 20–2048 characters',
  webidentitytoken: 'the web identity token must be 4–20000 characters',
};

function durationLimit(operation: StsCallContext['operation']): string {
  return operation === 'GetFederationToken'
    ? `DurationSeconds must be ${AWS_LIMITS.federationToken.minSeconds}–${AWS_LIMITS.federationToken.maxSeconds} seconds for GetFederationToken`
    : `DurationSeconds must be ${AWS_LIMITS.assumeRole.minSeconds}–${AWS_LIMITS.assumeRole.maxSeconds} seconds`;
}

/** The limit a ValidationError most probably broke, for people; AWS's own text stays in detail. */
function validationLimit(awsMessage: string, context: StsCallContext): string {
  if (/MaxSessionDuration/i.test(awsMessage)) {
    return (
      "the session is longer than the role's MaxSessionDuration: lower the permission set's sessionDuration " +
      "(or state the role's maximum as maxSessionDuration) or raise the role's maximum in IAM"
    );
  }
  if (/role chaining/i.test(awsMessage)) {
    return (
      "sessions started with role credentials (role chaining) last at most 1 hour: set the backend's " +
      'roleChaining: true so fedgate plans for it'
    );
  }
  const named = /SourceIdentity cannot begin/i.test(awsMessage) ? 'sourceIdentity' : undefined;
  const field =
    named ??
    /at '([A-Za-z]+)/.exec(awsMessage)?.[1] ??
    /\bfor ([A-Za-z]+) is not a valid/.exec(awsMessage)?.[1];
  if (field !== undefined) {
    const key = field.toLowerCase();
    if (key === 'durationseconds') {
      return durationLimit(context.operation);
    }
    const limit = PARAMETER_LIMITS[key];
    if (limit !== undefined) {
      return limit;
    }
  }
  return "a parameter is outside AWS's limits (the operator log has STS's message)";
}

/** AccessDenied, with the causes that fit what was sent. */
function accessDeniedMessage(context: StsCallContext): string {
  if (context.operation === 'GetFederationToken') {
    return (
      `STS refused GetFederationToken for ${targetOf(context)}. Usual causes: the backend's credentials are ` +
      "not an IAM user's long-term access keys (role and session credentials cannot call it), or that user's " +
      `policy does not allow sts:GetFederationToken${context.sentTags === true ? ' and sts:TagSession (session tags are sent)' : ''}`
    );
  }
  if (context.operation === 'AssumeRoleWithWebIdentity') {
    return (
      `STS refused to let fedgate assume ${targetOf(context)} with its web identity token. Usual causes: the ` +
      'role does not exist; its trust policy does not allow sts:AssumeRoleWithWebIdentity for the IAM OIDC ' +
      "provider of fedgate's issuer, or its aud/sub conditions do not match" +
      (context.sentTags === true ? '; it does not allow sts:TagSession (session tags are sent)' : '')
    );
  }
  const actions = [
    'sts:AssumeRole',
    ...(context.sentTags === true ? ['sts:TagSession (session tags are sent)'] : []),
    ...(context.sentSourceIdentity === false ? [] : ['sts:SetSourceIdentity (a SourceIdentity is sent)']),
  ];
  const externalId =
    context.sentExternalId === true
      ? "its sts:ExternalId condition does not match the account's externalId"
      : 'it requires an sts:ExternalId, which this account does not configure (accounts[].externalId)';
  return (
    `STS refused to let fedgate assume ${targetOf(context)}. Usual causes: the role does not exist; its trust ` +
    `policy does not allow the broker's principal ${actions.join(', ')}; or ${externalId}`
  );
}

/** "AWS reports 137 %": the share of the packed budget STS said was used, when its message has one. */
function packedShare(awsMessage: string): string {
  const over = /exceeds limits by (\d+)\s*%/i.exec(awsMessage);
  if (over) {
    return ` (STS reports ${100 + Number(over[1])} % of it)`;
  }
  const consumes = /(\d+)\s*% of allotted/i.exec(awsMessage);
  return consumes ? ` (STS reports ${consumes[1]} % of it)` : '';
}

/**
 * Turns an SDK failure, after the SDK's retries, into a FedgateError a
 * person can act on, its `phase` the operation's (STS_PHASES). AWS's
 * message, its request id and the attempts made go to `detail` for
 * operators; the client message names the role (or federated user) and the
 * likely causes but never echoes AWS's text (it can hold ARNs of other
 * principals and the values sent) or anything secret.
 *
 * | STS answer                               | code                   | HTTP |
 * | ---------------------------------------- | ---------------------- | ---- |
 * | Throttling (after every attempt)         | upstream_throttled     | 503, Retry-After |
 * | AccessDenied                             | sts_denied             | 403  |
 * | PackedPolicyTooLarge, ValidationError, … | sts_rejected           | 400  |
 * | the broker's own credentials refused     | upstream_unavailable   | 502  |
 * | 5xx (after every attempt), no answer     | upstream_unavailable   | 502  |
 */
export function mapStsError(error: unknown, context: StsCallContext): FedgateError {
  const shape = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  const name = typeof shape.name === 'string' ? shape.name : 'UnknownError';
  const awsMessage = typeof shape.message === 'string' ? shape.message : '';
  const target = targetOf(context);
  const detail: Record<string, unknown> = {
    backend: context.backendId,
    operation: context.operation ?? 'AssumeRole',
    ...(context.roleArn === undefined || context.roleArn === '' ? {} : { roleArn: context.roleArn }),
    ...(context.federatedUserName === undefined ? {} : { federatedUserName: context.federatedUserName }),
    awsError: name,
    awsMessage: awsMessage === '' ? undefined : awsMessage,
    awsRequestId: shape.$metadata?.requestId,
    httpStatus: shape.$metadata?.httpStatusCode,
    attempts: shape.$metadata?.attempts,
    totalRetryDelayMs: shape.$metadata?.totalRetryDelay,
  };
  const options = { cause: error, detail, phase: STS_PHASES[context.operation ?? 'AssumeRole'] };
  const network = networkErrorCode(error);
  if (NETWORK_ERROR_NAMES.has(name) || network !== undefined) {
    detail.networkError = network ?? name;
    return new FedgateError(
      'upstream_unavailable',
      `The STS backend ${context.backendId} did not answer`,
      options,
    );
  }
  if (
    typeof error === 'object' &&
    error !== null &&
    isThrottlingError(error as Parameters<typeof isThrottlingError>[0])
  ) {
    const seconds = retryAfterSeconds(
      { retryMaxDelayMs: context.retryMaxDelayMs ?? DEFAULT_RETRY_MAX_DELAY_MS },
      shape.$response,
    );
    return new FedgateError(
      'upstream_throttled',
      `The STS backend ${context.backendId} is throttling fedgate's requests (${name}` +
        `${typeof detail.attempts === 'number' ? ` after ${detail.attempts} attempts` : ''}); try again in ${seconds} s`,
      { ...options, retryAfterSeconds: seconds },
    );
  }
  if (name === 'AccessDenied' || name === 'AccessDeniedException') {
    return new FedgateError('sts_denied', accessDeniedMessage(context), options);
  }
  // The SDK names modeled errors after their classes: PackedPolicyTooLarge arrives as PackedPolicyTooLargeException.
  if (name === 'PackedPolicyTooLarge' || name === 'PackedPolicyTooLargeException') {
    return new FedgateError(
      'sts_rejected',
      `The session policies and tags for ${target} are over STS's packed size budget${packedShare(awsMessage)}: ` +
        'the inline session policy and managed policy ARNs (at most 2048 characters together) and the session ' +
        'tags are packed into one budget; shorten the policy, name fewer managed policies, or send fewer or ' +
        'shorter tags',
      options,
    );
  }
  if (name === 'ValidationError') {
    return new FedgateError(
      'sts_rejected',
      `STS rejected the request for ${target}: ${validationLimit(awsMessage, context)}`,
      options,
    );
  }
  if (name === 'MalformedPolicyDocument' || name === 'MalformedPolicyDocumentException') {
    return new FedgateError(
      'sts_rejected',
      `STS rejected the request for ${target}: the session policy is not a valid IAM policy document`,
      options,
    );
  }
  if (name === 'InvalidParameterValue') {
    return new FedgateError(
      'sts_rejected',
      `STS rejected a parameter of the request for ${target}: usually session tag keys that differ only in ` +
        'case, transitive tag keys that are not among the tags, or a malformed managed policy ARN',
      options,
    );
  }
  if (BROKER_CREDENTIAL_ERRORS.has(name)) {
    return new FedgateError(
      'upstream_unavailable',
      `The STS backend ${context.backendId} refused fedgate's own credentials (${name}): an operator must ` +
        `check backend ${context.backendId}'s credentials and clock`,
      options,
    );
  }
  if (name === 'RegionDisabledException') {
    return new FedgateError(
      'upstream_unavailable',
      `STS is not activated in the region of backend ${context.backendId} for this account: an operator ` +
        "must activate it or change the backend's region",
      options,
    );
  }
  if (shape.$fault === 'client') {
    return new FedgateError('sts_rejected', `STS rejected the request for ${target} (${name})`, options);
  }
  return new FedgateError(
    'upstream_unavailable',
    `The STS backend ${context.backendId} failed (${name})`,
    options,
  );
}
