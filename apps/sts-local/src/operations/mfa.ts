import type { Caller } from '../sts/caller';
import type { QueryParams } from '../sts/query-params';
import { StsError, validationError } from '../sts/sts-error';

/**
 * Whether the request proves MFA: SerialNumber and TokenCode must come
 * together and match the calling user's configured device; a session that
 * was itself created with MFA carries it on. A wrong code is AccessDenied,
 * as in AWS.
 */
export function checkMfa(params: QueryParams, caller: Caller): boolean {
  const serial = params.get('SerialNumber');
  const code = params.get('TokenCode');
  if (serial === undefined && code === undefined) {
    return caller.mfaAuthenticated;
  }
  if (code === undefined || !/^\d{6}$/.test(code)) {
    throw validationError(
      'tokenCode',
      'Member must satisfy regular expression pattern: [\\d]*',
      code === undefined ? null : undefined,
    );
  }
  const device = caller.user?.config.mfa;
  if (
    serial === undefined ||
    device === undefined ||
    device.serialNumber !== serial ||
    device.tokenCode !== code
  ) {
    throw new StsError(
      'AccessDenied',
      'MultiFactorAuthentication failed with invalid MFA one time pass code.',
    );
  }
  return true;
}
