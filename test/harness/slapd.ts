import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { fixturePath, freePort, makeTempDir, requireBinary, startProcess, tcpAccepts } from './processes';
import { makeTestCertificates } from './tls';

const run = promisify(execFile);
const INSTALL_HINT = 'apt-get install -y slapd ldap-utils';
const HOST = '127.0.0.1';
const FIXTURES = fixturePath('ldap');

export const LDAP_BASE_DN = 'dc=example,dc=com';
const ADMIN_DN = `cn=admin,${LDAP_BASE_DN}`;
const ADMIN_PASSWORD = 'admin-secret';

/** A throwaway OpenLDAP server loaded with test/fixtures/ldap, speaking ldap:// (StartTLS) and ldaps://. */
export interface SlapdServer {
  /** Plain LDAP; StartTLS is offered. */
  readonly ldapUrl: string;
  /** LDAP over TLS. */
  readonly ldapsUrl: string;
  /** The CA that signed the server certificate (for 127.0.0.1 and localhost). */
  readonly caCertFile: string;
  readonly baseDn: string;
  readonly admin: { dn: string; password: string };
  /** The service account fedgate searches with. */
  readonly service: { dn: string; password: string };
  output(): string;
  /** Stops slapd and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

/** Options of a test directory. */
export interface StartSlapdOptions {
  /** Close client connections idle this long (slapd's idletimeout), to test reconnects. */
  idleTimeoutSeconds?: number;
}

function slapdConfig(
  dir: string,
  certificates: Awaited<ReturnType<typeof makeTestCertificates>>,
  options: StartSlapdOptions,
): string {
  const service = `uid=svc-fedgate,ou=people,${LDAP_BASE_DN}`;
  return `include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
moduleload ppolicy
pidfile "${join(dir, 'slapd.pid')}"
argsfile "${join(dir, 'slapd.args')}"
${options.idleTimeoutSeconds === undefined ? '' : `idletimeout ${options.idleTimeoutSeconds}\n`}TLSCACertificateFile "${certificates.caCertFile}"
TLSCertificateFile "${certificates.serverCertFile}"
TLSCertificateKeyFile "${certificates.serverKeyFile}"

database mdb
maxsize 67108864
suffix "${LDAP_BASE_DN}"
rootdn "${ADMIN_DN}"
rootpw ${ADMIN_PASSWORD}
directory "${join(dir, 'db')}"
index objectClass eq
index uid,cn,member,memberUid eq

overlay memberof
overlay ppolicy
ppolicy_default "cn=default,ou=policies,${LDAP_BASE_DN}"
ppolicy_use_lockout

access to attrs=userPassword
  by anonymous auth
  by self write
  by * none
access to *
  by dn.exact="${service}" read
  by self read
  by * none
`;
}

/**
 * Starts slapd on two free loopback ports (ldap:// and ldaps://) with a
 * fresh CA, loads the fixture directory, and resolves once it serves. Throws,
 * naming the install command, when slapd or ldap-utils are missing.
 */
export async function startSlapd(options: StartSlapdOptions = {}): Promise<SlapdServer> {
  const slapd = requireBinary('slapd', INSTALL_HINT);
  const slapadd = requireBinary('slapadd', INSTALL_HINT);
  const ldapadd = requireBinary('ldapadd', INSTALL_HINT);
  const dir = await makeTempDir('fedgate-slapd-');
  try {
    await mkdir(join(dir, 'db'));
    const certificates = await makeTestCertificates(dir);
    const configFile = join(dir, 'slapd.conf');
    await writeFile(configFile, slapdConfig(dir, certificates, options));
    await run(slapadd, ['-f', configFile, '-l', join(FIXTURES, 'base.ldif')]);
    const [ldapPort, ldapsPort] = [await freePort(), await freePort()];
    const ldapUrl = `ldap://${HOST}:${ldapPort}`;
    const ldapsUrl = `ldaps://${HOST}:${ldapsPort}`;
    const server = await startProcess({
      command: slapd,
      // -d 0: stay in the foreground (so stop() can signal it) without debug output.
      args: ['-f', configFile, '-h', `${ldapUrl}/ ${ldapsUrl}/`, '-d', '0'],
      cwd: dir,
      ready: async () => (await tcpAccepts(HOST, ldapPort)) && tcpAccepts(HOST, ldapsPort),
    });
    // Groups go in online so the memberof overlay records each member's memberOf.
    try {
      await run(ldapadd, [
        '-H',
        ldapUrl,
        '-x',
        '-D',
        ADMIN_DN,
        '-w',
        ADMIN_PASSWORD,
        '-f',
        join(FIXTURES, 'groups.ldif'),
      ]);
    } catch (error) {
      await server.stop();
      throw error;
    }
    return {
      ldapUrl,
      ldapsUrl,
      caCertFile: certificates.caCertFile,
      baseDn: LDAP_BASE_DN,
      admin: { dn: ADMIN_DN, password: ADMIN_PASSWORD },
      service: { dn: `uid=svc-fedgate,ou=people,${LDAP_BASE_DN}`, password: 'svc-fedgate-password' },
      output: () => server.output(),
      async stop() {
        await server.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
