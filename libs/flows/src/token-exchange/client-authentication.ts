import { createHash } from 'node:crypto';
import { decodeJwt, errors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import { issuerKeys, parsePasswordHash, verifyPassword, type KeyResolver } from '@fedgate/connectors';
import type { Store } from '@fedgate/store';
import {
  TOKEN_EXCHANGE_PHASES,
  tokenExchangeRefusal,
  type PresentedClient,
  type TokenExchangeClientConfig,
} from '@fedgate/token-exchange';

export interface ClientAuthenticationOptions {
  /** The token endpoint's URL: a client assertion's `aud` must be it (or fedgate's public URL). */
  tokenEndpoint: string;
  publicUrl: string;
  /** Where used client assertion `jti`s are kept. */
  store: Pick<Store, 'setIfAbsent'>;
  now: () => number;
}

/** A client assertion may live at most this long (RFC 7523 asks for short-lived ones). */
const MAX_ASSERTION_SECONDS = 5 * 60;
const SKEW_SECONDS = 60;

/**
 * Authenticates the caller of the token exchange against its configured
 * method: a client secret checked against its scrypt hash, a
 * private_key_jwt assertion (RFC 7523: signed by one of the client's
 * keys, `iss` = `sub` = client id, `aud` the token endpoint, short-lived,
 * its `jti` used once), or `none` for a client configured so. Every
 * failure is `client_authentication_failed`, one message for an unknown
 * client and a wrong secret.
 */
export class ClientAuthentication {
  private readonly clients: ReadonlyMap<string, TokenExchangeClientConfig>;
  private readonly keys = new Map<string, KeyResolver>();

  constructor(
    clients: readonly TokenExchangeClientConfig[],
    private readonly options: ClientAuthenticationOptions,
  ) {
    this.clients = new Map(clients.map((client) => [client.id, client]));
    for (const client of clients) {
      if (client.authentication.method === 'private_key_jwt') {
        this.keys.set(
          client.id,
          issuerKeys({ keys: client.authentication.keys }, { timeoutMs: 1000, now: options.now }),
        );
      }
    }
  }

  /** The presented client id, for audit before the client is authenticated. */
  static claimedId(presented: PresentedClient): string | undefined {
    if (presented.method !== 'private_key_jwt' || presented.clientId !== undefined) {
      return presented.clientId;
    }
    try {
      const iss = decodeJwt(presented.assertion).iss;
      return typeof iss === 'string' ? iss.slice(0, 128) : undefined;
    } catch {
      return undefined;
    }
  }

  async authenticate(presented: PresentedClient): Promise<TokenExchangeClientConfig> {
    const clientId = ClientAuthentication.claimedId(presented);
    const client = clientId === undefined ? undefined : this.clients.get(clientId);
    if (client === undefined) {
      throw failed('unknown_client');
    }
    const method = client.authentication;
    if (method.method !== presented.method) {
      throw failed('wrong_method', { configured: method.method, presented: presented.method });
    }
    switch (method.method) {
      case 'none':
        return client;
      case 'client_secret': {
        const parameters = parsePasswordHash(method.secretHash);
        const secret = presented.method === 'client_secret' ? presented.secret : '';
        if (typeof parameters === 'string' || !(await verifyPassword(secret, parameters))) {
          throw failed('secret');
        }
        return client;
      }
      case 'private_key_jwt': {
        const assertion = presented.method === 'private_key_jwt' ? presented.assertion : '';
        await this.verifyAssertion(client, assertion, method.algorithms);
        return client;
      }
    }
  }

  private async verifyAssertion(
    client: TokenExchangeClientConfig,
    assertion: string,
    algorithms: readonly string[],
  ): Promise<void> {
    const keys = this.keys.get(client.id);
    if (keys === undefined) {
      throw failed('assertion_keys');
    }
    const nowSeconds = this.options.now() / 1000;
    const options = {
      algorithms: [...algorithms],
      issuer: client.id,
      subject: client.id,
      audience: [this.options.tokenEndpoint, this.options.publicUrl],
      currentDate: new Date(this.options.now()),
      clockTolerance: SKEW_SECONDS,
      requiredClaims: ['exp', 'jti'],
    };
    let claims: JWTPayload;
    try {
      claims = await verifiedByOneOf(assertion, keys, options);
    } catch (error) {
      throw failed('assertion', { reason: error instanceof errors.JOSEError ? error.code : 'malformed' });
    }
    const exp = claims.exp as number;
    if (exp - nowSeconds > MAX_ASSERTION_SECONDS + SKEW_SECONDS) {
      throw failed('assertion_lifetime', { maxSeconds: MAX_ASSERTION_SECONDS });
    }
    if (typeof claims.jti !== 'string' || claims.jti === '') {
      throw failed('assertion_jti');
    }
    const digest = createHash('sha256').update(`${client.id}\u0000${claims.jti}`).digest('base64url');
    const ttlMs = Math.max(1000, Math.ceil((exp + SKEW_SECONDS) * 1000 - this.options.now()));
    if (!(await this.options.store.setIfAbsent(`te-client-assertion:${digest}`, '1', ttlMs))) {
      throw failed('assertion_replayed');
    }
  }
}

/**
 * jwtVerify with the client's keys; when several fit an assertion without
 * `kid` (jose hands them over as an async iterator), one of them must verify it.
 */
async function verifiedByOneOf(
  assertion: string,
  keys: KeyResolver,
  options: JWTVerifyOptions,
): Promise<JWTPayload> {
  try {
    return (await jwtVerify(assertion, keys, options)).payload;
  } catch (error) {
    if (!(error instanceof errors.JWKSMultipleMatchingKeys)) {
      throw error;
    }
    let last: unknown = error;
    for await (const key of error) {
      try {
        return (await jwtVerify(assertion, key, options)).payload;
      } catch (attempt) {
        last = attempt;
      }
    }
    throw last;
  }
}

function failed(reason: string, detail: Record<string, unknown> = {}) {
  return tokenExchangeRefusal(
    'client_authentication_failed',
    TOKEN_EXCHANGE_PHASES.client,
    'Client authentication failed: check client_id and its secret or assertion',
    { reason, ...detail },
  );
}
