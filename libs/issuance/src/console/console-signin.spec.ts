import { inspect } from 'node:util';
import { FedgateError } from '@fedgate/core';
import type { IssuedCredentials } from '../issued-credentials';
import { ConsoleSignin, consoleSessionDuration } from './console-signin';

const ENDPOINT = 'http://127.0.0.1:8090/federation';
const ISSUER = 'https://fedgate.example.com/';
const SIGNIN_TOKEN = 'tok+en/with=special&chars-0123456789';

const ROLE: IssuedCredentials = {
  accessKeyId: 'ASIAUNITTEST00000001',
  secretAccessKey: 'unit-secret-key+/=0123456789abcdefghij',
  sessionToken: 'unit-session-token+/=ZZZZZZZZZZZZZZZZZZZZ0123456789',
  expiration: new Date('2030-01-01T00:00:00Z'),
  accountId: '111111111111',
  kind: 'role',
  assumedRoleArn: 'arn:aws:sts::111111111111:assumed-role/Dev/alice.0a1b2c3d',
};
const FEDERATED: IssuedCredentials = { ...ROLE, kind: 'federated-user' };
const SECRETS = [ROLE.secretAccessKey, ROLE.sessionToken, SIGNIN_TOKEN];

interface Recorded {
  url: string;
  init: RequestInit | undefined;
}

/** A stand-in for the HTTP transport (what is under test is the exchange around it). */
function fakeFetch(respond: (url: string) => Response | Promise<Response>): {
  fetch: typeof fetch;
  calls: Recorded[];
} {
  const calls: Recorded[] = [];
  const fake: typeof fetch = (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    calls.push({ url, init });
    return Promise.resolve(respond(url));
  };
  return { fetch: fake, calls };
}

function tokenResponse(): Response {
  return new Response(JSON.stringify({ SigninToken: SIGNIN_TOKEN }), {
    status: 200,
    headers: { 'content-type': 'application/json' },
  });
}

function signin(fetchImpl: typeof fetch, timeoutMs = 5000): ConsoleSignin {
  return new ConsoleSignin({ issuer: ISSUER, timeoutMs, fetch: fetchImpl });
}

const TARGET = {
  partition: 'aws',
  signinUrl: ENDPOINT,
  destination: 'https://console.aws.amazon.com/',
} as const;

async function failure(promise: Promise<unknown>): Promise<FedgateError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof FedgateError) {
      return error;
    }
    throw error;
  }
  throw new Error('expected a failure');
}

/** Everything an error carries that could reach a log or a client. */
function expectNoSecrets(error: FedgateError): void {
  const seen = JSON.stringify({
    message: error.message,
    detail: error.detail,
    stack: error.stack,
    // The whole error as a log line would show it, causes included.
    inspected: inspect(error, { depth: 6 }),
  });
  for (const secret of SECRETS) {
    expect(seen).not.toContain(secret);
    expect(seen).not.toContain(encodeURIComponent(secret));
  }
  expect(seen).not.toContain('Session=');
  expect(seen).not.toContain('getSigninToken&');
}

describe('consoleSessionDuration', () => {
  it('is sent only for role credentials, clamped to 900–43200 and never above what was asked', () => {
    expect(consoleSessionDuration('role', 3600)).toBe(3600);
    expect(consoleSessionDuration('role', 1800.9)).toBe(1800);
    expect(consoleSessionDuration('role', 100_000)).toBe(43_200);
    expect(consoleSessionDuration('role', 43_200)).toBe(43_200);
    expect(consoleSessionDuration('role', 60)).toBe(900);
    expect(consoleSessionDuration('role', undefined)).toBeUndefined();
    expect(consoleSessionDuration('federated-user', 3600)).toBeUndefined();
    expect(consoleSessionDuration('federated-user', undefined)).toBeUndefined();
    expect(() => consoleSessionDuration('role', Number.NaN)).toThrow(FedgateError);
  });
});

