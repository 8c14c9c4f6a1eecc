import { FedgateError } from '@fedgate/core';

/** The index of the quote that closes the JSON string opening at `start` (the text is valid JSON). */
function endOfString(text: string, start: number): number {
  let index = start + 1;
  while (text[index] !== '"') {
    index += text[index] === '\\' ? 2 : 1;
  }
  return index;
}

/**
 * The first key that one object of `text` (valid JSON) has twice, compared
 * after unescaping (`"a"` and `"\u0061"` are one key), or undefined.
 */
export function duplicateKey(text: string): string | undefined {
  // One entry per open container: the keys seen so far for an object, null for an array.
  const open: (Set<string> | null)[] = [];
  let keyNext = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (char === '"') {
      const end = endOfString(text, index);
      const keys = open.at(-1);
      if (keyNext && keys) {
        const key = JSON.parse(text.slice(index, end + 1)) as string;
        if (keys.has(key)) {
          return key;
        }
        keys.add(key);
      }
      keyNext = false;
      index = end;
    } else if (char === '{') {
      open.push(new Set());
      keyNext = true;
    } else if (char === '[') {
      open.push(null);
    } else if (char === '}' || char === ']') {
      open.pop();
    } else if (char === ',') {
      keyNext = open.at(-1) instanceof Set;
    }
  }
  return undefined;
}

/**
 * Parses a JSON request body, refusing text that is not JSON and objects
 * that name a key twice: JSON.parse would keep the last one silently, and
 * two readers of one body could then disagree on what it says. Neither
 * message echoes the body.
 */
export function parseJsonWithoutDuplicateKeys(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new FedgateError('invalid_request', 'The request body is not valid JSON', { phase: 'http.body' });
  }
  const duplicate = duplicateKey(text);
  if (duplicate !== undefined) {
    throw new FedgateError(
      'invalid_request',
      `The request body is ambiguous: an object has the key "${duplicate.slice(0, 64)}" more than once`,
      { phase: 'http.body' },
    );
  }
  return value;
}
