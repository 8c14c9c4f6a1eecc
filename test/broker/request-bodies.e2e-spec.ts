/**
 * Request bodies (docs/http-api.md#request-bodies): JSON everywhere, forms only
 * where documented, ambiguous or corrupt bodies refused with a clear 400, and
 * a route that needs a session answers 401 before it reads a large body.
 */
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { configFrom, HttpClient, startBroker, type RunningBroker } from './broker-harness';
import { ALICE_PASSWORD, BROKER_SECRET_KEY, sliceConfig } from './slice-config';

let started: RunningBroker | undefined;

/** The broker of this file (beforeAll failing leaves none, and afterAll then has nothing to stop). */
function broker(): RunningBroker {
  if (started === undefined) {
    throw new Error('the broker did not start');
  }
  return started;
}

beforeAll(async () => {
  // Nothing here reaches STS: a closed port stands in for it.
  started = await startBroker(
    configFrom(await sliceConfig('http://127.0.0.1:1'), { BROKER_SECRET: BROKER_SECRET_KEY }),
  );
});

afterAll(async () => {
  await started?.stop();
});

async function post(
  path: string,
  body: string | Buffer,
  headers: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown>; text: string }> {
  const response = await fetch(`${broker().url}${path}`, { method: 'POST', headers, body });
  const text = await response.text();
  const json = response.headers.get('content-type')?.startsWith('application/json') === true;
  return { status: response.status, body: json ? (JSON.parse(text) as Record<string, unknown>) : {}, text };
}

const JSON_HEADERS = { 'content-type': 'application/json' };
const FORM_HEADERS = { 'content-type': 'application/x-www-form-urlencoded' };

function errorLines(): string[] {
  return broker()
    .logs.text()
    .split('\n')
    .filter((line) => line.includes('"level":50'));
}

describe('JSON bodies', () => {
  it('says that malformed JSON is not valid JSON', async () => {
    const response = await post('/auth/demo/login', '{"username":"alice","password":', JSON_HEADERS);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      error: 'invalid_request',
      message: 'The request body is not valid JSON',
    });
  });

  it('refuses a body without a JSON Content-Type, never echoing it', async () => {
    const body = JSON.stringify({ username: 'alice', password: 'not-echoed-password' });
    const variants: Record<string, string>[] = [{}, { 'content-type': 'text/plain' }];
    for (const headers of variants) {
      const response = await post('/auth/demo/login', body, headers);
      expect(response.status).toBe(400);
      expect(response.body.message).toBe(
        'The request body must be JSON (Content-Type: application/json) or a form (Content-Type: application/x-www-form-urlencoded)',
      );
      expect(response.text).not.toContain('not-echoed-password');
    }
  });

  it('refuses a malformed Content-Type like any other that is not JSON, after the session check', async () => {
    const body = JSON.stringify({ username: 'alice', password: 'not-echoed-password' });
    const login = await post('/auth/demo/login', body, { 'content-type': 'json' });
    expect(login.status).toBe(400);
    expect(login.body.message).toBe(
      'The request body must be JSON (Content-Type: application/json) or a form (Content-Type: application/x-www-form-urlencoded)',
    );
    const guarded = await post('/api/v1/credentials', body, { 'content-type': 'json' });
    expect(guarded.status).toBe(401);
    expect(guarded.body.error).toBe('unauthenticated');
  });

  it('answers a malformed URL with the usual JSON error', async () => {
    const response = await fetch(`${broker().url}/api/v1/%zz`);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: 'invalid_request',
      message: 'The request could not be read',
    });
  });

  it('refuses an object that names a key twice, whichever comes last', async () => {
    const body = `{"username":"alice","password":"wrong-password","password":${JSON.stringify(ALICE_PASSWORD)}}`;
    const response = await post('/auth/demo/login', body, JSON_HEADERS);
    expect(response.status).toBe(400);
    expect(response.body.message).toBe(
      'The request body is ambiguous: an object has the key "password" more than once',
    );
    expect(response.text).not.toContain(ALICE_PASSWORD);
  });
});

