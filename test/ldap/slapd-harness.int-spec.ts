/**
 * The LDAP test directory the harness starts: TLS both ways (ldaps:// and
 * StartTLS) against the harness CA, the fixture users and groups, memberOf,
 * and the password-policy lock. Driven with OpenLDAP's own client tools, so
 * the LDAP connector's tests can rely on the fixture being what it says.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { requireBinary } from '../harness/processes';
import { startSlapd, type SlapdServer } from '../harness/slapd';

const run = promisify(execFile);

describe('the slapd test directory', () => {
  let slapd: SlapdServer;
  let ldapsearch: string;
  let ldapwhoami: string;

  beforeAll(async () => {
    slapd = await startSlapd();
    ldapsearch = requireBinary('ldapsearch', 'apt-get install -y ldap-utils');
    ldapwhoami = requireBinary('ldapwhoami', 'apt-get install -y ldap-utils');
  });

  afterAll(async () => {
    await slapd.stop();
  });

  /** Runs an OpenLDAP client trusting only the harness CA. */
  async function client(command: string, args: string[]): Promise<{ ok: boolean; output: string }> {
    try {
      const { stdout, stderr } = await run(command, args, {
        env: { ...process.env, LDAPTLS_CACERT: slapd.caCertFile, LDAPTLS_REQCERT: 'demand' },
      });
      return { ok: true, output: stdout + stderr };
    } catch (error) {
      const failed = error as { stdout?: string; stderr?: string };
      return { ok: false, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
    }
  }

  function search(url: string, filter: string, attributes: string[], extra: string[] = []) {
    return client(ldapsearch, [
      '-LLL',
      '-H',
      url,
      '-x',
      ...extra,
      '-D',
      slapd.service.dn,
      '-w',
      slapd.service.password,
      '-b',
      slapd.baseDn,
      filter,
      ...attributes,
    ]);
  }

  it('serves ldaps:// with a certificate the harness CA signed', async () => {
    const result = await search(slapd.ldapsUrl, '(uid=alice)', ['mail', 'departmentNumber']);
    expect(result.ok).toBe(true);
    expect(result.output).toContain('mail: alice@example.com');
    expect(result.output).toContain('departmentNumber: Engineering');
  });

  it('offers StartTLS on ldap://', async () => {
    const result = await search(slapd.ldapUrl, '(uid=bob)', ['uid'], ['-ZZ']);
    expect(result.ok).toBe(true);
    expect(result.output).toContain('uid: bob');
  });

  it('refuses a client that does not trust the harness CA', async () => {
    const { ok, output } = await (async () => {
      try {
        await run(ldapsearch, ['-LLL', '-H', slapd.ldapsUrl, '-x', '-b', slapd.baseDn, '(uid=alice)'], {
          env: { ...process.env, LDAPTLS_CACERT: '/dev/null', LDAPTLS_REQCERT: 'demand' },
        });
        return { ok: true, output: '' };
      } catch (error) {
        return { ok: false, output: String((error as { stderr?: string }).stderr) };
      }
    })();
    expect(ok).toBe(false);
    expect(output).toMatch(/Can't contact LDAP server|certificate/i);
  });

  it('records memberOf for direct groups, including a DN that needs escaping', async () => {
    const alice = await search(slapd.ldapsUrl, '(uid=alice)', ['memberOf']);
    expect(alice.output).toContain('memberOf: cn=developers,ou=groups,dc=example,dc=com');
    expect(alice.output).toContain('memberOf: cn=team-a,ou=groups,dc=example,dc=com');
    const bob = await search(slapd.ldapsUrl, '(uid=bob)', ['memberOf']);
    expect(bob.output).toContain('memberOf: cn=Dev\\2C Ops,ou=groups,dc=example,dc=com');
  });

  it('holds nested groups, a cycle, and a memberUid group', async () => {
    const engineering = await search(slapd.ldapsUrl, '(cn=engineering)', ['member']);
    expect(engineering.output).toContain('member: cn=team-a,ou=groups,dc=example,dc=com');
    const cycle = await search(slapd.ldapsUrl, '(cn=cycle-a)', ['member']);
    expect(cycle.output).toContain('member: cn=cycle-b,ou=groups,dc=example,dc=com');
    const posix = await search(slapd.ldapsUrl, '(memberUid=bob)', ['cn']);
    expect(posix.output).toContain('cn: ops-posix');
  });

  it('binds a user with the right password only, and refuses the policy-locked user', async () => {
    const bind = (dn: string, password: string) =>
      client(ldapwhoami, ['-H', slapd.ldapsUrl, '-x', '-D', dn, '-w', password]);
    const alice = `uid=alice,ou=people,${slapd.baseDn}`;
    expect(await bind(alice, 'alice-password')).toMatchObject({ ok: true });
    const wrong = await bind(alice, 'not-alice');
    expect(wrong.ok).toBe(false);
    expect(wrong.output).toContain('Invalid credentials (49)');
    const carol = await bind(`uid=carol,ou=people,${slapd.baseDn}`, 'carol-password');
    expect(carol.ok).toBe(false);
    expect(carol.output).toContain('Invalid credentials (49)');
  });
});
