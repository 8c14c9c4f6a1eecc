/**
 * The Active Directory the harness provisions with Samba: nested groups
 * through LDAP_MATCHING_RULE_IN_CHAIN, and the account states the LDAP
 * connector must tell apart (disabled 533, locked 775, expired 701, must
 * change password 773), driven with OpenLDAP's client tools.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { requireBinary } from '../harness/processes';
import { startSambaAd, type SambaAdServer } from '../harness/samba-ad';

const run = promisify(execFile);

describe('the Samba Active Directory test domain', () => {
  let ad: SambaAdServer;

  beforeAll(async () => {
    ad = await startSambaAd();
  }, 180_000);

  afterAll(async () => {
    // Unset when beforeAll failed; jest still runs afterAll.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
    await ad?.stop();
  });

  async function ldap(command: string, args: string[]): Promise<{ ok: boolean; output: string }> {
    const binary = requireBinary(command, 'apt-get install -y ldap-utils');
    try {
      const { stdout, stderr } = await run(binary, ['-H', ad.ldapsUrl, '-x', ...args], {
        env: { ...process.env, LDAPTLS_CACERT: ad.caCertFile, LDAPTLS_REQCERT: 'demand' },
      });
      return { ok: true, output: stdout + stderr };
    } catch (error) {
      const failed = error as { stdout?: string; stderr?: string };
      return { ok: false, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
    }
  }

  // AD has no WhoAmI extended operation: bind, then read the root DSE.
  const bind = (who: string, password: string) =>
    ldap('ldapsearch', [
      '-LLL',
      '-D',
      who,
      '-w',
      password,
      '-b',
      '',
      '-s',
      'base',
      '(objectClass=*)',
      'dnsHostName',
    ]);

  it('binds alice by UPN and by down-level logon name over LDAPS', async () => {
    expect(await bind('alice@corp.example', ad.passwords.alice)).toMatchObject({ ok: true });
    expect(await bind(`${ad.domain}\\alice`, ad.passwords.alice)).toMatchObject({ ok: true });
    const wrong = await bind('alice@corp.example', 'not-her-password');
    expect(wrong.ok).toBe(false);
    expect(wrong.output).toMatch(/data 52e/);
  });

  it('resolves nested groups through the in-chain matching rule', async () => {
    const aliceDn = `CN=Alice Liddell,CN=Users,${ad.baseDn}`;
    const result = await ldap('ldapsearch', [
      '-LLL',
      '-D',
      ad.admin.dn,
      '-w',
      ad.admin.password,
      '-b',
      ad.baseDn,
      `(member:1.2.840.113556.1.4.1941:=${aliceDn})`,
      'sAMAccountName',
    ]);
    expect(result.ok).toBe(true);
    expect(result.output).toContain('sAMAccountName: developers');
    expect(result.output).toContain('sAMAccountName: engineering');
  });

  it.each([
    ['bob', 'disabled', '533'],
    ['carol', 'locked out', '775'],
    ['dave', 'expired', '701'],
    ['erin', 'must change its password', '773'],
  ] as const)('refuses %s, whose account is %s, with bind data code %s', async (user, _state, code) => {
    const result = await bind(`${user}@corp.example`, ad.passwords[user]);
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(new RegExp(`data ${code}`));
  });
});
