import { requireBinary } from './processes';

/**
 * Every program the integration tests start, with the command that installs it
 * (scripts/install-test-deps.sh installs them all). The integration project's
 * global setup checks the whole list before any test starts, so a machine that
 * lacks one fails the run at once with the fix, instead of half-started servers
 * and afterAll hooks that meet undefined handles.
 */
export interface RequiredBinary {
  name: string;
  installHint: string;
}

const APT = 'apt-get install -y';

export const REQUIRED_BINARIES: readonly RequiredBinary[] = [
  { name: 'redis-server', installHint: `${APT} redis-server` },
  { name: 'redis-cli', installHint: `${APT} redis-tools` },
  { name: 'slapd', installHint: `${APT} slapd ldap-utils` },
  { name: 'slapadd', installHint: `${APT} slapd ldap-utils` },
  { name: 'ldapadd', installHint: `${APT} ldap-utils` },
  { name: 'ldapsearch', installHint: `${APT} ldap-utils` },
  { name: 'ldapwhoami', installHint: `${APT} ldap-utils` },
  { name: 'ldapmodify', installHint: `${APT} ldap-utils` },
  { name: 'openssl', installHint: `${APT} openssl` },
  { name: 'ip', installHint: `${APT} iproute2` },
  { name: 'samba', installHint: `${APT} samba samba-ad-provision samba-ad-dc` },
  { name: 'samba-tool', installHint: `${APT} samba samba-ad-provision samba-ad-dc` },
  { name: 'chromium', installHint: `${APT} chromium` },
  { name: 'python3', installHint: `${APT} python3` },
  { name: 'moto_server', installHint: 'pip install "moto[server]"' },
  // The portal's end-to-end test runs the exports it shows with the AWS CLI.
  { name: 'aws', installHint: 'pip install awscli' },
];

/**
 * Names every missing binary with its install command, or returns undefined
 * when all are present. `search` is the directory list to look in (tests of
 * this check pass an empty directory; the real run uses PATH and the sbin dirs).
 */
export function describeMissingBinaries(
  required: readonly RequiredBinary[],
  search?: readonly string[],
): string | undefined {
  const missing = required.filter(({ name, installHint }) => {
    try {
      requireBinary(name, installHint, search);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length === 0) {
    return undefined;
  }
  const commands = [...new Set(missing.map(({ installHint }) => installHint))];
  return [
    `The integration tests need programs this machine lacks: ${missing.map(({ name }) => name).join(', ')}.`,
    'Install them (or run ./scripts/install-test-deps.sh as root), then run the tests again:',
    ...commands.map((command) => `  ${command}`),
  ].join('\n');
}
