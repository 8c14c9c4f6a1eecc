import { ConfigError } from '@fedgate/config';
import { openIdConfiguration, resolveWebIdentitySettings, webIdentityIssuerIssues } from './discovery';

function issuance(webIdentity: { issuer?: string } = {}) {
  return {
    webIdentity: { audience: 'sts.amazonaws.com', tokenLifetime: 300, signingKeys: [], ...webIdentity },
  };
}

describe('resolveWebIdentitySettings', () => {
  it('uses server.publicUrl as the issuer unless one is configured, without trailing slashes', () => {
    expect(resolveWebIdentitySettings(issuance(), 'https://fedgate.example.com/')).toEqual({
      issuer: 'https://fedgate.example.com',
      audience: 'sts.amazonaws.com',
      tokenLifetimeSeconds: 300,
    });
    expect(
      resolveWebIdentitySettings(
        issuance({ issuer: 'https://id.example.com/fedgate/' }),
        'https://fedgate.example.com',
      ).issuer,
    ).toBe('https://id.example.com/fedgate');
  });

  it.each([
    ['https://fedgate.example.com/?x=1', 'server.publicUrl', undefined],
    ['https://fedgate.example.com', 'issuance.webIdentity.issuer', 'https://id.example.com/#top'],
  ])('refuses an issuer with a query or fragment (%s)', (publicUrl, path, issuer) => {
    const settings = issuance(issuer === undefined ? {} : { issuer });
    const attempt = () => resolveWebIdentitySettings(settings, publicUrl);
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(`${path}: must not have a query or fragment`);
    expect(webIdentityIssuerIssues(settings, publicUrl)).toEqual([
      { path, message: expect.stringMatching(/^must not have a query or fragment/) as unknown },
    ]);
  });

  it('refuses an issuer that is not an http(s) URL, and finds nothing wrong with a good one', () => {
    expect(
      webIdentityIssuerIssues(issuance({ issuer: 'ftp://id.example.com' }), 'https://x.example'),
    ).toEqual([
      {
        path: 'issuance.webIdentity.issuer',
        message: 'must be an http(s) URL: it is the issuer (iss) of the tokens fedgate signs',
      },
    ]);
    expect(webIdentityIssuerIssues(issuance(), 'https://fedgate.example.com/base')).toEqual([]);
  });
});

describe('openIdConfiguration', () => {
  it('describes fedgate as an RS256 issuer whose keys are at jwks.json', () => {
    expect(openIdConfiguration('https://fedgate.example.com')).toEqual({
      issuer: 'https://fedgate.example.com',
      jwks_uri: 'https://fedgate.example.com/.well-known/jwks.json',
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      claims_supported: [
        'iss',
        'sub',
        'aud',
        'iat',
        'nbf',
        'exp',
        'jti',
        'https://aws.amazon.com/tags',
        'https://aws.amazon.com/source_identity',
      ],
    });
  });
});
