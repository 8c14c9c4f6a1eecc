import { parseConfig, type FedgateConfig } from '@fedgate/broker-config';
import { FedgateError, type Identity } from '@fedgate/core';
import { evaluate } from '@fedgate/mapping';
import type { BrokerSession } from '@fedgate/sessions';
import { accountsView, findPermissionSet } from './accounts-view';
import { sessionView } from './session-view';
import { signInErrorMessage, signInView } from './sign-in-view';

const CONFIG = `
server: { publicUrl: http://127.0.0.1:8080 }
store: { type: memory }
connectors:
  - id: demo
    type: static
    users:
      - { username: alice, passwordHash: '$scrypt$ln=14,r=8,p=1$tORXqcV8ocbIukH2XqoqyA==$X19p6uQkB+cQh60tQhNA+3mSvO/ldVbvgCnl420S7pE=' }
backends:
  - { id: local, type: sts, endpoint: http://127.0.0.1:8090, credentials: { accessKeyId: AKIAFEDGATEDEMO00001, secretAccessKey: x } }
  - { id: gov, type: sts, partition: aws-us-gov, region: us-gov-west-1, endpoint: http://127.0.0.1:8091, credentials: { accessKeyId: AKIAFEDGATEDEMO00001, secretAccessKey: x } }
accounts:
  - { id: '111111111111', name: sandbox, backend: local }
  - { id: '222222222222', name: govcloud, backend: gov }
permissionSets:
  - { name: Developer, description: Everyday development, roleName: dev, sessionDuration: 2h }
  - { name: Admin, roleName: admin, sessionDuration: 1h, requireMfa: true }
  - name: Tagged
    roleName: tagged
    sessionDuration: 1h
    tags: { Team: '{{attributes.team}}' }
mapping: { tags: { onInvalid: reject } }
assignments:
  - { match: { groups: [devs] }, accounts: ['*'], permissionSets: [Developer, Admin, Tagged] }
`;

