/**
 * Config reload on a real broker process (the built fedgate-broker bin) started on a temp
 * config file: a signed-in user keeps their session across reloads; SIGHUP and the admin
 * endpoint put an edited mapping and admins in force for new requests (credentials issued by
 * sts-local); an invalid file and a restart-only change are refused with every issue and its
 * path while the config in force keeps serving; every reload is an audit event with no secret.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brokerYaml, env, FEDERATING_USER_SECRET, stsCalls, stsLocalYaml } from '../broker/issuance-fixture';
import { ALICE_PASSWORD, BROKER_SECRET_KEY } from '../broker/slice-config';
import { buildBin } from '../harness/build-bin';
import { freePort, makeTempDir, sleep, startProcess, type RunningProcess } from '../harness/processes';
import { startTestStsLocal, stsLocalConfigFrom, type TestStsLocal } from '../harness/sts-local';

jest.setTimeout(180_000);

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** One browser's session: the cookie and CSRF token a sign-in gave. */
class Browser {
  cookie = '';
  private csrf = '';

  constructor(readonly url: string) {}

  async signIn(): Promise<void> {
    const response = await fetch(`${this.url}/auth/demo/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alice', password: ALICE_PASSWORD }),
    });
    expect(response.status).toBe(200);
    this.cookie = response.headers
      .getSetCookie()
      .map((line) => line.split(';')[0])
      .join('; ');
    this.csrf = ((await response.json()) as { csrfToken: string }).csrfToken;
  }

  async request(method: 'GET' | 'POST', path: string, json?: unknown): Promise<Answer> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        cookie: this.cookie,
        'x-csrf-token': this.csrf,
        ...(json === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: json === undefined ? undefined : JSON.stringify(json),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
    };
  }

  async entitlements(): Promise<string[]> {
    const answer = await this.request('GET', '/api/v1/entitlements');
    expect(answer.status).toBe(200);
    return (answer.body.entitlements as { accountName: string; permissionSet: string }[])
      .map((entitlement) => `${entitlement.accountName}/${entitlement.permissionSet}`)
      .sort();
  }
}

/** The JSON lines of the process's output (audit on stdout, the log on stderr), in order. */
function jsonLines(output: string): Record<string, unknown>[] {
  return output.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) {
      return [];
    }
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

function reloadAudits(broker: RunningProcess): Record<string, unknown>[] {
  return jsonLines(broker.output()).filter((line) => line.event === 'config_reload');
}

/** The broker's log lines about reloads (the application log, apart from the audit stream). */
function reloadLogs(broker: RunningProcess): Record<string, unknown>[] {
  return jsonLines(broker.output()).filter(
    (line) => typeof line.msg === 'string' && line.msg.startsWith('configuration reload'),
  );
}

/** Replaces one exact piece of the config text, failing when it is not there. */
function edited(text: string, from: string, to: string): string {
  expect(text).toContain(from);
  return text.replace(from, to);
}

describe('config reload on a running broker', () => {
  let dir: string;
  let configPath: string;
  let sts: TestStsLocal;
  let broker: RunningProcess;
  let browser: Browser;
  /** The file the broker started with; every variant below is an edit of it (the password hash is salted once). */
  let initial: string;
  /** The mapping after the first reload: Auditor added on sandbox, Reader on federated removed, developers are admins. */
  let reloaded: string;
  const issuedSecrets: string[] = [];

  const writeConfig = (text: string): void => {
    writeFileSync(configPath, text);
  };

  /** Sends SIGHUP and waits for the reload's audit event and log line. */
  const sighup = async (): Promise<Record<string, unknown>> => {
    const before = reloadAudits(broker).length;
    const logsBefore = reloadLogs(broker).length;
    process.kill(broker.pid, 'SIGHUP');
    for (let waited = 0; waited < 10_000; waited += 50) {
      const events = reloadAudits(broker);
      if (events.length > before && reloadLogs(broker).length > logsBefore) {
        return events[events.length - 1]!;
      }
      await sleep(50);
    }
    throw new Error(`no config_reload event after SIGHUP\n${broker.output()}`);
  };

  beforeAll(async () => {
    dir = await makeTempDir('fedgate-config-reload-');
    configPath = join(dir, 'fedgate.yaml');
    const [{ main }, port] = await Promise.all([
      buildBin('fedgate-broker', 'config-reload-broker'),
      freePort(),
    ]);
    const url = `http://127.0.0.1:${port}`;
    sts = await startTestStsLocal(stsLocalConfigFrom(stsLocalYaml(url), env));
    initial = await brokerYaml(url, sts.url, 'admins: { groups: [platform-admins] }\n');
    reloaded = edited(
      edited(
        edited(
          initial,
          '  - { match: { groups: [developers] }, accounts: [federated], permissionSets: [Reader] }\n',
          '  - { match: { groups: [developers] }, accounts: [sandbox], permissionSets: [Auditor] }\n',
        ),
        '  - name: Web\n',
        '  - { name: Auditor, roleName: fedgate-Developer, sessionDuration: 1h }\n  - name: Web\n',
      ),
      'admins: { groups: [platform-admins] }',
      'admins: { groups: [developers] }',
    );
    writeConfig(initial);
    broker = await startProcess({
      command: process.execPath,
      args: [main, '--config', configPath],
      env: { ...env, PORT: String(port) },
      ready: async () => (await fetch(`${url}/readyz`)).ok,
      timeoutMs: 30_000,
    });
    browser = new Browser(url);
    await browser.signIn();
  });

