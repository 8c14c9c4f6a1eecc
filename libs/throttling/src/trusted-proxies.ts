import { BlockList, isIP } from 'node:net';
import { z } from 'zod';

/** Express's names for address ranges, accepted in a trustProxy list. */
const RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'] as const;

/** What is wrong with one entry of a trustProxy list, or undefined. */
function proxyEntryProblem(entry: string): string | undefined {
  if ((RANGE_NAMES as readonly string[]).includes(entry)) {
    return undefined;
  }
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) {
    return `"${entry}" is not an IP address, a CIDR range or one of ${RANGE_NAMES.join(', ')}`;
  }
  if (prefix !== undefined && (!/^\d{1,3}$/.test(prefix) || Number(prefix) > (family === 4 ? 32 : 128))) {
    return `"${entry}" has a prefix length out of range (0–${family === 4 ? 32 : 128})`;
  }
  return undefined;
}

/**
 * `server.trustProxy` (docs/configuration.md): whose X-Forwarded-For and
 * X-Forwarded-Proto the broker believes, which decides the client address
 * the login throttle counts by. `false` (default): nobody, the peer is the
 * client. A list: the proxies' addresses or CIDR ranges (or `loopback`,
 * `linklocal`, `uniquelocal`), the safe way behind a proxy. A number: that
 * many proxy hops in front of the broker. `true`: anyone, which lets any
 * client that reaches the broker directly choose its own address.
 */
export const trustProxyConfigSchema = z
  .union(
    [
      z.boolean(),
      z.number().int().min(1).max(10),
      z.array(z.string().trim()).min(1, 'must list at least one address or range (or be false)'),
    ],
    {
      error:
        'must be true or false, a number of proxy hops (1–10), or a list of proxy addresses or CIDR ranges',
    },
  )
  .superRefine((setting, context) => {
    if (!Array.isArray(setting)) {
      return;
    }
    setting.forEach((entry, index) => {
      const problem = proxyEntryProblem(entry);
      if (problem !== undefined) {
        context.addIssue({ code: 'custom', path: [index], message: problem });
      }
    });
  });

/** The validated `server.trustProxy`, in the form Express's `trust proxy` setting takes. */
export type TrustProxySetting = z.output<typeof trustProxyConfigSchema>;

/** Start-up warnings about a trustProxy setting that lets clients pick their own address. */
export function trustProxyWarnings(setting: TrustProxySetting): string[] {
  return setting === true
    ? [
        'server.trustProxy is true: X-Forwarded-For is believed from anyone who can reach the broker, so a client that does can choose its own address and dodge the per-client login throttle; list your proxies instead (server.trustProxy: [10.0.0.0/8])',
      ]
    : [];
}

const PRIVATE = new BlockList();
for (const [network, prefix] of [
  ['10.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['100.64.0.0', 10],
] as const) {
  PRIVATE.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
] as const) {
  PRIVATE.addSubnet(network, prefix, 'ipv6');
}

/**
 * Whether an address is private, loopback, link-local or shared (CGNAT),
 * as a reverse proxy's usually is. IPv4-mapped IPv6 (`::ffff:10.0.0.1`)
 * counts as its IPv4 address.
 */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const plain = mapped ?? address;
  const family = isIP(plain);
  return family !== 0 && PRIVATE.check(plain, family === 4 ? 'ipv4' : 'ipv6');
}
