import { createHash } from 'node:crypto';
import { FedgateError } from '@fedgate/core';
import type { BoundedCounter, Store } from '@fedgate/store';
import { DeviceTokens, type DeviceGrant } from './device-tokens';

export type { DeviceGrant } from './device-tokens';

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
  /** The device token the client presented (its device cookie), if any. */
  device?: string | undefined;
}

/** An attempt the throttle let through; exactly one of the three is called when it ends. */
export interface LoginReservation {
  /**
   * The password was right: the attempt is given back, and the client gets a
   * device token for this account (undefined when the attempt named none).
   */
  succeeded(): Promise<DeviceGrant | undefined>;
  /** The password was wrong (or the account refused): the attempt stays counted. */
  failed(): Promise<void>;
  /** There was no verdict (the directory did not answer): the attempt is given back. */
  abandoned(): Promise<void>;
}

/** Decides whether a sign-in attempt may reach the connector at all. */
export interface LoginGuard {
  /**
   * Reserves the attempt, or throws FedgateError('rate_limited', {
   * retryAfterSeconds }) when it must not be made. Reserving is one atomic
   * store operation: concurrent attempts can never together pass a limit.
   */
  reserve(attempt: LoginAttempt): Promise<LoginReservation>;
}

/** How many failed logins are allowed, and for how long they are remembered. */
export interface LoginThrottleLimits {
  /** Failures of one account from one client address (per connector). */
  maxFailuresPerUserAndClient: number;
  /**
   * Failures of one account from every client without its device token
   * together: the most that strangers can spend on it.
   */
  maxFailuresPerUser: number;
  /** Failures from one client address, whatever the account. */
  maxFailuresPerClient: number;
  /** Failures of one account from the devices that signed in as it before, together. */
  maxFailuresPerDevice: number;
  /** A counter lives this long after its latest failure (a sliding window, as directories count). */
  windowSeconds: number;
  /** How long a device token vouches for its browser after its last successful sign-in. */
  deviceLifetimeSeconds: number;
}

/**
 * Defaults sized for a directory that locks an account after 10 failures
 * within 30 minutes (Microsoft's security baseline): strangers and the
 * owner's devices together reach at most 5 + 3 = 8. docs/configuration.md
 * says how to size them for another policy.
 */
export const DEFAULT_LOGIN_THROTTLE: LoginThrottleLimits = {
  maxFailuresPerUserAndClient: 3,
  maxFailuresPerUser: 5,
  maxFailuresPerClient: 20,
  maxFailuresPerDevice: 3,
  windowSeconds: 30 * 60,
  deviceLifetimeSeconds: 30 * 24 * 3600,
};

/** Which limit refused an attempt; in the error's detail, for operators. */
export type ThrottleLimit = 'per-user-and-client' | 'per-client' | 'per-user' | 'per-device';

function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

/**
 * Failed-login throttling in the store (so it holds across replicas),
 * decided before a password connector is asked, keyed on the canonical
 * account. One atomic store operation (incrementBelowLimits) counts the
 * attempt against every limit that applies, or refuses it without counting:
 * N concurrent attempts reach the connector at most `limit` times. A
 * success or an attempt without a verdict gives its count back.
 *
 * Attempts from a client whose device token vouches for the account count
 * only against the account's device allowance, so an attacker elsewhere
 * (or behind the same proxy address) who spends the account's allowance
 * cannot lock its owner out. The directory sees at most maxFailuresPerUser +
 * maxFailuresPerDevice wrong passwords for an account within any window.
 * Store failures propagate: no store, no login (fail closed).
 */
export class LoginThrottle implements LoginGuard {
  private readonly devices: DeviceTokens;

  constructor(
    private readonly store: Store,
    private readonly limits: LoginThrottleLimits = DEFAULT_LOGIN_THROTTLE,
  ) {
    this.devices = new DeviceTokens(store, limits.deviceLifetimeSeconds);
  }

  async reserve(attempt: LoginAttempt): Promise<LoginReservation> {
    const counters = await this.countersFor(attempt);
    const result = await this.store.incrementBelowLimits(counters.map(({ counter }) => counter));
    if (!result.taken) {
      throw new FedgateError('rate_limited', 'Too many failed sign-ins; try again later', {
        detail: { connector: attempt.connectorId, limit: counters[result.full]?.limit ?? 'per-client' },
        retryAfterSeconds: Math.max(1, Math.ceil(result.ttlMs / 1000)),
      });
    }
    return this.reservation(
      attempt,
      counters.map(({ counter }) => counter.key),
    );
  }

  /** The counters this attempt must stay under, in the order their refusals are reported. */
  private async countersFor(
    attempt: LoginAttempt,
  ): Promise<{ counter: BoundedCounter; limit: ThrottleLimit }[]> {
    const ttlMs = this.limits.windowSeconds * 1000;
    // An extending window, unlike the rate limits: the observation window restarts at each counted
    // failure (like Active Directory's lockout observation window), so failures spread just under
    // the window apart keep adding up instead of resetting.
    const counter = (key: string, max: number, limit: ThrottleLimit) => ({
      counter: { key, limit: max, ttlMs, window: 'extending' as const },
      limit,
    });
    const client = counter(
      `throttle:client:${digest(attempt.clientAddress)}`,
      this.limits.maxFailuresPerClient,
      'per-client',
    );
    const { account, connectorId } = attempt;
    if (account === undefined) {
      return [client];
    }
    // Hashed so a store dump does not list who tried which name (usernames are sometimes mistyped passwords).
    const accountKey = `${connectorId}:${digest(account)}`;
    if (await this.devices.vouchesFor(attempt.device, connectorId, account)) {
      return [
        counter(`throttle:device-failures:${accountKey}`, this.limits.maxFailuresPerDevice, 'per-device'),
      ];
    }
    return [
      counter(
        `throttle:user-client:${accountKey}:${digest(attempt.clientAddress)}`,
        this.limits.maxFailuresPerUserAndClient,
        'per-user-and-client',
      ),
      client,
      counter(`throttle:user:${accountKey}`, this.limits.maxFailuresPerUser, 'per-user'),
    ];
  }

  private reservation(attempt: LoginAttempt, keys: readonly string[]): LoginReservation {
    let settled = false;
    const settle = (): boolean => {
      const first = !settled;
      settled = true;
      return first;
    };
    const giveBack = async (): Promise<void> => {
      await Promise.all(keys.map((key) => this.store.decrement(key)));
    };
    return {
      succeeded: async () => {
        if (!settle()) {
          return undefined;
        }
        await giveBack();
        return attempt.account === undefined
          ? undefined
          : this.devices.issue(attempt.device, attempt.connectorId, attempt.account);
      },
      failed: () => {
        settle();
        return Promise.resolve();
      },
      abandoned: async () => {
        if (settle()) {
          await giveBack();
        }
      },
    };
  }
}
