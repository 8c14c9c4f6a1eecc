/**
 * AWS's published limits for STS requests (botocore's STS model and the STS
 * API reference), in one place so fedgate's config checks, its request
 * compilers and sts-local's validation agree on what STS accepts.
 */
export const AWS_LIMITS = {
  /** AssumeRole* DurationSeconds: 15 min – 12 h (and no more than the role's MaxSessionDuration); 1 h when absent. */
  assumeRole: { minSeconds: 900, maxSeconds: 43_200, defaultSeconds: 3600 },
  /** A role session started with role credentials ("role chaining") lasts at most 1 h. */
  roleChainingMaxSeconds: 3600,
  /** IAM's MaxSessionDuration of a role: 1 h – 12 h. */
  roleMaxSessionDuration: { minSeconds: 3600, maxSeconds: 43_200 },
  /** GetFederationToken and GetSessionToken DurationSeconds: 15 min – 36 h; 12 h when absent. */
  federationToken: { minSeconds: 900, maxSeconds: 129_600, defaultSeconds: 43_200 },
  /** The federation endpoint's SessionDuration (console sessions of role credentials): 15 min – 12 h. */
  consoleSession: { minSeconds: 900, maxSeconds: 43_200 },
  /** RoleSessionName and SourceIdentity: 2–64 of `[\w+=,.@-]`. */
  sessionName: { minLength: 2, maxLength: 64 },
  /** GetFederationToken Name: 2–32 of `[\w+=,.@-]`. */
  federatedUserName: { minLength: 2, maxLength: 32 },
  /** ExternalId: 2–1224 of `[\w+=,.@:/-]`. */
  externalId: { minLength: 2, maxLength: 1224 },
  /** Session tags per request, and transitive keys among them. */
  maxTags: 50,
  maxTransitiveTagKeys: 50,
  tagKeyLength: { min: 1, max: 128 },
  tagValueLength: { min: 0, max: 256 },
  /** Inline session policy plus the managed policy ARNs' text. */
  maxPolicyCharacters: 2048,
  maxPolicyArns: 10,
} as const;

/** RoleSessionName, SourceIdentity and federated user names: `[\w+=,.@-]`. */
export const SESSION_NAME_CHARACTERS = /^[\w+=,.@-]*$/;

/** ExternalId: `[\w+=,.@:/-]`. */
export const EXTERNAL_ID_CHARACTERS = /^[\w+=,.@:/-]*$/;

/** Session tag keys and values: letters, separators, numbers and `_.:/=+-@` (AWS's `[\p{L}\p{Z}\p{N}_.:/=+\-@]`). */
export const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
/** One character AWS refuses in a tag, for replacement. */
export const TAG_DISALLOWED_CHARACTER = /[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu;

/** Session policy text: tab, LF, CR and U+0020–U+00FF only. */
export const POLICY_CHARACTERS = /^[\t\n\r\u0020-\u00ff]*$/;
/** The first character AWS refuses in policy text, for messages. */
export const POLICY_DISALLOWED_CHARACTER = /[^\t\n\r\u0020-\u00ff]/;

/** The prefix AWS reserves in tag keys and SourceIdentity, compared without case. */
export const AWS_RESERVED_PREFIX = 'aws:';

/** Whether a value starts with `aws:` in any case (refused as a tag key or SourceIdentity). */
export function hasAwsReservedPrefix(value: string): boolean {
  return value.toLowerCase().startsWith(AWS_RESERVED_PREFIX);
}

/** Whether a tag key is reserved for AWS: keys are case-insensitive, and `aws:` is AWS's prefix. */
export function isAwsReservedTagKey(key: string): boolean {
  return hasAwsReservedPrefix(key);
}

/**
 * A problem with one session tag key, or undefined when AWS accepts it:
 * 1–128 tag characters, not starting with `aws:`.
 */
export function tagKeyProblem(key: string): string | undefined {
  if (key.length < AWS_LIMITS.tagKeyLength.min || key.length > AWS_LIMITS.tagKeyLength.max) {
    return `tag key must be 1–128 characters`;
  }
  if (!TAG_CHARACTERS.test(key)) {
    return `tag key "${key}" has characters AWS does not allow (letters, digits, spaces and _.:/=+-@ only)`;
  }
  if (isAwsReservedTagKey(key)) {
    return `tag key "${key}" starts with aws:, which AWS reserves`;
  }
  return undefined;
}
