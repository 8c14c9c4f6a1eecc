import { z } from 'zod';
import { bareHttpUrl } from '@fedgate/config';
import { trustProxyConfigSchema } from '@fedgate/throttling';

/** The broker's own `server` section (docs/configuration.md). */
export const serverConfigSchema = z.strictObject({
  /**
   * The URL users reach fedgate at; `https://` turns on `__Host-` Secure cookies. fedgate
   * appends its paths to it (callbacks, the token issuer), so user info, a query or a
   * fragment would end up in every URL it builds: refused.
   */
  publicUrl: bareHttpUrl('the address fedgate appends its paths to')
    .default('http://127.0.0.1:8080')
    .describe(
      'The `http://` or `https://` URL users reach fedgate at. `https://` turns on `__Host-` cookies with the Secure flag. fedgate appends its paths to it, so it may have a path but no user info, query or fragment.',
    ),
  host: z
    .string()
    .default('127.0.0.1')
    .describe('The address to listen on. `0.0.0.0` listens on every interface.'),
  /** The `PORT` environment variable overrides it when the broker starts. */
  port: z
    .number()
    .int()
    .min(1)
    .max(65535)
    .default(8080)
    .describe(
      'The port to listen on, 1–65535. The `PORT` environment variable overrides it when the broker starts.',
    ),
  /** Whose X-Forwarded-* to believe (client addresses, https detection): see trustProxyConfigSchema. */
  trustProxy: trustProxyConfigSchema
    .default(false)
    .describe(
      'Whose `X-Forwarded-For` / `X-Forwarded-Proto` to believe, for client addresses (which the login throttle counts by) and https detection.',
    ),
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: z
    .number()
    .int()
    .min(1024)
    .max(10 * 1024 * 1024)
    .default(64 * 1024)
    .describe('The largest request body accepted, in bytes: 1024 to 10485760 (10 MiB).'),
});

/** The broker's `logging` section. */
export const loggingConfigSchema = z.strictObject({
  level: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('One of `fatal`, `error`, `warn`, `info`, `debug`, `trace`, `silent`.'),
});

/** The validated `server` section. */
export type ServerConfig = z.output<typeof serverConfigSchema>;
/** The validated `logging` section. */
export type LoggingConfig = z.output<typeof loggingConfigSchema>;
