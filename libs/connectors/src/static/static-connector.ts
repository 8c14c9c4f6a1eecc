import type { Identity } from '@fedgate/core';
import type {
  CanonicalUsername,
  LoginContext,
  PasswordConnector,
  PasswordLoginResult,
  RefreshConnector,
  RefreshResult,
  SignedIn,
} from '../connector';
import { parsePasswordHash, verifyPassword, type ScryptParameters } from './password-hash';
import { staticAccount } from './static-account';
import type { StaticConnectorConfig, StaticUserConfig } from './static-connector.config';

interface StaticUser {
  config: StaticUserConfig;
  hash: ScryptParameters;
}

/**
 * Users from the config file, with scrypt password hashes. For development,
 * demos and tests; not a user directory.
 */
export class StaticConnector implements PasswordConnector, RefreshConnector {
  readonly type = 'static';
  readonly id: string;
  readonly displayName: string;
  readonly logoUrl: string | undefined;
  private readonly users = new Map<string, StaticUser>();
  /** Verified against when the user is unknown, so both outcomes cost the same time. */
  private readonly decoy: ScryptParameters;

  constructor(
    config: StaticConnectorConfig,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.id = config.id;
    this.displayName = config.name ?? config.id;
    this.logoUrl = config.logo;
    for (const user of config.users) {
      const hash = parsePasswordHash(user.passwordHash);
      if (typeof hash === 'string') {
        throw new Error(`connector ${config.id}: user ${user.username}: ${hash}`);
      }
      this.users.set(staticAccount(user.username), { config: user, hash });
    }
    const first = this.users.values().next().value;
    if (!first) {
      throw new Error(`connector ${config.id}: no users`);
    }
    this.decoy = { ...first.hash, hash: Buffer.alloc(first.hash.hash.length) };
  }

  /**
   * Usernames compare as directories compare them (foldAccountName): `Alice`,
   * ` alice ` and full-width `ａｌｉｃｅ` are one account, under one throttle key.
   */
  canonicalUsername(typed: string): CanonicalUsername {
    const account = staticAccount(typed);
    return account === '' ? { kind: 'unacceptable', reason: 'empty username' } : { kind: 'account', account };
  }

  async login(account: string, password: string, _context: LoginContext): Promise<PasswordLoginResult> {
    const user = this.users.get(account);
    if (password.trim() === '') {
      return { kind: 'invalid_credentials', reason: 'empty password' };
    }
    const matches = await verifyPassword(password, user?.hash ?? this.decoy);
    if (!user) {
      return { kind: 'invalid_credentials', reason: 'unknown user' };
    }
    if (!matches) {
      return { kind: 'invalid_credentials', reason: 'wrong password' };
    }
    return { kind: 'authenticated', identity: this.identityOf(user.config) };
  }

  /**
   * The user as the config describes them now (groups and attributes may
   * have changed since sign-in); revoked when the user is gone. The sign-in's
   * own time and MFA stay: a refresh is not a new authentication.
   */
  refresh(signedIn: SignedIn, _context: LoginContext): Promise<RefreshResult> {
    const { identity } = signedIn;
    const user = [...this.users.values()].find(
      (candidate) => (candidate.config.subject ?? candidate.config.username) === identity.subject,
    );
    if (identity.connectorId !== this.id || user === undefined) {
      return Promise.resolve({ kind: 'revoked', reason: 'the user is no longer configured' });
    }
    const current = this.identityOf(user.config);
    return Promise.resolve({
      kind: 'current',
      identity: { ...current, authTime: identity.authTime, mfa: identity.mfa },
    });
  }

  private identityOf(user: StaticUserConfig): Identity {
    return {
      connectorId: this.id,
      subject: user.subject ?? user.username,
      username: user.username,
      ...(user.email === undefined ? {} : { email: user.email, emailVerified: true }),
      ...(user.displayName === undefined ? {} : { displayName: user.displayName }),
      groups: [...new Set(user.groups)].sort(),
      attributes: Object.fromEntries(
        Object.entries(user.attributes).map(([key, values]) => [key, [...values]]),
      ),
      mfa: { satisfied: user.mfa, methods: user.mfa ? ['static'] : [] },
      authTime: this.now().toISOString(),
    };
  }
}