  afterAll(async () => {
    await broker.stop();
    await sts.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses the reload endpoint to a user the config in force does not make an admin, reading nothing', async () => {
    writeConfig(reloaded);
    const answer = await browser.request('POST', '/api/v1/admin/reload');
    expect(answer.status).toBe(403);
    expect(answer.body.error).toBe('not_entitled');
    expect(await browser.entitlements()).toEqual(['federated/Reader', 'sandbox/Developer', 'web/Web']);
    expect(reloadAudits(broker).at(-1)).toMatchObject({
      outcome: 'not_entitled',
      trigger: 'admin',
      connector: 'demo',
    });
  });

  it('puts an edited mapping in force on SIGHUP: the session survives, a new set is issued, a removed one refused', async () => {
    const event = await sighup();
    expect(event).toMatchObject({ outcome: 'success', trigger: 'signal', version: 2 });
    expect([...(event.changedSections as string[])].sort()).toEqual([
      'admins',
      'assignments',
      'permissionSets',
    ]);
    expect(reloadLogs(broker).at(-1)).toMatchObject({
      msg: 'configuration reloaded',
      trigger: 'signal',
      version: 2,
    });

    expect((await browser.request('GET', '/api/v1/me')).status).toBe(200);
    expect(await browser.entitlements()).toEqual(['sandbox/Auditor', 'sandbox/Developer', 'web/Web']);

    const calls = stsCalls(sts, 'AssumeRole');
    const issued = await browser.request('POST', '/api/v1/credentials', {
      accountId: 'sandbox',
      permissionSet: 'Auditor',
    });
    expect(issued.status).toBe(200);
    expect(issued.body.AccessKeyId).toMatch(/^ASIA/);
    issuedSecrets.push(issued.body.SecretAccessKey as string, issued.body.SessionToken as string);
    expect(stsCalls(sts, 'AssumeRole')).toBe(calls + 1);

    const removed = await browser.request('POST', '/api/v1/credentials', {
      accountId: 'federated',
      permissionSet: 'Reader',
    });
    expect(removed.status).toBe(403);
    expect(removed.body.error).toBe('not_entitled');
  });

