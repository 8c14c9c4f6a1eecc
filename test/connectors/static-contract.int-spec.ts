/**
 * The password connector contract (libs/connectors/src/connector.contract.ts)
 * for the static connector, whose users live in fedgate's config.
 */
import { randomUUID } from 'node:crypto';
import { hashPassword, StaticConnector, staticConnectorConfigSchema } from '@fedgate/connectors';
import { RedisStore } from '@fedgate/store';
import { describePasswordConnectorContract } from '../../libs/connectors/src/connector.contract';
import { describePasswordSignInContract } from '../../libs/flows/src/sign-in/password-sign-in.contract';
import { startRedis, type RedisServer } from '../harness/redis';

const PASSWORD = 'contract-password';
let connector: StaticConnector;
let redis: RedisServer;

beforeAll(async () => {
  redis = await startRedis();
  connector = new StaticConnector(
    staticConnectorConfigSchema.parse({
      id: 'dev',
      type: 'static',
      users: [
        {
          username: 'José',
          passwordHash: await hashPassword(PASSWORD),
          email: 'alice@example.com',
          groups: ['developers', 'admins'],
          attributes: { department: ['Engineering'] },
        },
      ],
    }),
  );
});

describePasswordConnectorContract('static', { externalSource: false }, () => ({
  connector,
  // Case, surrounding space and Unicode composition (é precomposed or e + combining accent).
  known: { spellings: ['José', 'josé', ' JOSÉ ', 'Jose\u0301'], password: PASSWORD },
  unknownUser: 'mallory',
}));

afterAll(async () => {
  await redis.stop();
});

describePasswordSignInContract('static', () => ({
  connector,
  known: { spellings: ['José', 'josé', ' JOSÉ ', 'Jose\u0301'], password: PASSWORD },
  openStore: () => RedisStore.connect({ url: redis.url, keyPrefix: `sign-in-contract:${randomUUID()}:` }),
}));
