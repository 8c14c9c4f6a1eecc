import { FedgateError } from '@fedgate/core';

/** Longer input is no one's username; refused before any throttle or directory sees it. */
export const MAX_USERNAME_LENGTH = 256;

/**
 * Control, format, surrogate, private-use and unassigned code points, and
 * the line and paragraph separators: no directory name holds them, and some
 * directories cut a value short at one, so `alice\u0000x` could sign in as
 * `alice` under a throttle key of its own.
 */
const UNHOLDABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/u;

/** Any run of spaces (U+0020, no-break, ideographic and the other space separators). */
const SPACE_RUN = /\p{Zs}+/gu;

/**
 * What the user typed, ready for a connector's own canonical form: refused
 * with a clear `invalid_request` when no account name could hold it,
 * otherwise Unicode-normalized (NFC, so a precomposed and a combining `é`
 * are one account) and trimmed.
 */
export function cleanTypedUsername(typed: string): string {
  if (typed.length > MAX_USERNAME_LENGTH) {
    throw new FedgateError(
      'invalid_request',
      `The username is longer than ${MAX_USERNAME_LENGTH} characters`,
    );
  }
  if (UNHOLDABLE.test(typed)) {
    throw new FedgateError(
      'invalid_request',
      'The username contains control or invisible characters that no account name can hold',
    );
  }
  return typed.normalize('NFC').replace(SPACE_RUN, ' ').trim();
}

/**
 * The form under which a directory compares names, so spellings it treats
 * as one account get one key: compatibility forms folded (NFKC: full-width
 * `ａｌｉｃｅ` is `alice`, as LDAP's string preparation (RFC 4518) and
 * Active Directory's width-insensitive comparison have it), case folded
 * (upper then lower, so `ß`, `SS` and `ss` meet), and every run of spaces
 * one space (RFC 4518 insignificant space handling).
 */
export function foldAccountName(cleaned: string): string {
  return cleaned
    .normalize('NFKC')
    .toUpperCase()
    .toLowerCase()
    .normalize('NFKC')
    .replace(SPACE_RUN, ' ')
    .trim();
}
