/**
 * The audit stream through the broker (audit.output: file): sign-ins that fail and succeed,
 * credentials and a console URL each become a chained line in the file, which `fedgate audit
 * verify` accepts; a failed login keeps only a hash of what was typed as the username; no
 * password, cookie, credential or sign-in URL reaches the file. Each answer leaves only after its
 * line is in the file; a stream that cannot be written (a full disk: /dev/full) refuses the answers
 * waiting for it with 503 store_unavailable and no cookie, while answers that recorded nothing go on.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { verifyChain } from '@fedgate/audit';
import { configFrom, HttpClient, startBroker, type RunningBroker } from '../broker/broker-harness';
import { brokerYaml, env, stsLocalYaml } from '../broker/issuance-fixture';
import { ALICE_PASSWORD } from '../broker/slice-config';
import { freePort, makeTempDir } from '../harness/processes';
import { startTestStsLocal, stsLocalConfigFrom, type TestStsLocal } from '../harness/sts-local';

describe('the audit stream of a running broker', () => {
  let dir: string;
  let sts: TestStsLocal;
  let broker: RunningBroker;
  let auditFile: string;

  beforeAll(async () => {
    dir = await makeTempDir('fedgate-audit-e2e-');
    auditFile = join(dir, 'audit.jsonl');
    const port = await freePort();
    const brokerUrl = `http://127.0.0.1:${port}`;
    sts = await startTestStsLocal(stsLocalConfigFrom(stsLocalYaml(brokerUrl), env));
    const yaml = await brokerYaml(
      brokerUrl,
      sts.url,
      `audit: { output: file, path: '${auditFile}', fsync: true }\n`,
    );
    broker = await startBroker(configFrom(yaml, env), { port, configuredAudit: true });
  });

  afterAll(async () => {
    await broker.stop();
    await sts.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes one chained line per event, with no secret and no typed username of a failed login', async () => {
    const typo = 'alice-hunter2-typed-in-the-wrong-box';
    const stranger = new HttpClient(broker.url);
    expect((await stranger.login('demo', typo, 'wrong-password-123')).status).toBe(401);

    const alice = new HttpClient(broker.url);
    expect((await alice.login('demo', 'alice', ALICE_PASSWORD)).status).toBe(200);
    const issued = await alice.request('POST', '/api/v1/credentials', {
      json: { accountId: 'sandbox', permissionSet: 'Developer' },
    });
    expect(issued.status).toBe(200);
    // Lines are written in groups, but never after the answer of the request that recorded them.
    expect(readFileSync(auditFile, 'utf8')).toContain(`"accessKeyId":"${issued.body.AccessKeyId as string}"`);
    const consoleUrl = await alice.request('POST', '/api/v1/console', {
      json: { accountId: 'sandbox', permissionSet: 'Developer' },
    });
    expect(consoleUrl.status).toBe(200);

    expect((await alice.request('POST', '/auth/logout')).status).toBe(204);

    const text = readFileSync(auditFile, 'utf8');
    expect(verifyChain(text)).toMatchObject({ ok: true });
    const events = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events.map((event) => [event.event, event.outcome])).toEqual(
      expect.arrayContaining([
        ['login', 'failure'],
        ['login', 'success'],
        ['issue_credentials', 'success'],
        ['console_signin', 'success'],
        ['logout', 'success'],
      ]),
    );
    const failed = events.find((event) => event.event === 'login' && event.outcome === 'failure');
    expect(failed).toMatchObject({ usernameSha256: expect.stringMatching(/^[0-9a-f]{16}$/) as unknown });
    for (const secret of [
      typo,
      'wrong-password-123',
      ALICE_PASSWORD,
      alice.cookie('fedgate_session') ?? '<no cookie>',
      issued.body.SecretAccessKey as string,
      issued.body.SessionToken as string,
      consoleUrl.body.url as string,
    ]) {
      expect(text).not.toContain(secret);
    }
    // Nothing of the stream went to the application log instead.
    expect(
      broker.logs.lines().filter((line) => line.msg === 'audit' && line.event === 'issue_credentials'),
    ).toEqual([]);
  });
});

describe('a broker whose audit stream cannot be written', () => {
  let sts: TestStsLocal;
  let broker: RunningBroker;

  beforeAll(async () => {
    const port = await freePort();
    const brokerUrl = `http://127.0.0.1:${port}`;
    sts = await startTestStsLocal(stsLocalConfigFrom(stsLocalYaml(brokerUrl), env));
    // Every write to /dev/full fails with ENOSPC, as on a full disk.
    const yaml = await brokerYaml(brokerUrl, sts.url, `audit: { output: file, path: /dev/full }\n`);
    broker = await startBroker(configFrom(yaml, env), { port, configuredAudit: true });
  });

  afterAll(async () => {
    await broker.stop();
    await sts.stop();
  });

  it('answers 503 store_unavailable without a session instead of an unaudited sign-in, and keeps running', async () => {
    const alice = new HttpClient(broker.url);
    const refused = await alice.login('demo', 'alice', ALICE_PASSWORD);
    expect(refused.status).toBe(503);
    expect(refused.body).toEqual({ error: 'store_unavailable', message: expect.any(String) as unknown });
    expect(refused.headers.get('set-cookie')).toBeNull();
    expect(alice.cookie('fedgate_session')).toBeUndefined();
    // An answer that recorded nothing does not wait for the stream.
    expect((await new HttpClient(broker.url).request('GET', '/healthz')).status).toBe(200);
    const reported = broker.logs.lines().filter((line) => line.msg === 'an audit line could not be written');
    expect(reported.length).toBeGreaterThan(0);
    expect(JSON.stringify(broker.logs.lines())).not.toContain(ALICE_PASSWORD);
  });
});
