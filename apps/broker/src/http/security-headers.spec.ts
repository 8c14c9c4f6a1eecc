import { securityHeaders } from './security-headers';

describe('securityHeaders (asked of helmet once)', () => {
  it("holds helmet's headers for the broker's options, and none of Fastify's own", async () => {
    const headers = await securityHeaders('http://127.0.0.1:8080');
    expect(headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
    });
    expect(Object.keys(headers)).not.toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^(content-type|content-length|date|strict-transport-security|content-security-policy)$/,
        ),
      ]),
    );
    expect(Object.isFrozen(headers)).toBe(true);
  });

  it('adds HSTS when the public URL is https', async () => {
    const headers = await securityHeaders('https://fedgate.example.com');
    expect(headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
  });
});
