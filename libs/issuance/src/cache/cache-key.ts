import { createHash, hash } from 'node:crypto';

import type { Identity } from '@fedgate/core';
import type { IssuePlan } from '@fedgate/mapping';

/** SHA-256 (hex) in one call where Node has it (20.12+): no Hash object per request. */
const sha256Hex: (text: string) => string =
  typeof hash === 'function'
    ? (text) => hash('sha256', text, 'hex')
    : (text) => createHash('sha256').update(text, 'utf8').digest('hex');

/** Bumped whenever the serialization changes, so old entries simply stop matching. */
const KEY_FORMAT = 'fedgate.credential-cache.v2';

/** What credentialCacheKey returns: 64 lowercase hex characters. */
export const CREDENTIAL_CACHE_KEY_PATTERN = /^[0-9a-f]{64}$/;

/**
 * Keys already derived for frozen plans (the mapping hands out the same
 * frozen plan while neither the config nor the session's identity changed):
 * a frozen plan cannot change, so its key cannot either. Held weakly: a plan
 * nobody uses any more takes its key with it.
 */
const keysOfFrozenPlans = new WeakMap<IssuePlan, { connectorId: string; subject: string; key: string }>();

/**
 * The cache key for one plan: SHA-256 (hex) over a canonical serialization
 * of everything that shapes the STS request, namely who (connector,
 * subject) and what (backend, partition, account, permission set, mode,
 * role, names, SourceIdentity, ExternalId, compiled session tags,
 * transitive keys, policies, the planned duration). Any change to
 * configuration, to a tag value (an MFA or auth-time tag included) or to
 * the requested duration gives a new key, so stale credentials are never
 * served for a changed request, and a request for 1h never gets a cached
 * 8h session. Fields a mode does not send count as absent.
 *
 * Lists whose order STS ignores (tags, transitive keys, policy ARNs) are
 * sorted, so the same request always maps to the same key. The key holds no
 * identifying or secret value in the clear.
 */
export function credentialCacheKey(
  identity: Pick<Identity, 'connectorId' | 'subject'>,
  plan: IssuePlan,
): string {
  const known = keysOfFrozenPlans.get(plan);
  if (
    known !== undefined &&
    known.connectorId === identity.connectorId &&
    known.subject === identity.subject
  ) {
    return known.key;
  }
  const key = deriveKey(identity, plan);
  if (isDeeplyFrozen(plan)) {
    keysOfFrozenPlans.set(plan, { connectorId: identity.connectorId, subject: identity.subject, key });
  }
  return key;
}

function deriveKey(identity: Pick<Identity, 'connectorId' | 'subject'>, plan: IssuePlan): string {
  const durationSeconds = plan.duration.seconds;
  if (!Number.isSafeInteger(durationSeconds) || durationSeconds <= 0) {
    throw new RangeError(`durationSeconds must be a positive integer, got ${String(durationSeconds)}`);
  }
  const tags = plan.sessionTags.map((tag): [string, string] => [tag.key, tag.value]).sort(compareTags);
  const role = plan.mode === 'federation-token' ? undefined : plan;
  const canonical: unknown[] = [
    KEY_FORMAT,
    identity.connectorId,
    identity.subject,
    plan.backendId,
    plan.partition,
    plan.accountId,
    plan.permissionSet,
    plan.mode,
    role?.roleArn ?? null,
    plan.mode === 'federation-token' ? plan.federatedUserName : null,
    role?.roleSessionName ?? null,
    role?.sourceIdentity ?? null,
    plan.mode === 'assume-role' ? (plan.externalId ?? null) : null,
    tags,
    sortedCopy(role?.transitiveTagKeys ?? []),
    plan.policy ?? null,
    sortedCopy(plan.policyArns),
    durationSeconds,
  ];
  // JSON of an array of strings, numbers, nulls and nested arrays is unambiguous: every string is
  // quoted and escaped, so no two different requests serialize to the same text.
  return sha256Hex(JSON.stringify(canonical));
}

/** Whether nothing the key reads can change: the plan, its duration, tags and lists are frozen. */
function isDeeplyFrozen(plan: IssuePlan): boolean {
  return (
    Object.isFrozen(plan) &&
    Object.isFrozen(plan.duration) &&
    Object.isFrozen(plan.sessionTags) &&
    plan.sessionTags.every((tag) => Object.isFrozen(tag)) &&
    Object.isFrozen(plan.policyArns) &&
    (plan.mode === 'federation-token' || Object.isFrozen(plan.transitiveTagKeys))
  );
}

function compareTags(a: [string, string], b: [string, string]): number {
  return compareStrings(a[0], b[0]) || compareStrings(a[1], b[1]);
}

/** Code-unit order, independent of the process's locale. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortedCopy(values: readonly string[]): string[] {
  return [...values].sort(compareStrings);
}

/** Scoped keys already derived, per scope (one per process): a digest per cache hit saved. */
const scopedKeys = new Map<string, Map<string, string>>();
const SCOPED_KEYS_PER_SCOPE = 10_000;

/**
 * A cache key within a scope: SHA-256 (hex) of the scope and the key. A
 * process that encrypts with a key of its own (no `issuance.cache.keys`)
 * scopes its keys with a random value, so replicas sharing a store neither
 * read nor overwrite each other's entries they could not decrypt anyway.
 */
export function scopedCacheKey(key: string, scope: string): string {
  let keys = scopedKeys.get(scope);
  if (keys === undefined) {
    keys = new Map();
    scopedKeys.set(scope, keys);
  }
  let scoped = keys.get(key);
  if (scoped === undefined) {
    scoped = sha256Hex(JSON.stringify([KEY_FORMAT, scope, key]));
    if (keys.size >= SCOPED_KEYS_PER_SCOPE) {
      keys.clear(); // bounded; the keys in use come back on their next request
    }
    keys.set(key, scoped);
  }
  return scoped;
}
