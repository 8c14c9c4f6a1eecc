/**
 * What a login costs the directory, counted on the wire: a TLS-terminating
 * proxy in front of a real slapd records every LDAP request and connection.
 * A login reuses a pooled service connection (no handshake, no service
 * bind) and sends exactly: the user search, the user's bind on a connection
 * of its own, the group search. The pool stays bounded under concurrency,
 * opens a new connection (bound before any search) when the directory cut
 * one, and closes everything on shutdown.
 */
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { isFedgateError } from '@fedgate/core';
import { LdapConnector, ldapConnectorConfigSchema } from '@fedgate/connectors';
import { MAX_SERVICE_CONNECTIONS } from '../../libs/connectors/src/ldap/service-pool';
import { makeTempDir } from '../harness/processes';
import { LDAP_BASE_DN, startSlapd, type SlapdServer } from '../harness/slapd';
import { makeTestCertificates } from '../harness/tls';
import { startCountingLdapProxy, type CountedRequest, type CountingLdapProxy } from './counting-ldap-proxy';

describe('LDAP login round trips, counted against slapd', () => {
  let slapd: SlapdServer;
  let proxy: CountingLdapProxy;
  let certificateDir: string;
  let proxyCa: string;
  const connectors: LdapConnector[] = [];

  beforeAll(async () => {
    slapd = await startSlapd();
    certificateDir = await makeTempDir('fedgate-ldap-proxy-');
    const certificates = await makeTestCertificates(certificateDir);
    proxyCa = readFileSync(certificates.caCertFile, 'utf8');
    proxy = await startCountingLdapProxy(slapd.ldapsUrl, slapd.caCertFile, {
      certFile: certificates.serverCertFile,
      keyFile: certificates.serverKeyFile,
    });
  });

  afterAll(async () => {
    await Promise.all(connectors.map((connector) => connector.close()));
    await proxy.close();
    await slapd.stop();
    await rm(certificateDir, { recursive: true, force: true });
  });

  beforeEach(() => {
    proxy.reset();
  });

  function connector(): LdapConnector {
    const created = new LdapConnector(
      ldapConnectorConfigSchema.parse({
        id: 'corp',
        type: 'ldap',
        url: proxy.url,
        tls: { ca: proxyCa },
        bindDn: slapd.service.dn,
        bindPassword: slapd.service.password,
        connectTimeout: '2s',
        operationTimeout: '2s',
        userSearch: { baseDn: `ou=people,${LDAP_BASE_DN}` },
        groups: { mode: 'search', baseDn: `ou=groups,${LDAP_BASE_DN}` },
      }),
    );
    connectors.push(created);
    return created;
  }

  /** Requests per connection, in order, connections in the order they were opened. */
  function byConnection(requests: readonly CountedRequest[]): string[][] {
    const grouped = new Map<number, string[]>();
    for (const { connection, operation } of requests) {
      grouped.set(connection, [...(grouped.get(connection) ?? []), operation]);
    }
    return [...grouped.keys()].sort((a, b) => a - b).map((connection) => grouped.get(connection) ?? []);
  }

  async function settled(): Promise<void> {
    // The unbind is written as the user's connection closes; let the proxy read it.
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  it('binds the service account once, then each login sends a search, a user bind and a group search', async () => {
    const ldap = connector();
    const first = await ldap.login('alice', 'alice-password', {});
    expect(first.kind === 'authenticated' && first.identity.groups).toEqual(['developers', 'team-a']);
    await settled();
    expect(proxy.connections()).toBe(2);
    expect(byConnection(proxy.requests())).toEqual([
      ['bind', 'search', 'search'],
      ['bind', 'unbind'],
    ]);

    proxy.reset();
    const second = await ldap.login('alice', 'alice-password', {});
    expect(second.kind).toBe('authenticated');
    await settled();
    // The pooled service connection: no handshake and no service bind again.
    expect(proxy.connections()).toBe(1);
    expect(proxy.requests().map((request) => request.operation)).toEqual([
      'search',
      'bind',
      'unbind',
      'search',
    ]);
  });

  it('sends no group search after a wrong password', async () => {
    const ldap = connector();
    await ldap.login('alice', 'alice-password', {});
    proxy.reset();
    const refused = await ldap.login('alice', 'not-her-password', {});
    expect(refused.kind).toBe('invalid_credentials');
    await settled();
    expect(proxy.requests().map((request) => request.operation)).toEqual(['search', 'bind', 'unbind']);
  });

  it(`keeps at most ${MAX_SERVICE_CONNECTIONS} service connections for 40 logins at once, all signed in`, async () => {
    const ldap = connector();
    const results = await Promise.all(
      Array.from({ length: 40 }, () => ldap.login('alice', 'alice-password', {})),
    );
    expect(results.every((result) => result.kind === 'authenticated')).toBe(true);
    await settled();
    const service = byConnection(proxy.requests()).filter((operations) => operations.includes('search'));
    expect(service.length).toBeGreaterThan(0);
    expect(service.length).toBeLessThanOrEqual(MAX_SERVICE_CONNECTIONS);
    // 40 user searches and 40 group searches over those few connections.
    expect(service.flat().filter((operation) => operation === 'search')).toHaveLength(80);
  });

  it('opens and binds a new service connection when the directory cut the pooled one; never searches unbound', async () => {
    const ldap = connector();
    await ldap.login('alice', 'alice-password', {});
    proxy.cutAll();
    await settled();
    proxy.reset();
    const after = await ldap.login('alice', 'alice-password', {});
    expect(after.kind === 'authenticated' && after.identity.groups).toEqual(['developers', 'team-a']);
    await settled();
    expect(byConnection(proxy.requests())).toEqual([
      ['bind', 'search', 'search'],
      ['bind', 'unbind'],
    ]);
  });

  it('retries the user search once on a new connection when the pooled one is lost as it is used', async () => {
    const ldap = connector();
    await ldap.login('alice', 'alice-password', {});
    proxy.reset();
    proxy.cutAt('search');
    const result = await ldap.login('alice', 'alice-password', {});
    expect(result.kind === 'authenticated' && result.identity.groups).toEqual(['developers', 'team-a']);
    await settled();
    expect(byConnection(proxy.requests())).toEqual([
      ['search'],
      ['bind', 'search', 'search'],
      ['bind', 'unbind'],
    ]);
  });

  it('does not retry a search on a connection it has just opened', async () => {
    const ldap = connector();
    proxy.cutAt('search');
    const error = await ldap.login('alice', 'alice-password', {}).catch((caught: unknown) => caught);
    expect(isFedgateError(error) && error.code).toBe('idp_unavailable');
    expect(byConnection(proxy.requests())).toEqual([['bind', 'search']]);
  });

  it('never repeats the user bind: a connection lost at the group search fails the login', async () => {
    const ldap = connector();
    await ldap.login('alice', 'alice-password', {});
    proxy.reset();
    proxy.cutAt('search', 2);
    const error = await ldap.login('alice', 'alice-password', {}).catch((caught: unknown) => caught);
    expect(isFedgateError(error) && error.code).toBe('idp_unavailable');
    await settled();
    expect(proxy.requests().filter((request) => request.operation === 'bind')).toHaveLength(1);
    // The broken connection is not kept: the next login binds a new service connection.
    proxy.reset();
    expect((await ldap.login('alice', 'alice-password', {})).kind).toBe('authenticated');
    expect(byConnection(proxy.requests())[0]).toEqual(['bind', 'search', 'search']);
  });

  it('closes its service connections on shutdown and refuses logins after it', async () => {
    const ldap = connector();
    await ldap.login('alice', 'alice-password', {});
    proxy.reset();
    await ldap.close();
    await settled();
    expect(proxy.requests().map((request) => request.operation)).toEqual(['unbind']);
    const error = await ldap.login('alice', 'alice-password', {}).catch((caught: unknown) => caught);
    expect(isFedgateError(error) && error.code).toBe('idp_unavailable');
    expect(proxy.connections()).toBe(0);
  });
});
