/**
 * Why a directory account may not sign in, from its attributes (checked
 * before the user's password is sent) and from the bind result (AD's
 * `data XXX` sub-codes). The reason is for the audit log only: the client
 * always gets the same answer as for a wrong password.
 */
export type AccountRefusal =
  'account disabled' | 'account locked' | 'account expired' | 'password expired' | 'password must be changed';

type EntryValue = string | string[] | Buffer | Buffer[] | undefined;

const ACCOUNTDISABLE = 0x2;
/** 0 and 0x7FFFFFFFFFFFFFFF both mean "never expires" in accountExpires. */
const NEVER = new Set(['0', '9223372036854775807']);
/** Windows FILETIME (100 ns since 1601) of the Unix epoch. */
const FILETIME_UNIX_EPOCH = 116444736000000000n;

function single(value: EntryValue): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

function filetimeToMs(filetime: string): number | undefined {
  if (!/^\d+$/.test(filetime)) {
    return undefined;
  }
  return Number((BigInt(filetime) - FILETIME_UNIX_EPOCH) / 10000n);
}

/** The attributes the checks below read, to request them in the user search. */
export const ACCOUNT_STATE_ATTRIBUTES = {
  'active-directory': ['userAccountControl', 'accountExpires', 'pwdLastSet'],
  openldap: ['pwdAccountLockedTime'],
} as const;

/** Refusal visible in the entry itself, before any bind. */
export function refusalFromEntry(
  directory: 'openldap' | 'active-directory',
  entry: Record<string, EntryValue>,
  now: number,
): AccountRefusal | undefined {
  if (directory === 'openldap') {
    // ppolicy sets pwdAccountLockedTime while the account is locked (000001010000Z: until an admin unlocks it).
    return single(entry.pwdAccountLockedTime) === undefined ? undefined : 'account locked';
  }
  const control = Number(single(entry.userAccountControl) ?? '0');
  if ((control & ACCOUNTDISABLE) !== 0) {
    return 'account disabled';
  }
  const expires = single(entry.accountExpires);
  if (expires !== undefined && !NEVER.has(expires)) {
    const expiresMs = filetimeToMs(expires);
    if (expiresMs !== undefined && expiresMs <= now) {
      return 'account expired';
    }
  }
  if (single(entry.pwdLastSet) === '0') {
    return 'password must be changed';
  }
  return undefined;
}

const AD_BIND_CODES: Record<string, AccountRefusal> = {
  '533': 'account disabled',
  '775': 'account locked',
  '701': 'account expired',
  '532': 'password expired',
  '773': 'password must be changed',
};

/** Refusal an Active Directory bind error names with its `data XXX` sub-code, if any. */
export function refusalFromBindMessage(message: string): AccountRefusal | undefined {
  const code = /\bdata ([0-9a-f]{3})\b/i.exec(message)?.[1];
  return code === undefined ? undefined : AD_BIND_CODES[code.toLowerCase()];
}