describe('ConsoleSignin', () => {
  it('refuses an issuer that is not an http(s) URL and a bad timeout', () => {
    expect(() => new ConsoleSignin({ issuer: 'fedgate', timeoutMs: 1000 })).toThrow(FedgateError);
    expect(() => new ConsoleSignin({ issuer: 'javascript:alert(1)', timeoutMs: 1000 })).toThrow(FedgateError);
    expect(() => new ConsoleSignin({ issuer: ISSUER, timeoutMs: 0 })).toThrow(FedgateError);
  });

  it('asks getSigninToken with the session credentials, then builds the login URL', async () => {
    const fake = fakeFetch(tokenResponse);
    const url = await signin(fake.fetch).signinUrl(ROLE, {
      ...TARGET,
      destination: 'https://us-east-1.console.aws.amazon.com/s3/home?region=us-east-1#x(y)',
      sessionDurationSeconds: 7200,
    });

    expect(fake.calls).toHaveLength(1);
    const request = new URL(fake.calls[0]!.url);
    expect(`${request.origin}${request.pathname}`).toBe(ENDPOINT);
    expect([...request.searchParams.keys()]).toEqual(['Action', 'SessionDuration', 'Session']);
    expect(request.searchParams.get('Action')).toBe('getSigninToken');
    expect(request.searchParams.get('SessionDuration')).toBe('7200');
    expect(JSON.parse(request.searchParams.get('Session')!)).toEqual({
      sessionId: ROLE.accessKeyId,
      sessionKey: ROLE.secretAccessKey,
      sessionToken: ROLE.sessionToken,
    });
    expect(fake.calls[0]!.init).toMatchObject({ method: 'GET', redirect: 'manual' });
    expect(fake.calls[0]!.init?.signal).toBeInstanceOf(AbortSignal);

    expect(url).toBe(
      `${ENDPOINT}?Action=login` +
        '&Issuer=https%3A%2F%2Ffedgate.example.com%2F' +
        '&Destination=https%3A%2F%2Fus-east-1.console.aws.amazon.com%2Fs3%2Fhome%3Fregion%3Dus-east-1%23x%28y%29' +
        '&SigninToken=tok%2Ben%2Fwith%3Dspecial%26chars-0123456789',
    );
    const login = new URL(url);
    expect(Object.fromEntries(login.searchParams)).toEqual({
      Action: 'login',
      Issuer: ISSUER,
      Destination: 'https://us-east-1.console.aws.amazon.com/s3/home?region=us-east-1#x(y)',
      SigninToken: SIGNIN_TOKEN,
    });
  });

  it('uses the partition federation endpoint when no signinUrl is configured', async () => {
    const fake = fakeFetch(tokenResponse);
    const url = await signin(fake.fetch).signinUrl(ROLE, {
      partition: 'aws-cn',
      destination: 'https://console.amazonaws.cn/',
    });
    expect(fake.calls[0]!.url).toMatch(
      /^https:\/\/signin\.amazonaws\.cn\/federation\?Action=getSigninToken&/,
    );
    expect(url).toMatch(/^https:\/\/signin\.amazonaws\.cn\/federation\?Action=login&/);
    expect(new URL(url).searchParams.get('Destination')).toBe('https://console.amazonaws.cn/');
  });

  it('sends a clamped SessionDuration for role credentials only', async () => {
    const durations = async (credentials: IssuedCredentials, seconds?: number) => {
      const fake = fakeFetch(tokenResponse);
      await signin(fake.fetch).signinUrl(credentials, { ...TARGET, sessionDurationSeconds: seconds });
      return new URL(fake.calls[0]!.url).searchParams.get('SessionDuration');
    };
    expect(await durations(ROLE, 100_000)).toBe('43200');
    expect(await durations(ROLE, 300)).toBe('900');
    expect(await durations(ROLE, 3600)).toBe('3600');
    expect(await durations(ROLE)).toBeNull();
    expect(await durations(FEDERATED, 3600)).toBeNull();
    expect(await durations(FEDERATED)).toBeNull();
  });

  it('checks the destination before any request', async () => {
    const fake = fakeFetch(tokenResponse);
    for (const destination of [
      'https://console.aws.amazon.com.evil.example/',
      'https://console.amazonaws.cn/',
      'http://console.aws.amazon.com/',
    ]) {
      const error = await failure(signin(fake.fetch).signinUrl(ROLE, { ...TARGET, destination }));
      expect(error.code).toBe('invalid_request');
    }
    expect(fake.calls).toHaveLength(0);
  });

  it('maps network failures to upstream_unavailable without the URL or its secrets', async () => {
    const fake = fakeFetch((url) => {
      // What fetch itself throws can quote the whole URL.
      throw new TypeError(`Failed to parse URL from ${url}`, {
        cause: Object.assign(new Error(`connect ECONNREFUSED ${url}`), { code: 'ECONNREFUSED' }),
      });
    });
    const error = await failure(signin(fake.fetch).signinUrl(ROLE, TARGET));
    expect(error.code).toBe('upstream_unavailable');
    expect(error.message).toBe('The console federation endpoint could not be reached');
    expect(error.phase).toBe('console.get-signin-token');
    expect(error.detail).toMatchObject({
      endpoint: ENDPOINT,
      errorName: 'TypeError',
      errorCode: 'ECONNREFUSED',
    });
    expect(error.cause).toBeUndefined();
    expectNoSecrets(error);
  });

  it('gives up after timeoutMs', async () => {
    const hanging = ((_input: string, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => {
          // The signal's own reason (a DOMException from another realm under jest).
          reject(init.signal?.reason as Error);
        });
      })) as typeof fetch;
    const started = Date.now();
    const error = await failure(signin(hanging, 100).signinUrl(ROLE, TARGET));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(error.code).toBe('upstream_unavailable');
    expect(error.message).toBe('The console federation endpoint did not answer within 100 ms');
    expect(error.detail.errorName).toBe('TimeoutError');
    expectNoSecrets(error);
  });

  it('maps the endpoint answers to error codes, keeping only harmless reasons for operators', async () => {
    const cases: [Response, string, string | undefined][] = [
      [
        new Response('The session credentials are invalid\n', { status: 400 }),
        'sts_rejected',
        'The session credentials are invalid',
      ],
      [
        new Response('SessionDuration cannot be used with GetFederationToken credentials', { status: 400 }),
        'sts_rejected',
        'SessionDuration cannot be used with GetFederationToken credentials',
      ],
      [new Response(`bad session ${ROLE.sessionToken}`, { status: 400 }), 'sts_rejected', undefined],
      [
        new Response(`bad ${encodeURIComponent(ROLE.secretAccessKey)}`, { status: 403 }),
        'sts_rejected',
        undefined,
      ],
      [new Response(`bad key ${ROLE.sessionToken.slice(0, 30)}`, { status: 403 }), 'sts_rejected', undefined],
      [new Response('<html><body>Forbidden</body></html>', { status: 403 }), 'sts_rejected', undefined],
      [new Response('slow down', { status: 429 }), 'upstream_throttled', 'slow down'],
      [new Response('oops', { status: 500 }), 'upstream_unavailable', 'oops'],
      [new Response(null, { status: 503 }), 'upstream_unavailable', undefined],
      [
        new Response(null, { status: 302, headers: { location: 'https://evil.example/' } }),
        'upstream_unavailable',
        undefined,
      ],
    ];
    for (const [response, code, reason] of cases) {
      const status = response.status;
      const error = await failure(signin(fakeFetch(() => response).fetch).signinUrl(ROLE, TARGET));
      expect({ status, code: error.code, reason: error.detail.reason, phase: error.phase }).toEqual({
        status,
        code,
        reason,
        phase: 'console.get-signin-token',
      });
      expect(error.message).toContain(code === 'upstream_throttled' ? 'throttling' : `HTTP ${status}`);
      expectNoSecrets(error);
    }
  });

  it("says when to retry a throttled sign-in: the endpoint's Retry-After, else 5 seconds", async () => {
    for (const [header, expected] of [
      ['12', 12],
      [undefined, 5],
      ['soon', 5],
      ['0', 5],
    ] as const) {
      const headers: Record<string, string> = header === undefined ? {} : { 'retry-after': header };
      const response = new Response('slow down', { status: 429, headers });
      const error = await failure(signin(fakeFetch(() => response).fetch).signinUrl(ROLE, TARGET));
      expect({ header, retryAfter: error.retryAfterSeconds }).toEqual({
        header,
        retryAfter: expected,
      });
    }
  });

  it('refuses a 200 answer without a usable sign-in token, without quoting it', async () => {
    for (const body of [
      'not json',
      '{}',
      '{"SigninToken":""}',
      '{"SigninToken":42}',
      `{"SigninToken":"has space ${SIGNIN_TOKEN}"}`,
      'null',
    ]) {
      const error = await failure(
        signin(fakeFetch(() => new Response(body, { status: 200 })).fetch).signinUrl(ROLE, TARGET),
      );
      expect(error.code).toBe('upstream_unavailable');
      expect(error.message).toBe('The console federation endpoint answered without a sign-in token');
      expect(error.detail.status).toBe(200);
      expectNoSecrets(error);
    }
  });
});
