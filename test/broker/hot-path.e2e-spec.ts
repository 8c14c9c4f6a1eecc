/**
 * The cache-hit path's shortcuts (docs/benchmarks.md) on a real broker with sts-local: a session
 * whose stored text is unchanged is not parsed again, a credential plan is memoized per config
 * object and session identity, a cache entry is decrypted once and its key derived once. None
 * of them may outlive what authorizes the request: every check still runs on every request, a
 * config reload and a changed identity take effect on the next request, and an ended session is
 * refused though its plan and credentials were memoized.
 */
import { evaluate } from '@fedgate/mapping';
import { describeEntitlement } from '../../apps/broker/src/controllers/user-view';
import { configFrom, HttpClient, startBroker, type RunningBroker } from './broker-harness';
import { brokerYaml, env, stsCalls, stsLocalYaml } from './issuance-fixture';
import { ALICE_PASSWORD } from './slice-config';
import { freePort } from '../harness/processes';
import { startTestStsLocal, stsLocalConfigFrom, type TestStsLocal } from '../harness/sts-local';

jest.setTimeout(60_000);

const developer = { accountId: 'sandbox', permissionSet: 'Developer' };
// Every test sends many requests as alice: lift the per-user limit, keep the check.
const LIFTED = 'issuanceRateLimit: { perUser: 100000, perClient: 100000 }';

