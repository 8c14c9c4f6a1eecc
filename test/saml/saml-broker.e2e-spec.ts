/**
 * SAML through the broker: the SP metadata route, SP-initiated sign-in with
 * the live test IdP (metadata by URL, the AuthnRequest's signature checked
 * by the IdP) → ACS → session → credentials from sts-local, requireMfa
 * permission sets by the IdP's authentication context, sign-out ending the
 * fedgate session only, a refused response answered with a page and audited
 * by connector and check, IdP-initiated sign-in only where enabled and
 * landing where configured, 100 concurrent posts of one response making one
 * session (replay cache in real Redis), and Chromium going through the
 * whole flow to credentials.
 */
import type { Browser } from 'playwright-core';
import { launchChromium } from '../harness/browser';
import { freePort } from '../harness/processes';
import { startRedis, type RedisServer } from '../harness/redis';
import { startTestStsLocal, stsLocalConfigFrom, type TestStsLocal } from '../harness/sts-local';
import { configFrom, HttpClient, startBroker, type RunningBroker } from '../broker/broker-harness';
import { BROKER_SECRET_KEY } from '../broker/slice-config';
import { startLiveTestIdp, type LiveTestIdp } from './live-test-idp';
import { keyPair } from './fixtures/test-idp';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const STS_LOCAL_YAML = `
accounts:
  - id: '123456789012'
    users:
      - { name: fedgate-broker, accessKeyId: AKIAFEDGATETEST00001, secretAccessKey: '\${env:BROKER_SECRET}' }
    roles:
      - name: fedgate-Developer
        maxSessionDuration: 2h
        trustPolicy:
          Statement:
            - Effect: Allow
              Principal: { AWS: 'arn:aws:iam::123456789012:user/fedgate-broker' }
              Action: [sts:AssumeRole, sts:SetSourceIdentity, sts:TagSession]
      - name: fedgate-Admin
        maxSessionDuration: 2h
        trustPolicy:
          Statement:
            - Effect: Allow
              Principal: { AWS: 'arn:aws:iam::123456789012:user/fedgate-broker' }
              Action: [sts:AssumeRole, sts:SetSourceIdentity, sts:TagSession]
`;

