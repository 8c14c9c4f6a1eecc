import type { Identity } from '@fedgate/core';
import { claimAt, claimStrings, type Claims } from './claim-path';
import type { JwtConnectorConfig } from './jwt-connector.config';
import { tokenRefusal } from './token-refusal';

/**
 * The identity a verified token stands for. The subject is the issuer and
 * the subject claim together (`{issuer}#{value}`), so two issuers with the
 * same `sub` are two identities, even behind one connector id; username,
 * groups, email and attributes come from the configured claim paths. A
 * workload token proves no MFA, so `mfa.satisfied` is false; `authTime`
 * is the token's `iat`.
 */
export function identityFromToken(connectorId: string, config: JwtConnectorConfig, claims: Claims): Identity {
  const paths = config.claims;
  const subject = single(claims, paths.subject);
  if (subject === undefined || subject === '') {
    throw tokenRefusal('missing_claim', `The token has no "${paths.subject}" claim to name its subject`, {
      claim: paths.subject,
    });
  }
  const username = single(claims, paths.username);
  if (username === undefined || username === '') {
    throw tokenRefusal('missing_claim', `The token has no "${paths.username}" claim to name its user`, {
      claim: paths.username,
    });
  }
  const email = paths.email === undefined ? undefined : single(claims, paths.email);
  const groups = paths.groups === undefined ? [] : strings(claims, paths.groups);
  const attributes = Object.fromEntries(
    Object.entries(paths.attributes).map(([name, path]) => [name, strings(claims, path)]),
  );
  const iat = claims.iat as number;
  return {
    connectorId,
    subject: `${config.issuer}#${subject}`,
    username,
    // Only an issuer that verified it would put an email in a workload token; rules still
    // match emails only when verified, and a token says nothing about that.
    ...(email === undefined || email === '' ? {} : { email, emailVerified: false }),
    groups: [...new Set(groups.filter((group) => group !== ''))].sort(),
    attributes,
    mfa: { satisfied: false, methods: [] },
    authTime: new Date(iat * 1000).toISOString(),
  };
}

function single(claims: Claims, path: string): string | undefined {
  const value = claimAt(claims, path);
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

function strings(claims: Claims, path: string): string[] {
  const values = claimStrings(claims, path);
  if (values === 'malformed') {
    throw tokenRefusal('missing_claim', `The token's "${path}" claim is not a list of names`, {
      claim: path,
    });
  }
  return values;
}
