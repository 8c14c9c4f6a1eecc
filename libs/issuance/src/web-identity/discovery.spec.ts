import { ConfigError } from '@fedgate/config';
import { openIdConfiguration, resolveWebIdentitySettings } from './discovery';

function config(publicUrl: string, webIdentity: { issuer?: string } = {}) {
  return {
    server: { publicUrl },
    issuance: {
      webIdentity: { audience: 'sts.amazonaws.com', tokenLifetime: 300, signingKeys: [], ...webIdentity },
    },
  };
}

describe('resolveWebIdentitySettings', () => {
  it('uses server.publicUrl as the issuer unless one is configured, without trailing slashes', () => {
    expect(resolveWebIdentitySettings(config('https://fedgate.example.com/'))).toEqual({
      issuer: 'https://fedgate.example.com',
      audience: 'sts.amazonaws.com',
      tokenLifetimeSeconds: 300,
    });
    expect(
      resolveWebIdentitySettings(
        config('https://fedgate.example.com', { issuer: 'https://id.example.com/fedgate/' }),
      ).issuer,
    ).toBe('https://id.example.com/fedgate');
  });

  it.each([
    ['https://fedgate.example.com/?x=1', 'server.publicUrl', undefined],
    ['https://fedgate.example.com', 'issuance.webIdentity.issuer', 'https://id.example.com/#top'],
  ])('refuses an issuer with a query or fragment (%s)', (publicUrl, path, issuer) => {
    const attempt = () =>
      resolveWebIdentitySettings(config(publicUrl, issuer === undefined ? {} : { issuer }));
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(`${path}: must not have a query or fragment`);
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
