/**
 * AWS's published limits for what fedgate sends to STS (DESIGN §6.1), in one
 * place so the config checks, the compilers and the budget check agree.
 */
export const AWS_LIMITS = {
  /** AssumeRole DurationSeconds: 15 min – 12 h, and no more than the role's MaxSessionDuration. */
  assumeRole: { minSeconds: 900, maxSeconds: 43_200 },
  /** A role session started with role credentials ("role chaining") lasts at most 1 h. */
  roleChainingMaxSeconds: 3600,
  /** IAM's MaxSessionDuration of a role: 1 h – 12 h. */
  roleMaxSessionDuration: { minSeconds: 3600, maxSeconds: 43_200 },
  /** GetFederationToken DurationSeconds: 15 min – 36 h. */
  federationToken: { minSeconds: 900, maxSeconds: 129_600 },
  /** RoleSessionName and SourceIdentity: 2–64 of `[\w+=,.@-]`. */
  sessionName: { minLength: 2, maxLength: 64 },
  /** GetFederationToken Name: 2–32 of `[\w+=,.@-]`. */
  federatedUserName: { minLength: 2, maxLength: 32 },
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

/** Session tag keys and values: letters, separators, numbers and `_.:/=+-@` (AWS's `[\p{L}\p{Z}\p{N}_.:/=+\-@]`). */
export const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
/** One character AWS refuses in a tag, for replacement. */
export const TAG_DISALLOWED_CHARACTER = /[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu;

/** Session policy text: tab, LF, CR and U+0020–U+00FF only. */
export const POLICY_CHARACTERS = /^[\t\n\r\u0020-\u00ff]*$/;
/** The first character AWS refuses in policy text, for messages. */
export const POLICY_DISALLOWED_CHARACTER = /[^\t\n\r\u0020-\u00ff]/;

/** Partitions fedgate knows, with the console hosts a destination may use (DESIGN §6.3). */
export const PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov'] as const;
export type Partition = (typeof PARTITIONS)[number];

export const CONSOLE_HOSTS: Readonly<Record<Partition, string>> = {
  aws: 'console.aws.amazon.com',
  'aws-cn': 'console.amazonaws.cn',
  'aws-us-gov': 'console.amazonaws-us-gov.com',
};

/** Whether `host` is the partition's console host or a regional one (`eu-west-1.console.aws.amazon.com`). */
export function isConsoleHost(host: string, partition: Partition): boolean {
  const base = CONSOLE_HOSTS[partition];
  return host === base || (host.endsWith(`.${base}`) && /^[a-z0-9-]+$/.test(host.slice(0, -base.length - 1)));
}

/** Whether a tag key is reserved for AWS: keys are case-insensitive, and `aws:` is AWS's prefix. */
export function isAwsReservedTagKey(key: string): boolean {
  return key.toLowerCase().startsWith('aws:');
}

/**
 * A problem with one session tag key as written in the config, or undefined
 * when AWS accepts it: 1–128 tag characters, not starting with `aws:`.
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

/** IAM role ARN, or a template of one with `{{partition}}` and `{{accountId}}`. */
export const ROLE_ARN =
  /^arn:(aws|aws-cn|aws-us-gov|\{\{partition\}\}):iam::(\d{12}|\{\{accountId\}\}):role\/((?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64})$/;

/** Managed policy ARN (AWS managed: account `aws`), or a template of one. */
export const POLICY_ARN =
  /^arn:(aws|aws-cn|aws-us-gov|\{\{partition\}\}):iam::(aws|\d{12}|\{\{accountId\}\}):policy\/((?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,128})$/;

/** The literal partition and account of an ARN that matches ROLE_ARN or POLICY_ARN (templates stay as written). */
export function arnParts(arn: string): { partition: string; account: string } | undefined {
  const match = ROLE_ARN.exec(arn) ?? POLICY_ARN.exec(arn);
  return match?.[1] !== undefined && match[2] !== undefined
    ? { partition: match[1], account: match[2] }
    : undefined;
}

/** Fills `{{partition}}` and `{{accountId}}` in an ARN or policy text. */
export function fillAccountPlaceholders(text: string, accountId: string, partition: string): string {
  return text.replaceAll('{{accountId}}', accountId).replaceAll('{{partition}}', partition);
}

/** Tag keys under this prefix are fedgate's own; configs cannot define them. */
export const FEDGATE_TAG_PREFIX = 'fedgate:';
/** `true` or `false`: whether the login was multi-factor (IAM cannot see the IdP's MFA). */
export const MFA_TAG_KEY = 'fedgate:mfa';
/** When the user authenticated at the IdP, `YYYY-MM-DDTHH:MM:SSZ`. */
export const AUTH_TIME_TAG_KEY = 'fedgate:auth-time';
