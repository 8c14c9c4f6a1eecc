import { randomInt } from 'node:crypto';

/**
 * RFC 8628 section 6.1's alphabet: 20 consonants, no vowels (no words),
 * no digits (no 0/O or 1/I confusion). Eight letters are 20^8 ≈ 2.6·10^10
 * codes, entered at a throttled rate by signed-in users only.
 */
export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
const LENGTH = 8;

/** A fresh user code, shown as `WDJB-MJHT`. */
export function newUserCode(): string {
  let code = '';
  for (let index = 0; index < LENGTH; index += 1) {
    code += USER_CODE_ALPHABET.charAt(randomInt(USER_CODE_ALPHABET.length));
  }
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/**
 * What the user typed, reduced to the stored form: case, spaces and dashes
 * ignored; undefined when it cannot be a user code.
 */
export function normalizeUserCode(typed: string): string | undefined {
  const letters = typed.toUpperCase().replace(/[\s-]/g, '');
  if (!new RegExp(`^[${USER_CODE_ALPHABET}]{${LENGTH}}$`).test(letters)) {
    return undefined;
  }
  return `${letters.slice(0, 4)}-${letters.slice(4)}`;
}
