import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';

/** One signing key of the local issuer. */
interface IssuerKey {
  kid: string;
  alg: string;
  privateKey: KeyLike;
  publicJwk: JWK;
  publicPem: string;
}

async function issuerKey(alg: string, kid: string): Promise<IssuerKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return {
    kid,
    alg,
    privateKey,
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' },
    publicPem: await exportSPKI(publicKey),
  };
}

/**
 * A token issuer on a free loopback port, standing in for GitHub Actions'
 * and a Kubernetes cluster's OIDC issuers: keys generated here, the JWKS
 * served over HTTP at `/.well-known/jwks` (GitHub's path) and
 * `/openid/v1/jwks` (Kubernetes'), tokens signed with them. Counts JWKS
 * fetches, and can rotate to a new key.
 */
export class LocalIssuer {
  jwksFetches = 0;

  private constructor(
    private readonly server: Server,
    readonly issuer: string,
    private keys: IssuerKey[],
    /** Keys the issuer does not publish, for forgeries. */
    private readonly foreign: IssuerKey,
    private readonly other: IssuerKey,
  ) {}

  static async start(alg = 'RS256'): Promise<LocalIssuer> {
    const keys = [await issuerKey(alg, 'key-1')];
    const foreign = await issuerKey(alg, 'key-1');
    const other = await issuerKey(alg === 'ES256' ? 'RS256' : 'ES256', 'key-other');
    const started: { issuer?: LocalIssuer } = {};
    const server = createServer((request, response) => {
      const running = started.issuer;
      if (
        running !== undefined &&
        (request.url === '/.well-known/jwks' || request.url === '/openid/v1/jwks')
      ) {
        running.jwksFetches += 1;
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ keys: running.keys.map((key) => key.publicJwk) }));
        return;
      }
      response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const issuer = new LocalIssuer(server, `http://127.0.0.1:${port}`, keys, foreign, other);
    started.issuer = issuer;
    return issuer;
  }

  get jwksUrl(): string {
    return `${this.issuer}/.well-known/jwks`;
  }

  /** The public key as PEM, for a connector configured with static `keys`. */
  get publicPem(): string {
    return this.current.publicPem;
  }

  private get current(): IssuerKey {
    const key = this.keys.at(-1);
    if (key === undefined) {
      throw new Error('the local issuer has no key');
    }
    return key;
  }

  /** Publishes a new key and signs with it from now on. */
  async rotate(): Promise<void> {
    this.keys = [...this.keys, await issuerKey(this.current.alg, `key-${this.keys.length + 1}`)];
  }

  /**
   * A token with `claims` (an `undefined` value removes a claim; `iss` is
   * this issuer's unless given), signed with the current key, a key the
   * issuer does not publish, a key of another algorithm, or nothing.
   */
  async mint(
    claims: Record<string, unknown>,
    signing: 'valid' | 'foreign-key' | 'disallowed-alg' | 'unsigned' = 'valid',
  ): Promise<string> {
    const payload = Object.fromEntries(
      Object.entries({ iss: this.issuer, ...claims } as Record<string, unknown>).filter(
        ([, value]) => value !== undefined,
      ),
    );
    if (signing === 'unsigned') {
      const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
      return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(payload)}.`;
    }
    const key =
      signing === 'foreign-key' ? this.foreign : signing === 'disallowed-alg' ? this.other : this.current;
    return new SignJWT(payload)
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
      .sign(key.privateKey);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }
}

/**
 * A GitHub Actions OIDC token's claims, as GitHub documents them
 * ("About security hardening with OpenID Connect"), for a workflow run of
 * octo-org/octo-repo on main in environment prod.
 */
export function githubActionsClaims(nowSeconds: number, audience: string): Record<string, unknown> {
  return {
    jti: randomUUID(),
    sub: 'repo:octo-org/octo-repo:environment:prod',
    environment: 'prod',
    aud: audience,
    ref: 'refs/heads/main',
    sha: 'example-sha',
    repository: 'octo-org/octo-repo',
    repository_owner: 'octo-org',
    repository_owner_id: '65',
    repository_id: '74',
    repository_visibility: 'private',
    actor_id: '12',
    actor: 'octocat',
    workflow: 'example-workflow',
    head_ref: '',
    base_ref: '',
    event_name: 'workflow_dispatch',
    ref_type: 'branch',
    run_id: '2',
    run_number: '3',
    run_attempt: '1',
    runner_environment: 'github-hosted',
    workflow_ref: 'octo-org/octo-repo/.github/workflows/deploy.yml@refs/heads/main',
    job_workflow_ref: 'octo-org/octo-repo/.github/workflows/deploy.yml@refs/heads/main',
    nbf: nowSeconds - 5,
    iat: nowSeconds,
    exp: nowSeconds + 300,
  };
}

/**
 * A Kubernetes projected service-account token's claims (the
 * `kubernetes.io` claim object of the TokenRequest API), for service
 * account `deployer` in namespace `ci`.
 */
export function kubernetesClaims(nowSeconds: number, audience: string): Record<string, unknown> {
  return {
    aud: [audience],
    exp: nowSeconds + 3600,
    iat: nowSeconds,
    nbf: nowSeconds,
    jti: randomUUID(),
    'kubernetes.io': {
      namespace: 'ci',
      node: { name: 'node-1', uid: randomUUID() },
      pod: { name: 'deployer-7d4b9c-x2x9q', uid: randomUUID() },
      serviceaccount: { name: 'deployer', uid: randomUUID() },
    },
    sub: 'system:serviceaccount:ci:deployer',
  };
}
