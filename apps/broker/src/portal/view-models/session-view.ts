import type { BrokerSession } from '@fedgate/sessions';

/** The session panel: who is signed in, through what, with or without MFA, until when. */
export interface SessionView {
  /** The display name, else the username. */
  name: string;
  username: string;
  email: string | undefined;
  connectorName: string;
  mfa: string;
  /** ISO 8601 UTC, for the <time> element. */
  endsAt: string;
  /** "2026-12-05 14:03 UTC": readable, and the same on every machine. */
  endsAtText: string;
}

/** "2026-12-05 14:03 UTC". */
export function utcMinute(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

export function sessionView(session: BrokerSession, connectorName: (id: string) => string): SessionView {
  const { identity } = session;
  const methods = identity.mfa.methods.join(', ');
  return {
    name: identity.displayName ?? identity.username,
    username: identity.username,
    email: identity.email,
    connectorName: connectorName(identity.connectorId),
    mfa: identity.mfa.satisfied ? `Yes${methods === '' ? '' : ` (${methods})`}` : 'No',
    endsAt: session.expiresAt,
    endsAtText: utcMinute(session.expiresAt),
  };
}
