/**
 * The bytes on the wire (docs/sts-local.md): XML documents, headers, and the
 * requests no SDK sends on purpose (unsigned, half-signed, tampered,
 * malformed, oversized, unknown actions), each answered with the right STS
 * error and never a crash.
 */
import { startTestStsLocal, stsLocalConfigFrom, type TestStsLocal } from '../harness/sts-local';
import { rawStsRequest, xmlText } from './raw-sts-request';
import { BROKER, roleArn, TEST_CONFIG_YAML, TEST_ENV } from './sts-local-test-config';

let sts: TestStsLocal;
const NS = 'xmlns="https://sts.amazonaws.com/doc/2011-06-15/"';
const V = { Version: '2011-06-15' };

beforeAll(async () => {
  sts = await startTestStsLocal(stsLocalConfigFrom(TEST_CONFIG_YAML, TEST_ENV));
});

afterAll(async () => {
  await sts.stop();
});

function expectError(
  response: { status: number; text: string; headers: Headers },
  status: number,
  code: string,
): void {
  expect({ status: response.status, code: xmlText(response.text, 'Code') }).toEqual({ status, code });
  expect(response.text).toMatch(
    new RegExp(
      `^<ErrorResponse ${NS}><Error><Type>Sender</Type><Code>${code}</Code><Message>[^<]+</Message></Error><RequestId>[0-9a-f-]{36}</RequestId></ErrorResponse>$`,
    ),
  );
  expect(response.headers.get('x-amzn-requestid')).toBe(xmlText(response.text, 'RequestId'));
}

