/**
 * POST /api/v1/admin/explain: admins (as the config names them) explain any
 * identity; everyone else gets 403 not_entitled. The endpoint sits behind
 * the same session guard and CSRF rules as the rest of /api/v1.
 */
import { configFrom, HttpClient, startBroker, type RunningBroker } from '../broker/broker-harness';
import { ALICE_PASSWORD, BOB_PASSWORD, BROKER_SECRET_KEY, sliceConfig } from '../broker/slice-config';

const EXPLAINED = {
  connectorId: 'okta',
  subject: '00u-carol',
  username: 'carol',
  groups: ['admins'],
  authTime: '2026-01-01T09:00:00Z',
};

describe('POST /api/v1/admin/explain', () => {
  let broker: RunningBroker;

  beforeAll(async () => {
    // No STS call happens here; the endpoint only has to be a URL.
    const yaml = await sliceConfig('http://127.0.0.1:9', 'admins: { users: ["demo:alice"] }');
    broker = await startBroker(configFrom(yaml, { BROKER_SECRET: BROKER_SECRET_KEY }));
  });

  afterAll(async () => {
    await broker.stop();
  });

  it('explains an identity for an admin', async () => {
    const alice = new HttpClient(broker.url);
    await alice.login('demo', 'alice', ALICE_PASSWORD);
    const response = await alice.request('POST', '/api/v1/admin/explain', { json: EXPLAINED });
    expect(response.status).toBe(200);
    expect(response.body.entitlements).toEqual([
      expect.objectContaining({ accountId: '123456789012', permissionSet: 'Admin', sourceIdentity: 'carol' }),
    ]);
    expect(response.body.trace).toEqual([
      expect.objectContaining({
        rule: 'assignments[0]',
        matched: false,
        reason: 'not in any of the groups developers',
      }),
      expect.objectContaining({ rule: 'assignments[1]', matched: true }),
    ]);
    const audit = broker.logs.lines().find((line) => line.event === 'admin_explain');
    expect(audit).toMatchObject({
      outcome: 'success',
      subject: 'alice',
      explained: { connector: 'okta', subject: '00u-carol' },
    });
  });

  it('refuses a signed-in user who is not an admin with 403 not_entitled', async () => {
    const bob = new HttpClient(broker.url);
    await bob.login('demo', 'bob', BOB_PASSWORD);
    const response = await bob.request('POST', '/api/v1/admin/explain', { json: EXPLAINED });
    expect(response.status).toBe(403);
    expect(response.body).toEqual({
      error: 'not_entitled',
      message: 'Only administrators may explain the mapping',
    });
  });

  it('needs a session and the CSRF token', async () => {
    const anonymous = await new HttpClient(broker.url).request('POST', '/api/v1/admin/explain', {
      json: EXPLAINED,
    });
    expect(anonymous.status).toBe(401);
    const alice = new HttpClient(broker.url);
    await alice.login('demo', 'alice', ALICE_PASSWORD);
    const noCsrf = await alice.request('POST', '/api/v1/admin/explain', { json: EXPLAINED, csrf: false });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.error).toBe('csrf_rejected');
  });

  it('answers 400 invalid_request for a body that is not an identity', async () => {
    const alice = new HttpClient(broker.url);
    await alice.login('demo', 'alice', ALICE_PASSWORD);
    const response = await alice.request('POST', '/api/v1/admin/explain', { json: { username: 'x' } });
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_request');
    expect(response.body.message).toMatch(/^Invalid identity: connectorId: /);
  });
});