describe('forms', () => {
  it('are taken by the password login', async () => {
    const form = new URLSearchParams({ username: 'alice', password: ALICE_PASSWORD }).toString();
    const response = await post('/auth/demo/login', form, FORM_HEADERS);
    expect(response.status).toBe(200);
    expect(response.body.user).toMatchObject({ username: 'alice' });
  });

  it('are taken by the SAML Assertion Consumer Service, and a field given twice is refused', async () => {
    const twice = await post('/auth/demo/callback', 'SAMLResponse=a&SAMLResponse=b', FORM_HEADERS);
    expect(twice.status).toBe(400);
    expect(twice.body.message).toBe('The form has the field "SAMLResponse" more than once');
    // Read and handed to the sign-in flow, which refuses it for its own reason (demo is no SAML connector).
    const once = await post('/auth/demo/callback', 'SAMLResponse=PHNhbWw%2B&RelayState=r', FORM_HEADERS);
    expect(once.status).toBe(400);
    expect(once.text).toContain('unsupported_operation');
  });

  it('are refused by the JSON API', async () => {
    const alice = new HttpClient(broker().url);
    expect((await alice.login('demo', 'alice', ALICE_PASSWORD)).status).toBe(200);
    const response = await alice.request('POST', '/api/v1/credentials', {
      body: 'accountId=sandbox&permissionSet=Developer',
      headers: FORM_HEADERS,
    });
    expect(response.status).toBe(400);
    expect(response.body.message).toBe(
      'The request body must be JSON, sent with Content-Type: application/json',
    );
    expect(broker().stsCalls()).toBe(0);
  });
});

describe('compressed bodies', () => {
  // An unknown user, so these refusals do not throttle alice's sign-ins.
  const login = JSON.stringify({ username: 'nobody', password: 'wrong-password' });

  it.each([
    ['gzip', gzipSync(login)],
    ['deflate', deflateSync(login)],
    ['br', brotliCompressSync(login)],
  ])('reads a %s body', async (encoding, body) => {
    const response = await post('/auth/demo/login', body, { ...JSON_HEADERS, 'content-encoding': encoding });
    expect(response.status).toBe(401);
    expect(response.body.error).toBe('invalid_credentials');
  });

  it.each(['gzip', 'deflate', 'br'])(
    'answers a corrupt %s body with 400 and no error in the log',
    async (encoding) => {
      const before = errorLines().length;
      const response = await post('/auth/demo/login', 'these bytes are not compressed', {
        ...JSON_HEADERS,
        'content-encoding': encoding,
      });
      expect(response.status).toBe(400);
      expect(response.body).toEqual({
        error: 'invalid_request',
        message: 'The request body could not be decompressed: it is not valid for its Content-Encoding',
      });
      expect(errorLines().length).toBe(before);
    },
  );

  it('refuses an unknown Content-Encoding', async () => {
    const response = await post('/auth/demo/login', login, { ...JSON_HEADERS, 'content-encoding': 'zip' });
    expect(response.status).toBe(400);
    expect(response.body.message).toBe(
      'The request body has an unsupported Content-Encoding: send it as identity, gzip, deflate or br',
    );
  });

  it('counts the limit after decompression, so a small bomb is too large', async () => {
    const bomb = gzipSync(`{"username":"${'a'.repeat(1_000_000)}"}`);
    expect(bomb.length).toBeLessThan(65_536);
    const response = await post('/auth/demo/login', bomb, { ...JSON_HEADERS, 'content-encoding': 'gzip' });
    expect(response.status).toBe(413);
    expect(response.body.error).toBe('payload_too_large');
  });
});

describe('large bodies', () => {
  const big = `{"accountId":"${'x'.repeat(1_000_000)}"}`;

  it('answer 401 before 413 on a route that needs a session', async () => {
    const response = await post('/api/v1/credentials', big, JSON_HEADERS);
    expect(response.status).toBe(401);
    expect(response.body.error).toBe('unauthenticated');
  });

  it('answer 413 once the session is good, and on sign-in', async () => {
    const alice = new HttpClient(broker().url);
    expect((await alice.login('demo', 'alice', ALICE_PASSWORD)).status).toBe(200);
    const signedIn = await alice.request('POST', '/api/v1/credentials', { body: big, headers: JSON_HEADERS });
    expect(signedIn.status).toBe(413);
    const login = await post('/auth/demo/login', big, JSON_HEADERS);
    expect(login.status).toBe(413);
  });
});