  it('refuses an invalid file on SIGHUP listing every error with its path, and keeps the config in force', async () => {
    writeConfig(
      edited(
        edited(reloaded, 'sessionDuration: 1h }', 'sessionDuration: forever }'),
        'accounts: [sandbox], permissionSets: [Auditor] }',
        'accounts: [sandbox], permissionSets: [Auditr] }',
      ),
    );
    const event = await sighup();
    expect(event).toMatchObject({ outcome: 'refused', trigger: 'signal', version: 2 });
    const paths = (event.issues as { path: string }[]).map((issue) => issue.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^permissionSets\[\d\]\.sessionDuration$/),
        expect.stringMatching(/^assignments\[\d\]/),
      ]),
    );
    expect(reloadLogs(broker).at(-1)).toMatchObject({
      msg: 'configuration reload refused: the configuration in force keeps running',
      issues: event.issues,
    });

    expect(await browser.entitlements()).toEqual(['sandbox/Auditor', 'sandbox/Developer', 'web/Web']);
    expect(
      (
        await browser.request('POST', '/api/v1/credentials', {
          accountId: 'sandbox',
          permissionSet: 'Auditor',
        })
      ).status,
    ).toBe(200);
  });

  it('answers the admin endpoint with every error of an invalid file, 422, nothing changed', async () => {
    const answer = await browser.request('POST', '/api/v1/admin/reload');
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ error: 'config_invalid', version: 2, restartRequired: [] });
    const paths = (answer.body.issues as { path: string; message: string }[]).map((issue) => issue.path);
    expect(paths).toHaveLength(2);
    expect(paths).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^permissionSets\[\d\]\.sessionDuration$/),
        expect.stringMatching(/^assignments\[\d\]/),
      ]),
    );
    expect(await browser.entitlements()).toEqual(['sandbox/Auditor', 'sandbox/Developer', 'web/Web']);
  });

  it('refuses a restart-only change with its path, even beside a live one', async () => {
    writeConfig(
      edited(
        `${reloaded}session: { idleTimeout: 2h }\n`,
        '  - { match: { groups: [developers] }, accounts: [sandbox], permissionSets: [Auditor] }\n',
        '',
      ),
    );
    const answer = await browser.request('POST', '/api/v1/admin/reload');
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({
      version: 2,
      restartRequired: ['session.idleTimeout'],
      issues: [{ path: 'session.idleTimeout', message: 'changes need a restart' }],
    });
    expect(await browser.entitlements()).toEqual(['sandbox/Auditor', 'sandbox/Developer', 'web/Web']);
  });

  it('puts a valid file in force from the admin endpoint and answers what changed', async () => {
    writeConfig(edited(reloaded, 'sessionDuration: 1h }', 'sessionDuration: 30m }'));
    const answer = await browser.request('POST', '/api/v1/admin/reload');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ version: 3, changedSections: ['permissionSets'], restartRequired: [] });
    const auditor = (await browser.request('GET', '/api/v1/entitlements')).body.entitlements as {
      permissionSet: string;
      sessionDurationSeconds: number;
    }[];
    expect(
      auditor.find((entitlement) => entitlement.permissionSet === 'Auditor')?.sessionDurationSeconds,
    ).toBe(1800);
  });

  it('applies a change once when two admins reload at the same time: the other finds it in force', async () => {
    writeConfig(edited(reloaded, 'sessionDuration: 1h }', 'sessionDuration: 45m }'));
    const answers = await Promise.all([
      browser.request('POST', '/api/v1/admin/reload'),
      browser.request('POST', '/api/v1/admin/reload'),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    expect(
      answers
        .map((answer) => answer.body)
        .sort((a, b) => String(b.changedSections).localeCompare(String(a.changedSections))),
    ).toEqual([
      { version: 4, changedSections: ['permissionSets'], restartRequired: [] },
      { version: 4, changedSections: [], restartRequired: [] },
    ]);
  });

  it('applies a new log level at once', async () => {
    writeConfig(
      `${edited(reloaded, 'sessionDuration: 1h }', 'sessionDuration: 45m }')}logging: { level: warn }\n`,
    );
    const answer = await browser.request('POST', '/api/v1/admin/reload');
    expect(answer.body).toEqual({ version: 5, changedSections: ['logging'], restartRequired: [] });
    const requestLines = () => jsonLines(broker.output()).filter((line) => line.msg === 'request').length;
    const before = requestLines();
    expect(before).toBeGreaterThan(0);
    expect((await browser.request('GET', '/api/v1/me')).status).toBe(200);
    // An error line written after that request's (a refused reload): the log is in order, so had
    // the request been logged, it would be there by now.
    writeConfig('server: [');
    expect(await sighup()).toMatchObject({ outcome: 'refused' });
    expect(requestLines()).toBe(before);
  });

  it('applies new issuance rate limits to the next request', async () => {
    const inForce = `${edited(reloaded, 'sessionDuration: 1h }', 'sessionDuration: 45m }')}logging: { level: warn }\n`;
    writeConfig(`${inForce}issuanceRateLimit: { perUser: 1 }\n`);
    const answer = await browser.request('POST', '/api/v1/admin/reload');
    expect(answer.body).toEqual({ version: 6, changedSections: ['issuanceRateLimit'], restartRequired: [] });
    const entitlement = { accountId: 'sandbox', permissionSet: 'Auditor' };
    const statuses = [
      (await browser.request('POST', '/api/v1/credentials', entitlement)).status,
      (await browser.request('POST', '/api/v1/credentials', entitlement)).status,
    ];
    expect(statuses[1]).toBe(429);
  });

  it('audited every reload with its trigger and outcome, counted them in the metrics, and no secret anywhere in the output', async () => {
    expect(
      reloadAudits(broker).map((event) => `${event.trigger as string}:${event.outcome as string}`),
    ).toEqual([
      'admin:not_entitled',
      'signal:success',
      'signal:refused',
      'admin:refused',
      'admin:refused',
      'admin:success',
      'admin:success',
      'admin:success',
      'admin:success',
      'signal:refused',
      'admin:success',
    ]);
    const metrics = await (await fetch(`${browser.url}/metrics`)).text();
    for (const [trigger, outcome, count] of [
      ['admin', 'not_entitled', 1],
      ['signal', 'success', 1],
      ['signal', 'refused', 2],
      ['admin', 'refused', 2],
      ['admin', 'success', 5],
    ] as const) {
      expect(metrics).toContain(
        `fedgate_config_reloads_total{trigger="${trigger}",outcome="${outcome}"} ${count}\n`,
      );
    }
    const output = broker.output();
    const sessionCookie = browser.cookie.split('=').slice(1).join('=');
    for (const secret of [
      ALICE_PASSWORD,
      BROKER_SECRET_KEY,
      FEDERATING_USER_SECRET,
      sessionCookie,
      ...issuedSecrets,
    ]) {
      expect(secret.length).toBeGreaterThan(8);
      expect(output).not.toContain(secret);
    }
  });
});
