import {
  formActionSources,
  logoSources,
  portalContentSecurityPolicy,
  portalPageHeaders,
} from './security-headers';
import { signInLocation, wantsSignInPage } from './portal-routes';

describe('the portal security headers', () => {
  it("let forms lead only to fedgate and each backend's federation and console hosts", () => {
    expect(
      formActionSources([
        { partition: 'aws' },
        { partition: 'aws-us-gov' },
        { partition: 'aws', signinUrl: 'http://127.0.0.1:8090/federation' },
      ]),
    ).toEqual([
      "'self'",
      'https://signin.aws.amazon.com',
      'https://console.aws.amazon.com',
      'https://*.console.aws.amazon.com',
      'https://signin.amazonaws-us-gov.com',
      'https://console.amazonaws-us-gov.com',
      'https://*.console.amazonaws-us-gov.com',
      'http://127.0.0.1:8090',
    ]);
  });

  it("allow images from fedgate and the origins of the connectors' logos only", () => {
    const sources = logoSources([
      'https://cdn.corp.example/a.svg',
      undefined,
      'https://cdn.corp.example/b.png',
    ]);
    expect(sources).toEqual(['https://cdn.corp.example']);
    expect(portalContentSecurityPolicy(["'self'"], sources)).toContain(
      "img-src 'self' https://cdn.corp.example;",
    );
  });

  it('allow no inline script or style, no framing and no caching', () => {
    const csp = portalContentSecurityPolicy(["'self'"]);
    expect(csp).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'none'; " +
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    expect(portalPageHeaders(csp)).toMatchObject({
      'Content-Security-Policy': csp,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-store',
      'Referrer-Policy': 'same-origin',
    });
  });
});

describe('sending a signed-out browser to sign in', () => {
  it('applies to page visits of browsers only', () => {
    expect(wantsSignInPage('GET', 'text/html,application/xhtml+xml')).toBe(true);
    expect(wantsSignInPage('GET', 'application/json')).toBe(false);
    expect(wantsSignInPage('GET', undefined)).toBe(false);
    expect(wantsSignInPage('POST', 'text/html')).toBe(false);
  });

  it('keeps the relative path it was going to, and nothing else', () => {
    expect(signInLocation('/console/123456789012/Dev?destination=x')).toBe(
      '/?return_to=%2Fconsole%2F123456789012%2FDev%3Fdestination%3Dx',
    );
    expect(signInLocation('//evil.example/')).toBe('/');
  });
});
