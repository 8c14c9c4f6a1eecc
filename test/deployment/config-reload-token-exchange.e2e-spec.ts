/**
 * Token-exchange callers change with a config reload: a broker serving POST /oauth/token reloads
 * its file (the ConfigReloader on the broker's own LiveConfig) and the next exchange is checked
 * against the callers in force: a permission set granted to a caller is issued, one taken away is
 * refused, and with no caller left the RFC 8414 metadata stops listing the grant.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TOKEN_EXCHANGE_GRANT } from '@fedgate/token-exchange';
import { ConfigReloader } from '../../apps/broker/src/config-reloader';
import { configFrom, startBroker, type RunningBroker } from '../broker/broker-harness';
import { BROKER_SECRET_KEY } from '../broker/slice-config';
import { freePort, makeTempDir } from '../harness/processes';
import { startTestStsLocal, stsLocalConfigFrom, type TestStsLocal } from '../harness/sts-local';
import { LocalIssuer } from '../token-exchange/local-issuer';
import {
  callerKey,
  CLIENT_SECRET,
  corpClaims,
  STS_LOCAL_YAML,
  tokenExchangeBrokerYaml,
} from '../token-exchange/token-exchange-fixture';

const JWT_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
const PAYROLL_PORTAL = `Basic ${Buffer.from(`payroll-portal:${encodeURIComponent(CLIENT_SECRET)}`).toString('base64')}`;

describe('token-exchange callers after a config reload', () => {
  const env = { BROKER_SECRET: BROKER_SECRET_KEY };
  let dir: string;
  let path: string;
  let sts: TestStsLocal;
  let corp: LocalIssuer;
  let broker: RunningBroker;
  let reloader: ConfigReloader;
  let publicUrl: string;
  /** The file the broker started with; the variants are edits of it (hashes and keys are made once). */
  let initial: string;

  beforeAll(async () => {
    dir = await makeTempDir('fedgate-reload-exchange-');
    path = join(dir, 'fedgate.yaml');
    const port = await freePort();
    publicUrl = `http://127.0.0.1:${port}`;
    sts = await startTestStsLocal(stsLocalConfigFrom(STS_LOCAL_YAML, env));
    corp = await LocalIssuer.start('RS256');
    const github = {
      issuer: 'https://token.actions.githubusercontent.com',
      jwksUrl: `${corp.issuer}/unused`,
    };
    initial = await tokenExchangeBrokerYaml({
      publicUrl,
      stsUrl: sts.url,
      corpIssuer: corp.issuer,
      corpJwksUrl: corp.jwksUrl,
      githubIssuer: github.issuer,
      githubJwksUrl: github.jwksUrl,
      partnerKeyPem: (await callerKey()).publicPem,
    });
    writeFileSync(path, initial);
    broker = await startBroker(configFrom(initial, env), { port });
    reloader = new ConfigReloader({
      source: { path, env },
      live: broker.runtime.liveConfig,
      audit: broker.runtime.audit,
      logger: broker.runtime.logger,
    });
  });

  afterAll(async () => {
    await broker.stop();
    await corp.stop();
    await sts.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function exchangeFor(permissionSet: string): Promise<{ status: number; error?: unknown }> {
    const now = Math.floor(Date.now() / 1000);
    const response = await fetch(`${publicUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: PAYROLL_PORTAL },
      body: new URLSearchParams({
        grant_type: TOKEN_EXCHANGE_GRANT,
        subject_token: await corp.mint(corpClaims(now, publicUrl)),
        subject_token_type: JWT_TYPE,
        resource: `urn:fedgate:aws:sandbox:${permissionSet}`,
      }).toString(),
    });
    const body = (await response.json()) as Record<string, unknown>;
    return { status: response.status, error: body.error };
  }

  async function grantTypes(): Promise<unknown> {
    const response = await fetch(`${publicUrl}/.well-known/oauth-authorization-server`);
    return ((await response.json()) as { grant_types_supported?: unknown }).grant_types_supported;
  }

  const reload = async (text: string) => {
    writeFileSync(path, text);
    return reloader.reload({ trigger: 'signal' });
  };

  it('checks the next exchange against the callers a reload put in force', async () => {
    expect((await exchangeFor('Developer')).status).toBe(200);
    expect(await exchangeFor('ReadOnly')).toEqual({ status: 400, error: 'unauthorized_client' });

    const granted = initial.replace(
      '      permissionSets: [Developer]\n      allowAccessTokens: true',
      '      permissionSets: [ReadOnly]\n      allowAccessTokens: true',
    );
    expect(granted).not.toBe(initial);
    expect(await reload(granted)).toMatchObject({ ok: true, version: 2, changedSections: ['tokenExchange'] });
    expect((await exchangeFor('ReadOnly')).status).toBe(200);
    expect(await exchangeFor('Developer')).toEqual({ status: 400, error: 'unauthorized_client' });
  });

  it('stops listing the token-exchange grant once no caller is configured', async () => {
    expect(await grantTypes()).toContain(TOKEN_EXCHANGE_GRANT);
    const none = `${initial.slice(0, initial.indexOf('tokenExchange:'))}tokenExchange: { clients: [] }\n`;
    expect(await reload(none)).toMatchObject({ ok: true, version: 3, changedSections: ['tokenExchange'] });
    expect(await grantTypes()).not.toContain(TOKEN_EXCHANGE_GRANT);
    expect(await exchangeFor('Developer')).toMatchObject({ status: 401 });
  });
});
