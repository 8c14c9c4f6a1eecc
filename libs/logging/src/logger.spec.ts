import { Writable } from 'node:stream';
import { createLogger } from './logger';

function capture(): { stream: Writable; lines: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  return { stream, lines: () => chunks.join('') };
}

describe('createLogger', () => {
  it('censors passwords, secret keys, session tokens and cookies wherever they are put', () => {
    const { stream, lines } = capture();
    const logger = createLogger({ level: 'info', destination: stream });
    logger.info({ password: 'p4ss-word', body: { password: 'inner-pass' } }, 'login');
    logger.info({ credentials: { SecretAccessKey: 'SECRET/KEY', SessionToken: 'SESSION-TOKEN' } }, 'issued');
    logger.info({
      req: { headers: { cookie: 'fedgate_session=COOKIE-VALUE', authorization: 'Bearer BEARER' } },
    });
    const output = lines();
    for (const secret of [
      'p4ss-word',
      'inner-pass',
      'SECRET/KEY',
      'SESSION-TOKEN',
      'COOKIE-VALUE',
      'BEARER',
    ]) {
      expect(output).not.toContain(secret);
    }
    expect(output).toContain('[redacted]');
    expect(output).toContain('"msg":"issued"');
  });

  it('respects the level', () => {
    const { stream, lines } = capture();
    const logger = createLogger({ level: 'warn', destination: stream });
    logger.info('quiet');
    logger.warn('loud');
    expect(lines()).not.toContain('quiet');
    expect(lines()).toContain('loud');
  });
});
