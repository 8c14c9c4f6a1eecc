import { FedgateError } from '@fedgate/core';
import { parseTokenExchangeRequest, type TokenExchangeParams } from './token-exchange-request';
import { tokenExchangeErrorAnswer, tokenExchangeErrorCode } from './token-exchange-refusal';
import { awsTargetUri, ISSUED_TOKEN_TYPES, parseAwsTarget } from './token-types';

const JWT = 'urn:ietf:params:oauth:token-type:jwt';
const base: TokenExchangeParams = {
  client_id: 'ci',
  subject_token: 'header.payload.signature',
  subject_token_type: JWT,
};

function codeOf(params: TokenExchangeParams, authorization?: string): string {
  try {
    parseTokenExchangeRequest(params, authorization);
    return 'parsed';
  } catch (error) {
    return tokenExchangeErrorCode(error);
  }
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe('parseTokenExchangeRequest', () => {
  it('defaults to an access token without a target, and to credentials with one', () => {
    expect(parseTokenExchangeRequest(base, undefined).requestedTokenType).toBe(
      ISSUED_TOKEN_TYPES.accessToken,
    );
    const withTarget = parseTokenExchangeRequest(
      { ...base, resource: 'urn:fedgate:aws:prod:ReadOnly' },
      undefined,
    );
    expect(withTarget).toMatchObject({
      requestedTokenType: ISSUED_TOKEN_TYPES.awsCredentials,
      target: { account: 'prod', permissionSet: 'ReadOnly' },
      client: { method: 'none', clientId: 'ci' },
    });
  });

  it('reads the three client authentication methods, form-decoding HTTP Basic', () => {
    expect(parseTokenExchangeRequest({ ...base, client_secret: 's3cret' }, undefined).client).toEqual({
      method: 'client_secret',
      clientId: 'ci',
      secret: 's3cret',
    });
    const { client_id: _omitted, ...withoutId } = base;
    expect(parseTokenExchangeRequest(withoutId, basic('my%20app', 'a%2Bb')).client).toEqual({
      method: 'client_secret',
      clientId: 'my app',
      secret: 'a+b',
    });
    expect(
      parseTokenExchangeRequest(
        {
          ...withoutId,
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: 'a.b.c',
        },
        undefined,
      ).client,
    ).toEqual({ method: 'private_key_jwt', clientId: undefined, assertion: 'a.b.c' });
  });

  it.each([
    ['no subject_token', { ...base, subject_token: undefined }, undefined, 'invalid_request'],
    ['no subject_token_type', { ...base, subject_token_type: '' }, undefined, 'invalid_request'],
    [
      'a SAML subject token',
      { ...base, subject_token_type: 'urn:ietf:params:oauth:token-type:saml2' },
      undefined,
      'unsupported_token_type',
    ],
    [
      'an unknown requested type',
      { ...base, requested_token_type: 'urn:x' },
      undefined,
      'unsupported_token_type',
    ],
    ['delegation', { ...base, actor_token: 'x', actor_token_type: JWT }, undefined, 'invalid_request'],
    ['a scope', { ...base, scope: 'admin' }, undefined, 'invalid_scope'],
    [
      'a resource of another form',
      { ...base, resource: 'https://fedgate.example.com' },
      undefined,
      'invalid_target',
    ],
    [
      'a resource with three parts',
      { ...base, resource: 'urn:fedgate:aws:a:b:c' },
      undefined,
      'invalid_target',
    ],
    [
      'resource and audience naming different targets',
      { ...base, resource: 'urn:fedgate:aws:prod:ReadOnly', audience: 'urn:fedgate:aws:prod:Admin' },
      undefined,
      'invalid_target',
    ],
    [
      'an access token with a target',
      {
        ...base,
        resource: 'urn:fedgate:aws:prod:ReadOnly',
        requested_token_type: ISSUED_TOKEN_TYPES.accessToken,
      },
      undefined,
      'invalid_target',
    ],
    [
      'credentials without a target',
      { ...base, requested_token_type: ISSUED_TOKEN_TYPES.awsCredentials },
      undefined,
      'invalid_target',
    ],
    [
      'a fractional duration',
      { ...base, resource: 'urn:fedgate:aws:prod:ReadOnly', duration_seconds: '900.5' },
      undefined,
      'invalid_request',
    ],
    [
      'a destination without a console',
      { ...base, resource: 'urn:fedgate:aws:prod:ReadOnly', destination: 'https://x' },
      undefined,
      'invalid_request',
    ],
    [
      'two client authentication methods',
      { ...base, client_secret: 'x' },
      basic('ci', 'y'),
      'invalid_request',
    ],
    ['a client_id differing from the header', base, basic('other', 'y'), 'invalid_request'],
    ['a malformed Authorization header', base, 'Bearer xyz', 'client_authentication_failed'],
    ['no client at all', { ...base, client_id: undefined }, undefined, 'invalid_request'],
    [
      'a client assertion of another type',
      { ...base, client_assertion: 'a.b.c', client_assertion_type: 'urn:x' },
      undefined,
      'invalid_request',
    ],
  ])('refuses %s', (_name, params, authorization, code) => {
    expect(codeOf(params, authorization)).toBe(code);
  });
});

describe('targets', () => {
  it('reads and writes urn:fedgate:aws:{account}:{permission set}', () => {
    expect(parseAwsTarget('urn:fedgate:aws:123456789012:Developer')).toEqual({
      account: '123456789012',
      permissionSet: 'Developer',
    });
    expect(awsTargetUri({ account: 'prod', permissionSet: 'ReadOnly' })).toBe(
      'urn:fedgate:aws:prod:ReadOnly',
    );
    expect(parseAwsTarget('urn:fedgate:aws:prod:')).toBeUndefined();
    expect(parseAwsTarget('urn:fedgate:aws:pr od:ReadOnly')).toBeUndefined();
  });
});

describe('error answers', () => {
  it('names the connector check a token failed, and hides an unexpected error', () => {
    const expired = new FedgateError('assertion_invalid', 'The token has expired', {
      phase: 'jwt.verify',
      detail: { check: 'expired' },
    });
    expect(tokenExchangeErrorAnswer(expired)).toEqual({
      status: 400,
      body: {
        error: 'invalid_grant',
        error_description: 'The token has expired',
        fedgate_error: 'token_expired',
      },
    });
    expect(tokenExchangeErrorAnswer(new Error('secret detail'))).toEqual({
      status: 500,
      body: {
        error: 'server_error',
        error_description: 'fedgate could not complete the exchange',
        fedgate_error: 'server_error',
      },
    });
    expect(
      tokenExchangeErrorAnswer(
        new FedgateError('store_unavailable', 'The store cannot answer', { retryAfterSeconds: 5 }),
      ),
    ).toMatchObject({ status: 503, retryAfterSeconds: 5, body: { error: 'temporarily_unavailable' } });
    expect(
      tokenExchangeErrorAnswer(
        new FedgateError('rate_limited', 'Too many exchanges', { retryAfterSeconds: 7 }),
      ),
    ).toMatchObject({
      status: 429,
      retryAfterSeconds: 7,
      body: { error: 'temporarily_unavailable', fedgate_error: 'rate_limited' },
    });
  });
});
