import type { ServerConfig } from '@fedgate/broker-config';
import type { CookieAttributes } from './cookies';

/**
 * The portal session cookie. Over https it is `__Host-` prefixed and Secure,
 * which pins it to this host and path `/`; always HttpOnly and SameSite=Lax.
 */
export class SessionCookie {
  readonly name: string;
  readonly options: CookieAttributes;

  constructor(server: ServerConfig) {
    const secure = new URL(server.publicUrl).protocol === 'https:';
    this.name = secure ? '__Host-fedgate_session' : 'fedgate_session';
    this.options = { httpOnly: true, sameSite: 'lax', secure, path: '/' };
  }
}
