import { createHash } from 'node:crypto';
import type { Store } from '@fedgate/store';
import type { LoginContext, SignedIn, TokenConnector } from '../connector';
import { checkConditions, compileConditions, type ClaimCondition } from './claim-conditions';
import { issuerKeys, type KeyResolver } from './issuer-keys';
import type { JwtConnectorConfig } from './jwt-connector.config';
import { identityFromToken } from './jwt-identity';
import { tokenRefusal } from './token-refusal';
import { verifyToken } from './token-verifier';

export interface JwtConnectorDependencies {
  /** Where used `jti`s are kept, shared by replicas. */
  store: Pick<Store, 'setIfAbsent'>;
  now?: () => Date;
}

/**
 * A trusted token issuer (`type: jwt`): a custom broker that signs
 * assertions about its users, a CI system's OIDC tokens (GitHub Actions,
 * GitLab CI), a Kubernetes cluster's service-account tokens. `exchange`
 * verifies the token (pinned algorithms, signature, issuer, audience,
 * expiry, age), checks the configured claim conditions, accepts a `jti`
 * once, and builds the identity mapping rules see. docs/workloads.md.
 */
export class JwtConnector implements TokenConnector {
  readonly id: string;
  readonly type = 'jwt';
  readonly displayName: string;
  readonly issuer: string;
  private readonly keys: KeyResolver;
  private readonly conditions: ClaimCondition[];
  private readonly now: () => number;

  constructor(
    private readonly config: JwtConnectorConfig,
    private readonly dependencies: JwtConnectorDependencies,
  ) {
    this.id = config.id;
    this.displayName = config.name ?? config.id;
    this.issuer = config.issuer;
    const now = dependencies.now;
    this.now = now === undefined ? Date.now : () => now().getTime();
    this.keys = issuerKeys(
      config.keys === undefined ? { jwksUrl: config.jwksUrl ?? '' } : { keys: config.keys },
      {
        timeoutMs: config.timeout * 1000,
        now: this.now,
      },
    );
    this.conditions = compileConditions(config.conditions);
  }

  async exchange(token: string, _context: LoginContext): Promise<SignedIn> {
    const claims = await verifyToken(token, this.keys, {
      issuer: this.config.issuer,
      audience: this.config.audience,
      algorithms: this.config.algorithms,
      maxTokenAgeSeconds: this.config.maxTokenAge,
      clockSkewSeconds: this.config.clockSkew,
      now: this.now,
    });
    checkConditions(claims, this.conditions);
    const identity = identityFromToken(this.id, this.config, claims);
    // Last, so a token refused for any other reason does not use up its jti.
    if (claims.jti !== undefined && this.config.singleUseJti) {
      await this.acceptOnce(claims.jti, claims.exp as number);
    }
    return { identity };
  }

  /** Writes the jti with SET NX until the token would be refused anyway; the store down refuses (fail closed). */
  private async acceptOnce(jti: unknown, exp: number): Promise<void> {
    if (typeof jti !== 'string' || jti === '') {
      throw tokenRefusal('missing_claim', 'The token\'s "jti" claim is not a string', { claim: 'jti' });
    }
    const digest = createHash('sha256').update(`${this.config.issuer}\u0000${jti}`).digest('base64url');
    const ttlMs = Math.max(1000, Math.ceil((exp + this.config.clockSkew) * 1000 - this.now()));
    const first = await this.dependencies.store.setIfAbsent(`jwt-jti:${this.id}:${digest}`, '1', ttlMs);
    if (!first) {
      throw tokenRefusal('replayed', 'This token was already exchanged; get a fresh one');
    }
  }
}
