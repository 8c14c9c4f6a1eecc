import { z } from 'zod';
import type { Identity } from '@fedgate/core';
import type { AdminsConfig } from './config';

const text = z.string().min(1).max(1024);

/**
 * An Identity (docs/architecture.md) as JSON, from an explain request or an
 * `--identity` file: connectorId, subject, username and authTime are
 * required; groups, attributes and mfa default to empty. An attribute may be
 * one string or a list. Unknown keys are refused, so a typo cannot quietly
 * explain a different identity.
 */
export const identityInputSchema = z.strictObject({
  connectorId: text,
  subject: text,
  username: text,
  email: z.string().max(320).optional(),
  emailVerified: z.boolean().optional(),
  displayName: z.string().max(1024).optional(),
  groups: z.array(z.string().max(1024)).max(10_000).default([]),
  attributes: z
    .record(z.string().max(256), z.union([z.string().max(4096), z.array(z.string().max(4096)).max(1000)]))
    .default({})
    .transform((attributes) =>
      Object.fromEntries(
        Object.entries(attributes).map(([key, value]) => [key, typeof value === 'string' ? [value] : value]),
      ),
    ),
  mfa: z
    .strictObject({ satisfied: z.boolean(), methods: z.array(z.string().max(64)).max(20).default([]) })
    .default({ satisfied: false, methods: [] }),
  authTime: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time such as 2026-01-01T09:00:00Z' }),
  acr: z.string().max(256).optional(),
});

/** Validates JSON as an Identity, or lists each problem as `field: message`. */
export function parseIdentity(
  value: unknown,
): { ok: true; identity: Identity } | { ok: false; problems: string[] } {
  const result = identityInputSchema.safeParse(value);
  if (result.success) {
    return { ok: true, identity: result.data };
  }
  return {
    ok: false,
    problems: result.error.issues.map((issue) => {
      const path = issue.path.map(String).join('.');
      return path === '' ? issue.message : `${path}: ${issue.message}`;
    }),
  };
}

/**
 * Whether the identity may use the admin endpoints: its `connector:subject`
 * is in `admins.users` (subjects are immutable, unlike usernames), or it is
 * in one of `admins.groups` from a connector `admins.connectors` allows.
 */
export function isAdmin(identity: Identity, admins: AdminsConfig): boolean {
  if (admins.users.includes(`${identity.connectorId}:${identity.subject}`)) {
    return true;
  }
  if (admins.connectors !== undefined && !admins.connectors.includes(identity.connectorId)) {
    return false;
  }
  return admins.groups.some((group) => identity.groups.includes(group));
}
