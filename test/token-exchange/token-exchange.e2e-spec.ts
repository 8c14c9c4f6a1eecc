/**
 * Token exchange (RFC 8693) through the broker: POST /oauth/token with a
 * custom broker's assertion, a partner's private_key_jwt and a GitHub
 * Actions token, answered with credentials from sts-local (used with
 * GetCallerIdentity), a console URL or a fedgate access token for
 * /api/v1/*. Each refusal has its own code, issues nothing (no STS call),
 * and is audited with the caller and the phase; no token, secret or
 * credential is logged.
 */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { TOKEN_EXCHANGE_GRANT } from '@fedgate/token-exchange';
import { configFrom, startBroker, type RunningBroker } from '../broker/broker-harness';
import { BROKER_SECRET_KEY } from '../broker/slice-config';
import { freePort } from '../harness/processes';
import { startTestStsLocal, stsLocalConfigFrom, type TestStsLocal } from '../harness/sts-local';
import { githubActionsClaims, LocalIssuer } from './local-issuer';
import {
  callerKey,
  clientAssertion,
  CLIENT_SECRET,
  corpClaims,
  STS_LOCAL_YAML,
  tokenExchangeBrokerYaml,
  type CallerKey,
} from './token-exchange-fixture';

const JWT_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
const CREDENTIALS_TYPE = 'urn:fedgate:params:oauth:token-type:aws-credentials';
const CONSOLE_TYPE = 'urn:fedgate:params:oauth:token-type:aws-console-url';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

const now = (): number => Math.floor(Date.now() / 1000);
const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

