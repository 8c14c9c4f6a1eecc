import { createHash } from 'node:crypto';
import { FedgateError } from '@fedgate/core';
import type { Store } from '@fedgate/store';

/** One sign-in attempt, as the throttle sees it. */
export interface LoginAttempt {
  connectorId: string;
  /**
   * The canonical account the connector will authenticate (its
   * canonicalUsername), or undefined when the typed form names no account
   * the connector accepts (only the client's allowance is spent then).
   */
  account: string | undefined;
  clientAddress: string;
}

/** An attempt the throttle let through; exactly one of the two is called when it ends. */
export interface LoginReservation {
  /** The password was right: the account's failures are forgiven, as the directory forgives them. */
  succeeded(): Promise<void>;
  /** The password was wrong (or the account refused): the attempt counts. */
  failed(): Promise<void>;
}

/** Decides whether a sign-in attempt may reach the connector at all. */
export interface LoginGuard {
  /** Throws FedgateError('rate_limited', { retryAfterSeconds }) when the attempt must not be made. */
  reserve(attempt: LoginAttempt): Promise<LoginReservation>;
}

/** How many failed logins are allowed in a window, per username and per client address. */
export interface LoginThrottleLimits {
  maxFailuresPerUser: number;
  maxFailuresPerClient: number;
  windowSeconds: number;
}

/**
 * Defaults that trip well before a typical directory lockout policy (AD
 * commonly locks after 5–10 failures), so an attacker guessing passwords
 * cannot lock real users out of the directory through fedgate.
 */
export const DEFAULT_LOGIN_THROTTLE: LoginThrottleLimits = {
  maxFailuresPerUser: 4,
  maxFailuresPerClient: 20,
  windowSeconds: 15 * 60,
};

function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

/**
 * Failed-login counters in the store (so they hold across replicas),
 * checked before a password connector is asked. Fixed windows: a counter
 * starts with its first failure and expires `windowSeconds` later. Store
 * failures propagate: no store, no login (fail closed).
 */
export class LoginThrottle implements LoginGuard {
  constructor(
    private readonly store: Store,
    private readonly limits: LoginThrottleLimits = DEFAULT_LOGIN_THROTTLE,
  ) {}

  async reserve(attempt: LoginAttempt): Promise<LoginReservation> {
    const account = attempt.account ?? '';
    await this.check(attempt.connectorId, account, attempt.clientAddress);
    return {
      succeeded: () => this.recordSuccess(attempt.connectorId, account),
      failed: () => this.recordFailure(attempt.connectorId, account, attempt.clientAddress),
    };
  }

  /** Throws `rate_limited` (with `retryAfterSeconds`) when either counter is spent. */
  async check(connectorId: string, username: string, clientAddress: string): Promise<void> {
    const keys = this.keys(connectorId, username, clientAddress);
    const [userFailures, clientFailures] = await Promise.all([
      this.count(keys.user),
      this.count(keys.client),
    ]);
    const spent =
      userFailures >= this.limits.maxFailuresPerUser
        ? keys.user
        : clientFailures >= this.limits.maxFailuresPerClient
          ? keys.client
          : undefined;
    if (spent === undefined) {
      return;
    }
    const remainingMs = (await this.store.ttl(spent)) ?? this.limits.windowSeconds * 1000;
    throw new FedgateError('rate_limited', 'Too many failed sign-ins; try again later', {
      detail: { connector: connectorId, limit: spent === keys.user ? 'per-username' : 'per-client' },
      retryAfterSeconds: Math.max(1, Math.ceil(remainingMs / 1000)),
    });
  }

  async recordFailure(connectorId: string, username: string, clientAddress: string): Promise<void> {
    const keys = this.keys(connectorId, username, clientAddress);
    const windowMs = this.limits.windowSeconds * 1000;
    await Promise.all([
      this.store.increment(keys.user, windowMs),
      this.store.increment(keys.client, windowMs),
    ]);
  }

  /** A successful login clears the user's counter (not the client's: one good password does not vouch for the rest). */
  async recordSuccess(connectorId: string, username: string): Promise<void> {
    await this.store.delete(this.keys(connectorId, username, '').user);
  }

  private keys(
    connectorId: string,
    username: string,
    clientAddress: string,
  ): { user: string; client: string } {
    // Hashed so a store dump does not list who tried which name (usernames are sometimes mistyped passwords).
    return {
      user: `throttle:user:${connectorId}:${digest(username.trim().toLowerCase())}`,
      client: `throttle:client:${digest(clientAddress)}`,
    };
  }

  private async count(key: string): Promise<number> {
    const value = await this.store.get(key);
    return value === null ? 0 : Number(value);
  }
}
