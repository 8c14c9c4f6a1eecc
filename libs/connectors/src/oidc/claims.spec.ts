import { FedgateError } from '@fedgate/core';
import { claimAt, identityFromClaims, type IdentityInput } from './claims';

const base: IdentityInput = {
  connectorId: 'corp',
  paths: {
    username: 'preferred_username',
    email: 'email',
    displayName: 'name',
    groups: undefined,
    attributes: {},
  },
  mfa: { amr: ['mfa', 'otp'], acr: ['urn:corp:mfa'] },
  idToken: { sub: 'u-1', preferred_username: 'alice', iat: 1_700_000_000 },
  userinfo: {},
};

describe('identityFromClaims', () => {
  it('reads groups and attributes by nested claim paths', () => {
    const identity = identityFromClaims({
      ...base,
      paths: { ...base.paths, groups: 'realm_access.roles', attributes: { team: 'org.team' } },
      idToken: { ...base.idToken, realm_access: { roles: ['b', 'a', 'b'] }, org: { team: 7 } },
    });
    expect(identity.groups).toEqual(['a', 'b']);
    expect(identity.attributes).toEqual({ team: ['7'] });
    expect(claimAt({ a: { b: ['x'] } }, 'a.b.c')).toBeUndefined();
  });

  it('takes MFA from amr or acr, and the time of authentication from auth_time', () => {
    const byAmr = identityFromClaims({
      ...base,
      idToken: { ...base.idToken, amr: ['pwd', 'otp'], auth_time: 1_700_000_100 },
    });
    expect(byAmr.mfa).toEqual({ satisfied: true, methods: ['pwd', 'otp'] });
    expect(byAmr.authTime).toBe('2023-11-14T22:15:00.000Z');
    const byAcr = identityFromClaims({ ...base, idToken: { ...base.idToken, acr: 'urn:corp:mfa' } });
    expect(byAcr.mfa.satisfied).toBe(true);
    expect(byAcr.acr).toBe('urn:corp:mfa');
    const password = identityFromClaims({ ...base, idToken: { ...base.idToken, amr: ['pwd'] } });
    expect(password.mfa.satisfied).toBe(false);
  });

  it('never takes MFA or the subject from UserInfo', () => {
    const identity = identityFromClaims({ ...base, userinfo: { sub: 'u-2', amr: ['mfa'], name: 'Alice' } });
    expect(identity.subject).toBe('u-1');
    expect(identity.mfa.satisfied).toBe(false);
    expect(identity.displayName).toBe('Alice');
  });

  it('refuses a groups claim that is not a list of names', () => {
    expect(() =>
      identityFromClaims({
        ...base,
        paths: { ...base.paths, groups: 'groups' },
        idToken: { ...base.idToken, groups: [{ id: 1 }] },
      }),
    ).toThrow(FedgateError);
  });
});
