import type { Identity } from '@fedgate/core';
import type { BrokerSession } from '@fedgate/sessions';

/** What the sign-in flows need of the session manager. */
export interface SessionStarter {
  create(
    identity: Identity,
    options?: { connectorData?: string },
  ): Promise<{ token: string; session: BrokerSession }>;
  destroy(token: string): Promise<boolean>;
}

/** A fresh broker session: the token goes into the browser's cookie or the CLI's cache. */
export interface StartedSession {
  token: string;
  session: BrokerSession;
}

/**
 * Starts the session of a successful sign-in. The session the browser had
 * before, if any, ends first: every sign-in gets a new token, so a token
 * planted before sign-in is worth nothing after it (no session fixation).
 */
export async function startSession(
  sessions: SessionStarter,
  identity: Identity,
  options: { connectorData?: string | undefined; replaces?: string | undefined },
): Promise<StartedSession> {
  if (options.replaces !== undefined) {
    await sessions.destroy(options.replaces);
  }
  return sessions.create(
    identity,
    options.connectorData === undefined ? {} : { connectorData: options.connectorData },
  );
}
