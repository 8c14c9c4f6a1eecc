import { STSClient } from '@aws-sdk/client-sts';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import type { BackendConfig } from '@fedgate/mapping';
import { createStsClient, StsClients, stsEndpointUrl } from './sts-client';

const backend: BackendConfig = {
  id: 'aws',
  type: 'sts',
  mode: 'assume-role',
  region: 'eu-west-1',
  partition: 'aws',
  roleChaining: false,
  timeout: 2,
  maxAttempts: 4,
  retryBaseDelayMs: 100,
  retryMaxDelayMs: 5000,
  credentials: { accessKeyId: 'AKIAFEDGATETEST00001', secretAccessKey: 'not-a-real-secret' },
};

describe('createStsClient', () => {
  it("runs the SDK's retry strategy with the backend's attempt budget", async () => {
    const client = createStsClient(backend);
    try {
      const strategy = await client.config.retryStrategy();
      expect(strategy).toBeInstanceOf(ConfiguredRetryStrategy);
      expect(await client.config.maxAttempts()).toBe(4);
      expect(await client.config.region()).toBe('eu-west-1');
    } finally {
      client.destroy();
    }
  });

  it("hands the SDK a copy of the backend's credentials, so the config stays as loaded", async () => {
    const loaded = structuredClone(backend);
    const client = createStsClient(loaded);
    try {
      const resolved = await client.config.credentials();
      expect(resolved.accessKeyId).toBe('AKIAFEDGATETEST00001');
      expect(loaded).toEqual(backend);
    } finally {
      client.destroy();
    }
  });
});

describe('StsClients', () => {
  it('builds one client per backend, once, and hands out the same one', () => {
    const built: string[] = [];
    const clients = new StsClients(
      [backend, { ...backend, id: 'moto', endpoint: 'http://127.0.0.1:1' }],
      (b) => {
        built.push(b.id);
        return new STSClient({ region: b.region });
      },
    );
    expect(built).toEqual(['aws', 'moto']);
    expect(clients.get('moto').client).toBe(clients.get('moto').client);
    expect(clients.get('moto').backend.endpoint).toBe('http://127.0.0.1:1');
    clients.close();
  });

  it('answers internal for a backend that is not configured', () => {
    const clients = new StsClients([], () => new STSClient({}));
    let thrown: unknown;
    try {
      clients.get('nowhere');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: 'internal', detail: { backend: 'nowhere' } });
  });
});

describe('stsEndpointUrl', () => {
  it("is the configured endpoint, or the partition's regional one", () => {
    expect(stsEndpointUrl(backend)).toBe('https://sts.eu-west-1.amazonaws.com');
    expect(stsEndpointUrl({ ...backend, partition: 'aws-cn', region: 'cn-north-1' })).toBe(
      'https://sts.cn-north-1.amazonaws.com.cn',
    );
    expect(stsEndpointUrl({ ...backend, endpoint: 'http://127.0.0.1:8090' })).toBe('http://127.0.0.1:8090');
  });
});
