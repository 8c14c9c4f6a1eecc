import { ExpiredTokenException, STSServiceException } from '@aws-sdk/client-sts';
import { mapStsError, type StsCallContext } from './sts-errors';

const context: StsCallContext = { roleArn: 'arn:aws:iam::111111111111:role/Dev', backendId: 'aws' };

function serviceError(
  name: string,
  fault: 'client' | 'server',
  message = 'User: arn:aws:iam::999:user/broker is not authorized',
  metadata: { httpStatusCode?: number; attempts?: number } = {},
): STSServiceException {
  return new STSServiceException({
    name,
    $fault: fault,
    message,
    $metadata: { httpStatusCode: fault === 'client' ? 403 : 500, requestId: 'req-1', ...metadata },
  });
}

describe('mapStsError', () => {
  it('maps AccessDenied to sts_denied naming the role and the usual causes, not AWS text', () => {
    const error = mapStsError(serviceError('AccessDenied', 'client'), context);
    expect(error.code).toBe('sts_denied');
    expect(error.message).toContain(context.roleArn);
    expect(error.message).toContain('trust policy');
    expect(error.message).not.toContain('arn:aws:iam::999:user/broker');
    expect(error.message).not.toContain('req-1');
    expect(error.detail).toMatchObject({
      awsError: 'AccessDenied',
      awsRequestId: 'req-1',
      awsMessage: 'User: arn:aws:iam::999:user/broker is not authorized',
      backend: 'aws',
      operation: 'AssumeRole',
    });
  });

  it('names the trust-policy permissions and the ExternalId that fit what AssumeRole sent', () => {
    const denied = serviceError('AccessDenied', 'client');
    const plain = mapStsError(denied, { ...context, sentTags: false, sentExternalId: false }).message;
    expect(plain).toBe(
      'STS refused to let fedgate assume arn:aws:iam::111111111111:role/Dev. Usual causes: the role does not ' +
        "exist; its trust policy does not allow the broker's principal sts:AssumeRole, sts:SetSourceIdentity " +
        '(a SourceIdentity is sent); or it requires an sts:ExternalId, which this account does not configure ' +
        '(accounts[].externalId)',
    );
    const tagged = mapStsError(denied, { ...context, sentTags: true, sentExternalId: true }).message;
    expect(tagged).toContain('sts:AssumeRole, sts:TagSession (session tags are sent), sts:SetSourceIdentity');
    expect(tagged).toContain("its sts:ExternalId condition does not match the account's externalId");
  });

  it('explains AccessDenied from GetFederationToken by the kind of credentials and the user policy', () => {
    const error = mapStsError(serviceError('AccessDenied', 'client'), {
      backendId: 'aws',
      operation: 'GetFederationToken',
      federatedUserName: 'alice.0123abcd',
      sentTags: true,
    });
    expect(error.code).toBe('sts_denied');
    expect(error.message).toContain('federated user alice.0123abcd');
    expect(error.message).toContain("IAM user's long-term access keys");
    expect(error.message).toContain('sts:GetFederationToken and sts:TagSession');
    expect(error.detail).toMatchObject({
      operation: 'GetFederationToken',
      federatedUserName: 'alice.0123abcd',
    });
    expect(error.detail).not.toHaveProperty('roleArn');
  });

  it('maps Throttling after the last attempt to upstream_throttled with a Retry-After in seconds', () => {
    const throttled = serviceError('Throttling', 'client', 'Rate exceeded', {
      httpStatusCode: 400,
      attempts: 3,
    });
    const error = mapStsError(throttled, { ...context, retryMaxDelayMs: 2500 });
    expect(error.code).toBe('upstream_throttled');
    expect(error.message).toBe(
      "The STS backend aws is throttling fedgate's requests (Throttling after 3 attempts); try again in 3 s",
    );
    expect(error.detail).toMatchObject({ attempts: 3, awsRequestId: 'req-1' });
    expect(error.retryAfterSeconds).toBe(3);
    // Without the backend's settings, the SDK-like default of 5 s.
    expect(mapStsError(throttled, context).retryAfterSeconds).toBe(5);
  });

  it('names the packed-size budget for PackedPolicyTooLarge', () => {
    const error = mapStsError(
      serviceError(
        'PackedPolicyTooLarge',
        'client',
        'Packed size of consumed inline session policies and tags exceeds limits by 37%.',
      ),
      context,
    );
    expect(error.code).toBe('sts_rejected');
    expect(error.message).toContain("over STS's packed size budget (STS reports 137 % of it)");
    expect(error.message).toContain('2048 characters');
    expect(error.message).toContain('session tags');
    const aws = mapStsError(
      serviceError('PackedPolicyTooLarge', 'client', 'Packed policy consumes 104% of allotted space'),
      context,
    );
    expect(aws.message).toContain('(STS reports 104 % of it)');
    // The SDK's name for the modeled error.
    expect(mapStsError(serviceError('PackedPolicyTooLargeException', 'client'), context).message).toContain(
      "over STS's packed size budget",
    );
  });

  it.each([
    [
      "1 validation error detected: Value 'x' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2",
      'RoleSessionName must be 2–64 characters',
    ],
    [
      "1 validation error detected: Value at 'tags.3.member.value' failed to satisfy constraint: Member must have length less than or equal to 256",
      'at most 50 session tags',
    ],
    [
      "1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must have length less than or equal to 2048",
      'at most 2048 characters',
    ],
    ['SourceIdentity cannot begin with the prefix "aws:"', 'not starting with "aws:"'],
    [
      'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
      "longer than the role's MaxSessionDuration",
    ],
    [
      'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
      'roleChaining: true',
    ],
    [
      "1 validation error detected: Value '50000' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200",
      'DurationSeconds must be 900–43200 seconds',
    ],
    ['Something new', "a parameter is outside AWS's limits"],
  ])('names the limit a ValidationError broke: %s', (awsMessage, expected) => {
    const error = mapStsError(serviceError('ValidationError', 'client', awsMessage), context);
    expect(error.code).toBe('sts_rejected');
    expect(error.message).toContain(`STS rejected the request for ${context.roleArn!}: `);
    expect(error.message).toContain(expected);
    expect(error.message).not.toContain("Value 'x'");
    expect(error.detail.awsMessage).toBe(awsMessage);
  });

  it('names the GetFederationToken duration range for its ValidationError', () => {
    const error = mapStsError(
      serviceError('ValidationError', 'client', "Value '200000' at 'durationSeconds' failed"),
      { backendId: 'aws', operation: 'GetFederationToken', federatedUserName: 'bob' },
    );
    expect(error.message).toBe(
      'STS rejected the request for federated user bob: DurationSeconds must be 900–129600 seconds for GetFederationToken',
    );
  });

  it('maps other client faults to sts_rejected', () => {
    const expired = new ExpiredTokenException({ message: 'expired', $metadata: {} });
    expect(mapStsError(expired, context).code).toBe('sts_rejected');
    for (const name of ['MalformedPolicyDocument', 'MalformedPolicyDocumentException']) {
      expect(mapStsError(serviceError(name, 'client'), context).message).toContain(
        'not a valid IAM policy document',
      );
    }
    expect(mapStsError(serviceError('InvalidParameterValue', 'client'), context).message).toContain(
      'differ only in case',
    );
  });

  it("maps a refusal of the broker's own credentials to upstream_unavailable for the operator", () => {
    for (const name of ['InvalidClientTokenId', 'SignatureDoesNotMatch', 'ExpiredToken']) {
      const error = mapStsError(serviceError(name, 'client'), context);
      expect(error.code).toBe('upstream_unavailable');
      expect(error.message).toContain(`refused fedgate's own credentials (${name})`);
    }
    expect(mapStsError(serviceError('RegionDisabledException', 'client'), context).code).toBe(
      'upstream_unavailable',
    );
  });

  it('maps server faults and network failures to upstream_unavailable', () => {
    const server = mapStsError(serviceError('InternalFailure', 'server', 'oops', { attempts: 3 }), context);
    expect(server.code).toBe('upstream_unavailable');
    expect(server.message).toBe('The STS backend aws failed (InternalFailure)');
    expect(server.detail).toMatchObject({ attempts: 3, httpStatus: 500, awsRequestId: 'req-1' });
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const mapped = mapStsError(refused, context);
    expect(mapped.code).toBe('upstream_unavailable');
    expect(mapped.message).toBe('The STS backend aws did not answer');
    expect(mapped.detail.networkError).toBe('ECONNREFUSED');
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
    expect(mapStsError(timeout, context).detail.networkError).toBe('TimeoutError');
  });

  it("names the failed STS operation as the error's phase, whatever the outcome", () => {
    const denied = serviceError('AccessDenied', 'client');
    expect(mapStsError(denied, context).phase).toBe('sts.assume-role');
    expect(mapStsError(denied, { ...context, operation: 'AssumeRoleWithWebIdentity' }).phase).toBe(
      'sts.assume-role-with-web-identity',
    );
    expect(mapStsError(denied, { backendId: 'aws', operation: 'GetFederationToken' }).phase).toBe(
      'sts.get-federation-token',
    );
    const throttled = serviceError('Throttling', 'client', 'Rate exceeded');
    expect(mapStsError(throttled, context).phase).toBe('sts.assume-role');
    expect(mapStsError(new Error('boom'), context).phase).toBe('sts.assume-role');
  });

  it('copes with values that are not errors', () => {
    expect(mapStsError('boom', context).code).toBe('upstream_unavailable');
    expect(mapStsError(undefined, context).code).toBe('upstream_unavailable');
  });
});
