import type { CookieAttributes } from './cookies';

/**
 * The device cookie: the login throttle's proof that this browser signed in
 * as an account recently, so it keeps its own allowance when others have
 * spent the account's (docs/configuration.md, `loginThrottle`). Long-lived,
 * HttpOnly, SameSite=Lax; over https `__Host-` prefixed and Secure. Its
 * value is a random token the store knows only by digest.
 */
export class DeviceCookie {
  readonly name: string;
  private readonly secure: boolean;

  constructor(publicUrl: string) {
    this.secure = new URL(publicUrl).protocol === 'https:';
    this.name = this.secure ? '__Host-fedgate_device' : 'fedgate_device';
  }

  options(maxAgeSeconds: number): CookieAttributes {
    return { httpOnly: true, secure: this.secure, sameSite: 'lax', path: '/', maxAgeSeconds };
  }
}
