import { PassThrough } from 'node:stream';
import type { TextInput } from '../cli-io';
import {
  InputTooLong,
  isRawModeTerminal,
  PromptCancelled,
  promptHidden,
  readFirstLine,
  type RawModeInput,
} from './read-input';

function terminal(): PassThrough & RawModeInput {
  const stream = new PassThrough() as PassThrough & RawModeInput;
  stream.isTTY = true;
  stream.setRawMode = () => stream;
  return stream;
}

describe('readFirstLine', () => {
  it('returns the first line without its ending, even when it arrives in pieces', async () => {
    const input = new PassThrough();
    const line = readFirstLine(input);
    input.write('hel');
    input.write(Buffer.from('lö')); // multi-byte characters may be split across chunks
    input.write(Buffer.from([0xc3]));
    input.write(Buffer.from([0xa9, 0x0d, 0x0a]));
    input.write('second line\n');
    await expect(line).resolves.toBe('hellöé');
    expect(input.listenerCount('data')).toBe(0);
  });

  it('returns everything when input ends without a newline, and "" for no input', async () => {
    const some = new PassThrough();
    some.end('last');
    await expect(readFirstLine(some)).resolves.toBe('last');
    const none = new PassThrough();
    none.end();
    await expect(readFirstLine(none)).resolves.toBe('');
  });

  it('refuses a line over the limit', async () => {
    const input = new PassThrough();
    input.write('x'.repeat(11));
    await expect(readFirstLine(input, 10)).rejects.toBeInstanceOf(InputTooLong);
  });
});

describe('promptHidden', () => {
  it('edits with backspace and Ctrl-U and ignores escape sequences', async () => {
    const input = terminal();
    let shown = '';
    const answers = promptHidden(input, { write: (text: string) => (shown += text) }, ['A: ', 'B: ']);
    input.write('abd\u007fc\r\n');
    input.write('junk\u0015x\u001b[Dy\r');
    await expect(answers).resolves.toEqual(['abc', 'xy']);
    expect(shown).toBe('A: \nB: \n');
  });

  it('rejects on Ctrl-D at an empty answer, and at the end of input', async () => {
    const input = terminal();
    const answers = promptHidden(input, { write: () => true }, ['A: ']);
    input.write('\u0004');
    await expect(answers).rejects.toBeInstanceOf(PromptCancelled);
    const ended = terminal();
    const more = promptHidden(ended, { write: () => true }, ['A: ']);
    ended.end('partial');
    await expect(more).rejects.toBeInstanceOf(PromptCancelled);
  });
});

describe('isRawModeTerminal', () => {
  it('needs both a TTY and raw mode', () => {
    expect(isRawModeTerminal(terminal())).toBe(true);
    expect(isRawModeTerminal(new PassThrough())).toBe(false);
    expect(isRawModeTerminal(Object.assign(new PassThrough(), { isTTY: true }) as TextInput)).toBe(false);
  });
});
