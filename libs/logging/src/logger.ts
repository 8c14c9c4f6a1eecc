import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

/**
 * Paths pino censors in every log line. fedgate's own code never logs these,
 * this is the net under it: request credentials, cookies, anything shaped
 * like a password, secret key, session token or sign-in token.
 */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  'secretAccessKey',
  '*.secretAccessKey',
  '*.SecretAccessKey',
  'sessionToken',
  '*.sessionToken',
  '*.SessionToken',
  'token',
  '*.token',
  '*.SigninToken',
  'req.headers.cookie',
  'req.headers.authorization',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
];

export type { Logger };

export interface LoggerSettings {
  level: LoggerOptions['level'];
  /** Where lines go; stdout when absent. Tests pass a stream to scan what was logged. */
  destination?: DestinationStream;
}

/** Builds fedgate's structured (JSON) logger. */
export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? 'info',
    base: { service: 'fedgate' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return settings.destination ? pino(options, settings.destination) : pino(options);
}
