import { FedgateError } from '@fedgate/core';
import { failureOf } from './audit';

describe('failureOf', () => {
  it('names the code, the failed phase and the failed check, and nothing else of the error', () => {
    const error = new FedgateError('assertion_invalid', 'Sign-in failed: the token is not for fedgate', {
      phase: 'oidc.id-token',
      detail: { check: 'aud', audience: ['someone-else'] },
    });
    expect(failureOf(error)).toEqual({ error: 'assertion_invalid', phase: 'oidc.id-token', check: 'aud' });
  });

  it('leaves out what the error does not have', () => {
    expect(failureOf(new FedgateError('not_entitled', 'No'))).toEqual({ error: 'not_entitled' });
    expect(failureOf(new TypeError('boom'))).toEqual({ error: 'TypeError' });
  });
});
