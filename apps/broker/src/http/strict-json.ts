import { FedgateError } from '@fedgate/core';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COLON = 0x3a;

/** The index of the quote that closes the JSON string opening at `start` (the text is valid JSON). */
function endOfString(text: string, start: number): number {
  let quote = text.indexOf('"', start + 1);
  for (;;) {
    // A quote closes the string unless an odd number of backslashes escapes it.
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) {
      backslashes += 1;
    }
    if (backslashes % 2 === 0) {
      return quote;
    }
    quote = text.indexOf('"', quote + 1);
  }
}

/** The key a JSON string spells: its text as it is, unescaped only when it holds an escape. */
function keyAt(text: string, start: number, end: number): string {
  const raw = text.slice(start + 1, end);
  return raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
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
    const char = text.charCodeAt(index);
    if (char === QUOTE) {
      const end = endOfString(text, index);
      const keys = open.at(-1);
      if (keyNext && keys) {
        const key = keyAt(text, index, end);
        if (keys.has(key)) {
          return key;
        }
        keys.add(key);
      }
      keyNext = false;
      index = end;
    } else if (char === OPEN_OBJECT) {
      open.push(new Set());
      keyNext = true;
    } else if (char === OPEN_ARRAY) {
      open.push(null);
    } else if (char === CLOSE_OBJECT || char === CLOSE_ARRAY) {
      open.pop();
    } else if (char === COMMA) {
      keyNext = open.at(-1) instanceof Set;
    }
  }
  return undefined;
}

/** What one pass over valid JSON text counts, outside its strings. */
export interface TextShape {
  /** Keys, each time one is written: JSON has a colon after every key and nowhere else. */
  keys: number;
  /** Objects and arrays: at most one means no container holds another. */
  containers: number;
}

/** Counts the keys and containers of `text` (valid JSON), jumping over its strings. */
export function shapeOf(text: string): TextShape {
  let keys = 0;
  let containers = 0;
  for (let index = 0; index < text.length; index += 1) {
    const char = text.charCodeAt(index);
    if (char === QUOTE) {
      index = endOfString(text, index);
    } else if (char === COLON) {
      keys += 1;
    } else if (char === OPEN_OBJECT || char === OPEN_ARRAY) {
      containers += 1;
    }
  }
  return { keys, containers };
}

/** How many own keys the objects of a JSON.parse result hold, nested ones included. */
export function keysInValue(value: unknown): number {
  if (typeof value !== 'object' || value === null) {
    return 0;
  }
  let keys = 0;
  // A stack rather than recursion: JSON.parse takes nesting deeper than the call stack would.
  const pending: object[] = [value];
  for (let container = pending.pop(); container !== undefined; container = pending.pop()) {
    if (Array.isArray(container)) {
      for (const item of container as unknown[]) {
        if (typeof item === 'object' && item !== null) {
          pending.push(item);
        }
      }
    } else {
      const names = Object.keys(container);
      keys += names.length;
      for (const name of names) {
        const item: unknown = (container as Record<string, unknown>)[name];
        if (typeof item === 'object' && item !== null) {
          pending.push(item);
        }
      }
    }
  }
  return keys;
}

/**
 * Whether some object of `text` names a key twice, `value` being what
 * JSON.parse made of it. JSON.parse keeps one property per distinct key
 * (after unescaping), so the parsed objects hold as many keys as the text
 * writes exactly when no object writes one twice. Two counts settle it; a
 * text without nested containers needs only the top value's key count.
 */
function hasDuplicateKey(text: string, value: unknown): boolean {
  const shape = shapeOf(text);
  if (shape.keys === 0) {
    return false;
  }
  // With keys and a single container, the value is that one object, holding only scalars.
  const held =
    shape.containers > 1 ? keysInValue(value) : Object.keys(value as Record<string, unknown>).length;
  return held !== shape.keys;
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
  // Only a body that does name a key twice is scanned again, for which key it is.
  const duplicate = hasDuplicateKey(text, value) ? duplicateKey(text) : undefined;
  if (duplicate !== undefined) {
    throw new FedgateError(
      'invalid_request',
      `The request body is ambiguous: an object has the key "${duplicate.slice(0, 64)}" more than once`,
      { phase: 'http.body' },
    );
  }
  return value;
}
