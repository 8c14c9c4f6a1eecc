import { ExpiredTokenException, STSServiceException } from '@aws-sdk/client-sts';
import { mapStsError } from './sts-errors';

const context = { roleArn: 'arn:aws:iam::111111111111:role/Dev', backendId: 'aws' };

function serviceError(name: string, fault: 'client' | 'server'): STSServiceException {
  return new STSServiceException({
    name,
    $fault: fault,
    message: 'User: arn:aws:iam::999:user/broker is not authorized',
    $metadata: { httpStatusCode: fault === 'client' ? 403 : 500, requestId: 'req-1' },
  });
}

describe('mapStsError', () => {
  it('maps AccessDenied to sts_denied naming the role and the usual causes, not AWS text', () => {
    const error = mapStsError(serviceError('AccessDenied', 'client'), context);
    expect(error.code).toBe('sts_denied');
    expect(error.message).toContain(context.roleArn);
    expect(error.message).toContain('trust policy');
    expect(error.message).not.toContain('arn:aws:iam::999:user/broker');
    expect(error.detail).toMatchObject({ awsError: 'AccessDenied', awsRequestId: 'req-1', backend: 'aws' });
  });

  it('maps other client faults to sts_rejected', () => {
    const expired = new ExpiredTokenException({ message: 'expired', $metadata: {} });
    expect(mapStsError(expired, context).code).toBe('sts_rejected');
    expect(mapStsError(serviceError('ValidationError', 'client'), context).code).toBe('sts_rejected');
  });

  it('maps server faults and network failures to upstream_unavailable', () => {
    expect(mapStsError(serviceError('InternalFailure', 'server'), context).code).toBe('upstream_unavailable');
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const mapped = mapStsError(refused, context);
    expect(mapped.code).toBe('upstream_unavailable');
    expect(mapped.message).toBe('The STS backend aws did not answer');
    const wrapped = new Error('AWS SDK error wrapper for Error: connect ECONNREFUSED 127.0.0.1:1');
    expect(mapStsError(wrapped, context).code).toBe('upstream_unavailable');
    const reset = Object.assign(new Error('outer'), {
      cause: Object.assign(new Error('x'), { code: 'ECONNRESET' }),
    });
    expect(mapStsError(reset, context).code).toBe('upstream_unavailable');
    expect(mapStsError(new Error('ECONNREFUSEDX'), context).message).toBe(
      'The STS backend aws failed (Error)',
    );
    const timeout = Object.assign(new Error('timed out'), { name: 'TimeoutError' });
    expect(mapStsError(timeout, context).code).toBe('upstream_unavailable');
  });

  it('copes with values that are not errors', () => {
    expect(mapStsError('boom', context).code).toBe('upstream_unavailable');
    expect(mapStsError(undefined, context).code).toBe('upstream_unavailable');
  });
});
