/**
 * The demo that `npm start` runs (config/demo.yaml with config/sts-local.demo.yaml), on free
 * ports instead of 8080/8090: the README's walk-through works as written, in all of the
 * demo's modes, and the console URL opens sts-local's demo console as the right session.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '@fedgate/logging';
import { parseStsLocalConfig } from '../../apps/sts-local/src/config/load-sts-local-config';
import { startStsLocal } from '../../apps/sts-local/src/server/sts-local-server';
import {
  callerIdentityWith,
  configFrom,
  HttpClient,
  LogCapture,
  startBroker,
} from '../broker/broker-harness';
import { freePort } from '../harness/processes';

const CONFIG_DIR = join(__dirname, '..', '..', 'config');

/** A demo file with its fixed loopback ports moved to the ones this run got. */
function demoFile(name: string, brokerPort: number, stsPort: number): string {
  return readFileSync(join(CONFIG_DIR, name), 'utf8')
    .replaceAll('127.0.0.1:8080', `127.0.0.1:${brokerPort}`)
    .replaceAll('127.0.0.1:8090', `127.0.0.1:${stsPort}`)
    .replace('port: 8080', `port: ${brokerPort}`)
    .replace('port: 8090', `port: ${stsPort}`);
}

describe('the npm start demo', () => {
  it('signs alice in, issues Developer (AssumeRole) and ReadOnly (web identity), and opens the console', async () => {
    const [brokerPort, stsPort] = [await freePort(), await freePort()];
    const stsLogs = new LogCapture();
    const sts = await startStsLocal(
      parseStsLocalConfig(demoFile('sts-local.demo.yaml', brokerPort, stsPort), {
        env: {},
        baseDir: CONFIG_DIR,
        source: 'config/sts-local.demo.yaml',
      }),
      { logger: createLogger({ level: 'info', destination: stsLogs }) },
    );
    const broker = await startBroker(configFrom(demoFile('demo.yaml', brokerPort, stsPort)), {
      port: brokerPort,
    });
    const secrets: string[] = [];
    try {
      const alice = new HttpClient(broker.url);
      expect((await alice.login('demo', 'alice', 'fedgate-demo')).status).toBe(200);
      for (const [permissionSet, role] of [
        ['Developer', 'fedgate-Developer'],
        ['ReadOnly', 'fedgate-ReadOnly'],
        ['Admin', 'fedgate-Admin'],
      ] as const) {
        const issued = await alice.request('POST', '/api/v1/credentials', {
          json: { accountId: 'demo', permissionSet },
        });
        expect(issued.status).toBe(200);
        secrets.push(issued.body.SecretAccessKey as string, issued.body.SessionToken as string);
        const caller = await callerIdentityWith(sts.url, issued.body);
        expect(caller.Arn).toMatch(new RegExp(`^arn:aws:sts::123456789012:assumed-role/${role}/alice\\.`));
      }

      const consoleAnswer = await alice.request('POST', '/api/v1/console', {
        json: { accountId: 'demo', permissionSet: 'ReadOnly' },
      });
      expect(consoleAnswer.status).toBe(200);
      const url = consoleAnswer.body.url as string;
      secrets.push(url, new URL(url).searchParams.get('SigninToken') ?? '');
      const page = await (await fetch(url)).text();
      for (const shown of ['fedgate-ReadOnly', 'alice', 'Department', 'Engineering', broker.url]) {
        expect(page).toContain(shown);
      }
    } finally {
      await broker.stop();
      await sts.close();
    }
    const logs = broker.logs.text() + stsLogs.text();
    for (const secret of secrets) {
      expect(logs).not.toContain(secret);
    }
  });
});
