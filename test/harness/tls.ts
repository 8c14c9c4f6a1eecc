import { execFile } from 'node:child_process';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { requireBinary } from './processes';

const run = promisify(execFile);

/** A throwaway CA and a server certificate it signed, as PEM files in a directory. */
export interface TestCertificates {
  caCertFile: string;
  serverCertFile: string;
  serverKeyFile: string;
}

/**
 * Makes a CA and a server certificate for `127.0.0.1`, `localhost`, any
 * extra `dnsNames` and `ipAddresses` (a server on its own loopback address)
 * with openssl, in `dir`. Tests verify hostnames against it, so a client that
 * skips verification is caught by connecting under another name.
 */
export async function makeTestCertificates(
  dir: string,
  dnsNames: readonly string[] = [],
  ipAddresses: readonly string[] = [],
): Promise<TestCertificates> {
  const openssl = requireBinary('openssl', 'apt-get install -y openssl');
  const file = (name: string): string => join(dir, name);
  await writeFile(
    file('server.ext'),
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' +
      `subjectAltName=${[
        'IP:127.0.0.1',
        ...ipAddresses.filter((ip) => ip !== '127.0.0.1').map((ip) => `IP:${ip}`),
        'DNS:localhost',
        ...dnsNames.map((name) => `DNS:${name}`),
      ].join(',')}\n`,
  );
  const quiet = { cwd: dir };
  await run(
    openssl,
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=fedgate test CA',
      '-keyout',
      file('ca.key'),
      '-out',
      file('ca.crt'),
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    quiet,
  );
  await run(
    openssl,
    [
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/CN=localhost',
      '-keyout',
      file('server.key'),
      '-out',
      file('server.csr'),
    ],
    quiet,
  );
  await run(
    openssl,
    [
      'x509',
      '-req',
      '-in',
      file('server.csr'),
      '-CA',
      file('ca.crt'),
      '-CAkey',
      file('ca.key'),
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      file('server.ext'),
      '-out',
      file('server.crt'),
    ],
    quiet,
  );
  // Samba refuses a private key that others can read.
  await chmod(file('server.key'), 0o600);
  return {
    caCertFile: file('ca.crt'),
    serverCertFile: file('server.crt'),
    serverKeyFile: file('server.key'),
  };
}
