import type { Caller } from './caller';
import type { Directory } from './directory';
import { userCaller } from './caller';
import { newSecretAccessKey, newSessionToken, newTemporaryAccessKeyId } from './identifiers';

/** A key pair sts-local knows: long-term (no session token) or temporary. */
export interface KnownCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  caller: Caller;
}

/** Temporary credentials as returned to the client. */
export interface IssuedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiresAt: number;
}

/** Expired sessions are kept this long so their use is answered ExpiredToken rather than InvalidClientTokenId. */
const EXPIRED_RETENTION_MS = 24 * 3600 * 1000;
/** A bound on memory: past this many live sessions the oldest are forgotten. */
const MAX_SESSIONS = 100_000;

/**
 * The long-term keys of the configured users and every temporary key this
 * process issued (in memory: a restart forgets them, like a fresh account).
 */
export class CredentialStore {
  private readonly sessions = new Map<string, KnownCredentials>();

  constructor(private readonly directory: Directory) {}

  /** The credentials behind an access key id, if sts-local knows it. */
  lookup(accessKeyId: string): KnownCredentials | undefined {
    const user = this.directory.userByAccessKey(accessKeyId);
    if (user) {
      return { accessKeyId, secretAccessKey: user.config.secretAccessKey, caller: userCaller(user) };
    }
    return this.sessions.get(accessKeyId);
  }

  /**
   * Issues new temporary credentials for a caller that expire at
   * `caller.expiresAt`, with a session token of at least `minimumTokenBytes`.
   */
  issue(caller: Caller & { expiresAt: number }, now: number, minimumTokenBytes = 0): IssuedCredentials {
    this.prune(now);
    const issued: IssuedCredentials = {
      accessKeyId: newTemporaryAccessKeyId(),
      secretAccessKey: newSecretAccessKey(),
      sessionToken: newSessionToken(minimumTokenBytes),
      expiresAt: caller.expiresAt,
    };
    this.sessions.set(issued.accessKeyId, { ...issued, caller });
    return issued;
  }

  private prune(now: number): void {
    for (const [key, known] of this.sessions) {
      if ((known.caller.expiresAt ?? now) + EXPIRED_RETENTION_MS < now) {
        this.sessions.delete(key);
      }
    }
    // Maps iterate in insertion order: the first keys are the oldest.
    for (const key of this.sessions.keys()) {
      if (this.sessions.size < MAX_SESSIONS) {
        break;
      }
      this.sessions.delete(key);
    }
  }
}
