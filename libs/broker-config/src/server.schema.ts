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
  publicUrl: bareHttpUrl('the address fedgate appends its paths to').default('http://127.0.0.1:8080'),
  host: z.string().default('127.0.0.1'),
  /** The `PORT` environment variable overrides it when the broker starts. */
  port: z.number().int().min(1).max(65535).default(8080),
  /** Whose X-Forwarded-* to believe (client addresses, https detection): see trustProxyConfigSchema. */
  trustProxy: trustProxyConfigSchema.default(false),
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: z
    .number()
    .int()
    .min(1024)
    .max(10 * 1024 * 1024)
    .default(64 * 1024),
});

/** The broker's `logging` section. */
export const loggingConfigSchema = z.strictObject({
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** The validated `server` section. */
export type ServerConfig = z.output<typeof serverConfigSchema>;
/** The validated `logging` section. */
export type LoggingConfig = z.output<typeof loggingConfigSchema>;
