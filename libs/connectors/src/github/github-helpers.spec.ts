import { FedgateError } from '@fedgate/core';
import { githubEndpoints } from './github-endpoints';
import { nextPage, rateLimitWait } from './github-http';
import { identityOf } from './github-identity';

describe('githubEndpoints', () => {
  it('uses api.github.com for github.com, api.{host} for ghe.com and /api/v3 for Enterprise Server', () => {
    expect(githubEndpoints({ baseUrl: 'https://github.com' })).toEqual({
      authorize: 'https://github.com/login/oauth/authorize',
      token: 'https://github.com/login/oauth/access_token',
      api: 'https://api.github.com',
    });
    expect(githubEndpoints({ baseUrl: 'https://octocorp.ghe.com/' }).api).toBe(
      'https://api.octocorp.ghe.com',
    );
    expect(githubEndpoints({ baseUrl: 'https://github.corp.example/' })).toEqual({
      authorize: 'https://github.corp.example/login/oauth/authorize',
      token: 'https://github.corp.example/login/oauth/access_token',
      api: 'https://github.corp.example/api/v3',
    });
    expect(
      githubEndpoints({ baseUrl: 'https://github.corp.example', apiUrl: 'https://api.corp.example/' }).api,
    ).toBe('https://api.corp.example');
  });
});

describe('nextPage', () => {
  it("reads GitHub's Link header, whatever the order of its relations", () => {
    expect(
      nextPage(
        '<https://api.github.com/user/orgs?page=1>; rel="prev", <https://api.github.com/user/orgs?page=3>; rel="next", <https://api.github.com/user/orgs?page=9>; rel="last"',
      ),
    ).toBe('https://api.github.com/user/orgs?page=3');
    expect(nextPage('<https://api.github.com/user/orgs?page=1>; rel="first"')).toBeUndefined();
    expect(nextPage(null)).toBeUndefined();
  });
});

describe('rateLimitWait', () => {
  const now = () => new Date(1_700_000_000_000);
  const answer = (status: number, headers: Record<string, string>) => ({
    status,
    headers: new Headers(headers),
  });

  it('waits for retry-after, else until x-ratelimit-reset, else a minute for a secondary limit', () => {
    expect(rateLimitWait(answer(429, { 'retry-after': '30' }), undefined, now)).toBe(30);
    expect(
      rateLimitWait(
        answer(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1700000120' }),
        undefined,
        now,
      ),
    ).toBe(120);
    expect(rateLimitWait(answer(403, {}), 'You have exceeded a secondary rate limit.', now)).toBe(60);
  });

  it('does not call a plain refusal a rate limit', () => {
    expect(rateLimitWait(answer(403, { 'x-ratelimit-remaining': '4999' }), 'Forbidden', now)).toBeUndefined();
    expect(rateLimitWait(answer(500, { 'retry-after': '5' }), undefined, now)).toBeUndefined();
  });
});

describe('identityOf', () => {
  const input = { connectorId: 'gh', requiredOrgs: ['corp'], authTime: new Date('2025-01-01T00:00:00Z') };
  const answers = {
    user: { id: 42, login: 'Octo', name: null },
    emails: [
      { email: 'old@example.com', primary: false, verified: true },
      { email: 'octo@corp.example', primary: true, verified: true },
    ],
    orgs: [{ login: 'Corp' }, { login: 'hobby' }],
    teams: [
      { slug: 'sre', organization: { login: 'Corp' } },
      { slug: 'fun', organization: { login: 'hobby' } },
    ],
  };

  it('names the user by numeric id, and keeps groups of the required organizations only', () => {
    expect(identityOf(answers, input)).toEqual({
      connectorId: 'gh',
      subject: '42',
      username: 'Octo',
      email: 'octo@corp.example',
      emailVerified: true,
      groups: ['corp', 'corp/sre'],
      attributes: {},
      mfa: { satisfied: false, methods: [] },
      authTime: '2025-01-01T00:00:00.000Z',
    });
    expect(identityOf(answers, { ...input, requiredOrgs: [] }).groups).toEqual([
      'corp',
      'corp/sre',
      'hobby',
      'hobby/fun',
    ]);
  });

  it('treats a malformed answer as an unexpected answer, not as a user', () => {
    expect(() => identityOf({ ...answers, user: { id: '42', login: 'Octo' } }, input)).toThrow(
      expect.objectContaining({ code: 'idp_unavailable', phase: 'github.user' }) as FedgateError,
    );
  });
});
