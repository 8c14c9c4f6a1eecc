/**
 * node-oidc-provider in a process of its own, for the tests' OpenID
 * Provider (test/oidc/oidc-provider-harness.ts starts it). Inside jest,
 * oidc-provider and its jose run transpiled in jest's module sandbox, whose
 * Uint8Array and key objects are not Node's: the provider then cannot read a
 * client's JWKS, so `private_key_jwt` cannot be tested there. In its own
 * plain Node process it runs as shipped.
 *
 * The harness runs this file's ES module transpilation with `node -e`, so it
 * imports packages only (type imports vanish). It reads its configuration as
 * JSON from FEDGATE_TEST_OIDC_PROVIDER and listens on the loopback port it
 * names. A PUT to `controlPath` with
 * `{keys?, accounts?}` replaces the signing keys (key rotation: a new
 * provider instance over the same in-memory grants and sessions) or the
 * accounts; the harness's proxy never forwards that path.
 */
import { createServer, type IncomingMessage } from 'node:http';
import Provider, { type Configuration, type ProviderContext } from 'oidc-provider';
import type { JWK } from 'jose';
import type { TestClient } from './oidc-provider-harness';

/** What the harness sends: everything JSON can carry. */
export interface ProviderProcessConfig {
  issuer: string;
  /** The loopback port to listen on (the issuer is the harness's proxy in front). */
  port: number;
  clients: TestClient[];
  /** Private JWKs with `kid` and `alg`: the provider signs with and publishes them. */
  keys: JWK[];
  /** Claims per account (login name = `sub`); an account absent here cannot sign in or refresh. */
  accounts: Record<string, Record<string, unknown>>;
  /** Where the harness changes the provider's state; its proxy never forwards this path. */
  controlPath: string;
}

const SCOPE_CLAIMS = {
  openid: ['sub'],
  email: ['email', 'email_verified'],
  profile: [
    'name',
    'preferred_username',
    'groups',
    'department',
    'hd',
    'tid',
    '_claim_names',
    '_claim_sources',
  ],
};

function build(config: ProviderProcessConfig, accounts: Map<string, Record<string, unknown>>): Provider {
  const configuration: Configuration = {
    clients: config.clients.map((client) => ({
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      ...client,
    })),
    jwks: { keys: config.keys },
    cookies: { keys: ['fedgate-test-provider-cookie-key'] },
    claims: SCOPE_CLAIMS,
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: true }, userinfo: { enabled: true } },
    enabledJWA: {
      idTokenSigningAlgValues: ['RS256', 'ES256'],
      clientAuthSigningAlgValues: ['RS256', 'PS256', 'ES256'],
    },
    pkce: { required: () => true },
    issueRefreshToken: (_context: unknown, client: { grantTypeAllowed(type: string): boolean }) =>
      Promise.resolve(client.grantTypeAllowed('refresh_token')),
    findAccount: (_context: ProviderContext, id: string) => {
      const claims = accounts.get(id);
      return Promise.resolve(
        claims === undefined
          ? undefined
          : { accountId: id, claims: () => Promise.resolve({ ...claims, sub: id }) },
      );
    },
    // First-party clients: no consent page, the grant covers what was asked.
    loadExistingGrant: async (context: ProviderContext) => {
      const { client, session, provider } = context.oidc;
      if (client === undefined || session?.accountId === undefined) {
        return undefined;
      }
      const existing = session.grantIdFor(client.clientId);
      if (existing !== undefined) {
        return provider.Grant.find(existing);
      }
      const grant = new provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope('openid email profile offline_access');
      grant.addOIDCClaims(Object.values(SCOPE_CLAIMS).flat());
      await grant.save();
      return grant;
    },
  };
  return new Provider(config.issuer, configuration);
}

function readJson(request: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
    request.on('error', reject);
  });
}

function main(): void {
  const config = JSON.parse(process.env.FEDGATE_TEST_OIDC_PROVIDER ?? '') as ProviderProcessConfig;
  const accounts = new Map(Object.entries(config.accounts));
  let provider = build(config, accounts);
  const server = createServer((request, response) => {
    if (request.method !== 'PUT' || request.url !== config.controlPath) {
      provider.callback()(request, response);
      return;
    }
    readJson(request).then(
      (body) => {
        const change = body as Partial<Pick<ProviderProcessConfig, 'keys' | 'accounts'>>;
        if (change.accounts !== undefined) {
          accounts.clear();
          for (const [id, claims] of Object.entries(change.accounts)) {
            accounts.set(id, claims);
          }
        }
        if (change.keys !== undefined) {
          config.keys = change.keys;
          provider = build(config, accounts);
        }
        response.writeHead(204).end();
      },
      (error: unknown) => {
        response.writeHead(400, { 'content-type': 'text/plain' }).end(String(error));
      },
    );
  });
  server.listen(config.port, '127.0.0.1');
}

main();
