import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { FedgateError } from '@fedgate/core';

export interface ProviderKeysOptions {
  timeoutMs: number;
  now: () => number;
  /** How long a fetched key set is used before it is fetched again. */
  maxAgeMs?: number;
  /** At most one refetch for an unknown `kid` per this interval, so forged kids cannot make fedgate hammer the provider. */
  refetchIntervalMs?: number;
}

interface FetchedKeys {
  select: JWTVerifyGetKey;
  fetchedAt: number;
}

/**
 * The provider's signing keys from its `jwks_uri`, cached. A token signed
 * with a key the cache does not hold (the provider rotated its keys)
 * refetches the set once, at most once per `refetchIntervalMs`; a `kid`
 * still unknown after that is refused. A key set that cannot be fetched is
 * an outage (`idp_unavailable`), never a valid signature.
 */
export class ProviderKeys {
  private fetched: FetchedKeys | undefined;
  private inflight: Promise<FetchedKeys> | undefined;
  private readonly maxAgeMs: number;
  private readonly refetchIntervalMs: number;

  constructor(
    private readonly jwksUri: string,
    private readonly options: ProviderKeysOptions,
  ) {
    this.maxAgeMs = options.maxAgeMs ?? 3_600_000;
    this.refetchIntervalMs = options.refetchIntervalMs ?? 60_000;
  }

  /** The key resolver jose's jwtVerify calls with the token's header. */
  readonly getKey = async (
    ...args: Parameters<JWTVerifyGetKey>
  ): Promise<Awaited<ReturnType<JWTVerifyGetKey>>> => {
    const now = this.options.now();
    let keys = this.fetched;
    if (keys === undefined || now - keys.fetchedAt > this.maxAgeMs) {
      keys = await this.fetch();
    }
    try {
      return await keys.select(...args);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey) || now - keys.fetchedAt < this.refetchIntervalMs) {
        throw error;
      }
    }
    const fresh = await this.fetch();
    return fresh.select(...args);
  };

  private fetch(): Promise<FetchedKeys> {
    // Concurrent callbacks share one request.
    this.inflight ??= this.download().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async download(): Promise<FetchedKeys> {
    let body: unknown;
    try {
      const response = await fetch(this.jwksUri, {
        headers: { accept: 'application/json' },
        redirect: 'error',
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      if (!response.ok) {
        throw new Error(`HTTP ${response.status}`);
      }
      body = await response.json();
    } catch (error) {
      throw new FedgateError(
        'idp_unavailable',
        'The identity provider could not be reached; try again later',
        {
          phase: 'oidc.id-token',
          detail: {
            check: 'jwks',
            jwksUri: this.jwksUri,
            reason: error instanceof Error ? error.message : 'unknown',
          },
        },
      );
    }
    if (typeof body !== 'object' || body === null || !Array.isArray((body as { keys?: unknown }).keys)) {
      throw new FedgateError('idp_unavailable', 'The identity provider published no usable signing keys', {
        phase: 'oidc.id-token',
        detail: { check: 'jwks', jwksUri: this.jwksUri },
      });
    }
    const fetched = { select: createLocalJWKSet(body as JSONWebKeySet), fetchedAt: this.options.now() };
    this.fetched = fetched;
    return fetched;
  }
}