describe('token exchange through the broker', () => {
  const env = { BROKER_SECRET: BROKER_SECRET_KEY };
  let sts: TestStsLocal;
  let corp: LocalIssuer;
  let github: LocalIssuer;
  let partner: CallerKey;
  let broker: RunningBroker;
  let publicUrl: string;
  /** Every secret sent or received: none may appear in the broker's logs. */
  const secrets = new Set<string>([CLIENT_SECRET]);

  beforeAll(async () => {
    const port = await freePort();
    publicUrl = `http://127.0.0.1:${port}`;
    sts = await startTestStsLocal(stsLocalConfigFrom(STS_LOCAL_YAML, env));
    corp = await LocalIssuer.start('RS256');
    github = await LocalIssuer.start('RS256');
    partner = await callerKey();
    const yaml = await tokenExchangeBrokerYaml({
      publicUrl,
      stsUrl: sts.url,
      corpIssuer: corp.issuer,
      corpJwksUrl: corp.jwksUrl,
      githubIssuer: github.issuer,
      githubJwksUrl: github.jwksUrl,
      partnerKeyPem: partner.publicPem,
    });
    // An admin the corp issuer asserts, for the revocation test (POST /api/v1/admin/revoke).
    const admins = `\nadmins: { users: ['corp-assertions:${corp.issuer}#ops-root'] }\n`;
    broker = await startBroker(configFrom(yaml + admins, env), { port });
  });

  afterAll(async () => {
    await broker.stop();
    await corp.stop();
    await github.stop();
    await sts.stop();
    const logs = broker.logs.text();
    expect([...secrets].filter((secret) => logs.includes(secret))).toEqual([]);
  });

  async function exchange(
    params: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<Answer> {
    for (const key of ['subject_token', 'client_secret', 'client_assertion']) {
      if (params[key] !== undefined) {
        secrets.add(params[key]);
      }
    }
    const response = await fetch(`${publicUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams({ grant_type: TOKEN_EXCHANGE_GRANT, ...params }).toString(),
    });
    const body = (await response.json()) as Record<string, unknown>;
    for (const key of ['access_token', 'SecretAccessKey', 'SessionToken']) {
      if (typeof body[key] === 'string') {
        secrets.add(body[key]);
      }
    }
    return { status: response.status, body, headers: response.headers };
  }

  const corpToken = (extra: Record<string, unknown> = {}) => corp.mint(corpClaims(now(), publicUrl, extra));
  const githubToken = (extra: Record<string, unknown> = {}) =>
    github.mint({ ...githubActionsClaims(now(), publicUrl), ...extra });
  const asPayrollPortal = { authorization: basic('payroll-portal', CLIENT_SECRET) };

  function auditLines(event: string): Record<string, unknown>[] {
    return broker.logs.lines().filter((line) => line.msg === 'audit' && line.event === event);
  }

  it('gives a custom broker credentials that STS accepts, audited with the caller and what it asserted', async () => {
    const answer = await exchange(
      {
        subject_token: await corpToken(),
        subject_token_type: JWT_TYPE,
        resource: 'urn:fedgate:aws:sandbox:Developer',
      },
      asPayrollPortal,
    );
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.body).toMatchObject({
      Version: 1,
      issued_token_type: CREDENTIALS_TYPE,
      token_type: 'N_A',
      AccountId: '123456789012',
    });
    expect(answer.body.access_token).toBe(answer.body.SessionToken);
    expect(answer.body.expires_in).toBeGreaterThan(3000);
    const client = new STSClient({
      endpoint: sts.url,
      region: 'us-east-1',
      credentials: {
        accessKeyId: answer.body.AccessKeyId as string,
        secretAccessKey: answer.body.SecretAccessKey as string,
        sessionToken: answer.body.SessionToken as string,
      },
    });
    const identity = await client.send(new GetCallerIdentityCommand({}));
    client.destroy();
    expect(identity.Arn).toMatch(/^arn:aws:sts::123456789012:assumed-role\/fedgate-Developer\/alice\./);

    const accepted = auditLines('token_exchange').at(-1);
    expect(accepted).toMatchObject({
      outcome: 'accepted',
      caller: 'payroll-portal',
      callerAuthentication: 'client_secret',
      connector: 'corp-assertions',
      subject: `${corp.issuer}#employee-4711`,
      assertedIssuer: corp.issuer,
      assertedUsername: 'alice',
    });
    expect(auditLines('issue_credentials').at(-1)).toMatchObject({
      outcome: 'success',
      via: 'token_exchange',
      caller: 'payroll-portal',
      connector: 'corp-assertions',
      sourceIdentity: 'alice',
    });
  });

  it('gives a console URL when asked for one', async () => {
    const answer = await exchange(
      {
        subject_token: await corpToken(),
        subject_token_type: JWT_TYPE,
        resource: 'urn:fedgate:aws:123456789012:Developer',
        requested_token_type: CONSOLE_TYPE,
      },
      asPayrollPortal,
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      issued_token_type: CONSOLE_TYPE,
      token_type: 'N_A',
      expires_in: 900,
    });
    const url = new URL(answer.body.access_token as string);
    expect(`${url.origin}${url.pathname}`).toBe(`${sts.url}/federation`);
    expect(url.searchParams.get('Action')).toBe('login');
    expect(auditLines('console_signin').at(-1)).toMatchObject({
      outcome: 'success',
      caller: 'payroll-portal',
    });
  });

  it('gives a fedgate access token that /api/v1/* accepts as the asserted user', async () => {
    const answer = await exchange(
      { subject_token: await corpToken(), subject_token_type: JWT_TYPE },
      asPayrollPortal,
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ issued_token_type: ACCESS_TOKEN_TYPE, token_type: 'Bearer' });
    expect(answer.body.refresh_token).toBeUndefined();
    const me = await fetch(`${publicUrl}/api/v1/me`, {
      headers: { authorization: `Bearer ${answer.body.access_token as string}` },
    });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ connectorId: 'corp-assertions', username: 'alice' });
  });

  it("refuses a subject token issued before the subject's revocation, and takes one issued after", async () => {
    // carol, not alice: a revocation voids every token of its user issued in its second or before.
    const carol = { sub: 'employee-4712', preferred_username: 'carol' };
    const developer = { subject_token_type: JWT_TYPE, resource: 'urn:fedgate:aws:sandbox:Developer' };
    const older = await corp.mint(corpClaims(now() - 5, publicUrl, carol));
    const olderForAccess = await corp.mint(corpClaims(now() - 5, publicUrl, carol));

    const admin = await exchange(
      {
        subject_token: await corpToken({ sub: 'ops-root', preferred_username: 'root' }),
        subject_token_type: JWT_TYPE,
      },
      asPayrollPortal,
    );
    expect(admin.status).toBe(200);
    const revoked = await fetch(`${publicUrl}/api/v1/admin/revoke`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${admin.body.access_token as string}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ user: 'carol', connector: 'corp-assertions' }),
    });
    expect(revoked.status).toBe(200);
    const { issuedBefore, blockedUntil } = (await revoked.json()) as {
      issuedBefore: string;
      blockedUntil: null;
    };
    // No block: only the tokens issued before the revocation are refused.
    expect(blockedUntil).toBeNull();

    const callsBefore = broker.stsCalls();
    for (const [subjectToken, params] of [
      [older, developer],
      [olderForAccess, { subject_token_type: JWT_TYPE }],
    ] as const) {
      const refused = await exchange({ subject_token: subjectToken, ...params }, asPayrollPortal);
      expect([refused.status, refused.body.fedgate_error]).toEqual([400, 'not_entitled']);
      expect(refused.body.AccessKeyId).toBeUndefined();
      expect(refused.body.access_token).toBeUndefined();
      expect(auditLines('token_exchange').at(-1)).toMatchObject({
        outcome: 'refused',
        caller: 'payroll-portal',
        refusal: 'not_entitled',
        phase: 'revocation.issued-before',
        error: 'access_revoked',
      });
    }
    expect(broker.stsCalls()).toBe(callsBefore);

    // A token issued after it (iat is in whole seconds, so the next second) is taken.
    const after = await corp.mint(
      corpClaims(Math.floor(Date.parse(issuedBefore) / 1000) + 1, publicUrl, carol),
    );
    const accepted = await exchange({ subject_token: after, ...developer }, asPayrollPortal);
    expect(accepted.status).toBe(200);
    expect(accepted.body.AccountId).toBe('123456789012');
  });

  it('authenticates a partner with private_key_jwt, and refuses its assertion a second time', async () => {
    const assertion = await clientAssertion(partner, 'partner-app', `${publicUrl}/oauth/token`);
    const params = {
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
      subject_token_type: JWT_TYPE,
      audience: 'urn:fedgate:aws:sandbox:ReadOnly',
    };
    const first = await exchange({ ...params, subject_token: await corpToken() });
    expect(first.status).toBe(200);
    expect(first.body.AccessKeyId).toMatch(/^ASIA/);
    const again = await exchange({ ...params, subject_token: await corpToken() });
    expect(again.status).toBe(401);
    expect(again.body).toMatchObject({
      error: 'invalid_client',
      fedgate_error: 'client_authentication_failed',
    });
  });

  it('gives a GitHub Actions workflow credentials of the set its claims map to, without a client secret', async () => {
    const answer = await exchange({
      client_id: 'github-workflows',
      subject_token: await githubToken(),
      subject_token_type: JWT_TYPE,
      resource: 'urn:fedgate:aws:sandbox:Deployer',
      duration_seconds: '900',
    });
    expect(answer.status).toBe(200);
    expect(answer.body.expires_in).toBeLessThanOrEqual(900);
    expect(auditLines('issue_credentials').at(-1)).toMatchObject({
      caller: 'github-workflows',
      connector: 'github-actions',
      subject: `${github.issuer}#repo:octo-org/octo-repo:environment:prod`,
    });
  });

  it('lists no jwt connector among the sign-in choices', async () => {
    const listing = await fetch(`${publicUrl}/auth/connectors`);
    expect(listing.status).toBe(200);
    expect(await listing.json()).toEqual({ connectors: [] });
  });

  it('advertises the grant and its client authentication in the RFC 8414 metadata', async () => {
    const metadata = (await (await fetch(`${publicUrl}/.well-known/oauth-authorization-server`)).json()) as {
      grant_types_supported: string[];
      token_endpoint_auth_methods_supported: string[];
    };
    expect(metadata.grant_types_supported).toContain('urn:ietf:params:oauth:grant-type:token-exchange');
    expect(metadata.token_endpoint_auth_methods_supported).toEqual(
      expect.arrayContaining(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none']),
    );
  });

  describe('refusals: each its own code, nothing issued, audited with the phase', () => {
    const cases: [string, () => Promise<Answer>, number, string, string][] = [
      [
        'a token of an issuer fedgate does not trust',
        async () => {
          const stranger = await LocalIssuer.start('RS256');
          try {
            return await exchange(
              {
                subject_token: await stranger.mint(corpClaims(now(), 'x')),
                subject_token_type: JWT_TYPE,
                resource: 'urn:fedgate:aws:sandbox:Developer',
              },
              asPayrollPortal,
            );
          } finally {
            await stranger.stop();
          }
        },
        400,
        'invalid_grant',
        'issuer_unknown',
      ],
      [
        'a bad signature',
        async () =>
          exchange(
            {
              subject_token: await corp.mint(corpClaims(now(), publicUrl), 'foreign-key'),
              subject_token_type: JWT_TYPE,
              resource: 'urn:fedgate:aws:sandbox:Developer',
            },
            asPayrollPortal,
          ),
        400,
        'invalid_grant',
        'signature_invalid',
      ],
      [
        'an algorithm the issuer is not allowed',
        async () =>
          exchange(
            {
              subject_token: await corp.mint(corpClaims(now(), publicUrl), 'disallowed-alg'),
              subject_token_type: JWT_TYPE,
              resource: 'urn:fedgate:aws:sandbox:Developer',
            },
            asPayrollPortal,
          ),
        400,
        'invalid_grant',
        'alg_not_allowed',
      ],
      [
        'an unsigned token (alg none)',
        async () =>
          exchange(
            {
              subject_token: await corp.mint(corpClaims(now(), publicUrl), 'unsigned'),
              subject_token_type: JWT_TYPE,
              resource: 'urn:fedgate:aws:sandbox:Developer',
            },
            asPayrollPortal,
          ),
        400,
        'invalid_grant',
        'alg_not_allowed',
      ],
      [
        'an expired token',
        async () =>
          exchange(
            {
              subject_token: await corpToken({ iat: now() - 200, exp: now() - 100 }),
              subject_token_type: JWT_TYPE,
              resource: 'urn:fedgate:aws:sandbox:Developer',
            },
            asPayrollPortal,
          ),
        400,
        'invalid_grant',
        'token_expired',
      ],
      [
        'a token from the future',
        async () =>
          exchange(
            {
              subject_token: await corpToken({ iat: now() + 600, exp: now() + 700 }),
              subject_token_type: JWT_TYPE,
              resource: 'urn:fedgate:aws:sandbox:Developer',
            },
            asPayrollPortal,
          ),
        400,
        'invalid_grant',
        'token_not_yet_valid',
      ],
      [
        'a token without exp',
        async () =>
          exchange(
            {
              subject_token: await corpToken({ exp: undefined }),
              subject_token_type: JWT_TYPE,
              resource: 'urn:fedgate:aws:sandbox:Developer',
            },
            asPayrollPortal,
          ),
        400,
        'invalid_grant',
        'token_claims_missing',
      ],
      [
        'a token for another audience',
        async () =>
          exchange(
            {
              subject_token: await corpToken({ aud: 'https://other.example' }),
              subject_token_type: JWT_TYPE,
              resource: 'urn:fedgate:aws:sandbox:Developer',
            },
            asPayrollPortal,
          ),
        400,
        'invalid_grant',
        'audience_mismatch',
      ],
      [
        'a workflow of another organization (claim condition)',
        async () =>
          exchange({
            client_id: 'github-workflows',
            subject_token: await githubToken({
              repository_owner: 'evil-org',
              repository: 'evil-org/octo-repo',
            }),
            subject_token_type: JWT_TYPE,
            resource: 'urn:fedgate:aws:sandbox:Deployer',
          }),
        400,
        'invalid_grant',
        'claim_condition_failed',
      ],
      [
        'a caller not allowed that issuer',
        async () =>
          exchange(
            {
              subject_token: await githubToken(),
              subject_token_type: JWT_TYPE,
              resource: 'urn:fedgate:aws:sandbox:Developer',
            },
            asPayrollPortal,
          ),
        400,
        'unauthorized_client',
        'caller_not_allowed',
      ],
      [
        'a caller not allowed that permission set',
        async () =>
          exchange(
            {
              subject_token: await corpToken(),
              subject_token_type: JWT_TYPE,
              resource: 'urn:fedgate:aws:sandbox:ReadOnly',
            },
            asPayrollPortal,
          ),
        400,
        'unauthorized_client',
        'caller_not_allowed',
      ],
      [
        'a caller not allowed access tokens',
        async () =>
          exchange({
            client_id: 'github-workflows',
            subject_token: await githubToken(),
            subject_token_type: JWT_TYPE,
          }),
        400,
        'unauthorized_client',
        'caller_not_allowed',
      ],
      [
        'a wrong client secret',
        async () =>
          exchange(
            {
              subject_token: await corpToken(),
              subject_token_type: JWT_TYPE,
              resource: 'urn:fedgate:aws:sandbox:Developer',
            },
            { authorization: basic('payroll-portal', 'not-the-secret-at-all') },
          ),
        401,
        'invalid_client',
        'client_authentication_failed',
      ],
      [
        'a workload client presenting no client_id',
        async () =>
          exchange({
            subject_token: await githubToken(),
            subject_token_type: JWT_TYPE,
            resource: 'urn:fedgate:aws:sandbox:Deployer',
          }),
        400,
        'invalid_request',
        'invalid_request',
      ],
      [
        'a resource that is no fedgate target',
        async () =>
          exchange(
            {
              subject_token: await corpToken(),
              subject_token_type: JWT_TYPE,
              resource: 'https://s3.amazonaws.com/',
            },
            asPayrollPortal,
          ),
        400,
        'invalid_target',
        'invalid_target',
      ],
      [
        'a subject token type fedgate does not read',
        async () =>
          exchange(
            {
              subject_token: await corpToken(),
              subject_token_type: 'urn:ietf:params:oauth:token-type:saml2',
              resource: 'urn:fedgate:aws:sandbox:Developer',
            },
            asPayrollPortal,
          ),
        400,
        'invalid_request',
        'unsupported_token_type',
      ],
      [
        'an identity the mapping does not entitle',
        async () =>
          exchange(
            {
              subject_token: await corpToken({ groups: ['sales'] }),
              subject_token_type: JWT_TYPE,
              resource: 'urn:fedgate:aws:sandbox:Developer',
            },
            asPayrollPortal,
          ),
        400,
        'invalid_target',
        'not_entitled',
      ],
    ];

    it.each(cases)('refuses %s', async (_name, attempt, status, error, code) => {
      const callsBefore = broker.stsCalls();
      const answer = await attempt();
      expect([answer.status, answer.body.error, answer.body.fedgate_error]).toEqual([status, error, code]);
      expect(typeof answer.body.error_description).toBe('string');
      expect(answer.body.AccessKeyId).toBeUndefined();
      expect(broker.stsCalls()).toBe(callsBefore);
    });

    it('audits a refusal with the caller, the asserted issuer and the phase', async () => {
      await exchange(
        {
          subject_token: await corpToken({ aud: 'https://other.example' }),
          subject_token_type: JWT_TYPE,
          resource: 'urn:fedgate:aws:sandbox:Developer',
        },
        asPayrollPortal,
      );
      expect(auditLines('token_exchange').at(-1)).toMatchObject({
        outcome: 'refused',
        caller: 'payroll-portal',
        assertedIssuer: corp.issuer,
        refusal: 'audience_mismatch',
        phase: 'jwt.verify',
        check: 'audience',
        error: 'assertion_invalid',
      });
    });

    it('audits a malformed request too, naming the client it claimed', async () => {
      await exchange(
        {
          subject_token: await corpToken(),
          subject_token_type: JWT_TYPE,
          resource: 'urn:fedgate:aws:sandbox',
        },
        asPayrollPortal,
      );
      expect(auditLines('token_exchange').at(-1)).toMatchObject({
        outcome: 'refused',
        refusal: 'invalid_target',
        phase: 'token-exchange.request',
      });
    });

    it('refuses a replayed token, and of 20 concurrent exchanges of one token exactly one succeeds', async () => {
      const token = await corpToken();
      const answers = await Promise.all(
        Array.from({ length: 20 }, () =>
          exchange(
            {
              subject_token: token,
              subject_token_type: JWT_TYPE,
              resource: 'urn:fedgate:aws:sandbox:Developer',
            },
            asPayrollPortal,
          ),
        ),
      );
      expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
      expect(
        new Set(answers.filter((answer) => answer.status !== 200).map((answer) => answer.body.fedgate_error)),
      ).toEqual(new Set(['token_replayed']));
    });
  });
});
