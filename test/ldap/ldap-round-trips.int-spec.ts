/**
 * What a login costs the directory, counted on the wire: a TLS-terminating
 * proxy in front of a real slapd records every LDAP request and connection.
 * A login reuses a pooled service connection (no handshake, no service
 * bind) and a pooled user-bind connection (no handshake), and sends
 * exactly: the user search, the user's bind, the group search. User binds
 * never share a connection with searches; one user's bind after another's
 * (or after a refused one) on the same connection is that user's alone. The
 * pools stay bounded under concurrency, open a new connection when the
 * directory cut one, and close everything on shutdown.
 */
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { isFedgateError } from '@fedgate/core';
import { LdapConnector, ldapConnectorConfigSchema, type PasswordLoginResult } from '@fedgate/connectors';
import {
  MAX_BIND_CONNECTIONS,
  MAX_SERVICE_CONNECTIONS,
} from '../../libs/connectors/src/ldap/connection-pool';
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
    // An unbind is written as a connection closes; let the proxy read it.
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  /** The connections that carried a bind and nothing but binds (user-bind connections). */
  function bindOnly(requests: readonly CountedRequest[]): string[][] {
    return byConnection(requests).filter((operations) =>
      operations.every((operation) => operation === 'bind' || operation === 'unbind'),
    );
  }

  function identityOf(result: PasswordLoginResult) {
    if (result.kind !== 'authenticated') {
      throw new Error(`expected a login, got ${result.kind}: ${result.reason}`);
    }
    return result.identity;
  }

  it('binds the service account once, then each login sends a search, a user bind and a group search, on no new connection', async () => {
    const ldap = connector();
    const first = await ldap.login('alice', 'alice-password', {});
    expect(first.kind === 'authenticated' && first.identity.groups).toEqual(['developers', 'team-a']);
    await settled();
    expect(proxy.connections()).toBe(2);
    expect(byConnection(proxy.requests())).toEqual([['bind', 'search', 'search'], ['bind']]);

    proxy.reset();
    const second = await ldap.login('alice', 'alice-password', {});
    expect(second.kind).toBe('authenticated');
    await settled();
    // Both pooled connections: no handshake, no service bind, no unbind.
    expect(proxy.connections()).toBe(0);
    expect(proxy.requests().map((request) => request.operation)).toEqual(['search', 'bind', 'search']);
    const [search, bind, groups] = proxy.requests();
    expect(bind?.connection).not.toBe(search?.connection);
    expect(groups?.connection).toBe(search?.connection);
  });

  it('sends no group search after a wrong password', async () => {
    const ldap = connector();
    await ldap.login('alice', 'alice-password', {});
    proxy.reset();
    const refused = await ldap.login('alice', 'not-her-password', {});
    expect(refused.kind).toBe('invalid_credentials');
    await settled();
    expect(proxy.requests().map((request) => request.operation)).toEqual(['search', 'bind']);
  });

  it('signs in with the right password on the connection a wrong one was refused on', async () => {
    const ldap = connector();
    expect(await ldap.login('alice', 'not-her-password', {})).toEqual({
      kind: 'invalid_credentials',
      reason: 'wrong password',
    });
    const right = await ldap.login('alice', 'alice-password', {});
    expect(identityOf(right).username).toBe('alice');
    await settled();
    expect(proxy.connections()).toBe(2);
    expect(bindOnly(proxy.requests())).toEqual([['bind', 'bind']]);
  });

  it('binds one user after another on the same connection, each as themselves', async () => {
    const ldap = connector();
    const alice = identityOf(await ldap.login('alice', 'alice-password', {}));
    // Alice is bound on the connection now: bob's wrong password is still refused, his own is
    // accepted, and alice's wrong password is refused after him.
    expect(await ldap.login('bob', 'alice-password', {})).toEqual({
      kind: 'invalid_credentials',
      reason: 'wrong password',
    });
    const bob = identityOf(await ldap.login('bob', 'bob-password', {}));
    expect(await ldap.login('alice', 'bob-password', {})).toEqual({
      kind: 'invalid_credentials',
      reason: 'wrong password',
    });
    expect(alice.username).toBe('alice');
    expect(bob.username).toBe('bob');
    expect(bob.subject).not.toBe(alice.subject);
    expect(bob.groups).not.toEqual(alice.groups);
    await settled();
    expect(bindOnly(proxy.requests())).toEqual([['bind', 'bind', 'bind', 'bind']]);
  });

  it('does the decoy bind of a login refused before the bind on the pooled user-bind connection', async () => {
    const ldap = connector();
    await ldap.login('alice', 'alice-password', {});
    proxy.reset();
    expect(await ldap.login('nobody', 'some-password', {})).toEqual({
      kind: 'invalid_credentials',
      reason: 'unknown user',
    });
    expect(await ldap.login('carol', 'carol-password', {})).toEqual({
      kind: 'invalid_credentials',
      reason: 'account locked',
    });
    expect((await ldap.login('alice', 'alice-password', {})).kind).toBe('authenticated');
    await settled();
    expect(proxy.connections()).toBe(0);
    expect(proxy.requests().map((request) => request.operation)).toEqual([
      'search',
      'bind',
      'search',
      'bind',
      'search',
      'bind',
      'search',
    ]);
    expect(bindOnly(proxy.requests())).toEqual([['bind', 'bind', 'bind']]);
  });

  it(`keeps at most ${MAX_SERVICE_CONNECTIONS} service and ${MAX_BIND_CONNECTIONS} user-bind connections for 40 logins at once, all signed in`, async () => {
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
    const binds = bindOnly(proxy.requests());
    expect(binds.length).toBeGreaterThan(0);
    expect(binds.length).toBeLessThanOrEqual(MAX_BIND_CONNECTIONS);
    expect(binds.flat()).toHaveLength(40);
    expect(proxy.connections()).toBe(service.length + binds.length);
  });

  it('opens new connections when the directory cut the pooled ones while idle; never searches unbound', async () => {
    const ldap = connector();
    await ldap.login('alice', 'alice-password', {});
    proxy.cutAll();
    await settled();
    proxy.reset();
    const after = await ldap.login('alice', 'alice-password', {});
    expect(after.kind === 'authenticated' && after.identity.groups).toEqual(['developers', 'team-a']);
    await settled();
    expect(proxy.connections()).toBe(2);
    expect(byConnection(proxy.requests())).toEqual([['bind', 'search', 'search'], ['bind']]);
  });

  it('retries the user search once on a new connection when the pooled one is lost as it is used', async () => {
    const ldap = connector();
    await ldap.login('alice', 'alice-password', {});
    proxy.reset();
    proxy.cutAt('search');
    const result = await ldap.login('alice', 'alice-password', {});
    expect(result.kind === 'authenticated' && result.identity.groups).toEqual(['developers', 'team-a']);
    await settled();
    expect(byConnection(proxy.requests())).toEqual([['search'], ['bind'], ['bind', 'search', 'search']]);
  });

  it('does not retry a search on a connection it has just opened', async () => {
    const ldap = connector();
    proxy.cutAt('search');
    const error = await ldap.login('alice', 'alice-password', {}).catch((caught: unknown) => caught);
    expect(isFedgateError(error) && error.code).toBe('idp_unavailable');
    expect(byConnection(proxy.requests())).toEqual([['bind', 'search']]);
  });

  it('never repeats the user bind: a user-bind connection lost at the bind fails the login and is not reused', async () => {
    const ldap = connector();
    await ldap.login('alice', 'alice-password', {});
    proxy.reset();
    // The first bind the proxy sees from now on is the user's, on the pooled connection.
    proxy.cutAt('bind');
    const error = await ldap.login('alice', 'alice-password', {}).catch((caught: unknown) => caught);
    expect(isFedgateError(error) && error.code).toBe('idp_unavailable');
    await settled();
    // The bind once, never again; the failed login's service connection is closed too.
    expect(byConnection(proxy.requests())).toEqual([['search', 'unbind'], ['bind']]);
    expect(proxy.connections()).toBe(0);
    // The next login binds on a new user-bind connection, not the lost one.
    proxy.reset();
    expect((await ldap.login('alice', 'alice-password', {})).kind).toBe('authenticated');
    await settled();
    expect(proxy.connections()).toBe(2);
    expect(byConnection(proxy.requests())).toEqual([['bind', 'search', 'search'], ['bind']]);
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
    // The broken connection is not kept: the next login binds a new service connection (and
    // binds the user on the pooled user-bind connection, opened before it).
    proxy.reset();
    expect((await ldap.login('alice', 'alice-password', {})).kind).toBe('authenticated');
    expect(proxy.connections()).toBe(1);
    expect(byConnection(proxy.requests())).toEqual([['bind'], ['bind', 'search', 'search']]);
  });

  it('closes its service and user-bind connections on shutdown and lends nothing after it', async () => {
    const ldap = connector();
    await ldap.login('alice', 'alice-password', {});
    proxy.reset();
    await ldap.close();
    await settled();
    expect(byConnection(proxy.requests())).toEqual([['unbind'], ['unbind']]);
    proxy.reset();
    const error = await ldap.login('alice', 'alice-password', {}).catch((caught: unknown) => caught);
    expect(isFedgateError(error) && error.code).toBe('idp_unavailable');
    expect(proxy.connections()).toBe(0);
    expect(proxy.requests()).toEqual([]);
  });

  it('lends no user-bind connection to a login already searching at shutdown', async () => {
    const ldap = connector();
    await ldap.login('alice', 'alice-password', {});
    proxy.reset();
    // Taken before close: the login's search goes out on its service connection.
    const login = ldap.login('alice', 'alice-password', {});
    await ldap.close();
    const error = await login.catch((caught: unknown) => caught);
    expect(isFedgateError(error) && error.code).toBe('idp_unavailable');
    await settled();
    // The search, then every connection unbound (the service one when the login gave it back),
    // no bind, and no connection opened.
    expect(proxy.connections()).toBe(0);
    expect(byConnection(proxy.requests())).toEqual([['search', 'unbind'], ['unbind']]);
  });
});
