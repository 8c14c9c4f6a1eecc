/**
 * Account and permission-set names are unique ignoring case in the config
 * (docs/configuration.md), so the API finds them ignoring case too; account
 * ids stay exact.
 */
import { startMoto, type MotoServer } from '../harness/moto';
import { configFrom, HttpClient, startBroker, type RunningBroker } from './broker-harness';
import { ALICE_PASSWORD, BROKER_SECRET_KEY, sliceConfig } from './slice-config';

let moto: MotoServer | undefined;
let broker: RunningBroker | undefined;
let alice: HttpClient;

beforeAll(async () => {
  moto = await startMoto();
  broker = await startBroker(configFrom(await sliceConfig(moto.url), { BROKER_SECRET: BROKER_SECRET_KEY }));
  alice = new HttpClient(broker.url);
  expect((await alice.login('demo', 'alice', ALICE_PASSWORD)).status).toBe(200);
});

afterAll(async () => {
  await broker?.stop();
  await moto?.stop();
});

describe('POST /api/v1/credentials', () => {
  it.each([
    ['sandbox', 'Developer'],
    ['SANDBOX', 'developer'],
    ['Sandbox', 'DEVELOPER'],
    ['123456789012', 'deVeloper'],
  ])('issues for account %s and permission set %s', async (accountId, permissionSet) => {
    const response = await alice.request('POST', '/api/v1/credentials', {
      json: { accountId, permissionSet },
    });
    expect(response.status).toBe(200);
    expect(response.body.AccountId).toBe('123456789012');
  });

  it('still refuses a name that is not one of the entitlements', async () => {
    const response = await alice.request('POST', '/api/v1/credentials', {
      json: { accountId: 'sandbox', permissionSet: 'Developers' },
    });
    expect(response.status).toBe(403);
    expect(response.body.error).toBe('not_entitled');
  });
});
