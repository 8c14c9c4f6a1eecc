/**
 * The `tokenExchange` section and `jwt` connectors as the broker and
 * `fedgate config validate` check them: every problem reported at its
 * path, nothing accepted by accident.
 */
import { parseConfig } from '@fedgate/broker-config';

/** A well-formed scrypt hash; which secret it hashes does not matter to these checks. */
const HASH = '$scrypt$ln=10,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA==$MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=';

const base = (extraConnector = '') => `
connectors:
  - { id: corp, type: static, users: [{ username: alice, passwordHash: "${HASH}" }] }
${extraConnector}
  - id: github-actions
    type: jwt
    issuer: https://token.actions.githubusercontent.com
    jwksUrl: https://token.actions.githubusercontent.com/.well-known/jwks
    audience: https://fedgate.example.com
  - id: github-actions-too
    type: jwt
    issuer: https://token.actions.githubusercontent.com
    jwksUrl: https://token.actions.githubusercontent.com/.well-known/jwks
    audience: https://fedgate.example.com/other
backends:
  - { id: aws, type: sts, credentials: { accessKeyId: AKIAFEDGATETEST00001, secretAccessKey: x } }
accounts:
  - { id: "123456789012", name: prod, backend: aws }
permissionSets:
  - { name: Deployer, roleName: deployer }
`;

function issues(yaml: string): string[] {
  const result = parseConfig(yaml, { env: {}, baseDir: __dirname });
  return result.ok ? [] : result.issues.map((issue) => `${issue.path}: ${issue.message}`);
}

describe('tokenExchange configuration', () => {
  it('accepts clients of each authentication method', () => {
    expect(
      issues(`${base()}
tokenExchange:
  clients:
    - { id: ci, authentication: { method: none }, issuers: [github-actions], accounts: [prod], permissionSets: [Deployer] }
    - id: portal
      authentication: { method: client_secret, secretHash: "${HASH}" }
      issuers: [github-actions-too]
      accounts: ["123456789012"]
      permissionSets: ['*']
      allowAccessTokens: true
`),
    ).toEqual([]);
  });

  it('reports every wrong reference at its path', () => {
    expect(
      issues(`${base()}
tokenExchange:
  clients:
    - id: ci
      authentication: { method: none }
      issuers: [github-actions, corp, nowhere, github-actions-too]
      accounts: [staging]
      permissionSets: [Admin]
    - { id: ci, authentication: { method: none }, issuers: [github-actions], accounts: ['*'], permissionSets: ['*'] }
`),
    ).toEqual([
      'tokenExchange.clients[0].issuers[1]: unknown jwt connector "corp" (known: github-actions, github-actions-too)',
      'tokenExchange.clients[0].issuers[2]: unknown jwt connector "nowhere" (known: github-actions, github-actions-too)',
      'tokenExchange.clients[0].issuers[3]: has the same issuer as connector "github-actions"; a token must name one connector',
      'tokenExchange.clients[0].accounts[0]: unknown account "staging" (known: 123456789012, prod)',
      'tokenExchange.clients[0].permissionSets[0]: unknown permission set "Admin" (known: Deployer)',
      'tokenExchange.clients[1].id: duplicates tokenExchange.clients[0].id ("ci")',
    ]);
  });

  it('refuses a secret in the clear, an unknown method, a client key that is no public key, an HMAC, and a jwt connector without keys', () => {
    expect(
      issues(`${base('  - { id: no-keys, type: jwt, issuer: https://issuer.example, audience: a }')}
tokenExchange:
  clients:
    - { id: a, authentication: { method: client_secret, secretHash: plain-text }, issuers: [github-actions], accounts: ['*'], permissionSets: ['*'] }
    - { id: b, authentication: { method: mtls }, issuers: [github-actions], accounts: ['*'], permissionSets: ['*'] }
    - { id: c, authentication: { method: private_key_jwt, keys: [not-a-key], algorithms: [HS256] }, issuers: [github-actions], accounts: ['*'], permissionSets: ['*'] }
`).map((issue) => issue.split(':')[0]),
    ).toEqual(
      expect.arrayContaining([
        'connectors[1].jwksUrl',
        'tokenExchange.clients[0].authentication.secretHash',
        'tokenExchange.clients[1].authentication.method',
        'tokenExchange.clients[2].authentication.keys[0]',
        'tokenExchange.clients[2].authentication.algorithms[0]',
      ]),
    );
  });
});
