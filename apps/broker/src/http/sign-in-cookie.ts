import type { CookieAttributes } from './cookies';

/** How long a started redirect sign-in may take: matches the server-side state's lifetime. */
export const SIGN_IN_LIFETIME_SECONDS = 10 * 60;

/**
 * The short-lived cookie that binds a redirect sign-in to the browser that
 * started it: only this browser can complete it, so a sign-in link sent to
 * someone else (login CSRF) completes nothing. Over https it is `__Host-`
 * prefixed. An OAuth provider returns by a top-level GET, which SameSite=Lax
 * cookies survive; a SAML IdP returns by a cross-site POST, which only a
 * SameSite=None cookie survives, and browsers take those over https only.
 */
export class SignInCookie {
  readonly name: string;
  private readonly secure: boolean;

  constructor(publicUrl: string) {
    this.secure = new URL(publicUrl).protocol === 'https:';
    this.name = this.secure ? '__Host-fedgate_signin' : 'fedgate_signin';
  }

  options(kind: 'callback' | 'saml'): CookieAttributes {
    const crossSitePost = kind === 'saml' && this.secure;
    return {
      httpOnly: true,
      secure: this.secure,
      sameSite: crossSitePost ? 'none' : 'lax',
      path: '/',
      maxAgeSeconds: SIGN_IN_LIFETIME_SECONDS,
    };
  }

  /** Options that clear the cookie, whichever kind set it. */
  get clearOptions(): CookieAttributes {
    return { httpOnly: true, secure: this.secure, path: '/' };
  }
}
