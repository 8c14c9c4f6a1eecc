import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { BackendConfig } from '@fedgate/mapping';
import { createUnsignedStsClient } from './unsigned-sts-client';

const backend: BackendConfig = {
  id: 'aws',
  type: 'sts',
  mode: 'web-identity',
  region: 'us-east-1',
  partition: 'aws',
  roleChaining: false,
  timeout: 10,
  maxAttempts: 1,
  retryBaseDelayMs: 100,
  retryMaxDelayMs: 5000,
};

const ENVIRONMENT = {
  AWS_ACCESS_KEY_ID: 'AKIAENVIRONMENT00001',
  AWS_SECRET_ACCESS_KEY: 'environment-secret-key-0123456789',
  AWS_SESSION_TOKEN: 'environment-session-token',
};

/**
 * The legacy global endpoint (sts.amazonaws.com): its endpoint rules name
 * SigV4 outright, so the SDK's default client signs even this unsigned
 * operation there, with whatever credentials it finds.
 */
function onGlobalEndpoint(client: STSClient): STSClient {
  (client.config as { useGlobalEndpoint: unknown }).useGlobalEndpoint = () => Promise.resolve(true);
  return client;
}

class Stop extends Error {}

/** The request as it would leave the client (after the signing step), never sent. */
async function outgoing(client: STSClient): Promise<{ hostname: string; headers: Record<string, string> }> {
  let seen: { hostname: string; headers: Record<string, string> } | undefined;
  client.middlewareStack.addRelativeTo(
    () => (args: { request: unknown }) => {
      seen = args.request as { hostname: string; headers: Record<string, string> };
      return Promise.reject(new Stop());
    },
    { relation: 'after', toMiddleware: 'httpSigningMiddleware', name: 'captureOutgoing' },
  );
  try {
    await client
      .send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: 'arn:aws:iam::111111111111:role/Dev',
          RoleSessionName: 'alice',
          WebIdentityToken: 'header.payload.signature',
        }),
      )
      .catch((error: unknown) => {
        if (!(error instanceof Stop)) {
          throw error;
        }
      });
  } finally {
    client.destroy();
  }
  if (seen === undefined) {
    throw new Error('the request never reached the signing step');
  }
  return seen;
}

describe('createUnsignedStsClient', () => {
  const saved = new Map<string, string | undefined>();

  beforeAll(() => {
    for (const [name, value] of Object.entries(ENVIRONMENT)) {
      saved.set(name, process.env[name]);
      process.env[name] = value;
    }
  });

  afterAll(() => {
    for (const [name, value] of saved) {
      if (value === undefined) {
        Reflect.deleteProperty(process.env, name);
      } else {
        process.env[name] = value;
      }
    }
  });

  it('never signs, even where the SDK’s default client would sign with the environment’s keys', async () => {
    const regional = await outgoing(new STSClient({ region: 'us-east-1' }));
    expect(regional.hostname).toBe('sts.us-east-1.amazonaws.com');
    expect(regional.headers).not.toHaveProperty('authorization');
    const global = await outgoing(new STSClient({ region: 'us-east-1', useGlobalEndpoint: true }));
    expect(global.hostname).toBe('sts.amazonaws.com');
    expect(global.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAENVIRONMENT00001\//);

    for (const client of [
      createUnsignedStsClient(backend),
      onGlobalEndpoint(createUnsignedStsClient(backend)),
    ]) {
      const unsigned = await outgoing(client);
      expect(unsigned.headers).not.toHaveProperty('authorization');
      expect(unsigned.headers).not.toHaveProperty('x-amz-security-token');
      expect(unsigned.headers).not.toHaveProperty('x-amz-date');
    }
    const unsigned = await outgoing(onGlobalEndpoint(createUnsignedStsClient(backend)));
    expect(unsigned.hostname).toBe('sts.amazonaws.com');
    expect(unsigned.headers).not.toHaveProperty('authorization');
  });

  it('ignores the backend’s own credentials', async () => {
    const unsigned = await outgoing(
      createUnsignedStsClient({
        ...backend,
        credentials: { accessKeyId: 'AKIABACKEND000000001', secretAccessKey: 'backend-secret' },
      }),
    );
    expect(unsigned.headers).not.toHaveProperty('authorization');
  });
});
