import { claimStrings, type Claims } from './claim-path';
import { tokenRefusal } from './token-refusal';

/** One configured condition, compiled: the claim path and its patterns as anchored expressions. */
export interface ClaimCondition {
  claim: string;
  patterns: readonly RegExp[];
}

/** `*` any run of characters, `?` one; everything else literal; the whole value must match. */
function patternToRegExp(pattern: string): RegExp {
  const source = pattern.replace(/[.*+?^${}()|[\]\\/]/g, (character) =>
    character === '*' ? '.*' : character === '?' ? '.' : `\\${character}`,
  );
  return new RegExp(`^${source}$`, 'su');
}

export function compileConditions(conditions: Readonly<Record<string, readonly string[]>>): ClaimCondition[] {
  return Object.entries(conditions)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([claim, patterns]) => ({ claim, patterns: patterns.map(patternToRegExp) }));
}

/**
 * Every condition must hold: the claim is present, and each of its values
 * (a list claim has several) matches one of the patterns. An absent claim
 * fails its condition, so a condition can never pass by omission. The
 * refusal names the claim, never its value.
 */
export function checkConditions(claims: Claims, conditions: readonly ClaimCondition[]): void {
  for (const condition of conditions) {
    const values = claimStrings(claims, condition.claim);
    const holds =
      values !== 'malformed' &&
      values.length > 0 &&
      values.every((value) => condition.patterns.some((pattern) => pattern.test(value)));
    if (!holds) {
      throw tokenRefusal(
        'claim_condition',
        `The token's "${condition.claim}" claim does not satisfy this issuer's condition`,
        {
          claim: condition.claim,
        },
      );
    }
  }
}