function config(): FedgateConfig {
  const result = parseConfig(CONFIG, { env: {}, baseDir: __dirname });
  if (!result.ok) {
    throw new Error(result.issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n'));
  }
  return result.config;
}

function identity(overrides: Partial<Identity> = {}): Identity {
  return {
    connectorId: 'demo',
    subject: 'alice',
    username: 'alice',
    groups: ['devs'],
    attributes: { team: ['x'.repeat(300)] },
    mfa: { satisfied: false, methods: [] },
    authTime: '2026-12-05T09:00:00Z',
    ...overrides,
  };
}

describe('accountsView', () => {
  const fedgate = config();
  const partitionOf = (id: string): string => {
    const account = fedgate.accounts.find((candidate) => candidate.id === id);
    return fedgate.backends.find((backend) => backend.id === account?.backend)?.partition ?? 'aws';
  };
  const accounts = accountsView(
    evaluate(identity(), fedgate, { now: new Date('2026-12-05T10:00:00Z') }),
    partitionOf,
  );

  it('lists the accounts by name with id and partition, and a search text', () => {
    expect(accounts.map(({ name, id, partition }) => ({ name, id, partition }))).toEqual([
      { name: 'govcloud', id: '222222222222', partition: 'aws-us-gov' },
      { name: 'sandbox', id: '111111111111', partition: 'aws' },
    ]);
    expect(accounts[1]?.searchText).toBe('sandbox 111111111111 aws admin developer tagged');
  });

  it('shows each set with its description, session length and the planned reason', () => {
    const developer = findPermissionSet(accounts, 'sandbox', 'developer')?.permissionSet;
    expect(developer).toMatchObject({
      name: 'Developer',
      description: 'Everyday development',
      duration: '2h',
      requiresMfa: false,
      issuable: true,
      commandLinePath: '/accounts/111111111111/Developer',
      consolePath: '/console/111111111111/Developer',
    });
    expect(developer?.durationReason).toMatch(/^2h/);
  });

  it('lists a set withheld for want of MFA as not issuable, saying why', () => {
    expect(findPermissionSet(accounts, '111111111111', 'Admin')?.permissionSet).toMatchObject({
      issuable: false,
      requiresMfa: true,
      notIssuableBecause: ['the permission set requires MFA and the login had none'],
    });
  });

  it('marks a set over an AWS limit not issuable with the limit it breaks', () => {
    const tagged = findPermissionSet(accounts, 'sandbox', 'Tagged')?.permissionSet;
    expect(tagged?.issuable).toBe(false);
    expect(tagged?.notIssuableBecause.join(' ')).toMatch(/Team/);
  });

  it('finds nothing for a set the user does not have', () => {
    expect(findPermissionSet(accounts, 'sandbox', 'Billing')).toBeUndefined();
    expect(findPermissionSet(accounts, '999999999999', 'Developer')).toBeUndefined();
  });
});

describe('signInView', () => {
  const connectors = [
    {
      id: 'corp',
      name: 'Corporate SSO',
      kind: 'redirect' as const,
      logoUrl: 'https://cdn.corp.example/sso.svg',
    },
    { id: 'demo', name: 'Demo users', kind: 'password' as const },
  ];

  it('offers a button per redirect connector and a form per password connector, with the return path', () => {
    const view = signInView(connectors, { returnTo: '/console/123/Dev?destination=x' });
    expect(view.redirectButtons).toEqual([
      {
        id: 'corp',
        name: 'Corporate SSO',
        logoUrl: 'https://cdn.corp.example/sso.svg',
        href: '/auth/corp/login?return_to=%2Fconsole%2F123%2FDev%3Fdestination%3Dx',
      },
    ]);
    expect(view.passwordForms).toEqual([
      {
        id: 'demo',
        name: 'Demo users',
        logoUrl: undefined,
        action: '/sign-in/demo',
        username: '',
        error: undefined,
      },
    ]);
    expect(view.returnTo).toBe('/console/123/Dev?destination=x');
  });

  it.each(['https://evil.example/', '//evil.example', '/\\evil.example', 'javascript:alert(1)', '/a\nb'])(
    'keeps only relative paths on fedgate: %j becomes /',
    (returnTo) => {
      const view = signInView(connectors, { returnTo });
      expect(view.returnTo).toBe('/');
      expect(view.redirectButtons[0]?.href).toBe('/auth/corp/login');
    },
  );

  it('puts a failure on its own form, keeping the username typed', () => {
    const view = signInView(connectors, {
      failure: { connectorId: 'demo', username: 'alice', message: 'wrong' },
    });
    expect(view.passwordForms[0]).toMatchObject({ username: 'alice', error: 'wrong' });
  });
});

describe('signInErrorMessage', () => {
  const now = Date.parse('2026-12-05T10:00:00Z');

  it('says a wrong password in words, the same for an unknown user', () => {
    expect(
      signInErrorMessage(new FedgateError('invalid_credentials', 'Invalid username or password'), now),
    ).toBe('The username or password is not right. Check both and try again.');
  });

  it('says when a locked-out account may try again', () => {
    const error = new FedgateError('rate_limited', 'Too many', { retryAfterSeconds: 301 });
    expect(signInErrorMessage(error, now)).toBe(
      'Too many failed sign-ins. For your safety, sign-in is paused: try again in 6 minutes (at 10:05 UTC).',
    );
  });

  it('tells an unreachable directory apart from a wrong password', () => {
    const message = signInErrorMessage(new FedgateError('idp_unavailable', 'LDAP down'), now);
    expect(message).toMatch(/^The directory that checks passwords cannot be reached/);
    expect(message).not.toContain('LDAP down');
  });
});

describe('sessionView', () => {
  it('says who, through which connector, whether with MFA and when the session ends', () => {
    const session: BrokerSession = {
      identity: identity({ displayName: 'Alice A.', mfa: { satisfied: true, methods: ['otp'] } }),
      csrfToken: 'csrf',
      createdAt: '2026-12-05T09:00:00.000Z',
      lastSeenAt: '2026-12-05T09:00:00.000Z',
      expiresAt: '2026-12-05T17:00:00.000Z',
    };
    expect(sessionView(session, (id) => (id === 'demo' ? 'Demo users' : id))).toEqual({
      name: 'Alice A.',
      username: 'alice',
      email: undefined,
      connectorName: 'Demo users',
      mfa: 'Yes (otp)',
      endsAt: '2026-12-05T17:00:00.000Z',
      endsAtText: '2026-12-05 17:00 UTC',
    });
  });
});
