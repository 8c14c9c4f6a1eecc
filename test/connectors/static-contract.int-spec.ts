/**
 * The password connector contract (libs/connectors/src/connector.contract.ts)
 * for the static connector, whose users live in fedgate's config.
 */
import { hashPassword, StaticConnector, staticConnectorConfigSchema } from '@fedgate/connectors';
import { describePasswordConnectorContract } from '../../libs/connectors/src/connector.contract';

const PASSWORD = 'contract-password';
let connector: StaticConnector;

beforeAll(async () => {
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
