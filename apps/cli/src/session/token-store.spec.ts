import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accessTokenFor, LoginRequiredError } from './access-token';
import { InvalidBrokerUrlError, normalizeBrokerUrl } from './broker-url';
import { TokenStore, UnsafeTokenFileError, configDirectory } from './token-store';

const TOKENS = { accessToken: 'at-1', refreshToken: 'rt-1', expiresAt: '2099-01-01T00:00:00.000Z' };

describe('TokenStore', () => {
  let home: string;
  let env: Record<string, string>;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'fedgate-tokens-'));
    env = { XDG_CONFIG_HOME: join(home, 'config'), HOME: home };
  });
  afterEach(() => {
    rmSync(home, { recursive: true, force: true });
  });

  it('keeps tokens per broker in a 0600 file in a 0700 directory under XDG_CONFIG_HOME', async () => {
    const store = new TokenStore(env);
    await store.put('https://fedgate.example.com/', TOKENS, { makeDefault: true });
    await store.put('http://127.0.0.1:8080', { ...TOKENS, accessToken: 'at-2' });
    expect(store.file).toBe(join(home, 'config', 'fedgate', 'tokens.json'));
    expect(statSync(store.directory).mode & 0o777).toBe(0o700);
    expect(statSync(store.file).mode & 0o777).toBe(0o600);
    await expect(store.get('https://FEDGATE.example.com')).resolves.toEqual(TOKENS);
    await expect(store.get('http://127.0.0.1:8080/')).resolves.toEqual({ ...TOKENS, accessToken: 'at-2' });
    await expect(store.defaultBrokerUrl()).resolves.toBe('https://fedgate.example.com');
    await store.remove('https://fedgate.example.com');
    await expect(store.get('https://fedgate.example.com')).resolves.toBeUndefined();
    await expect(store.defaultBrokerUrl()).resolves.toBe('https://fedgate.example.com');
  });

  it('falls back to ~/.config/fedgate, ignoring a relative XDG_CONFIG_HOME', () => {
    expect(configDirectory({ HOME: '/home/ann' })).toBe('/home/ann/.config/fedgate');
    expect(configDirectory({ HOME: '/home/ann', XDG_CONFIG_HOME: 'rel' })).toBe('/home/ann/.config/fedgate');
  });

  it('reads nothing when there is no file yet, and creates no directory for it', async () => {
    const store = new TokenStore(env);
    await expect(store.read()).resolves.toEqual({ brokers: {} });
    expect(() => statSync(store.directory)).toThrow();
  });

  it('refuses a token file that is a symbolic link, and does not write through it', async () => {
    const store = new TokenStore(env);
    mkdirSync(store.directory, { recursive: true, mode: 0o700 });
    const target = join(home, 'elsewhere.json');
    writeFileSync(target, JSON.stringify({ brokers: {} }), { mode: 0o600 });
    symlinkSync(target, store.file);
    await expect(store.read()).rejects.toThrow(UnsafeTokenFileError);
    await expect(store.put('https://fedgate.example.com', TOKENS)).rejects.toThrow(/symbolic link/);
    expect(readFileSync(target, 'utf8')).toBe(JSON.stringify({ brokers: {} }));
  });

  it('refuses a config directory that is a symbolic link', async () => {
    mkdirSync(join(home, 'real'), { mode: 0o700 });
    mkdirSync(join(home, 'config'));
    symlinkSync(join(home, 'real'), join(home, 'config', 'fedgate'));
    await expect(new TokenStore(env).put('https://fedgate.example.com', TOKENS)).rejects.toThrow(
      /fedgate: it is a symbolic link/,
    );
  });

  it('refuses a token file others can read, naming the fix', async () => {
    const store = new TokenStore(env);
    await store.put('https://fedgate.example.com', TOKENS);
    chmodSync(store.file, 0o644);
    await expect(store.read()).rejects.toThrow(/others may read it \(mode 644\); run chmod 600/);
  });

  it('tightens a config directory of ours that others can enter', async () => {
    const store = new TokenStore(env);
    mkdirSync(store.directory, { recursive: true, mode: 0o755 });
    chmodSync(store.directory, 0o755);
    await store.put('https://fedgate.example.com', TOKENS);
    expect(statSync(store.directory).mode & 0o777).toBe(0o700);
  });

  it('refuses a file it did not write', async () => {
    const store = new TokenStore(env);
    mkdirSync(store.directory, { recursive: true, mode: 0o700 });
    writeFileSync(store.file, '{"brokers":{"__proto__":{"accessToken":"x"}}}', { mode: 0o600 });
    await expect(store.read()).rejects.toThrow(/not a fedgate token file/);
  });

  it('keeps every record when many processes write at once (the lock serializes them)', async () => {
    const stores = Array.from({ length: 10 }, () => new TokenStore(env));
    await Promise.all(
      stores.map((store, index) =>
        store.put(`https://broker-${index}.example.com`, { ...TOKENS, accessToken: `at-${index}` }),
      ),
    );
    const file = await new TokenStore(env).read();
    expect(Object.keys(file.brokers).sort()).toHaveLength(10);
    expect(file.brokers['https://broker-7.example.com']?.accessToken).toBe('at-7');
  });
});

describe('normalizeBrokerUrl', () => {
  it('files a broker under one spelling', () => {
    expect(normalizeBrokerUrl('https://Fedgate.Example.com:443/base/')).toBe(
      'https://fedgate.example.com/base',
    );
    expect(normalizeBrokerUrl('http://127.0.0.1:8080/')).toBe('http://127.0.0.1:8080');
  });

  it.each([
    ['fedgate.example.com', /is not a URL/],
    ['ftp://fedgate.example.com', /must start with https/],
    ['http://fedgate.example.com', /must use https/],
    ['https://ann:pw@fedgate.example.com', /user name or password/],
    ['https://fedgate.example.com/?x=1', /query or fragment/],
  ])('refuses %s', (value, message) => {
    expect(() => normalizeBrokerUrl(value)).toThrow(InvalidBrokerUrlError);
    expect(() => normalizeBrokerUrl(value)).toThrow(message);
  });
});

describe('accessTokenFor without a login', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'fedgate-tokens-'));
  });
  afterEach(() => {
    rmSync(home, { recursive: true, force: true });
  });

  it('says to run fedgate login when no broker was ever logged in to', async () => {
    const attempt = accessTokenFor(undefined, { env: { HOME: home } });
    await expect(attempt).rejects.toThrow(LoginRequiredError);
    await expect(accessTokenFor(undefined, { env: { HOME: home } })).rejects.toThrow(
      'not logged in to any broker: run fedgate login --url <url>',
    );
  });

  it('names the broker in the command to run', async () => {
    await expect(accessTokenFor('https://fedgate.example.com/', { env: { HOME: home } })).rejects.toThrow(
      'not logged in to https://fedgate.example.com: run fedgate login --url https://fedgate.example.com',
    );
  });

  it('returns a stored access token that is not about to expire, without asking the broker', async () => {
    const env = { HOME: home };
    await new TokenStore(env).put('https://unreachable.invalid', TOKENS, { makeDefault: true });
    await expect(accessTokenFor(undefined, { env })).resolves.toEqual({
      brokerUrl: 'https://unreachable.invalid',
      accessToken: 'at-1',
    });
  });
});
