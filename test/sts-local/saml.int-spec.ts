/**
 * AssumeRoleWithSAML with assertions signed by a generated IdP
 * (saml-fixtures.ts): signature, issuer, audience, recipient and expiry
 * checks, the Role attribute, session tags and SourceIdentity from
 * attributes, trust conditions on SAML keys, and the attacks a broker must
 * resist (tampering, another key, SHA-1, DOCTYPE, an unsigned assertion),
 * driven by the SDK and by botocore.
 */
import { rm } from 'node:fs/promises';
import {
  AssumeRoleWithSAMLCommand,
  GetCallerIdentityCommand,
  STSClient,
  type AssumeRoleWithSAMLCommandInput,
} from '@aws-sdk/client-sts';
import { makeTempDir } from '../harness/processes';
import { startTestStsLocal, stsLocalConfigFrom, type TestStsLocal } from '../harness/sts-local';
import { botocore, result } from './botocore-runner';
import { anyString, matching } from './matchers';
import {
  assertionXml,
  encoded,
  generateIdp,
  signAssertion,
  writeMetadata,
  type AssertionFields,
  type TestIdp,
} from './saml-fixtures';

const PROVIDER = 'arn:aws:iam::111111111111:saml-provider/corp-idp';
const ROLE = 'arn:aws:iam::111111111111:role/SamlDeveloper';
const A = 'https://aws.amazon.com/SAML/Attributes/';

let sts: TestStsLocal;
let directory: string;
let idp: TestIdp;
let otherIdp: TestIdp;
const anonymous = () => new STSClient({ region: 'us-east-1', endpoint: sts.url, maxAttempts: 1 });

function signed(fields: AssertionFields = {}, signer: TestIdp = idp): string {
  return encoded(
    signAssertion(
      assertionXml(idp, {
        ...fields,
        attributes: {
          [`${A}Role`]: [`${ROLE},${PROVIDER}`],
          [`${A}RoleSessionName`]: ['alice@corp.example'],
          ...fields.attributes,
        },
      }),
      signer,
    ),
  );
}

function input(assertion: string, extra: Partial<AssumeRoleWithSAMLCommandInput> = {}) {
  return new AssumeRoleWithSAMLCommand({
    RoleArn: ROLE,
    PrincipalArn: PROVIDER,
    SAMLAssertion: assertion,
    ...extra,
  });
}

beforeAll(async () => {
  directory = await makeTempDir('fedgate-sts-local-saml-');
  idp = await generateIdp(directory, 'idp', 'https://idp.corp.example/saml');
  otherIdp = await generateIdp(directory, 'other', 'https://idp.corp.example/saml');
  const metadata = await writeMetadata(directory, idp);
  sts = await startTestStsLocal(
    stsLocalConfigFrom(`
accounts:
  - id: '111111111111'
    samlProviders: [{ name: corp-idp, metadataFile: '${metadata}' }]
    roles:
      - name: SamlDeveloper
        maxSessionDuration: 2h
        trustPolicy:
          Statement:
            - Effect: Allow
              Principal: { Federated: '${PROVIDER}' }
              Action: [sts:AssumeRoleWithSAML, sts:TagSession, sts:SetSourceIdentity]
              Condition:
                StringEquals: { 'SAML:aud': 'https://signin.aws.amazon.com/saml' }
                StringNotEquals: { 'SAML:sub': mallory }
`),
  );
});

afterAll(async () => {
  await sts.stop();
  await rm(directory, { recursive: true, force: true });
});

