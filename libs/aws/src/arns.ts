import { isPartition, PARTITIONS, type Partition } from './partitions';

/** An AWS account id: 12 digits (leading zeros included, so always a string). */
export const ACCOUNT_ID = /^\d{12}$/;

/**
 * Literal stand-ins that a template language may put where an ARN's
 * partition and account go (fedgate's mapping uses `{{partition}}` and
 * `{{accountId}}`); the patterns then accept them as well as real values.
 */
export interface ArnPlaceholders {
  partition: string;
  account: string;
}

// IAM names and path segments: `[\w+=,.@-]`; a path is segments each followed by `/`.
const NAME_CHARACTER = String.raw`[\w+=,.@-]`;
const PATH_SEGMENTS = String.raw`(?:[\w+=,.@-]+\/)*`;

/** An IAM user or role name: 1–64 characters of `[\w+=,.@-]`. */
export const IAM_NAME = new RegExp(`^${NAME_CHARACTER}{1,64}$`);

/** An IAM path: `/`, or `/` followed by segments each ending in `/`. */
export const IAM_PATH = new RegExp(`^\\/${PATH_SEGMENTS}$`);

/** A role name with an optional path before it (`ops/fedgate-Admin`), as it follows `:role/` in an ARN. */
export const ROLE_NAME_WITH_PATH = new RegExp(`^${PATH_SEGMENTS}${NAME_CHARACTER}{1,64}$`);

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function partitionGroup(placeholders?: ArnPlaceholders): string {
  return [...PARTITIONS, ...(placeholders === undefined ? [] : [placeholders.partition])]
    .map(escape)
    .join('|');
}

function accountGroup(extra: readonly string[], placeholders?: ArnPlaceholders): string {
  return [
    ...extra.map(escape),
    String.raw`\d{12}`,
    ...(placeholders === undefined ? [] : [escape(placeholders.account)]),
  ].join('|');
}

/**
 * An IAM role ARN, `arn:PARTITION:iam::ACCOUNT:role/PATH/NAME` (name 1–64
 * characters of `[\w+=,.@-]`, optional path). Groups: 1 partition,
 * 2 account, 3 path and name.
 */
export function roleArnPattern(placeholders?: ArnPlaceholders): RegExp {
  return new RegExp(
    `^arn:(${partitionGroup(placeholders)}):iam::(${accountGroup([], placeholders)}):role\\/(${PATH_SEGMENTS}${NAME_CHARACTER}{1,64})$`,
  );
}

/**
 * A managed policy ARN, `arn:PARTITION:iam::ACCOUNT:policy/PATH/NAME`, where
 * ACCOUNT is `aws` for AWS managed policies (name 1–128 characters). Groups
 * as roleArnPattern's.
 */
export function policyArnPattern(placeholders?: ArnPlaceholders): RegExp {
  return new RegExp(
    `^arn:(${partitionGroup(placeholders)}):iam::(${accountGroup(['aws'], placeholders)}):policy\\/(${PATH_SEGMENTS}${NAME_CHARACTER}{1,128})$`,
  );
}

/** A real IAM role ARN of a known partition. */
export const ROLE_ARN = roleArnPattern();
/** A real managed policy ARN of a known partition (AWS managed: account `aws`). */
export const POLICY_ARN = policyArnPattern();

/**
 * The partition and account of an ARN matching one of `patterns` (by
 * default ROLE_ARN and POLICY_ARN), as written: placeholders stay
 * placeholders, `aws` stays the AWS managed policy account.
 */
export function arnParts(
  arn: string,
  patterns: readonly RegExp[] = [ROLE_ARN, POLICY_ARN],
): { partition: string; account: string } | undefined {
  for (const pattern of patterns) {
    const match = pattern.exec(arn);
    if (match?.[1] !== undefined && match[2] !== undefined) {
      return { partition: match[1], account: match[2] };
    }
  }
  return undefined;
}

/** The partition any ARN names (`arn:PARTITION:…`), when it is one fedgate knows. */
export function partitionOfArn(arn: string): Partition | undefined {
  const name = /^arn:([a-z-]+):/.exec(arn)?.[1];
  return name !== undefined && isPartition(name) ? name : undefined;
}
