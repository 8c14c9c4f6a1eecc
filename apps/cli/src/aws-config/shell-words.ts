/** A word that cannot be put into a `credential_process` line every AWS SDK reads the same way. */
export class UnsafeCommandWordError extends Error {
  constructor(
    readonly word: string,
    reason: string,
  ) {
    super(`cannot write ${JSON.stringify(word)} into credential_process: ${reason}`);
    this.name = 'UnsafeCommandWordError';
  }
}

/** Characters that mean nothing to a POSIX shell, to Python's shlex, or to an INI reader. */
const PLAIN_WORD = /^[A-Za-z0-9_./:@%+,-]+$/;

/**
 * Quotes one word of a `credential_process` command line so that botocore
 * (shlex.split), the JS SDK (child_process.exec, i.e. /bin/sh) and the
 * INI readers of both see the same word: plain words stay as they are,
 * anything else goes between single quotes, which both shlex and sh take
 * literally. Words that no such quoting keeps intact are refused:
 * - a single quote (it would end the quoting);
 * - `#` or `;`: the JS SDK's INI reader cuts the line at a `#` or `;` that
 *   follows whitespace, quotes or not;
 * - control characters (a newline would end the INI value), and anything
 *   outside printable ASCII, whose reading depends on the reader's locale;
 * - the empty word, which INI readers trim away at the end of a line.
 */
export function shellWord(word: string): string {
  if (word === '') {
    throw new UnsafeCommandWordError(word, 'it is empty');
  }
  if (PLAIN_WORD.test(word)) {
    return word;
  }
  if (!/^[\x20-\x7e]+$/.test(word)) {
    throw new UnsafeCommandWordError(
      word,
      'it has a control character or a character outside printable ASCII',
    );
  }
  for (const character of ["'", '#', ';']) {
    if (word.includes(character)) {
      throw new UnsafeCommandWordError(word, `the character ${character} cannot be quoted for every AWS SDK`);
    }
  }
  return `'${word}'`;
}

/** A command line of shell-neutral words (see shellWord). */
export function shellCommandLine(words: readonly string[]): string {
  return words.map(shellWord).join(' ');
}
