import { FedgateError } from '@fedgate/core';
import { UserIndex } from '@fedgate/sessions';
import type { Store } from '@fedgate/store';
import type { GrantSubject } from './grants';
import { OAuthError } from './oauth-error';
import { digest, isSecret, newSecret } from './secrets';
import { newUserCode, normalizeUserCode } from './user-code';

/** The answer to a device authorization request (RFC 8628 section 3.2). */
export interface DeviceAuthorizationResponse {
  device_code: string;
  user_code: string;
  verification_uri: string;
  expires_in: number;
  interval: number;
}

/** What the confirmation page shows about a pending request, so the user can tell it is theirs. */
export interface PendingDevice {
  userCode: string;
  clientId: string;
  /** The address the request came from. */
  requestedFrom: string;
  /** When it was made, ISO 8601 UTC. */
  requestedAt: string;
}

type DeviceStatus = 'pending' | 'approved' | 'denied';

interface StoredDevice extends PendingDevice {
  status: DeviceStatus;
  expiresAt: number;
  subject?: GrantSubject;
}

export interface DeviceAuthorizationOptions {
  lifetimeSeconds: number;
  /** The least number of seconds between two polls. */
  intervalSeconds: number;
  /** The page where users type the code. */
  verificationUri: string;
  /** User code entries one user may make per window: codes are guessable only this fast. */
  maxCodeEntries: number;
  codeEntryWindowSeconds: number;
  now?: () => number;
}

const GRACE_MS = 10 * 60 * 1000;

/**
 * RFC 8628's device authorization grant in the store. The user code is
 * only ever typed by the user on fedgate's page (fedgate sends no
 * verification_uri_complete and its page never takes the code from a link),
 * so a phished link alone authorizes nothing; the page shows the client,
 * the requesting address and the time before the user approves. Approval,
 * denial and redemption are each single-use (set-if-absent markers), and
 * polls faster than the interval get `slow_down`.
 */
export class DeviceAuthorizations {
  private readonly now: () => number;
  private readonly index: UserIndex;

  constructor(
    private readonly store: Store,
    private readonly options: DeviceAuthorizationOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.index = new UserIndex(store);
  }

  /** Starts a device authorization for the client. */
  async start(clientId: string, requestedFrom: string): Promise<DeviceAuthorizationResponse> {
    const deviceCode = newSecret('fgd');
    const deviceKey = digest(deviceCode);
    const lifetimeMs = this.options.lifetimeSeconds * 1000;
    let userCode: string | undefined;
    // A fresh code collides with a live one about once in 10^10; try again rather than share it.
    for (let attempt = 0; attempt < 5 && userCode === undefined; attempt += 1) {
      const candidate = newUserCode();
      if (await this.store.setIfAbsent(this.userCodeKey(candidate), deviceKey, lifetimeMs)) {
        userCode = candidate;
      }
    }
    if (userCode === undefined) {
      throw new FedgateError('internal', 'No free user code could be drawn');
    }
    const stored: StoredDevice = {
      userCode,
      clientId,
      requestedFrom,
      requestedAt: new Date(this.now()).toISOString(),
      status: 'pending',
      expiresAt: this.now() + lifetimeMs,
    };
    await this.store.set(this.deviceKey(deviceKey), JSON.stringify(stored), lifetimeMs + GRACE_MS);
    return {
      device_code: deviceCode,
      user_code: userCode,
      verification_uri: this.options.verificationUri,
      expires_in: this.options.lifetimeSeconds,
      interval: this.options.intervalSeconds,
    };
  }

  /**
   * The pending request a typed user code names, for the confirmation page.
   * Each entry counts against `entryKey` (the signed-in user): too many are
   * refused with rate_limited, so codes cannot be guessed.
   */
  async lookup(typed: string, entryKey: string): Promise<PendingDevice> {
    await this.countEntry(entryKey);
    const { record } = await this.pendingByUserCode(typed);
    const { userCode, clientId, requestedFrom, requestedAt } = record;
    return { userCode, clientId, requestedFrom, requestedAt };
  }

  /**
   * Approves (with the signed-in user's identity) or denies the request;
   * once only. Counted against `entryKey` as lookup is, so approving blind
   * is no faster a way to guess codes.
   */
  async decide(
    typed: string,
    entryKey: string,
    decision: { approve: true; subject: GrantSubject } | { approve: false },
  ): Promise<PendingDevice> {
    await this.countEntry(entryKey);
    const { deviceKey, record } = await this.pendingByUserCode(typed);
    const first = await this.store.setIfAbsent(
      `oauth-device-decided:${deviceKey}`,
      '1',
      this.remainingTtl(record),
    );
    if (!first) {
      throw new FedgateError('invalid_request', 'This code was already approved or denied');
    }
    const updated: StoredDevice = decision.approve
      ? { ...record, status: 'approved', subject: { ...decision.subject, grantedAt: this.now() } }
      : { ...record, status: 'denied' };
    await this.store.set(this.deviceKey(deviceKey), JSON.stringify(updated), this.remainingTtl(record));
    if (decision.approve) {
      await this.index.track(decision.subject.identity, this.deviceKey(deviceKey), this.remainingTtl(record));
    }
    await this.store.delete(this.userCodeKey(record.userCode));
    const { userCode, clientId, requestedFrom, requestedAt } = record;
    return { userCode, clientId, requestedFrom, requestedAt };
  }

