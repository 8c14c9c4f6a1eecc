import { createHash, randomBytes } from 'node:crypto';
import type { Store } from '@fedgate/store';

/** Accounts one browser keeps an allowance for; the oldest is dropped past this. */
const MAX_ACCOUNTS_PER_DEVICE = 8;

/** A device token to hand the client (as a cookie), and how long it is good for. */
export interface DeviceGrant {
  token: string;
  maxAgeSeconds: number;
}

/** What issue() hands out: 32 bytes in base64url. Anything else in a cookie is ignored. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

/**
 * Device tokens: proof that a browser signed in successfully as an account
 * recently, so its later attempts for that account are counted apart from
 * everyone else's (docs/configuration.md, `loginThrottle`). A token is 256
 * random bits that only the client holds; the store keeps its SHA-256 and
 * the (connector, account) pairs it signed in as, themselves digested, so a
 * store dump yields neither usable tokens nor account names. Every success
 * replaces the token, so a copied cookie stops working at the owner's next
 * sign-in.
 */
export class DeviceTokens {
  constructor(
    private readonly store: Store,
    private readonly lifetimeSeconds: number,
  ) {}

  /** Whether the token was issued to a client that signed in as this account, and has not expired. */
  async vouchesFor(token: string | undefined, connectorId: string, account: string): Promise<boolean> {
    if (token === undefined || !TOKEN_SHAPE.test(token)) {
      return false;
    }
    return (await this.bindings(token)).includes(binding(connectorId, account));
  }

  /**
   * A new token for a client that just signed in as this account, carrying
   * over the accounts its previous token (if any) vouched for; the previous
   * token stops working.
   */
  async issue(previous: string | undefined, connectorId: string, account: string): Promise<DeviceGrant> {
    const earlier =
      previous === undefined || !TOKEN_SHAPE.test(previous) ? [] : await this.bindings(previous);
    const current = binding(connectorId, account);
    const bindings = [current, ...earlier.filter((entry) => entry !== current)].slice(
      0,
      MAX_ACCOUNTS_PER_DEVICE,
    );
    const token = randomBytes(32).toString('base64url');
    await this.store.set(key(token), JSON.stringify(bindings), this.lifetimeSeconds * 1000);
    if (earlier.length > 0 && previous !== undefined) {
      await this.store.delete(key(previous));
    }
    return { token, maxAgeSeconds: this.lifetimeSeconds };
  }

  private async bindings(token: string): Promise<string[]> {
    const stored = await this.store.get(key(token));
    if (stored === null) {
      return [];
    }
    try {
      const parsed: unknown = JSON.parse(stored);
      return Array.isArray(parsed)
        ? parsed.filter((entry): entry is string => typeof entry === 'string')
        : [];
    } catch {
      return [];
    }
  }
}

function key(token: string): string {
  return `throttle:device:${digest(token)}`;
}

function binding(connectorId: string, account: string): string {
  return digest(`${connectorId}\n${account}`);
}
