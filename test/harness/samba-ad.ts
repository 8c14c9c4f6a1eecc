import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { fixturePath, makeTempDir, requireBinary, startProcess, tcpAccepts } from './processes';
import { makeTestCertificates } from './tls';

const run = promisify(execFile);
const INSTALL_HINT = 'apt-get install -y samba samba-ad-provision samba-ad-dc ldap-utils';
const REALM = 'CORP.EXAMPLE';
const DOMAIN = 'CORP';
const BASE_DN = 'DC=corp,DC=example';
const ADMIN_PASSWORD = 'Adm1n-Passw0rd!';
/** Failed binds that lock an account (within 30 minutes); above what the sign-in contract lets through. */
const LOCKOUT_THRESHOLD = 6;

/**
 * A throwaway Active Directory domain controller (Samba), serving LDAP on port
 * 389 and LDAPS on 636 of a loopback address of its own (127.x.y.z).
 */
export interface SambaAdServer {
  readonly ldapUrl: string;
  readonly ldapsUrl: string;
  readonly caCertFile: string;
  readonly realm: string;
  /** The NetBIOS domain, as in `CORP\alice`. */
  readonly domain: string;
  readonly baseDn: string;
  readonly admin: { dn: string; password: string };
  /** Users' passwords from test/fixtures/ad. */
  readonly passwords: Readonly<Record<'alice' | 'bob' | 'carol' | 'dave' | 'erin', string>>;
  /** The domain's lockout policy: this many failed binds within 30 minutes lock an account. */
  readonly lockoutThreshold: number;
  /** Adds a user in CN=Users (sAMAccountName and UPN `name@corp.example`), enabled unless said otherwise. */
  addUser(user: NewAdUser): Promise<void>;
  /** Applies an LDIF change (changetype: modify / delete) as the domain's administrator. */
  modify(ldif: string): Promise<void>;
  /** The DC's own count of the user's failed binds since the last success (badPwdCount), and its lockout. */
  lockoutState(name: string): Promise<{ badPwdCount: number; locked: boolean }>;
  output(): string;
  stop(): Promise<void>;
}

/** A user a test adds to the domain. */
export interface NewAdUser {
  name: string;
  password: string;
  /** 512 (default): enabled; 514: disabled. */
  userAccountControl?: number;
  /** A FILETIME; in the past means expired. */
  accountExpires?: string;
}

const PASSWORDS = {
  alice: 'Alice-Passw0rd!',
  bob: 'Bob-Passw0rd!',
  carol: 'Carol-Passw0rd!',
  dave: 'Dave-Passw0rd!',
  erin: 'Erin-Passw0rd!',
} as const;

/**
 * A loopback address of this DC's own: a random 127.x.y.z with nothing on
 * 389 or 636, added to `lo` for as long as the DC runs. Samba's LDAP ports
 * cannot be moved and Samba binds only addresses an interface has, so each
 * DC gets its own address (with `bind interfaces only`): two runs, or a
 * slapd or Samba already on 127.0.0.1, never collide. Needs CAP_NET_ADMIN,
 * as running the DC does root.
 */