  /**
   * One poll of the token endpoint with the device code grant: the signed-in
   * subject once approved (and never again), or the RFC 8628 error that
   * tells the client what to do.
   */
  async poll(deviceCode: string | undefined, clientId: string): Promise<GrantSubject> {
    if (!isSecret('fgd', deviceCode)) {
      throw new OAuthError('invalid_grant', 'The device code is not one fedgate issued');
    }
    const deviceKey = digest(deviceCode);
    const intervalMs = this.options.intervalSeconds * 1000;
    // Pacing is one atomic step too: a poll inside the interval of the previous one is refused.
    const paced = await this.store.setIfAbsent(`oauth-device-poll:${deviceKey}`, '1', intervalMs);
    if (!paced) {
      throw new OAuthError('slow_down', `Poll at most every ${this.options.intervalSeconds} seconds`);
    }
    const text = await this.store.get(this.deviceKey(deviceKey));
    if (text === null) {
      throw new OAuthError('expired_token', 'The device code has expired or is unknown; start again');
    }
    const record = JSON.parse(text) as StoredDevice;
    if (record.clientId !== clientId) {
      throw new OAuthError('invalid_grant', 'The device code was issued to another client');
    }
    if (this.now() > record.expiresAt) {
      throw new OAuthError('expired_token', 'The device code has expired; start again');
    }
    switch (record.status) {
      case 'pending':
        throw new OAuthError('authorization_pending', 'The user has not approved the request yet');
      case 'denied':
        await this.store.delete(this.deviceKey(deviceKey));
        throw new OAuthError('access_denied', 'The user denied the request');
      case 'approved': {
        const first = await this.store.setIfAbsent(
          `oauth-device-redeemed:${deviceKey}`,
          '1',
          this.remainingTtl(record),
        );
        if (!first || record.subject === undefined) {
          throw new OAuthError('invalid_grant', 'The device code was already used');
        }
        await this.store.delete(this.deviceKey(deviceKey));
        return record.subject;
      }
    }
  }

  /**
   * Voids the approved, unredeemed device request stored under `key` (an
   * entry of the user index), for an administrator's revocation: the
   * approving user, or null when it was redeemed or expired already or the
   * key is not an approved request's.
   */
  async endStored(key: string): Promise<GrantSubject | null> {
    if (!key.startsWith('oauth-device:')) {
      return null;
    }
    const text = await this.store.get(key);
    if (text === null) {
      return null;
    }
    const record = JSON.parse(text) as StoredDevice;
    if (record.status !== 'approved' || record.subject === undefined || !(await this.store.delete(key))) {
      return null;
    }
    return this.now() > record.expiresAt ? null : record.subject;
  }

  /** One code entry by a user; rate_limited past the allowance of the window. */
  private async countEntry(entryKey: string): Promise<void> {
    const window = this.options.codeEntryWindowSeconds;
    const count = await this.store.increment(`oauth-device-entries:${digest(entryKey)}`, window * 1000);
    if (count > this.options.maxCodeEntries) {
      throw new FedgateError('rate_limited', 'Too many codes entered; wait and try again', {
        retryAfterSeconds: window,
        phase: 'oauth.device',
      });
    }
  }

  private async pendingByUserCode(typed: string): Promise<{ deviceKey: string; record: StoredDevice }> {
    const userCode = normalizeUserCode(typed);
    const unknown = new FedgateError(
      'not_found',
      'No pending request has this code; check the code your terminal shows',
      {
        phase: 'oauth.device',
      },
    );
    if (userCode === undefined) {
      throw unknown;
    }
    const deviceKey = await this.store.get(this.userCodeKey(userCode));
    if (deviceKey === null) {
      throw unknown;
    }
    const text = await this.store.get(this.deviceKey(deviceKey));
    if (text === null) {
      throw unknown;
    }
    const record = JSON.parse(text) as StoredDevice;
    if (record.status !== 'pending' || this.now() > record.expiresAt) {
      throw unknown;
    }
    return { deviceKey, record };
  }

  private remainingTtl(record: StoredDevice): number {
    return Math.max(1000, record.expiresAt - this.now() + GRACE_MS);
  }

  private deviceKey(deviceKey: string): string {
    return `oauth-device:${deviceKey}`;
  }

  private userCodeKey(userCode: string): string {
    return `oauth-user-code:${userCode}`;
  }
}
