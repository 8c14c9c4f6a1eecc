import type { LoginThrottleLimits } from './login-throttle';

/** What fedgate knows of a directory's lockout policy (see LdapConnector.lockoutPolicy). */
export interface LockoutPolicy {
  /** Failed binds that lock an account; 0 when the directory never locks. */
  threshold: number;
  /** Failures further apart than this are not added up; 0 when they always are. */
  observationWindowSeconds: number;
}

/**
 * Why the throttle might let a directory lock an account, or nothing when it
 * stays below the policy: strangers and the owner's devices together
 * (maxFailuresPerUser + maxFailuresPerDevice) must stay under the threshold,
 * and fedgate must remember failures at least as long as the directory
 * adds them up.
 */
export function lockoutMarginProblems(
  limits: Pick<LoginThrottleLimits, 'maxFailuresPerUser' | 'maxFailuresPerDevice' | 'windowSeconds'>,
  policy: LockoutPolicy,
): string[] {
  if (policy.threshold <= 0) {
    return [];
  }
  const reach = limits.maxFailuresPerUser + limits.maxFailuresPerDevice;
  const problems: string[] = [];
  if (reach >= policy.threshold) {
    problems.push(
      `loginThrottle lets ${reach} failures (maxFailuresPerUser ${limits.maxFailuresPerUser} + maxFailuresPerDevice ${limits.maxFailuresPerDevice}) reach a directory that locks accounts after ${policy.threshold}: lower them so their sum is below ${policy.threshold}`,
    );
  }
  if (policy.observationWindowSeconds === 0 || limits.windowSeconds < policy.observationWindowSeconds) {
    problems.push(
      policy.observationWindowSeconds === 0
        ? 'the directory adds failed binds up until a successful one, and loginThrottle.window forgets them sooner: a patient guesser can lock accounts'
        : `loginThrottle.window (${limits.windowSeconds}s) is shorter than the directory's lockout observation window (${policy.observationWindowSeconds}s): set it to at least that`,
    );
  }
  return problems;
}

/** A connector that can tell its directory's lockout policy (the LDAP connector on Active Directory). */
export interface LockoutPolicySource {
  readonly id: string;
  lockoutPolicy(): Promise<LockoutPolicy | undefined>;
}

/** Whether the value can report a lockout policy. */
export function reportsLockoutPolicy<T extends object>(value: T): value is T & LockoutPolicySource {
  return typeof (value as Partial<LockoutPolicySource>).lockoutPolicy === 'function';
}

/**
 * Reads each source's lockout policy and reports, through `warn`, every way
 * the throttle could let the directory lock an account (lockoutMarginProblems),
 * or that the policy could not be read. Never rejects: a directory that is
 * down at start-up must not stop the broker.
 */
export async function checkLockoutMargins(
  sources: readonly LockoutPolicySource[],
  limits: Pick<LoginThrottleLimits, 'maxFailuresPerUser' | 'maxFailuresPerDevice' | 'windowSeconds'>,
  warn: (message: string, fields: Record<string, unknown>) => void,
): Promise<void> {
  await Promise.all(
    sources.map(async (source) => {
      let policy: LockoutPolicy | undefined;
      try {
        policy = await source.lockoutPolicy();
      } catch (error) {
        warn('could not read the directory lockout policy to check loginThrottle against it', {
          connector: source.id,
          reason: error instanceof Error ? error.message : String(error),
        });
        return;
      }
      for (const problem of policy === undefined ? [] : lockoutMarginProblems(limits, policy)) {
        warn(problem, { connector: source.id, lockoutThreshold: policy?.threshold });
      }
    }),
  );
}
