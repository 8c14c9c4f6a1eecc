import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import { randomUUID } from 'node:crypto';
import { hashPassword } from '@fedgate/connectors';

/** The audience every trusted issuer of these tests puts in its tokens: the broker's public URL. */
export const CLIENT_SECRET = 'payroll-portal-client-secret-0123456789';

/** sts-local with the broker's user and the three roles the tests' permission sets use. */
export const STS_LOCAL_YAML = `
accounts:
  - id: '123456789012'
    users:
      - { name: fedgate-broker, accessKeyId: AKIAFEDGATETEST00001, secretAccessKey: '\${env:BROKER_SECRET}' }
    roles:
${['Developer', 'ReadOnly', 'Deployer']
  .map(
    (name) => `      - name: fedgate-${name}
        maxSessionDuration: 2h
        trustPolicy:
          Statement:
            - Effect: Allow
              Principal: { AWS: 'arn:aws:iam::123456789012:user/fedgate-broker' }
              Action: [sts:AssumeRole, sts:SetSourceIdentity, sts:TagSession]`,
  )
  .join('\n')}
`;

/** A caller's key pair for private_key_jwt. */
export interface CallerKey {
  privateKey: KeyLike;
  publicPem: string;
  publicJwk: string;
}

export async function callerKey(): Promise<CallerKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return {
    privateKey,
    publicPem: await exportSPKI(publicKey),
    publicJwk: JSON.stringify(await exportJWK(publicKey)),
  };
}

/** A private_key_jwt client assertion (RFC 7523) for the token endpoint. */
export async function clientAssertion(
  key: CallerKey,
  clientId: string,
  audience: string,
  claims: Record<string, unknown> = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ jti: randomUUID(), ...claims })
    .setProtectedHeader({ alg: 'ES256' })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(audience)
    .setIssuedAt(now)
    .setExpirationTime(now + 60)
    .sign(key.privateKey);
}

export interface BrokerYamlInput {
  publicUrl: string;
  stsUrl: string;
  corpIssuer: string;
  corpJwksUrl: string;
  githubIssuer: string;
  githubJwksUrl: string;
  partnerKeyPem: string;
  store?: string;
}

/**
 * A broker with two trusted issuers (a company's own sign-in system that
 * signs assertions about its users, and GitHub Actions), three callers
 * (a custom broker with a client secret, a partner with private_key_jwt,
 * and GitHub workflows without client authentication), and rules that
 * match on the token's groups and claims.
 */
export async function tokenExchangeBrokerYaml(input: BrokerYamlInput): Promise<string> {
  const indent = (pem: string) => pem.trim().split('\n').join('\n            ');
  return `
server: { publicUrl: '${input.publicUrl}' }
${input.store ?? ''}
connectors:
  - id: corp-assertions
    type: jwt
    name: Payroll portal sign-in
    issuer: ${input.corpIssuer}
    jwksUrl: ${input.corpJwksUrl}
    algorithms: [RS256]
    audience: ${input.publicUrl}
    maxTokenAge: 5m
    claims: { username: preferred_username, groups: groups, attributes: { department: department } }
  - id: github-actions
    type: jwt
    issuer: ${input.githubIssuer}
    jwksUrl: ${input.githubJwksUrl}
    audience: ${input.publicUrl}
    maxTokenAge: 10m
    claims: { username: repository, attributes: { repository: repository, environment: environment } }
    conditions:
      repository_owner: octo-org
      ref: [refs/heads/main, 'refs/tags/v*']
backends:
  - id: local
    type: sts
    endpoint: ${input.stsUrl}
    signinUrl: ${input.stsUrl}/federation
    region: us-east-1
    timeout: 5s
    maxAttempts: 1
    credentials: { accessKeyId: AKIAFEDGATETEST00001, secretAccessKey: "\${env:BROKER_SECRET}" }
accounts:
  - { id: "123456789012", name: sandbox, backend: local }
permissionSets:
  - { name: Developer, roleName: fedgate-Developer, sessionDuration: 1h }
  - { name: ReadOnly, roleName: fedgate-ReadOnly, sessionDuration: 1h }
  - { name: Deployer, roleName: fedgate-Deployer, sessionDuration: 1h }
assignments:
  - { match: { connectors: [corp-assertions], groups: [eng] }, accounts: [sandbox], permissionSets: [Developer, ReadOnly] }
  - match:
      connectors: [github-actions]
      attributes: { repository: { equals: octo-org/octo-repo }, environment: { equals: prod } }
    accounts: [sandbox]
    permissionSets: [Deployer]
tokenExchange:
  clients:
    - id: payroll-portal
      authentication:
        method: client_secret
        secretHash: "${await hashPassword(CLIENT_SECRET, 10)}"
      issuers: [corp-assertions]
      accounts: [sandbox]
      permissionSets: [Developer]
      allowAccessTokens: true
    - id: partner-app
      authentication:
        method: private_key_jwt
        algorithms: [ES256]
        keys:
          # A retired key first: an assertion without kid is tried against both.
          - |
            ${indent((await callerKey()).publicPem)}
          - |
            ${indent(input.partnerKeyPem)}
      issuers: [corp-assertions]
      accounts: ['*']
      permissionSets: [ReadOnly]
    - id: github-workflows
      authentication: { method: none }
      issuers: [github-actions]
      accounts: ["123456789012"]
      permissionSets: [Deployer]
`;
}

/** A custom broker's assertion about one of its users. */
export function corpClaims(nowSeconds: number, audience: string, extra: Record<string, unknown> = {}) {
  return {
    sub: 'employee-4711',
    preferred_username: 'alice',
    groups: ['eng', 'payroll'],
    department: 'Engineering',
    aud: audience,
    iat: nowSeconds,
    exp: nowSeconds + 120,
    jti: randomUUID(),
    ...extra,
  };
}