async function ownLoopbackAddress(): Promise<{ host: string; release: () => Promise<void> }> {
  const ip = requireBinary('ip', 'apt-get install -y iproute2');
  for (let attempt = 0; attempt < 20; attempt++) {
    const host = `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
    if ((await tcpAccepts(host, 389)) || (await tcpAccepts(host, 636))) {
      continue;
    }
    try {
      await run(ip, ['address', 'add', `${host}/32`, 'dev', 'lo']);
    } catch (error) {
      const message = (error as { stderr?: string }).stderr ?? String(error);
      if (message.includes('File exists')) {
        continue; // another run's address
      }
      throw new Error(`could not give the Samba DC its own loopback address ${host}: ${message.trim()}`);
    }
    return {
      host,
      release: async () => {
        await run(ip, ['address', 'del', `${host}/32`, 'dev', 'lo']).catch(() => undefined);
      },
    };
  }
  throw new Error('found no free loopback address 127.x.y.z for the Samba DC');
}

/** unicodePwd: the password in double quotes, UTF-16LE, base64 for LDIF. */
function unicodePwd(password: string): string {
  return Buffer.from(`"${password}"`, 'utf16le').toString('base64');
}

/**
 * Provisions a new AD domain in a temp directory (`samba-tool domain
 * provision`, a few seconds), starts `samba` limited to its LDAP service
 * with the harness CA's certificate, loads test/fixtures/ad, locks carol out
 * with real failed binds, and resolves once LDAPS answers. Throws, naming the
 * install command, when Samba is missing.
 */
export async function startSambaAd(): Promise<SambaAdServer> {
  const sambaTool = requireBinary('samba-tool', INSTALL_HINT);
  const samba = requireBinary('samba', INSTALL_HINT);
  const ldapadd = requireBinary('ldapadd', INSTALL_HINT);
  const ldapwhoami = requireBinary('ldapwhoami', INSTALL_HINT);
  const { host, release } = await ownLoopbackAddress();
  const dir = await makeTempDir('fedgate-samba-');
  let stopServer: (() => Promise<void>) | undefined;
  const cleanup = async (): Promise<void> => {
    await stopServer?.();
    await rm(dir, { recursive: true, force: true });
    await release();
  };
  try {
    const certificates = await makeTestCertificates(dir, ['dc1.corp.example'], [host]);
    await run(sambaTool, [
      'domain',
      'provision',
      '--server-role=dc',
      '--dns-backend=NONE',
      `--realm=${REALM}`,
      `--domain=${DOMAIN}`,
      `--adminpass=${ADMIN_PASSWORD}`,
      `--targetdir=${dir}`,
      '--use-rfc2307',
      `--option=interfaces=${host}`,
      '--option=bind interfaces only=yes',
      '--option=server services=ldap',
      '--option=netbios name=DC1',
      `--option=pid directory=${dir}`,
      `--option=log file=${join(dir, 'log.%m')}`,
      '--option=tls enabled=yes',
      `--option=tls keyfile=${certificates.serverKeyFile}`,
      `--option=tls certfile=${certificates.serverCertFile}`,
      `--option=tls cafile=${certificates.caCertFile}`,
    ]);
    const smbConf = join(dir, 'etc', 'smb.conf');
    await run(sambaTool, [
      'domain',
      'passwordsettings',
      'set',
      '-s',
      smbConf,
      `-H`,
      join(dir, 'private', 'sam.ldb'),
      `--account-lockout-threshold=${LOCKOUT_THRESHOLD}`,
      '--account-lockout-duration=30',
      '--reset-account-lockout-after=30',
    ]);
    const server = await startProcess({
      command: samba,
      args: ['-s', smbConf, '-i', '-M', 'single', '--debug-stdout'],
      cwd: dir,
      ready: async () => (await tcpAccepts(host, 636)) && tcpAccepts(host, 389),
      timeoutMs: 60_000,
    });
    stopServer = () => server.stop();
    const ldapsUrl = `ldaps://${host}:636`;
    const adminDn = `CN=Administrator,CN=Users,${BASE_DN}`;
    const tlsEnv = { ...process.env, LDAPTLS_CACERT: certificates.caCertFile, LDAPTLS_REQCERT: 'demand' };

    const template = await readFile(fixturePath('ad', 'users.ldif.template'), 'utf8');
    // Replacer functions: a replacement string would expand `$` patterns in the inserted text.
    const ldif = template
      .replace(/\{\{BASE\}\}/g, () => BASE_DN)
      .replace(/\{\{PASSWORD:([^}]+)\}\}/g, (_match, password: string) => unicodePwd(password));
    const ldifFile = join(dir, 'users.ldif');
    await writeFile(ldifFile, ldif);
    await run(ldapadd, ['-H', ldapsUrl, '-x', '-D', adminDn, '-w', ADMIN_PASSWORD, '-f', ldifFile], {
      env: tlsEnv,
    });

    // Lock carol out the way a directory really does it: failed binds past the threshold.
    for (let attempt = 0; attempt < LOCKOUT_THRESHOLD; attempt++) {
      await run(ldapwhoami, ['-H', ldapsUrl, '-x', '-D', 'carol@corp.example', '-w', 'wrong-password'], {
        env: tlsEnv,
      }).catch(() => undefined);
    }
    const ldapsearch = requireBinary('ldapsearch', INSTALL_HINT);
    const adminArgs = ['-H', ldapsUrl, '-x', '-D', adminDn, '-w', ADMIN_PASSWORD];
    return {
      lockoutThreshold: LOCKOUT_THRESHOLD,
      async addUser(user) {
        const entry = [
          `dn: CN=${user.name},CN=Users,${BASE_DN}`,
          'objectClass: user',
          `sAMAccountName: ${user.name}`,
          `userPrincipalName: ${user.name}@${REALM.toLowerCase()}`,
          `unicodePwd:: ${unicodePwd(user.password)}`,
          `userAccountControl: ${user.userAccountControl ?? 512}`,
          ...(user.accountExpires === undefined ? [] : [`accountExpires: ${user.accountExpires}`]),
          '',
        ].join('\n');
        const file = join(dir, `user-${user.name}.ldif`);
        await writeFile(file, entry);
        await run(ldapadd, [...adminArgs, '-f', file], { env: tlsEnv });
      },
      async modify(ldif) {
        const file = join(dir, `change-${Date.now()}-${Math.random().toString(36).slice(2)}.ldif`);
        await writeFile(file, ldif.endsWith('\n') ? ldif : `${ldif}\n`);
        await run(requireBinary('ldapmodify', INSTALL_HINT), [...adminArgs, '-f', file], { env: tlsEnv });
      },
      async lockoutState(name) {
        const { stdout } = await run(
          ldapsearch,
          [...adminArgs, '-LLL', '-b', BASE_DN, `(sAMAccountName=${name})`, 'badPwdCount', 'lockoutTime'],
          { env: tlsEnv },
        );
        const badPwdCount = Number(/^badPwdCount: (\d+)$/m.exec(stdout)?.[1] ?? '0');
        const lockoutTime = /^lockoutTime: (\d+)$/m.exec(stdout)?.[1] ?? '0';
        return { badPwdCount, locked: lockoutTime !== '0' };
      },
      ldapUrl: `ldap://${host}:389`,
      ldapsUrl,
      caCertFile: certificates.caCertFile,
      realm: REALM,
      domain: DOMAIN,
      baseDn: BASE_DN,
      admin: { dn: adminDn, password: ADMIN_PASSWORD },
      passwords: PASSWORDS,
      output: () => server.output(),
      stop: cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