describe('AssumeRoleWithSAML with the SDK', () => {
  it('verifies the assertion and takes the session from its attributes', async () => {
    const assertion = signed({
      attributes: {
        [`${A}PrincipalTag:Department`]: ['Engineering'],
        [`${A}TransitiveTagKeys`]: ['Department'],
        [`${A}SourceIdentity`]: ['alice'],
        [`${A}SessionDuration`]: ['1800'],
      },
    });
    const before = Date.now();
    const response = await anonymous().send(input(assertion, { DurationSeconds: 7200 }));
    expect(response).toMatchObject({
      Subject: 'alice',
      SubjectType: 'persistent',
      Issuer: 'https://idp.corp.example/saml',
      Audience: 'https://signin.aws.amazon.com/saml',
      SourceIdentity: 'alice',
      AssumedRoleUser: { Arn: 'arn:aws:sts::111111111111:assumed-role/SamlDeveloper/alice@corp.example' },
    });
    expect(response.NameQualifier).toMatch(/^[A-Za-z0-9+/]{27}=$/);
    // The SessionDuration attribute (1800) is shorter than DurationSeconds: it wins.
    expect((response.Credentials?.Expiration?.getTime() ?? 0) - before).toBeLessThanOrEqual(1801_000);
    const client = new STSClient({
      region: 'us-east-1',
      endpoint: sts.url,
      maxAttempts: 1,
      credentials: {
        accessKeyId: response.Credentials?.AccessKeyId ?? '',
        secretAccessKey: response.Credentials?.SecretAccessKey ?? '',
        sessionToken: response.Credentials?.SessionToken ?? '',
      },
    });
    expect((await client.send(new GetCallerIdentityCommand({}))).Arn).toBe(response.AssumedRoleUser?.Arn);
    expect(sts.logs.text()).not.toContain(assertion.slice(0, 200));
  });

  const tamperedName = () =>
    encoded(Buffer.from(signed(), 'base64').toString('utf8').replace('>alice<', '>mallory<'));
  const wrapped = () => {
    // Signature wrapping: the signed assertion stays, an unsigned forged one is put first.
    const xml = Buffer.from(signed(), 'base64').toString('utf8');
    const forged = assertionXml(idp, {
      subject: 'root',
      attributes: { [`${A}Role`]: [`${ROLE},${PROVIDER}`] },
    });
    const forgedAssertion = /<saml:Assertion[\s\S]*<\/saml:Assertion>/.exec(forged)?.[0] ?? '';
    return encoded(xml.replace('<saml:Assertion', `${forgedAssertion}<saml:Assertion`));
  };
  it.each<[string, () => string, string, number]>([
    ['an assertion signed by another key', () => signed({}, otherIdp), 'InvalidIdentityTokenException', 400],
    ['a subject changed after signing', tamperedName, 'InvalidIdentityTokenException', 400],
    ['a second, unsigned assertion (signature wrapping)', wrapped, 'InvalidIdentityTokenException', 400],
    ['an unsigned assertion', () => encoded(assertionXml(idp)), 'InvalidIdentityTokenException', 400],
    [
      'an RSA-SHA1 signature',
      () =>
        encoded(
          signAssertion(assertionXml(idp, { attributes: { [`${A}Role`]: [`${ROLE},${PROVIDER}`] } }), idp, {
            signature: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1',
            digest: 'http://www.w3.org/2000/09/xmldsig#sha1',
          }),
        ),
      'InvalidIdentityTokenException',
      400,
    ],
    [
      'a DOCTYPE',
      () => encoded(`<!DOCTYPE x [<!ENTITY e "e">]>${Buffer.from(signed(), 'base64').toString('utf8')}`),
      'InvalidIdentityTokenException',
      400,
    ],
    ['text that is not base64 XML', () => 'bm90IHhtbA==', 'InvalidIdentityTokenException', 400],
    [
      'another issuer',
      () => signed({ issuer: 'https://evil.example/saml' }),
      'InvalidIdentityTokenException',
      400,
    ],
    [
      'another audience',
      () => signed({ audience: 'https://app.example/saml' }),
      'InvalidIdentityTokenException',
      400,
    ],
    [
      'another recipient',
      () => signed({ recipient: 'https://app.example/acs' }),
      'InvalidIdentityTokenException',
      400,
    ],
    [
      'an expired assertion',
      () => signed({ notOnOrAfter: new Date(Date.now() - 10 * 60 * 1000) }),
      'ExpiredTokenException',
      400,
    ],
    [
      'no RoleSessionName',
      () => signed({ attributes: { [`${A}RoleSessionName`]: [] } }),
      'InvalidIdentityTokenException',
      400,
    ],
    [
      'a Role attribute without this role',
      () => signed({ attributes: { [`${A}Role`]: [`arn:aws:iam::111111111111:role/Other,${PROVIDER}`] } }),
      'AccessDenied',
      403,
    ],
    ['a subject the trust policy denies', () => signed({ subject: 'mallory' }), 'AccessDenied', 403],
    [
      'a response whose status says authentication failed',
      () => signed({ status: 'urn:oasis:names:tc:SAML:2.0:status:Responder' }),
      'IDPRejectedClaimException',
      403,
    ],
  ])('refuses %s', async (_name, make, sdkName, status) => {
    await expect(anonymous().send(input(make()))).rejects.toMatchObject({
      name: sdkName,
      $metadata: { httpStatusCode: status },
    });
  });

  it('refuses an unknown provider', async () => {
    await expect(
      anonymous().send(input(signed(), { PrincipalArn: 'arn:aws:iam::111111111111:saml-provider/nope' })),
    ).rejects.toMatchObject({ name: 'InvalidIdentityTokenException' });
  });
});

describe('AssumeRoleWithSAML with botocore', () => {
  it('parses the response and the errors', async () => {
    const call = (name: string, assertion: string) => ({
      name,
      op: 'assume_role_with_saml',
      params: { RoleArn: ROLE, PrincipalArn: PROVIDER, SAMLAssertion: assertion },
    });
    const results = await botocore(sts.url, [
      call('ok', signed()),
      call('invalid', signed({}, otherIdp)),
      call('expired', signed({ notOnOrAfter: new Date(Date.now() - 10 * 60 * 1000) })),
      call('rejected', signed({ status: 'urn:oasis:names:tc:SAML:2.0:status:Requester' })),
      call('success-status', signed({ status: 'urn:oasis:names:tc:SAML:2.0:status:Success' })),
    ]);
    expect(result(results, 'ok').response).toMatchObject({
      Credentials: {
        AccessKeyId: matching(/^ASIA/),
        SecretAccessKey: anyString,
        SessionToken: anyString,
        Expiration: anyString,
      },
      AssumedRoleUser: { Arn: 'arn:aws:sts::111111111111:assumed-role/SamlDeveloper/alice@corp.example' },
      Subject: 'alice',
      SubjectType: 'persistent',
      Issuer: 'https://idp.corp.example/saml',
      Audience: 'https://signin.aws.amazon.com/saml',
      NameQualifier: anyString,
    });
    expect(result(results, 'invalid')).toMatchObject({
      code: 'InvalidIdentityToken',
      status: 400,
      exception: 'InvalidIdentityTokenException',
    });
    expect(result(results, 'rejected')).toMatchObject({
      code: 'IDPRejectedClaim',
      status: 403,
      exception: 'IDPRejectedClaimException',
    });
    expect(result(results, 'success-status').ok).toBe(true);
    expect(result(results, 'expired')).toMatchObject({
      code: 'ExpiredTokenException',
      status: 400,
      exception: 'ExpiredTokenException',
    });
  });
});
