import type { Identity } from '@fedgate/core';
import { AWS_LIMITS, TAG_CHARACTERS, TAG_DISALLOWED_CHARACTER } from '@fedgate/aws';
import { AUTH_TIME_TAG_KEY, MFA_TAG_KEY } from './aws-rules';
import type { LimitViolation, SessionTag } from './entitlement';
import { renderTemplate, type TemplatePart } from './template';

/** How the compiler treats a value AWS would refuse (`mapping.tags`). */
export interface TagSettings {
  separator: string;
  onInvalid: 'replace' | 'reject';
  authTags: boolean;
}

/** One configured tag: its key and its parsed value template. */
export interface TagTemplate {
  key: string;
  parts: readonly TemplatePart[];
}

/** The compiled tags and what the compiler had to do to get them. */
export interface CompiledTags {
  tags: SessionTag[];
  transitiveTagKeys: string[];
  notes: string[];
  violations: LimitViolation[];
}

const REPLACEMENT = '_';

/** Cuts to at most `max` UTF-16 units without splitting a surrogate pair. */
function cut(text: string, max: number): string {
  let result = '';
  for (const character of text) {
    if (result.length + character.length > max) {
      break;
    }
    result += character;
  }
  return result;
}

/** `2026-01-01T00:00:00Z`: AWS's timestamp form, and only characters a tag value allows. */
function authTimeValue(authTime: string): string | undefined {
  const time = Date.parse(authTime);
  return Number.isNaN(time) ? undefined : new Date(time).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Compiles a permission set's session tags for one identity (docs/mapping.md#limits):
 * each value template is filled (multi-valued fields joined by the
 * separator), composed to NFC, and made to fit AWS's tag value rule
 * (`[\p{L}\p{Z}\p{N}_.:/=+\-@]`, ≤ 256 characters): with `replace`,
 * refused characters become `_` and long values are cut, each change noted;
 * with `reject`, the value becomes a violation and nothing is issued. A tag
 * whose fields the identity lacks is left out (an empty tag would match
 * resources tagged empty; an absent one fails `StringEquals` closed), and
 * its transitive key with it. `fedgate:mfa` and `fedgate:auth-time` are
 * added when `authTags` is on, so IAM policies can require MFA that STS
 * itself cannot see. Keys were validated with the config.
 */
export function compileSessionTags(
  templates: readonly TagTemplate[],
  transitiveKeys: readonly string[],
  identity: Identity,
  settings: TagSettings,
): CompiledTags {
  const tags: SessionTag[] = [];
  const notes: string[] = [];
  const violations: LimitViolation[] = [];
  for (const { key, parts } of templates) {
    const rendered = renderTemplate(parts, identity, settings.separator);
    if (rendered.missing.length > 0) {
      notes.push(`tag ${key} left out: the identity has no ${rendered.missing.join(', ')}`);
      continue;
    }
    let value = rendered.text.normalize('NFC');
    if (!TAG_CHARACTERS.test(value)) {
      if (settings.onInvalid === 'reject') {
        violations.push({
          limit: 'tag-value',
          message: `tag ${key} has characters AWS does not allow in a tag value`,
        });
        continue;
      }
      value = value.replace(TAG_DISALLOWED_CHARACTER, REPLACEMENT);
      notes.push(`tag ${key}: characters AWS does not allow were replaced by ${REPLACEMENT}`);
    }
    if (value.length > AWS_LIMITS.tagValueLength.max) {
      if (settings.onInvalid === 'reject') {
        violations.push({
          limit: 'tag-value',
          message: `tag ${key} is ${value.length} characters; AWS allows ${AWS_LIMITS.tagValueLength.max}`,
        });
        continue;
      }
      value = cut(value, AWS_LIMITS.tagValueLength.max);
      notes.push(`tag ${key}: cut to ${AWS_LIMITS.tagValueLength.max} characters`);
    }
    tags.push({ key, value });
  }
  if (settings.authTags) {
    tags.push({ key: MFA_TAG_KEY, value: identity.mfa.satisfied ? 'true' : 'false' });
    const authTime = authTimeValue(identity.authTime);
    if (authTime === undefined) {
      violations.push({
        limit: 'tag-value',
        message: `tag ${AUTH_TIME_TAG_KEY}: the identity's authTime is not a time`,
      });
    } else {
      tags.push({ key: AUTH_TIME_TAG_KEY, value: authTime });
    }
  }
  const present = new Set(tags.map((tag) => tag.key));
  const transitiveTagKeys = transitiveKeys.filter((key) => {
    if (!present.has(key)) {
      notes.push(`transitive key ${key} left out: its tag is not sent`);
      return false;
    }
    return true;
  });
  return { tags, transitiveTagKeys, notes, violations };
}
