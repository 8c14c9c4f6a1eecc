import { checkMinimumTokenSize, checkTokenDuration } from '../sts/limits';
import { StsError } from '../sts/sts-error';
import { checkMfa } from './mfa';
import { credentialsElement, signedCaller, tokenMetrics, type Operation } from './operation';

/**
 * GetSessionToken: temporary credentials for an IAM user's own identity,
 * 900–129600 s (default 43200), optionally proving MFA. Only long-term
 * user keys may call it.
 */
export const getSessionToken: Operation = (context) => {
  const caller = signedCaller(context);
  if (caller.kind !== 'user') {
    throw new StsError('AccessDenied', 'Cannot call GetSessionToken with session credentials');
  }
  const duration = checkTokenDuration(context.params.get('DurationSeconds'));
  const mfa = checkMfa(context.params, caller);
  const expiresAt = context.now + duration * 1000;
  const issued = context.store.issue(
    { ...caller, kind: 'user-session', mfaAuthenticated: mfa, expiresAt, issuedBy: 'GetSessionToken' },
    context.now,
    checkMinimumTokenSize(context.params.get('MinimumSessionTokenSize')),
  );
  return { Credentials: credentialsElement(issued), ...tokenMetrics(issued) };
};
