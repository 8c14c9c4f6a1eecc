/**
 * Issuance through the broker against sts-local (issue #5): the three
 * modes, the credential cache and its coalescing (counted at sts-local, the
 * backend), console sign-in through sts-local's federation endpoint, and a
 * scan of every captured log line for the secrets that were issued.
 */
import {
  configFrom,
  HttpClient,
  callerIdentityWith,
  startBroker,
  type RunningBroker,
} from './broker-harness';
import { ALICE_PASSWORD, BROKER_SECRET_KEY } from './slice-config';
import { brokerYaml, env, FEDERATING_USER_SECRET, stsCalls, stsLocalYaml } from './issuance-fixture';
import { freePort } from '../harness/processes';
import { startTestStsLocal, stsLocalConfigFrom, type TestStsLocal } from '../harness/sts-local';

describe('issuance through the broker (sts-local)', () => {
  let sts: TestStsLocal;
  let broker: RunningBroker;
  let alice: HttpClient;
  const issuedSecrets: string[] = [];

  beforeAll(async () => {
    const port = await freePort();
    const brokerUrl = `http://127.0.0.1:${port}`;
    sts = await startTestStsLocal(stsLocalConfigFrom(stsLocalYaml(brokerUrl), env));
    broker = await startBroker(configFrom(await brokerYaml(brokerUrl, sts.url), env), { port });
    alice = new HttpClient(broker.url);
    expect((await alice.login('demo', 'alice', ALICE_PASSWORD)).status).toBe(200);
  });

  afterAll(async () => {
    // Every secret the tests saw issued, in every line either server logged.
    const logs = broker.logs.text() + sts.logs.text();
    for (const secret of [...issuedSecrets, BROKER_SECRET_KEY, FEDERATING_USER_SECRET]) {
      expect(secret.length).toBeGreaterThan(10);
      expect(logs).not.toContain(secret);
    }
    await broker.stop();
    await sts.stop();
  });

  async function credentials(accountId: string, permissionSet: string) {
    const response = await alice.request('POST', '/api/v1/credentials', {
      json: { accountId, permissionSet },
    });
    if (response.status === 200) {
      issuedSecrets.push(response.body.SecretAccessKey as string, response.body.SessionToken as string);
    }
    return response;
  }

  it('answers 100 concurrent identical requests with one AssumeRole, and serves the cache after', async () => {
    const before = stsCalls(sts, 'AssumeRole');
    const answers = await Promise.all(Array.from({ length: 100 }, () => credentials('sandbox', 'Developer')));
    expect(answers.map((answer) => answer.status)).toEqual(Array.from({ length: 100 }, () => 200));
    expect(new Set(answers.map((answer) => answer.body.AccessKeyId)).size).toBe(1);
    expect(stsCalls(sts, 'AssumeRole') - before).toBe(1);

    const again = await credentials('sandbox', 'Developer');
    expect(again.body).toEqual(answers[0]?.body);
    expect(stsCalls(sts, 'AssumeRole') - before).toBe(1);

    const caller = await callerIdentityWith(sts.url, again.body);
    expect(caller.Arn).toMatch(
      /^arn:aws:sts::123456789012:assumed-role\/fedgate-Developer\/alice\.[0-9a-f]{8}$/,
    );
    const audit = broker.logs.lines().filter((line) => line.event === 'issue_credentials');
    expect(audit.filter((line) => line.source === 'issued')).toHaveLength(1);
    expect(audit.filter((line) => line.source === 'cache' || line.source === 'coalesced')).toHaveLength(100);
  });

  it('lists each entitlement with its mode and what it assumes or federates as', async () => {
    const listed = await alice.request('GET', '/api/v1/entitlements');
    expect(
      (listed.body.entitlements as Record<string, unknown>[]).map(
        ({ accountName, mode, roleArn, federatedUser }) => ({ accountName, mode, roleArn, federatedUser }),
      ),
    ).toEqual([
      {
        accountName: 'federated',
        mode: 'federation-token',
        roleArn: undefined,
        federatedUser: expect.stringMatching(/^alice\.[0-9a-f]{8}$/) as unknown,
      },
      {
        accountName: 'sandbox',
        mode: 'assume-role',
        roleArn: 'arn:aws:iam::123456789012:role/fedgate-Developer',
        federatedUser: undefined,
      },
      {
        accountName: 'web',
        mode: 'web-identity',
        roleArn: 'arn:aws:iam::111122223333:role/fedgate-Web',
        federatedUser: undefined,
      },
    ]);
  });

  it('issues GetFederationToken credentials for a set without a role on a federation-token backend', async () => {
    const issued = await credentials('federated', 'Reader');
    expect(issued.status).toBe(200);
    const caller = await callerIdentityWith(sts.url, issued.body);
    expect(caller.Arn).toMatch(/^arn:aws:sts::210987654321:federated-user\/alice/);
  });

  it('signs a token for web-identity that sts-local verifies through the broker JWKS', async () => {
    const issued = await credentials('web', 'Web');
    expect(issued.status).toBe(200);
    const caller = await callerIdentityWith(sts.url, issued.body);
    expect(caller.Arn).toMatch(/^arn:aws:sts::111122223333:assumed-role\/fedgate-Web\/alice\.[0-9a-f]{8}$/);
    expect(stsCalls(sts, 'AssumeRoleWithWebIdentity')).toBe(1);
    // The audit line joins fedgate's trail to CloudTrail: key id, session ARN, the token's jti and kid.
    const jwks = (await alice.request('GET', '/.well-known/jwks.json')).body.keys as { kid: string }[];
    const audit = broker.logs
      .lines()
      .filter((line) => line.event === 'issue_credentials' && line.mode === 'web-identity');
    expect(audit).toEqual([
      expect.objectContaining({
        outcome: 'success',
        source: 'issued',
        accessKeyId: issued.body.AccessKeyId,
        sessionArn: caller.Arn,
        webIdentityToken: { id: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown, keyId: jwks[0]?.kid },
      }),
    ]);
  });

  it('returns a console URL that opens the demo console as the right session', async () => {
    const answer = await alice.request('POST', '/api/v1/console', {
      json: { accountId: 'sandbox', permissionSet: 'Developer' },
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.headers.get('referrer-policy')).toBe('no-referrer');
    const url = new URL(answer.body.url as string);
    issuedSecrets.push(answer.body.url as string, url.searchParams.get('SigninToken') ?? '');
    expect(url.origin).toBe(new URL(sts.url).origin);
    expect(url.searchParams.get('Action')).toBe('login');
    expect(url.searchParams.get('Issuer')).toBe(broker.runtime.config.server.publicUrl);
    expect(url.searchParams.get('Destination')).toBe('https://us-east-1.console.aws.amazon.com/s3/home');
    const audit = broker.logs.lines().filter((line) => line.event === 'console_signin');
    expect(audit.at(-1)).toMatchObject({
      outcome: 'success',
      clientAddress: expect.stringMatching(/127\.0\.0\.1$/) as unknown,
      account: '123456789012',
      roleArn: 'arn:aws:iam::123456789012:role/fedgate-Developer',
      destination: 'https://us-east-1.console.aws.amazon.com/s3/home',
    });
    const page = await fetch(url);
    const html = await page.text();
    expect(page.status).toBe(200);
    for (const shown of ['123456789012', 'fedgate-Developer', 'alice', 'Department', 'Engineering']) {
      expect(html).toContain(shown);
    }
  });

  it('opens the console from the link page form with no-store and no-referrer, and refuses a foreign destination first', async () => {
    const form = (fields: Record<string, string>) => ({
      body: new URLSearchParams({ csrf_token: alice.csrfToken ?? '', ...fields }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    const redirect = await alice.request('POST', '/console/sandbox/Developer', form({}));
    expect(redirect.status).toBe(303);
    expect(redirect.headers.get('cache-control')).toBe('no-store');
    expect(redirect.headers.get('referrer-policy')).toBe('no-referrer');
    const location = redirect.headers.get('location') ?? '';
    issuedSecrets.push(location);
    expect(new URL(location).searchParams.get('Action')).toBe('login');

    const before = stsCalls(sts, 'AssumeRole') + stsCalls(sts, 'AssumeRoleWithWebIdentity');
    const foreign = await alice.request('POST', '/api/v1/console', {
      json: {
        accountId: 'sandbox',
        permissionSet: 'Developer',
        destination: 'https://console.amazonaws.cn/',
      },
    });
    expect(foreign.status).toBe(400);
    expect(foreign.body.error).toBe('invalid_request');
    const evil = await alice.request(
      'POST',
      '/console/web/Web',
      form({ destination: 'https://evil.example/' }),
    );
    expect(evil.status).toBe(400);
    expect(stsCalls(sts, 'AssumeRole') + stsCalls(sts, 'AssumeRoleWithWebIdentity')).toBe(before);
  });

  it('opens the console with federated-user credentials (no SessionDuration)', async () => {
    const answer = await alice.request('POST', '/api/v1/console', {
      json: { accountId: 'federated', permissionSet: 'Reader' },
    });
    expect(answer.status).toBe(200);
    issuedSecrets.push(answer.body.url as string);
    const html = await (await fetch(answer.body.url as string)).text();
    expect(html).toContain('federated-user/alice');
  });
});
