import { hashPassword } from '@fedgate/connectors';

/** Passwords of the slice's static users (test-only values). */
export const ALICE_PASSWORD = 'correct horse battery staple';
export const BOB_PASSWORD = 'bob-secret-Pa55';
/** The broker's own (fake) AWS secret key, passed as a ${env:} reference. */
export const BROKER_SECRET_KEY = 'broker-secret-key-value-0123456789';

/** A config with a static connector (alice, bob), one STS backend at `stsEndpoint`, and two permission sets. */
export async function sliceConfig(stsEndpoint: string, extra = ''): Promise<string> {
  return `
server: { publicUrl: http://127.0.0.1:8080 }
connectors:
  - id: demo
    type: static
    name: Demo users
    users:
      - username: alice
        passwordHash: "${await hashPassword(ALICE_PASSWORD, 10)}"
        email: alice@example.com
        groups: [developers, admins]
        attributes: { department: Engineering }
      - username: bob
        passwordHash: "${await hashPassword(BOB_PASSWORD, 10)}"
        groups: [developers]
backends:
  - id: moto
    type: sts
    endpoint: ${stsEndpoint}
    region: us-east-1
    timeout: 5s
    maxAttempts: 1
    credentials: { accessKeyId: AKIAFEDGATETEST00001, secretAccessKey: "\${env:BROKER_SECRET}" }
accounts:
  - { id: "123456789012", name: sandbox, backend: moto }
permissionSets:
  - { name: Developer, roleName: fedgate-Developer, sessionDuration: 2h }
  - { name: Admin, roleName: fedgate-Admin, sessionDuration: 1h }
assignments:
  - { match: { groups: [developers] }, accounts: [sandbox], permissionSets: [Developer] }
  - { match: { groups: [admins] }, accounts: ["123456789012"], permissionSets: [Admin] }
${extra}`;
}
