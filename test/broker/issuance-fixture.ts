/**
 * The world of the issuance end-to-end tests: an sts-local with one account
 * per issuance mode (AssumeRole with ExternalId, GetFederationToken,
 * AssumeRoleWithWebIdentity trusting the broker's issuer), and a broker
 * config granting alice one permission set in each.
 */
import { hashPassword } from '@fedgate/connectors';
import type { TestStsLocal } from '../harness/sts-local';
import { ALICE_PASSWORD, BROKER_SECRET_KEY } from './slice-config';

export const FEDERATING_USER_SECRET = 'federating-user-secret-key-0123456789';
export const env = { BROKER_SECRET: BROKER_SECRET_KEY, FEDERATING_SECRET: FEDERATING_USER_SECRET };

export function stsLocalYaml(brokerUrl: string): string {
  return `
accounts:
  - id: '123456789012'
    users:
      - { name: fedgate-broker, accessKeyId: AKIAFEDGATETEST00001, secretAccessKey: '\${env:BROKER_SECRET}' }
    roles:
      - name: fedgate-Developer
        maxSessionDuration: 4h
        trustPolicy:
          Statement:
            - Effect: Allow
              Principal: { AWS: 'arn:aws:iam::123456789012:user/fedgate-broker' }
              Action: [sts:AssumeRole, sts:SetSourceIdentity, sts:TagSession]
              Condition: { StringEquals: { 'sts:ExternalId': sandbox-external-id } }
  - id: '210987654321'
    users:
      - { name: fedgate-federator, accessKeyId: AKIAFEDGATETEST00002, secretAccessKey: '\${env:FEDERATING_SECRET}' }
  - id: '111122223333'
    oidcProviders:
      - { url: '${brokerUrl}', clientIds: [sts.amazonaws.com], jwksUri: '${brokerUrl}/.well-known/jwks.json' }
    roles:
      - name: fedgate-Web
        trustPolicy:
          Statement:
            - Effect: Allow
              Principal: { Federated: 'arn:aws:iam::111122223333:oidc-provider/${brokerUrl.replace(/^http:\/\//, '')}' }
              Action: [sts:AssumeRoleWithWebIdentity, sts:SetSourceIdentity, sts:TagSession]
              Condition: { StringEquals: { '${brokerUrl.replace(/^http:\/\//, '')}:aud': sts.amazonaws.com } }
`;
}

export async function brokerYaml(brokerUrl: string, stsUrl: string, extra = ''): Promise<string> {
  return `
server: { publicUrl: '${brokerUrl}' }
connectors:
  - id: demo
    type: static
    users:
      - username: alice
        passwordHash: "${await hashPassword(ALICE_PASSWORD, 10)}"
        groups: [developers]
        attributes: { department: Engineering }
backends:
  - id: keys
    type: sts
    endpoint: ${stsUrl}
    signinUrl: ${stsUrl}/federation
    maxAttempts: 1
    credentials: { accessKeyId: AKIAFEDGATETEST00001, secretAccessKey: "\${env:BROKER_SECRET}" }
  - id: federating
    type: sts
    mode: federation-token
    endpoint: ${stsUrl}
    signinUrl: ${stsUrl}/federation
    maxAttempts: 1
    credentials: { accessKeyId: AKIAFEDGATETEST00002, secretAccessKey: "\${env:FEDERATING_SECRET}" }
  - id: web
    type: sts
    mode: web-identity
    endpoint: ${stsUrl}
    signinUrl: ${stsUrl}/federation
    maxAttempts: 1
accounts:
  - { id: "123456789012", name: sandbox, backend: keys, externalId: sandbox-external-id }
  - { id: "210987654321", name: federated, backend: federating }
  - { id: "111122223333", name: web, backend: web }
permissionSets:
  - name: Developer
    roleName: fedgate-Developer
    sessionDuration: 2h
    tags: { Department: "{{attributes.department}}" }
    consoleDestination: https://us-east-1.console.aws.amazon.com/s3/home
  - name: Web
    roleName: fedgate-Web
    tags: { Department: "{{attributes.department}}" }
  - name: Reader
    sessionPolicy: { Version: "2012-10-17", Statement: [{ Effect: Allow, Action: "s3:GetObject", Resource: "*" }] }
assignments:
  - { match: { groups: [developers] }, accounts: [sandbox], permissionSets: [Developer] }
  - { match: { groups: [developers] }, accounts: [federated], permissionSets: [Reader] }
  - { match: { groups: [developers] }, accounts: [web], permissionSets: [Web] }
${extra}`;
}

/** How many calls of `action` sts-local answered: the count at the backend, not at the client. */
export function stsCalls(sts: TestStsLocal, action: string): number {
  return sts.logs
    .lines()
    .filter((line) => line.msg === 'sts request' && line.action === action && line.status === 200).length;
}
