import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { fixturePath, makeTempDir, requireBinary, sleep, startProcess, tcpAccepts } from './processes';
import { makeTestCertificates } from './tls';

const run = promisify(execFile);
const INSTALL_HINT = 'apt-get install -y samba samba-ad-provision samba-ad-dc ldap-utils';
const HOST = '127.0.0.1';
const REALM = 'CORP.EXAMPLE';
const DOMAIN = 'CORP';
const BASE_DN = 'DC=corp,DC=example';
const ADMIN_PASSWORD = 'Adm1n-Passw0rd!';
/** Samba's LDAP ports cannot be moved, so one DC at a time may run on this machine: this lock serializes them. */
const LOCK_DIR = '/tmp/fedgate-samba-ad.lock';
/** Failed binds that lock an account (within 30 minutes); above what the sign-in contract lets through. */
const LOCKOUT_THRESHOLD = 6;

/** A throwaway Active Directory domain controller (Samba), serving LDAP on 127.0.0.1:389 and LDAPS on :636. */
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

async function acquireMachineLock(timeoutMs: number): Promise<() => Promise<void>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await mkdir(LOCK_DIR);
      await writeFile(join(LOCK_DIR, 'pid'), String(process.pid));
      return () => rm(LOCK_DIR, { recursive: true, force: true });
    } catch {
      const holder = Number(await readFile(join(LOCK_DIR, 'pid'), 'utf8').catch(() => '0'));
      if (holder > 0 && !isAlive(holder)) {
        await rm(LOCK_DIR, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new Error(`another Samba AD test (pid ${holder}) held ${LOCK_DIR} for too long`);
      }
      await sleep(250);
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
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
  const release = await acquireMachineLock(180_000);
  const dir = await makeTempDir('fedgate-samba-');
  let stopServer: (() => Promise<void>) | undefined;
  const cleanup = async (): Promise<void> => {
    await stopServer?.();
    await rm(dir, { recursive: true, force: true });
    await release();
  };
  try {
    const certificates = await makeTestCertificates(dir, ['dc1.corp.example']);
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
      `--option=interfaces=${HOST}`,
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
    // Samba's ports are fixed: a server already there would answer in place of ours.
    for (const port of [389, 636]) {
      if (await tcpAccepts(HOST, port)) {
        throw new Error(`${HOST}:${port} is already in use; stop whatever listens there (an old samba?)`);
      }
    }
    const server = await startProcess({
      command: samba,
      args: ['-s', smbConf, '-i', '-M', 'single', '--debug-stdout'],
      cwd: dir,
      ready: async () => (await tcpAccepts(HOST, 636)) && tcpAccepts(HOST, 389),
      timeoutMs: 60_000,
    });
    stopServer = () => server.stop();
    const ldapsUrl = `ldaps://${HOST}:636`;
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
      ldapUrl: `ldap://${HOST}:389`,
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
