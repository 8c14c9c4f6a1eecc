/** The grant type of RFC 8693. */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';

/** Subject tokens fedgate reads: a JWT (RFC 8693 section 3); an ID token and an access token when they are JWTs. */
export const SUBJECT_TOKEN_TYPES = [
  'urn:ietf:params:oauth:token-type:jwt',
  'urn:ietf:params:oauth:token-type:id_token',
  'urn:ietf:params:oauth:token-type:access_token',
] as const;

/** What the caller may ask for with `requested_token_type`. */
export const ISSUED_TOKEN_TYPES = {
  /** A fedgate access token for /api/v1/* (the default without `resource`/`audience`). */
  accessToken: 'urn:ietf:params:oauth:token-type:access_token',
  /** AWS credentials, answered in the credential_process JSON shape (the default with `resource`/`audience`). */
  awsCredentials: 'urn:fedgate:params:oauth:token-type:aws-credentials',
  /** An AWS console sign-in URL. */
  awsConsoleUrl: 'urn:fedgate:params:oauth:token-type:aws-console-url',
} as const;

export type IssuedTokenType = (typeof ISSUED_TOKEN_TYPES)[keyof typeof ISSUED_TOKEN_TYPES];

const RESOURCE_PREFIX = 'urn:fedgate:aws:';
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.+=@-]{0,63}$/;

/** An account (id or name) and a permission set, as `resource` or `audience` names them. */
export interface AwsTarget {
  account: string;
  permissionSet: string;
}

/**
 * Reads `urn:fedgate:aws:{account}:{permission set}` (the account by its
 * 12-digit id or its configured name); undefined for anything else.
 * Neither part can hold a `:`, so the form is unambiguous.
 */
export function parseAwsTarget(uri: string): AwsTarget | undefined {
  if (!uri.startsWith(RESOURCE_PREFIX)) {
    return undefined;
  }
  const parts = uri.slice(RESOURCE_PREFIX.length).split(':');
  const [account, permissionSet] = parts;
  if (parts.length !== 2 || account === undefined || permissionSet === undefined) {
    return undefined;
  }
  return NAME.test(account) && NAME.test(permissionSet) ? { account, permissionSet } : undefined;
}

/** The URI of an account and permission set: `urn:fedgate:aws:{account}:{permission set}`. */
export function awsTargetUri(target: AwsTarget): string {
  return `${RESOURCE_PREFIX}${target.account}:${target.permissionSet}`;
}
