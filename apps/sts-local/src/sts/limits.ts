/**
 * AWS's request limits for STS (@fedgate/aws, from botocore's STS model),
 * each raising the error code and message AWS uses for it.
 */
import { deflateRawSync } from 'node:zlib';
import {
  AWS_LIMITS,
  EXTERNAL_ID_CHARACTERS,
  hasAwsReservedPrefix,
  POLICY_ARN,
  POLICY_CHARACTERS,
  SESSION_NAME_CHARACTERS,
  TAG_CHARACTERS,
} from '@fedgate/aws';
import { parsePolicyDocument } from '../trust/policy-document';
import type { QueryParams } from './query-params';
import { StsError, validationError } from './sts-error';

/** Session tags as sent (key → value), in request order. */
export type SessionTags = Record<string, string>;

/** A string parameter limited in length and characters, like RoleSessionName or SourceIdentity. */
export function checkName(
  value: string | undefined,
  field: string,
  min: number,
  max: number,
  pattern = SESSION_NAME_CHARACTERS,
): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (value.length < min) {
    throw validationError(field, `Member must have length greater than or equal to ${min}`, value);
  }
  if (value.length > max) {
    throw validationError(field, `Member must have length less than or equal to ${max}`, value);
  }
  if (!pattern.test(value)) {
    throw validationError(
      field,
      `Member must satisfy regular expression pattern: ${pattern.source.slice(1, -2)}+`,
      value,
    );
  }
  return value;
}

/** A required name parameter. */
export function requireName(
  params: QueryParams,
  name: string,
  field: string,
  min: number,
  max: number,
): string {
  const value = params.get(name);
  if (value === undefined) {
    throw validationError(field, 'Member must not be null', null);
  }
  return checkName(value, field, min, max) ?? value;
}

/** ExternalId: 2–1224 characters of `[\w+=,.@:/-]`. */
export function checkExternalId(value: string | undefined): string | undefined {
  const { minLength, maxLength } = AWS_LIMITS.externalId;
  return checkName(value, 'externalId', minLength, maxLength, EXTERNAL_ID_CHARACTERS);
}

/** RoleSessionName, required: 2–64 of `[\w+=,.@-]`. */
export function requireRoleSessionName(params: QueryParams): string {
  const { minLength, maxLength } = AWS_LIMITS.sessionName;
  return requireName(params, 'RoleSessionName', 'roleSessionName', minLength, maxLength);
}

/** SourceIdentity: 2–64 of `[\w+=,.@-]`, and never starting with `aws:` (reserved for AWS). */
export function checkSourceIdentity(value: string | undefined): string | undefined {
  const { minLength, maxLength } = AWS_LIMITS.sessionName;
  const checked = checkName(value, 'sourceIdentity', minLength, maxLength);
  if (checked !== undefined && hasAwsReservedPrefix(checked)) {
    throw new StsError('ValidationError', 'SourceIdentity cannot begin with the prefix "aws:"');
  }
  return checked;
}

/** An integer parameter (DurationSeconds by default) within [min, max], or the default when absent. */
export function checkDuration(
  value: string | undefined,
  min: number,
  max: number,
  fallback: number,
  field = 'durationSeconds',
): number {
  if (value === undefined) {
    return fallback;
  }
  if (!/^-?\d+$/.test(value)) {
    throw new StsError('ValidationError', `Value '${value}' for ${field} is not a valid integer`);
  }
  const number = Number(value);
  if (number < min) {
    throw validationError(field, `Member must have value greater than or equal to ${min}`, value);
  }
  if (number > max) {
    throw validationError(field, `Member must have value less than or equal to ${max}`, value);
  }
  return number;
}

/** AssumeRole* DurationSeconds (or SAML's SessionDuration): 900–43200, 3600 when absent. */
export function checkRoleDuration(value: string | undefined, field = 'durationSeconds'): number {
  const { minSeconds, maxSeconds, defaultSeconds } = AWS_LIMITS.assumeRole;
  return checkDuration(value, minSeconds, maxSeconds, defaultSeconds, field);
}

/** GetFederationToken and GetSessionToken DurationSeconds: 900–129600, 43200 when absent. */
export function checkTokenDuration(value: string | undefined): number {
  const { minSeconds, maxSeconds, defaultSeconds } = AWS_LIMITS.federationToken;
  return checkDuration(value, minSeconds, maxSeconds, defaultSeconds);
}

/** GetFederationToken Name, required: 2–32 of `[\w+=,.@-]`. */
export function requireFederatedUserName(params: QueryParams): string {
  const { minLength, maxLength } = AWS_LIMITS.federatedUserName;
  return requireName(params, 'Name', 'name', minLength, maxLength);
}

/**
 * Session tags: at most 50; key 1–128 and value 0–256 characters of
 * `[\p{L}\p{Z}\p{N}_.:/=+\-@]`; keys are case-insensitive, so two that
 * differ only in case are a duplicate (InvalidParameterValue).
 */
