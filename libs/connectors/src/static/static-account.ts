import { cleanTypedUsername, foldAccountName } from '../typed-username';

/**
 * The account key of a typed or configured static username, compared as
 * directories compare names (foldAccountName); throws `invalid_request` for
 * characters no account name can hold.
 */
export function staticAccount(username: string): string {
  return foldAccountName(cleanTypedUsername(username));
}