describe('SAML sign-in through the broker', () => {
  const env = { BROKER_SECRET: BROKER_SECRET_KEY };
  let redis: RedisServer;
  let sts: TestStsLocal;
  let idp: LiveTestIdp;
  let broker: RunningBroker;
  let browser: Browser;
  // The ACS URL is in every signed response, so the broker's public URL is its real address:
  // a free port chosen before it starts.
  let port: number;
  let publicUrl: string;
  const acs = (id: string) => `${publicUrl}/auth/${id}/callback`;
  const entity = (id: string) => `${publicUrl}/auth/${id}/metadata`;

  beforeAll(async () => {
    port = await freePort();
    publicUrl = `http://127.0.0.1:${port}`;
    redis = await startRedis();
    sts = await startTestStsLocal(stsLocalConfigFrom(STS_LOCAL_YAML, env));
    idp = await startLiveTestIdp((acsUrl) => acsUrl.replace(/\/callback$/, '/metadata'), {
      spCertificate: keyPair('sp-signing').certificate,
    });
    const keys = mkdtempSync(join(tmpdir(), 'saml-e2e-'));
    writeFileSync(join(keys, 'sp.key'), keyPair('sp-signing').privateKey);
    writeFileSync(join(keys, 'sp.crt'), keyPair('sp-signing').certificate);
    writeFileSync(join(keys, 'sp-encryption.key'), keyPair('sp-encryption').privateKey);
    writeFileSync(join(keys, 'sp-encryption.crt'), keyPair('sp-encryption').certificate);
    const config = configFrom(
      `
server: { publicUrl: ${publicUrl} }
store: { type: redis, url: ${redis.url}, keyPrefix: "saml-e2e:" }
connectors:
  - id: corp
    type: saml
    name: Corp SSO
    idp: { metadataUrl: ${idp.metadataUrl} }
    sp:
      signingKey: "\${file:${keys}/sp.key}"
      signingCertificate: "\${file:${keys}/sp.crt}"
      signAuthnRequests: true
      encryptionKey: "\${file:${keys}/sp-encryption.key}"
      encryptionCertificate: "\${file:${keys}/sp-encryption.crt}"
      nameIdFormat: persistent
    attributes: { email: email, groups: [groups] }
  - id: corp-portal
    type: saml
    idp: { metadataUrl: ${idp.metadataUrl} }
    security: { allowIdpInitiated: true, idpInitiatedLanding: /api/v1/me }
    attributes: { groups: [groups] }
backends:
  - id: local
    type: sts
    endpoint: ${sts.url}
    region: us-east-1
    timeout: 5s
    maxAttempts: 1
    credentials: { accessKeyId: AKIAFEDGATETEST00001, secretAccessKey: "\${env:BROKER_SECRET}" }
accounts:
  - { id: "123456789012", name: sandbox, backend: local }
permissionSets:
  - { name: Developer, roleName: fedgate-Developer, sessionDuration: 1h }
  - { name: Admin, roleName: fedgate-Admin, sessionDuration: 1h, requireMfa: true }
assignments:
  - { match: { groups: [developers] }, accounts: [sandbox], permissionSets: [Developer, Admin] }
`,
      env,
    );
    broker = await startBroker(config, { port });
    await Promise.all(
      broker.runtime.connectors
        .list()
        .map((connector) => (connector as unknown as { ready(): Promise<void> }).ready()),
    );
    browser = await launchChromium();
  });

  /** An SP-initiated sign-in through the live IdP, as a browser without JavaScript would post it. */
  async function signInSpInitiated(id: string): Promise<HttpClient> {
    const client = new HttpClient(broker.url);
    const begun = await client.request('GET', `/auth/${id}/login`);
    const html = await (await fetch(begun.headers.get('location') ?? '')).text();
    const back = await client.request('POST', `/auth/${id}/callback`, {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        SAMLResponse: /name="SAMLResponse" value="([^"]+)"/.exec(html)?.[1] ?? '',
        RelayState: idp.lastRequest?.relayState ?? '',
      }).toString(),
    });
    expect(back.status).toBe(303);
    return client;
  }

  afterAll(async () => {
    await browser.close();
    await broker.stop();
    await idp.stop();
    await sts.stop();
    await redis.stop();
  });

  it('publishes SP metadata with the entityID, the ACS URL, the NameID format and both certificates', async () => {
    const answer = await new HttpClient(broker.url).request('GET', '/auth/corp/metadata');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toContain('application/samlmetadata+xml');
    expect(answer.text).toContain(`entityID="${entity('corp')}"`);
    expect(answer.text).toContain(`Location="${acs('corp')}"`);
    expect(answer.text).toContain('AuthnRequestsSigned="true"');
    expect(answer.text).toContain(keyPair('sp-signing').certificate.split('\n')[1]);
    expect(answer.text).toContain(
      '<md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>',
    );
    const encryption = /<md:KeyDescriptor use="encryption">[\s\S]*?<\/md:KeyDescriptor>/.exec(
      answer.text,
    )?.[0];
    expect(encryption).toContain(keyPair('sp-encryption').certificate.split('\n')[1]);
    expect(answer.text).not.toContain('PRIVATE KEY');
    expect((await new HttpClient(broker.url).request('GET', '/auth/nope/metadata')).status).toBe(404);
  });

  it('signs in SP-initiated (signed AuthnRequest, RelayState a server-side key) and issues credentials from sts-local', async () => {
    const client = new HttpClient(broker.url);
    const begun = await client.request('GET', '/auth/corp/login?return_to=/api/v1/entitlements');
    expect(begun.status).toBe(302);
    const location = new URL(begun.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(`${idp.url}/sso`);
    expect(location.searchParams.get('SigAlg')).toBe('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
    const page = await fetch(location);
    const html = await page.text();
    expect(idp.lastRequest?.relayState).toMatch(/^[\w-]{20,}$/);
    // The IdP checked the AuthnRequest's signature with fedgate's published signing certificate.
    expect(idp.lastRequest?.signatureValid).toBe(true);
    const samlResponse = /name="SAMLResponse" value="([^"]+)"/.exec(html)?.[1] ?? '';
    const back = await client.request('POST', '/auth/corp/callback', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        SAMLResponse: samlResponse,
        RelayState: idp.lastRequest?.relayState ?? '',
      }).toString(),
    });
    expect(back.status).toBe(303);
    expect(back.headers.get('location')).toBe('/api/v1/entitlements');
    const me = await client.request('GET', '/api/v1/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ connectorId: 'corp', subject: 'carol-0003' });
    client.csrfToken = me.body.csrfToken as string;
    const issued = await client.request('POST', '/api/v1/credentials', {
      json: { accountId: 'sandbox', permissionSet: 'Developer' },
    });
    expect(issued.status).toBe(200);
    expect(issued.body.AccessKeyId).toMatch(/^ASIA/);

    const replayed = await client.request('POST', '/auth/corp/callback', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        SAMLResponse: samlResponse,
        RelayState: idp.lastRequest?.relayState ?? '',
      }).toString(),
    });
    expect(replayed.status).toBe(400);
    expect(broker.logs.text()).not.toContain(samlResponse.slice(0, 100));

    // The IdP said MobileTwoFactorContract: the requireMfa permission set is issued too.
    const admin = await client.request('POST', '/api/v1/credentials', {
      json: { accountId: 'sandbox', permissionSet: 'Admin' },
    });
    expect(admin.status).toBe(200);

    // Signing out ends fedgate's session only: no logout request goes to the IdP.
    const requestsBefore = idp.requests;
    const out = await client.request('POST', '/auth/logout');
    expect(out.status).toBeLessThan(400);
    expect((await client.request('GET', '/api/v1/me')).status).toBe(401);
    expect(idp.requests).toBe(requestsBefore);
  });

  it('withholds a requireMfa permission set when the IdP reports no second factor', async () => {
    idp.user.authnContext = 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport';
    try {
      const client = await signInSpInitiated('corp');
      const me = await client.request('GET', '/api/v1/me');
      client.csrfToken = me.body.csrfToken as string;
      const developer = await client.request('POST', '/api/v1/credentials', {
        json: { accountId: 'sandbox', permissionSet: 'Developer' },
      });
      expect(developer.status).toBe(200);
      const admin = await client.request('POST', '/api/v1/credentials', {
        json: { accountId: 'sandbox', permissionSet: 'Admin' },
      });
      expect(admin.status).toBe(403);
    } finally {
      delete idp.user.authnContext;
    }
  });

  it('shows a person a page, not JSON, when a response is refused; the audit line names connector and check, not the response', async () => {
    const client = new HttpClient(broker.url);
    // Signed for corp's ACS, posted to corp-portal's: its Destination is not this sign-in address.
    const { samlResponse } = idp.idpInitiated(acs('corp'), entity('corp-portal'));
    const refused = await client.request('POST', '/auth/corp-portal/callback', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ SAMLResponse: samlResponse }).toString(),
    });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toContain('text/html');
    expect(refused.text).toContain('Sign-in failed');
    expect(refused.text).toContain('the response was addressed to another service');
    expect(refused.text).toContain('ask your fedgate administrator');
    expect(refused.text).not.toContain(samlResponse.slice(0, 60));
    const audit = broker.logs
      .lines()
      .filter((line) => line.msg === 'audit' && line.phase === 'saml.destination');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      event: 'login',
      connector: 'corp-portal',
      outcome: 'failure',
      error: 'assertion_invalid',
      check: 'saml.destination',
    });
    expect(broker.logs.text()).not.toContain(samlResponse.slice(0, 60));
    expect(broker.logs.text()).not.toContain(
      Buffer.from(samlResponse, 'base64').toString('utf8').slice(0, 80),
    );
  });

  it('refuses IdP-initiated sign-in where it is not enabled, with the failed check in the audit line', async () => {
    const client = new HttpClient(broker.url);
    const { samlResponse } = idp.idpInitiated(acs('corp'), entity('corp'));
    const refused = await client.request('POST', '/auth/corp/callback', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ SAMLResponse: samlResponse }).toString(),
    });
    expect(refused.status).toBe(400);
    expect(client.cookie('fedgate_session')).toBeUndefined();
    expect(broker.logs.text()).toContain('saml.in-response-to');
  });

  it('makes exactly one session of 100 concurrent posts of one IdP-initiated response', async () => {
    const { samlResponse } = idp.idpInitiated(acs('corp-portal'), entity('corp-portal'));
    const body = new URLSearchParams({ SAMLResponse: samlResponse }).toString();
    const answers = await Promise.all(
      Array.from({ length: 100 }, () =>
        new HttpClient(broker.url).request('POST', '/auth/corp-portal/callback', {
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body,
        }),
      ),
    );
    const signedIn = answers.filter((answer) => answer.status === 303);
    expect(signedIn).toHaveLength(1);
    expect(signedIn[0]?.headers.get('location')).toBe('/api/v1/me');
    expect(answers.filter((answer) => answer.status === 400)).toHaveLength(99);
  });

  it('signs in with Chromium: fedgate → IdP → auto-posted response → ACS → signed in → credentials', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${broker.url}/auth/corp/login?return_to=/api/v1/me`);
    await page.waitForURL(`${broker.url}/api/v1/me`);
    const me = JSON.parse((await page.textContent('body')) ?? '{}') as Record<string, unknown>;
    expect(me).toMatchObject({ connectorId: 'corp', subject: 'carol-0003' });
    // The browser's session, cookie and CSRF token, gets credentials from sts-local.
    const issued = await page.evaluate(async (csrfToken) => {
      const answer = await fetch('/api/v1/credentials', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken },
        body: JSON.stringify({ accountId: 'sandbox', permissionSet: 'Developer' }),
      });
      const body = (await answer.json()) as { AccessKeyId?: string };
      return { status: answer.status, accessKeyId: body.AccessKeyId ?? '' };
    }, me.csrfToken as string);
    expect(issued.status).toBe(200);
    expect(issued.accessKeyId).toMatch(/^ASIA/);
    await context.close();
  });

  it('signs in IdP-initiated with Chromium where enabled, landing on the configured path', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const { samlResponse } = idp.idpInitiated(acs('corp-portal'), entity('corp-portal'));
    await page.setContent(
      `<form method="post" action="${broker.url}/auth/corp-portal/callback"><input type="hidden" name="SAMLResponse" value="${samlResponse}"><button id="go">Continue</button></form>`,
    );
    await Promise.all([page.waitForURL(`${broker.url}/api/v1/me`), page.click('#go')]);
    const me = JSON.parse((await page.textContent('body')) ?? '{}') as Record<string, unknown>;
    expect(me).toMatchObject({ connectorId: 'corp-portal', subject: 'carol-0003' });
    await context.close();
  });
});