export function checkTags(params: QueryParams): SessionTags {
  const members = params.members('Tags');
  const { maxTags, tagKeyLength, tagValueLength } = AWS_LIMITS;
  if (members.length > maxTags) {
    throw validationError('tags', `Member must have length less than or equal to ${maxTags}`);
  }
  const tags: SessionTags = {};
  const seen = new Set<string>();
  members.forEach((member, index) => {
    const key = member.get('Key');
    const value = member.get('Value') ?? '';
    const at = `tags.${index + 1}.member`;
    if (key === undefined) {
      throw validationError(`${at}.key`, 'Member must not be null', null);
    }
    if (key.length < tagKeyLength.min || key.length > tagKeyLength.max) {
      throw validationError(
        `${at}.key`,
        `Member must have length between ${tagKeyLength.min} and ${tagKeyLength.max}`,
        key,
      );
    }
    if (!TAG_CHARACTERS.test(key)) {
      throw validationError(
        `${at}.key`,
        'Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+',
        key,
      );
    }
    if (value.length > tagValueLength.max) {
      throw validationError(
        `${at}.value`,
        `Member must have length less than or equal to ${tagValueLength.max}`,
      );
    }
    if (!TAG_CHARACTERS.test(value)) {
      throw validationError(
        `${at}.value`,
        'Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*',
        value,
      );
    }
    if (seen.has(key.toLowerCase())) {
      throw new StsError(
        'InvalidParameterValue',
        'Duplicate tag keys found. Please note that Tag keys are case insensitive.',
      );
    }
    seen.add(key.toLowerCase());
    tags[key] = value;
  });
  return tags;
}

/** TransitiveTagKeys: at most 50, each one of the session's tag keys (compared case-insensitively). */
export function checkTransitiveTagKeys(params: QueryParams, tags: SessionTags): string[] {
  const keys = params.members('TransitiveTagKeys').map((member) => member.get('') ?? '');
  if (keys.length > AWS_LIMITS.maxTransitiveTagKeys) {
    throw validationError(
      'transitiveTagKeys',
      `Member must have length less than or equal to ${AWS_LIMITS.maxTransitiveTagKeys}`,
    );
  }
  const tagKeys = new Set(Object.keys(tags).map((key) => key.toLowerCase()));
  for (const key of keys) {
    if (!tagKeys.has(key.toLowerCase())) {
      throw new StsError(
        'InvalidParameterValue',
        'The specified transitive tag key must be included in the requested tags.',
      );
    }
  }
  return keys;
}

/** The session policy and policy ARNs of a request, validated. */
export interface SessionPolicy {
  policy?: string;
  policyArns: string[];
}

/**
 * A session policy: inline text ≤ 2048 characters of the allowed set that
 * parses as a policy (MalformedPolicyDocument otherwise), and at most 10
 * policy ARNs.
 */
export function checkSessionPolicy(params: QueryParams): SessionPolicy {
  const policy = params.get('Policy');
  if (policy !== undefined) {
    if (policy.length < 1 || policy.length > AWS_LIMITS.maxPolicyCharacters) {
      throw validationError(
        'policy',
        `Member must have length less than or equal to ${AWS_LIMITS.maxPolicyCharacters}`,
      );
    }
    if (!POLICY_CHARACTERS.test(policy)) {
      throw validationError(
        'policy',
        'Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+',
      );
    }
    const parsed = parsePolicyDocument(policy, 'session');
    if (!parsed.ok) {
      throw new StsError('MalformedPolicyDocument', parsed.message);
    }
  }
  const policyArns = params.members('PolicyArns').map((member) => member.get('arn') ?? '');
  if (policyArns.length > AWS_LIMITS.maxPolicyArns) {
    throw validationError(
      'policyArns',
      `Member must have length less than or equal to ${AWS_LIMITS.maxPolicyArns}`,
    );
  }
  for (const arn of policyArns) {
    if (!POLICY_ARN.test(arn)) {
      throw new StsError('InvalidParameterValue', `Invalid policy ARN: ${arn}`);
    }
  }
  return { ...(policy === undefined ? {} : { policy }), policyArns };
}

/**
 * The share (in percent) of the packed-policy budget that the session
 * policy, policy ARNs and session tags use. AWS's packing format is not
 * public; sts-local packs with DEFLATE into a 1 KiB budget, which keeps
 * AWS's behaviour (small requests use a few percent, 50 long tags or a
 * large policy go over) without claiming its exact numbers.
 */
export function packedPolicySize(policy: SessionPolicy, tags: SessionTags): number {
  const minified = policy.policy === undefined ? '' : JSON.stringify(JSON.parse(policy.policy));
  const text = [minified, ...policy.policyArns, ...Object.entries(tags).map(([k, v]) => `${k}=${v}`)].join(
    '\n',
  );
  if (text === '') {
    return 0;
  }
  return Math.ceil((deflateRawSync(Buffer.from(text, 'utf8')).length * 100) / 1024);
}

/** The largest session token sts-local issues, the base of SessionTokenUtilization. */
export const MAX_SESSION_TOKEN_BYTES = 4096;

/** MinimumSessionTokenSize: a whole number of bytes, 0–4096 (0 or absent: no padding). */
export function checkMinimumTokenSize(value: string | undefined): number {
  return value === undefined
    ? 0
    : checkDuration(value, 0, MAX_SESSION_TOKEN_BYTES, 0, 'minimumSessionTokenSize');
}

/** PackedPolicyTooLarge past 100 %, with AWS's wording. */
export function checkPackedSize(percent: number): number {
  if (percent > 100) {
    throw new StsError(
      'PackedPolicyTooLarge',
      `Packed size of consumed inline session policies and tags exceeds limits by ${percent - 100}%.`,
    );
  }
  return percent;
}
