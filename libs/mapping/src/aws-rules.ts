import { arnParts, policyArnPattern, roleArnPattern } from '@fedgate/aws';

/**
 * fedgate's own conventions on top of AWS's rules. AWS's facts themselves
 * (limits, character classes, partitions, ARN shapes) live in @fedgate/aws.
 */

/** The placeholders a permission set's ARNs and policies may use, filled per account. */
const ACCOUNT_PLACEHOLDERS = { partition: '{{partition}}', account: '{{accountId}}' } as const;

/** IAM role ARN, or a template of one with `{{partition}}` and `{{accountId}}`. */
export const ROLE_ARN_TEMPLATE = roleArnPattern(ACCOUNT_PLACEHOLDERS);

/** Managed policy ARN (AWS managed: account `aws`), or a template of one. */
export const POLICY_ARN_TEMPLATE = policyArnPattern(ACCOUNT_PLACEHOLDERS);

/** The partition and account of a role or policy ARN template, placeholders kept as written. */
export function templateArnParts(arn: string): { partition: string; account: string } | undefined {
  return arnParts(arn, [ROLE_ARN_TEMPLATE, POLICY_ARN_TEMPLATE]);
}

/** Fills `{{partition}}` and `{{accountId}}` in an ARN or policy text. */
export function fillAccountPlaceholders(text: string, accountId: string, partition: string): string {
  return text
    .replaceAll(ACCOUNT_PLACEHOLDERS.account, accountId)
    .replaceAll(ACCOUNT_PLACEHOLDERS.partition, partition);
}

/** Tag keys under this prefix are fedgate's own; configs cannot define them. */
export const FEDGATE_TAG_PREFIX = 'fedgate:';
/** `true` or `false`: whether the login was multi-factor (IAM cannot see the IdP's MFA). */
export const MFA_TAG_KEY = 'fedgate:mfa';
/** When the user authenticated at the IdP, `YYYY-MM-DDTHH:MM:SSZ`. */
export const AUTH_TIME_TAG_KEY = 'fedgate:auth-time';