describe('the cache-hit path', () => {
  let sts: TestStsLocal;
  let broker: RunningBroker;
  let yaml: string;

  beforeAll(async () => {
    const port = await freePort();
    const brokerUrl = `http://127.0.0.1:${port}`;
    sts = await startTestStsLocal(stsLocalConfigFrom(stsLocalYaml(brokerUrl), env));
    yaml = await brokerYaml(brokerUrl, sts.url, LIFTED);
    broker = await startBroker(configFrom(yaml, env), { port });
  });

  afterAll(async () => {
    await broker.stop();
    await sts.stop();
  });

  async function signedIn(): Promise<HttpClient> {
    const alice = new HttpClient(broker.url);
    expect((await alice.login('demo', 'alice', ALICE_PASSWORD)).status).toBe(200);
    return alice;
  }

  function reload(text: string): void {
    const outcome = broker.runtime.liveConfig.reload(configFrom(text, env));
    expect(outcome.ok).toBe(true);
  }

  afterEach(() => {
    // Back to the file's config for the next test (a reload to it is accepted like any other).
    reload(yaml);
  });

  it('serves the same cached credentials with one AssumeRole, still checking CSRF and the session on each', async () => {
    const alice = await signedIn();
    const before = stsCalls(sts, 'AssumeRole');
    const keys = new Set<unknown>();
    for (let i = 0; i < 5; i += 1) {
      const answer = await alice.request('POST', '/api/v1/credentials', { json: developer });
      expect(answer.status).toBe(200);
      keys.add(answer.body.AccessKeyId);
    }
    expect(keys.size).toBe(1);
    expect(stsCalls(sts, 'AssumeRole') - before).toBe(1);

    const forged = await alice.request('POST', '/api/v1/credentials', { json: developer, csrf: false });
    expect(forged.status).toBe(403);
    expect(forged.body.error).toBe('csrf_rejected');

    // Signed out: the session's plan and credentials were memoized, the session is gone.
    const cookie = `fedgate_session=${alice.cookie('fedgate_session') ?? ''}`;
    const csrf = alice.csrfToken ?? '';
    expect((await alice.request('POST', '/auth/logout')).status).toBe(204);
    const ended = await fetch(`${broker.url}/api/v1/credentials`, {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' },
      body: JSON.stringify(developer),
    });
    expect(ended.status).toBe(401);
    expect(((await ended.json()) as { error: string }).error).toBe('unauthenticated');
  });

  it('plans from a reloaded config on the very next request', async () => {
    const alice = await signedIn();
    const first = await alice.request('POST', '/api/v1/credentials', { json: developer });
    expect(first.status).toBe(200);
    expect((await alice.request('POST', '/api/v1/credentials', { json: developer })).body.AccessKeyId).toBe(
      first.body.AccessKeyId,
    );

    // A shorter session: another plan, so another cache key and a new AssumeRole.
    const before = stsCalls(sts, 'AssumeRole');
    reload(yaml.replace('sessionDuration: 2h', 'sessionDuration: 1h'));
    const shorter = await alice.request('POST', '/api/v1/credentials', { json: developer });
    expect(shorter.status).toBe(200);
    expect(shorter.body.AccessKeyId).not.toBe(first.body.AccessKeyId);
    expect(stsCalls(sts, 'AssumeRole') - before).toBe(1);
    const lifetime = Date.parse(shorter.body.Expiration as string) - Date.now();
    expect(lifetime).toBeLessThanOrEqual(3600 * 1000);
    expect(lifetime).toBeGreaterThan(3000 * 1000);

    // The assignment removed: refused, though the plan was memoized a moment ago.
    reload(
      yaml.replace(
        '  - { match: { groups: [developers] }, accounts: [sandbox], permissionSets: [Developer] }\n',
        '',
      ),
    );
    const refused = await alice.request('POST', '/api/v1/credentials', { json: developer });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe('not_entitled');
  });

  it("applies a session's changed identity on the very next request", async () => {
    const alice = await signedIn();
    const token = alice.cookie('fedgate_session') ?? '';
    const first = await alice.request('POST', '/api/v1/credentials', { json: developer });
    expect(first.status).toBe(200);
    const session = await broker.runtime.sessions.stored(token);
    if (session === null) {
      throw new Error('the session is not in the store');
    }

    // Another department: another session tag, so another plan and new credentials.
    const before = stsCalls(sts, 'AssumeRole');
    await broker.runtime.sessions.replaceIdentity(token, {
      ...session.identity,
      attributes: { department: ['Sales'] },
    });
    const moved = await alice.request('POST', '/api/v1/credentials', { json: developer });
    expect(moved.status).toBe(200);
    expect(moved.body.AccessKeyId).not.toBe(first.body.AccessKeyId);
    expect(stsCalls(sts, 'AssumeRole') - before).toBe(1);

    // Out of the group: refused at once.
    await broker.runtime.sessions.replaceIdentity(token, { ...session.identity, groups: [] });
    const refused = await alice.request('POST', '/api/v1/credentials', { json: developer });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe('not_entitled');
  });

  it("lists the entitlements explain's evaluation gives", async () => {
    const alice = await signedIn();
    const answer = await alice.request('GET', '/api/v1/entitlements');
    expect(answer.status).toBe(200);
    const session = await broker.runtime.sessions.stored(alice.cookie('fedgate_session') ?? '');
    if (session === null) {
      throw new Error('the session is not in the store');
    }
    const expected = evaluate(session.identity, broker.runtime.liveConfig.current)
      .entitlements.map(describeEntitlement)
      .map((entitlement) => JSON.parse(JSON.stringify(entitlement)) as unknown);
    expect(answer.body.entitlements).toEqual(expected);
    expect(expected).toHaveLength(3);
  });

  it('serves POST /api/v1/credentials outside Nest with the answers every other route gives', async () => {
    const alice = await signedIn();
    // The router's options apply: any letter case, a trailing slash.
    const variant = await alice.request('POST', '/API/v1/Credentials/', { json: developer });
    expect(variant.status).toBe(200);
    expect(variant.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(variant.headers.get('cache-control')).toBe('no-store');
    expect(variant.headers.get('pragma')).toBe('no-cache');
    expect(variant.headers.get('x-frame-options')).toBe('DENY');
    expect(Object.keys(variant.body).sort()).toEqual(
      ['AccessKeyId', 'AccountId', 'Expiration', 'SecretAccessKey', 'SessionToken', 'Version'].sort(),
    );

    // Refusals: the JSON error shape, no-store, the security headers; a bad body is read after the session.
    const badBody = await alice.request('POST', '/api/v1/credentials', { json: { ...developer, extra: 1 } });
    expect(badBody.status).toBe(400);
    expect(badBody.body.error).toBe('invalid_request');
    expect(badBody.body.message).toMatch(/Unrecognized key/i);
    expect(badBody.headers.get('cache-control')).toBe('no-store');
    expect(badBody.headers.get('x-content-type-options')).toBe('nosniff');
    const notJson = await alice.request('POST', '/api/v1/credentials', { body: '{"accountId":' });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error).toBe('invalid_request');
    const signedOut = await new HttpClient(broker.url).request('POST', '/api/v1/credentials', {
      body: 'x'.repeat(10),
      headers: { 'content-type': 'application/json' },
    });
    expect(signedOut.status).toBe(401);
    expect(signedOut.body.error).toBe('unauthenticated');

    // Another method on the path is no route, as before.
    const get = await alice.request('GET', '/api/v1/credentials');
    expect(get.status).toBe(404);
    expect(get.body.error).toBe('not_found');
  });
});
