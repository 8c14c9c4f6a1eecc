import { z } from 'zod';
import { durationSeconds } from '@fedgate/config';

const HOUR = 3600;

/** The `session` section (docs/configuration.md): how long portal sessions and CLI logins last. */
export const sessionConfigSchema = z.strictObject({
  /** A session unused this long ends. */
  idleTimeout: durationSeconds(5 * 60, 24 * HOUR)
    .default(HOUR)
    .describe('A session unused this long ends.'),
  /** A session ends this long after login, however active. */
  absoluteTimeout: durationSeconds(15 * 60, 7 * 24 * HOUR)
    .default(12 * HOUR)
    .describe('A session ends this long after login, however active.'),
  /**
   * How often a session's identity is checked again with its source, for
   * connectors that can (a user disabled or removed from a group upstream
   * loses access within this time instead of at the session's end).
   */
  refreshInterval: durationSeconds(60, 24 * HOUR)
    .default(15 * 60)
    .describe(
      "How often a session's identity is checked again with its source, for connectors that can (static, ldap — the service account searches the user again, reads its account state and groups —, oidc with a refresh token, github through a GitHub App with expiring tokens): a user disabled or removed from a group upstream loses access within this time. While the source cannot answer, the session is kept but nothing is served (`503 idp_unavailable`).",
    ),
});

/** The validated `session` section, in seconds. */
export type SessionConfig = z.output<typeof sessionConfigSchema>;
