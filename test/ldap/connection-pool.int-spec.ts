/**
 * The connector's connection pool against a real slapd, through the counting
 * proxy: the user-bind pool lends each connection to one caller at a time,
 * makes a caller beyond its size wait for a returned one (no new connection),
 * drops a connection given back after a failure, and lends nothing once
 * closed. The service pool is the same code with the service bind as its
 * preparation (test/ldap/ldap-round-trips.int-spec.ts covers it in logins).
 */
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { isFedgateError } from '@fedgate/core';
import { ldapConnectorConfigSchema } from '@fedgate/connectors';
import {
  ConnectionPool,
  servicePurpose,
  userBindPurpose,
} from '../../libs/connectors/src/ldap/connection-pool';
import { makeTempDir } from '../harness/processes';
import { LDAP_BASE_DN, startSlapd, type SlapdServer } from '../harness/slapd';
import { makeTestCertificates } from '../harness/tls';
import { startCountingLdapProxy, type CountingLdapProxy } from './counting-ldap-proxy';

describe('ConnectionPool against slapd', () => {
  let slapd: SlapdServer;
  let proxy: CountingLdapProxy;
  let certificateDir: string;
  let proxyCa: string;
  const pools: ConnectionPool[] = [];

  beforeAll(async () => {
    slapd = await startSlapd();
    certificateDir = await makeTempDir('fedgate-ldap-pool-');
    const certificates = await makeTestCertificates(certificateDir);
    proxyCa = readFileSync(certificates.caCertFile, 'utf8');
    proxy = await startCountingLdapProxy(slapd.ldapsUrl, slapd.caCertFile, {
      certFile: certificates.serverCertFile,
      keyFile: certificates.serverKeyFile,
    });
  });

  afterAll(async () => {
    await Promise.all(pools.map((pool) => pool.close()));
    await proxy.close();
    await slapd.stop();
    await rm(certificateDir, { recursive: true, force: true });
  });

  beforeEach(() => {
    proxy.reset();
  });

  function config(overrides: Record<string, unknown> = {}) {
    return ldapConnectorConfigSchema.parse({
      id: 'corp',
      type: 'ldap',
      url: proxy.url,
      tls: { ca: proxyCa },
      bindDn: slapd.service.dn,
      bindPassword: slapd.service.password,
      connectTimeout: '2s',
      operationTimeout: '2s',
      userSearch: { baseDn: `ou=people,${LDAP_BASE_DN}` },
      ...overrides,
    });
  }

  function bindPool(size: number): ConnectionPool {
    const pool = new ConnectionPool(config(), userBindPurpose, size);
    pools.push(pool);
    return pool;
  }

  const alice = `uid=alice,ou=people,${LDAP_BASE_DN}`;
  const bob = `uid=bob,ou=people,${LDAP_BASE_DN}`;

  it('lends a new user-bind connection unbound, and the same one again after a refused bind', async () => {
    const pool = bindPool(2);
    const first = await pool.acquire();
    expect(first.reused).toBe(false);
    // Not bound, and able to carry a request (ldaps:// connects with the first one).
    expect(first.connection.usable).toBe(false);
    expect(first.connection.connected).toBe(true);
    expect(await first.connection.bind(alice, 'not-her-password')).toMatchObject({ ok: false });
    pool.release(first.connection, true);
    const second = await pool.acquire();
    expect(second).toEqual({ connection: first.connection, reused: true });
    expect(await second.connection.bind(alice, 'alice-password')).toEqual({ ok: true });
    pool.release(second.connection, true);
    const third = await pool.acquire();
    expect(third.connection).toBe(first.connection);
    expect(await third.connection.bind(bob, 'bob-password')).toEqual({ ok: true });
    pool.release(third.connection, true);
    expect(proxy.connections()).toBe(1);
    expect(proxy.requests().map((request) => request.operation)).toEqual(['bind', 'bind', 'bind']);
  });

  it('makes a caller beyond its size wait for a returned connection, and opens none for it', async () => {
    const pool = bindPool(2);
    const [one, two] = await Promise.all([pool.acquire(), pool.acquire()]);
    expect(one.connection).not.toBe(two.connection);
    expect(await one.connection.bind(alice, 'alice-password')).toEqual({ ok: true });
    expect(await two.connection.bind(bob, 'bob-password')).toEqual({ ok: true });
    let third: Awaited<ReturnType<ConnectionPool['acquire']>> | undefined;
    const waiting = pool.acquire().then((lease) => {
      third = lease;
      return lease;
    });
    // Both connections are lent: the third caller has none until one comes back.
    await new Promise((resolve) => setImmediate(resolve));
    expect(third).toBeUndefined();
    pool.release(two.connection, true);
    expect(await waiting).toEqual({ connection: two.connection, reused: true });
    expect(await two.connection.bind(alice, 'alice-password')).toEqual({ ok: true });
    pool.release(two.connection, true);
    pool.release(one.connection, true);
    expect(proxy.connections()).toBe(2);
  });

  it('closes a connection given back after a failure and opens a new one for a waiting caller', async () => {
    const pool = bindPool(1);
    const lent = await pool.acquire();
    expect(await lent.connection.bind(alice, 'alice-password')).toEqual({ ok: true });
    const waiting = pool.acquire();
    pool.release(lent.connection, false);
    const next = await waiting;
    expect(next.reused).toBe(false);
    expect(next.connection).not.toBe(lent.connection);
    expect(lent.connection.connected).toBe(false);
    expect(await next.connection.bind(alice, 'alice-password')).toEqual({ ok: true });
    pool.release(next.connection, true);
    expect(proxy.connections()).toBe(2);
  });

  it('does not lend a connection the directory closed while it was idle', async () => {
    const pool = bindPool(2);
    const lent = await pool.acquire();
    expect(await lent.connection.bind(alice, 'alice-password')).toEqual({ ok: true });
    pool.release(lent.connection, true);
    proxy.cutAll();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const next = await pool.acquire();
    expect(next.reused).toBe(false);
    expect(next.connection).not.toBe(lent.connection);
    expect(await next.connection.bind(alice, 'alice-password')).toEqual({ ok: true });
    pool.release(next.connection, true);
  });

  it('lends nothing after close: waiting and later callers fail, a returned connection is closed', async () => {
    const pool = bindPool(1);
    const lent = await pool.acquire();
    expect(await lent.connection.bind(alice, 'alice-password')).toEqual({ ok: true });
    const waiting = pool.acquire().catch((caught: unknown) => caught);
    await pool.close();
    const waited = await waiting;
    expect(isFedgateError(waited) && waited.phase).toBe('ldap.bind-pool');
    const later = await pool.acquire().catch((caught: unknown) => caught);
    expect(isFedgateError(later) && later.code).toBe('idp_unavailable');
    pool.release(lent.connection, true);
    expect(lent.connection.connected).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(proxy.connections()).toBe(1);
    expect(proxy.requests().map((request) => request.operation)).toEqual(['bind', 'unbind']);
  });

  it('fails every waiting caller at once when the service bind of a new connection is refused', async () => {
    const refused = config({ bindPassword: 'not-the-service-password' });
    const pool = new ConnectionPool(refused, servicePurpose(refused), 1);
    pools.push(pool);
    const errors = await Promise.all(
      [pool.acquire(), pool.acquire(), pool.acquire()].map((lease) =>
        lease.catch((caught: unknown) => caught),
      ),
    );
    for (const error of errors) {
      expect(isFedgateError(error) && error.phase).toBe('ldap.service-bind');
    }
    // One connection tried, its service bind refused and the connection closed; the waiting
    // callers did not try again.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(proxy.connections()).toBe(1);
    expect(proxy.requests().map((request) => request.operation)).toEqual(['bind', 'unbind']);
  });
});
