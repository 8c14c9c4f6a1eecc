import { FedgateError, type Identity } from '@fedgate/core';
import type { ClaimPaths } from './oidc-settings';

/** Claims as a provider sends them (JSON). */
export type Claims = Readonly<Record<string, unknown>>;

/** Reads a claim by path: `groups`, or `realm_access.roles` into nested objects. */
export function claimAt(claims: Claims, path: string): unknown {
  let value: unknown = claims;
  for (const name of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return undefined;
    }
    value = (value as Record<string, unknown>)[name];
  }
  return value;
}

/** A claim's values as strings: a string, number or boolean, or an array of them; anything else is refused. */
export function claimStrings(claims: Claims, path: string): string[] | 'malformed' {
  const value = claimAt(claims, path);
  if (value === undefined || value === null) {
    return [];
  }
  const values = Array.isArray(value) ? (value as unknown[]) : [value];
  const strings: string[] = [];
  for (const item of values) {
    if (typeof item === 'string') {
      strings.push(item);
    } else if (typeof item === 'number' || typeof item === 'boolean') {
      strings.push(String(item));
    } else {
      return 'malformed';
    }
  }
  return strings;
}

export interface MfaPolicy {
  amr: readonly string[];
  acr: readonly string[];
}

/** What the identity builder needs besides the claims. */
export interface IdentityInput {
  connectorId: string;
  paths: ClaimPaths;
  mfa: MfaPolicy;
  /** The ID token's claims, already verified. */
  idToken: Claims;
  /** UserInfo claims whose `sub` was checked against the ID token's; `{}` when not asked. */
  userinfo: Claims;
}

const PHASE = 'oidc.claims';

/**
 * Builds the Identity from verified claims (OpenID Connect Core 5.1):
 * subject from the ID token's `sub`; username, email, display name, groups
 * and attributes from the configured claim paths (UserInfo's value wins
 * over the ID token's); MFA from `amr`/`acr`, the time of authentication
 * from `auth_time` (the ID token's `iat` when absent): those two only from
 * the signed ID token. An email is kept only when `email_verified` is true,
 * and a username read from an unverified email is refused.
 */
export function identityFromClaims(input: IdentityInput): Identity {
  const { idToken, paths } = input;
  const merged: Claims = { ...idToken, ...input.userinfo, sub: idToken.sub };
  const subject = idToken.sub;
  if (typeof subject !== 'string' || subject === '') {
    throw refusal('sub', 'The identity provider sent no subject', {});
  }
  const emailVerified =
    claimAt(merged, 'email_verified') === true || claimAt(merged, 'email_verified') === 'true';
  const email = single(merged, paths.email);
  const username = single(merged, paths.username);
  if (username === undefined || username === '') {
    throw refusal('username', 'The identity provider did not send the claim fedgate names users by', {
      claim: paths.username,
    });
  }
  if (paths.username === paths.email && !emailVerified) {
    throw refusal(
      'email_verified',
      'The identity provider has not verified this email address, so it cannot sign you in',
      { claim: 'email_verified' },
    );
  }
  const groups = paths.groups === undefined ? [] : strings(merged, paths.groups, 'groups');
  const attributes = Object.fromEntries(
    Object.entries(paths.attributes).map(([name, path]) => [name, strings(merged, path, name)]),
  );
  const amr = strings(idToken, 'amr', 'amr');
  const acr = typeof idToken.acr === 'string' ? idToken.acr : undefined;
  const displayName = single(merged, paths.displayName);
  const authSeconds = typeof idToken.auth_time === 'number' ? idToken.auth_time : idToken.iat;
  if (typeof authSeconds !== 'number' || !Number.isFinite(authSeconds)) {
    throw refusal('auth_time', 'The identity provider sent no time of authentication', {});
  }
  return {
    connectorId: input.connectorId,
    subject,
    username,
    ...(email !== undefined && email !== '' && emailVerified ? { email, emailVerified: true } : {}),
    ...(displayName === undefined || displayName === '' ? {} : { displayName }),
    groups: [...new Set(groups.filter((group) => group !== ''))].sort(),
    attributes,
    mfa: {
      satisfied:
        amr.some((method) => input.mfa.amr.includes(method)) ||
        (acr !== undefined && input.mfa.acr.includes(acr)),
      methods: amr,
    },
    authTime: new Date(authSeconds * 1000).toISOString(),
    ...(acr === undefined ? {} : { acr }),
  };
}

function single(claims: Claims, path: string): string | undefined {
  const value = claimAt(claims, path);
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

function strings(claims: Claims, path: string, field: string): string[] {
  const values = claimStrings(claims, path);
  if (values === 'malformed') {
    throw refusal(field, `The identity provider's "${path}" claim is not a list of names`, { claim: path });
  }
  return values;
}

function refusal(check: string, message: string, detail: Record<string, unknown>): FedgateError {
  return new FedgateError('assertion_invalid', message, { phase: PHASE, detail: { check, ...detail } });
}