describe('successful responses', () => {
  it('AssumeRole: the envelope, namespace, request id, Date header and Expiration format', async () => {
    const before = Date.now();
    const response = await rawStsRequest(
      sts.url,
      { Action: 'AssumeRole', ...V, RoleArn: roleArn('Basic'), RoleSessionName: 'alice.0a1b2c3d', Tags: '' },
      { credentials: BROKER },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/xml');
    expect(response.text).toMatch(
      new RegExp(
        `^<AssumeRoleResponse ${NS}><AssumeRoleResult><Credentials><AccessKeyId>ASIA[A-Z2-7]{16}</AccessKeyId>`,
      ),
    );
    expect(response.text).toMatch(
      /<\/AssumeRoleResult><ResponseMetadata><RequestId>[0-9a-f-]{36}<\/RequestId><\/ResponseMetadata><\/AssumeRoleResponse>$/,
    );
    expect(response.headers.get('x-amzn-requestid')).toBe(xmlText(response.text, 'RequestId'));
    expect(xmlText(response.text, 'Expiration')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // An empty `Tags=` is an empty list: no PackedPolicySize, no SourceIdentity element.
    expect(response.text).not.toContain('PackedPolicySize');
    expect(response.text).not.toContain('SourceIdentity');
    const date = Date.parse(response.headers.get('date') ?? '');
    expect(Math.abs(date - before)).toBeLessThan(5000);
  });

  it('accepts a form Content-Type without a charset and parameters in the query string', async () => {
    const plain = await rawStsRequest(
      sts.url,
      { Action: 'GetCallerIdentity', ...V },
      {
        credentials: BROKER,
      },
    );
    expect(plain.status).toBe(200);
    const noCharset = await rawStsRequest(
      sts.url,
      { Action: 'GetCallerIdentity', ...V },
      {
        credentials: BROKER,
        contentType: 'application/x-www-form-urlencoded',
      },
    );
    expect(noCharset.status).toBe(200);
    const query = await rawStsRequest(
      sts.url,
      { Action: 'GetCallerIdentity', ...V },
      { credentials: BROKER, inQuery: true },
    );
    expect(query.status).toBe(200);
    expect(plain.text).toMatch(
      new RegExp(
        `^<GetCallerIdentityResponse ${NS}><GetCallerIdentityResult><UserId>AIDA[A-Z2-7]{17}</UserId><Account>111111111111</Account><Arn>arn:aws:iam::111111111111:user/broker</Arn></GetCallerIdentityResult>`,
      ),
    );
  });
});

describe('authentication errors', () => {
  it('MissingAuthenticationToken for an unsigned request', async () => {
    expectError(
      await rawStsRequest(sts.url, { Action: 'GetCallerIdentity', ...V }),
      403,
      'MissingAuthenticationToken',
    );
  });

  it('IncompleteSignature for an Authorization header without a Signature or with another algorithm', async () => {
    const cut = await rawStsRequest(
      sts.url,
      { Action: 'GetCallerIdentity', ...V },
      {
        credentials: BROKER,
        editHeaders: (headers) => {
          headers.authorization = (headers.authorization ?? '').replace(/, Signature=[0-9a-f]+/, '');
        },
      },
    );
    expectError(cut, 400, 'IncompleteSignature');
    const other = await rawStsRequest(
      sts.url,
      { Action: 'GetCallerIdentity', ...V },
      {
        credentials: BROKER,
        editHeaders: (headers) => {
          headers.authorization = (headers.authorization ?? '').replace(
            'AWS4-HMAC-SHA256',
            'AWS4-ECDSA-P256-SHA256',
          );
        },
      },
    );
    expectError(other, 400, 'IncompleteSignature');
    const noHost = await rawStsRequest(
      sts.url,
      { Action: 'GetCallerIdentity', ...V },
      {
        credentials: BROKER,
        editHeaders: (headers) => {
          headers.authorization = (headers.authorization ?? '').replace(
            'SignedHeaders=content-type;host;',
            'SignedHeaders=content-type;',
          );
        },
      },
    );
    expectError(noHost, 400, 'IncompleteSignature');
  });

  it('SignatureDoesNotMatch for a body changed after signing, a changed signed header, and a stale date', async () => {
    expectError(
      await rawStsRequest(
        sts.url,
        { Action: 'AssumeRole', ...V, RoleArn: roleArn('Basic'), RoleSessionName: 'alice' },
        {
          credentials: BROKER,
          tamperBody: (body) => body.replace('alice', 'mallory'),
        },
      ),
      403,
      'SignatureDoesNotMatch',
    );
    expectError(
      await rawStsRequest(
        sts.url,
        { Action: 'GetCallerIdentity', ...V },
        {
          credentials: BROKER,
          editHeaders: (headers) => {
            headers['content-type'] = 'application/x-www-form-urlencoded';
          },
        },
      ),
      403,
      'SignatureDoesNotMatch',
    );
    const stale = await rawStsRequest(
      sts.url,
      { Action: 'GetCallerIdentity', ...V },
      {
        credentials: BROKER,
        signingDate: new Date(Date.now() - 16 * 60 * 1000),
      },
    );
    expectError(stale, 403, 'SignatureDoesNotMatch');
    expect(xmlText(stale.text, 'Message')).toMatch(/^Signature expired: \d{8}T\d{6}Z is now earlier than/);
    const future = await rawStsRequest(
      sts.url,
      { Action: 'GetCallerIdentity', ...V },
      {
        credentials: BROKER,
        signingDate: new Date(Date.now() + 16 * 60 * 1000),
      },
    );
    expectError(future, 403, 'SignatureDoesNotMatch');
  });

  it('SignatureDoesNotMatch for a body hash header that does not match the body', async () => {
    expectError(
      await rawStsRequest(
        sts.url,
        { Action: 'GetCallerIdentity', ...V },
        {
          credentials: BROKER,
          editHeaders: (headers) => {
            headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
          },
        },
      ),
      403,
      'SignatureDoesNotMatch',
    );
  });
});

describe('bad input', () => {
  it('InvalidAction for an unknown action, a missing action, an inherited property name and a wrong version', async () => {
    for (const form of [
      { Action: 'DeleteEverything', ...V },
      { ...V },
      { Action: 'toString', ...V },
      { Action: 'GetCallerIdentity', Version: '2010-01-01' },
    ]) {
      expectError(await rawStsRequest(sts.url, form, { credentials: BROKER }), 400, 'InvalidAction');
    }
  });

  it('answers a body of random bytes and a body over the limit with STS errors', async () => {
    const garbage = await fetch(`${sts.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: Buffer.from([0xff, 0x00, 0x25, 0x25, 0x3d, 0x26, 0xfe]),
    });
    expectError(
      { status: garbage.status, headers: garbage.headers, text: await garbage.text() },
      403,
      'MissingAuthenticationToken',
    );
    const oversized = await fetch(`${sts.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `Action=GetCallerIdentity&Version=2011-06-15&Pad=${'x'.repeat(200 * 1024)}`,
    });
    expectError(
      { status: oversized.status, headers: oversized.headers, text: await oversized.text() },
      400,
      'ValidationError',
    );
  });

  it('keeps serving after all of it', async () => {
    expect(
      (await rawStsRequest(sts.url, { Action: 'GetCallerIdentity', ...V }, { credentials: BROKER })).status,
    ).toBe(200);
  });
});
