import type { DirectoryClient, DirectoryEntry } from './directory-client';

/**
 * A directory's account lockout policy, as far as fedgate's throttle must
 * stay under it: `threshold` failed binds within `observationWindowSeconds`
 * of each other lock the account (0: the directory never locks).
 */
export interface DirectoryLockoutPolicy {
  threshold: number;
  observationWindowSeconds: number;
}

/** 100-nanosecond intervals per second (Windows time spans). */
const INTERVALS_PER_SECOND = 10_000_000n;

function single(entry: DirectoryEntry, attribute: string): string | undefined {
  const key = Object.keys(entry).find((candidate) => candidate.toLowerCase() === attribute.toLowerCase());
  const value = key === undefined ? undefined : entry[key];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

/** An AD time span (negative 100 ns intervals, e.g. -18000000000 for 30 minutes) in seconds. */
function timeSpanSeconds(value: string | undefined): number | undefined {
  if (value === undefined || !/^-?\d+$/.test(value)) {
    return undefined;
  }
  const intervals = BigInt(value);
  return Number((intervals < 0n ? -intervals : intervals) / INTERVALS_PER_SECOND);
}

/**
 * Active Directory's domain-wide lockout policy, read from the domain
 * object (the root DSE's defaultNamingContext) with the service connection:
 * lockoutThreshold and lockOutObservationWindow. Undefined when the
 * directory does not publish them there. Fine-grained password policies
 * (msDS-PasswordSettings) can set a lower threshold for some users; they
 * are not read.
 */
export async function readActiveDirectoryLockoutPolicy(
  service: DirectoryClient,
): Promise<DirectoryLockoutPolicy | undefined> {
  const [root] = await service.search('', '(objectClass=*)', ['defaultNamingContext'], { scope: 'base' });
  const namingContext = root === undefined ? undefined : single(root, 'defaultNamingContext');
  if (namingContext === undefined) {
    return undefined;
  }
  const [domain] = await service.search(
    namingContext,
    '(objectClass=*)',
    ['lockoutThreshold', 'lockOutObservationWindow'],
    { scope: 'base' },
  );
  const threshold = domain === undefined ? undefined : single(domain, 'lockoutThreshold');
  if (domain === undefined || threshold === undefined || !/^\d+$/.test(threshold)) {
    return undefined;
  }
  return {
    threshold: Number(threshold),
    observationWindowSeconds: timeSpanSeconds(single(domain, 'lockOutObservationWindow')) ?? 0,
  };
}
