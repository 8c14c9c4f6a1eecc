import fc from 'fast-check';
import { identity, mappingConfig, NOW } from '../../../test/mapping/config-fixture';
import type { MappingConfig } from './compiled-mapping';
import { evaluate } from './evaluate';
import { entitlementFor } from './requested-entitlement';

const BASE = `
backends:
  - { id: aws, type: sts }
  - { id: gov, type: sts, partition: aws-us-gov, region: us-gov-west-1 }
accounts:
  - { id: "111111111111", name: prod, backend: aws }
  - { id: "222222222222", name: dev, backend: aws }
  - { id: "333333333333", name: gov, backend: gov }
permissionSets:
  - { name: ReadOnly, roleName: fedgate-ReadOnly, sessionDuration: 4h }
  - { name: Admin, roleArn: "arn:{{partition}}:iam::{{accountId}}:role/ops/Admin", sessionDuration: 1h }
`;

function config(assignments: string, extra = ''): MappingConfig {
  return mappingConfig(`${BASE}${extra}\nassignments:\n${assignments}`);
}

function keys(result: ReturnType<typeof evaluate>): string[] {
  return result.entitlements.map((entitlement) => `${entitlement.accountName}/${entitlement.permissionSet}`);
}

const groupRules = config(`
  - { match: { groups: [readers, developers] }, accounts: [prod, "222222222222"], permissionSets: [ReadOnly] }
  - { name: admins, match: { groups: [admins] }, accounts: [dev, gov], permissionSets: [Admin, ReadOnly] }
  - { match: { connectors: [github], groups: [developers] }, accounts: [prod], permissionSets: [Admin] }
`);

describe('evaluate: groups and connectors', () => {
  it('grants nothing to an identity in no assigned group, and says why', () => {
    const result = evaluate(identity({ groups: ['sales'] }), groupRules);
    expect(result.entitlements).toEqual([]);
    expect(result.trace.map((entry) => entry.matched)).toEqual([false, false, false]);
    expect(result.trace[0]!.reason).toBe('not in any of the groups readers, developers');
    expect(result.trace[0]!.rule).toBe('assignments[0]');
  });

  it('grants every account × permission set of a matching rule, by account id or name', () => {
    expect(keys(evaluate(identity({ groups: ['developers'] }), groupRules))).toEqual([
      'dev/ReadOnly',
      'prod/ReadOnly',
    ]);
  });

  it('takes the union of matching rules, each entitlement once, sorted', () => {
    expect(keys(evaluate(identity({ groups: ['developers', 'admins'] }), groupRules))).toEqual([
      'dev/Admin',
      'dev/ReadOnly',
      'gov/Admin',
      'gov/ReadOnly',
      'prod/ReadOnly',
    ]);
  });

  it('applies a rule only to the connectors it names', () => {
    expect(keys(evaluate(identity({ groups: ['developers'], connectorId: 'github' }), groupRules))).toContain(
      'prod/Admin',
    );
    const corp = evaluate(identity({ groups: ['developers'] }), groupRules);
    expect(keys(corp)).not.toContain('prod/Admin');
    expect(corp.trace[2]!.reason).toBe('connector corp is not one of github');
  });

  it('matches groups.all only when every pattern is held', () => {
    const rules = config(
      `  - { match: { groups: { all: [developers, oncall] } }, accounts: [prod], permissionSets: [Admin] }`,
    );
    expect(keys(evaluate(identity({ groups: ['developers'] }), rules))).toEqual([]);
    expect(evaluate(identity({ groups: ['developers'] }), rules).trace[0]!.reason).toBe('not in oncall');
    expect(keys(evaluate(identity({ groups: ['oncall', 'developers'] }), rules))).toEqual(['prod/Admin']);
  });

  it('combines groups.any and groups.all', () => {
    const rules = config(
      `  - { match: { groups: { any: [team-a, team-b], all: [employees] } }, accounts: [prod], permissionSets: [ReadOnly] }`,
    );
    expect(keys(evaluate(identity({ groups: ['team-b'] }), rules))).toEqual([]);
    expect(keys(evaluate(identity({ groups: ['team-b', 'employees'] }), rules))).toEqual(['prod/ReadOnly']);
  });

  it('matches globs with * and ?, against the whole group name, with regex characters literal', () => {
    const rules = config(`
  - { name: star, match: { groups: ["aws-*-admins"] }, accounts: [prod], permissionSets: [Admin] }
  - { name: one, match: { groups: ["team-?"] }, accounts: [dev], permissionSets: [ReadOnly] }
  - { name: dots, match: { groups: ["a.b*"] }, accounts: [gov], permissionSets: [ReadOnly] }`);
    expect(keys(evaluate(identity({ groups: ['aws-prod-admins'] }), rules))).toEqual(['prod/Admin']);
    expect(keys(evaluate(identity({ groups: ['x-aws-prod-admins', 'aws-admins-x'] }), rules))).toEqual([]);
    expect(keys(evaluate(identity({ groups: ['team-7'] }), rules))).toEqual(['dev/ReadOnly']);
    expect(keys(evaluate(identity({ groups: ['team-77'] }), rules))).toEqual([]);
    expect(keys(evaluate(identity({ groups: ['axb'] }), rules))).toEqual([]);
    expect(keys(evaluate(identity({ groups: ['a.bc'] }), rules))).toEqual(['gov/ReadOnly']);
    expect(evaluate(identity({ groups: ['aws-prod-admins'] }), rules).trace[0]!.reason).toBe(
      'member of aws-prod-admins',
    );
  });

  it('compares group names exactly, case included', () => {
    expect(keys(evaluate(identity({ groups: ['Developers'] }), groupRules))).toEqual([]);
  });
});

describe('evaluate: attributes, email, MFA and auth age', () => {
  const rules = config(`
  - { name: data, match: { attributes: { department: Data } }, accounts: [prod], permissionSets: [ReadOnly] }
  - { name: in, match: { attributes: { level: [L3, L4] } }, accounts: [dev], permissionSets: [ReadOnly] }
  - { name: regex, match: { attributes: { costCenter: { regex: "CC-1\\\\d{3}" } } }, accounts: [gov], permissionSets: [ReadOnly] }
  - { name: email, match: { emailDomains: [Corp.Example] }, accounts: [dev], permissionSets: [Admin] }
  - { name: mfa, match: { mfa: true }, accounts: [prod], permissionSets: [Admin] }
  - { name: fresh, match: { maxAuthAge: 30m, groups: [fresh] }, accounts: [gov], permissionSets: [Admin] }
`);

  it('matches attributes alone (no groups needed), by equals, in and anchored regex, on any value', () => {
    const who = identity({
      attributes: { department: ['Sales', 'Data'], level: ['L4'], costCenter: ['CC-1001'] },
    });
    expect(keys(evaluate(who, rules, { now: NOW }))).toEqual([
      'dev/ReadOnly',
      'gov/ReadOnly',
      'prod/ReadOnly',
    ]);
    const other = evaluate(
      identity({ attributes: { department: ['data'], costCenter: ['XCC-1001'] } }),
      rules,
      { now: NOW },
    );
    expect(keys(other)).toEqual([]);
    expect(other.trace[0]!.reason).toBe('attributes.department is not Data (has data)');
    expect(other.trace[1]!.reason).toBe('attributes.level is not one of L3, L4 (not set)');
    expect(other.trace[2]!.reason).toBe('attributes.costCenter does not match /CC-1\\d{3}/ (has XCC-1001)');
  });

  it('matches an email domain only when the email is verified, ignoring case', () => {
    const verified = identity({ email: 'a@CORP.example', emailVerified: true });
    expect(keys(evaluate(verified, rules, { now: NOW }))).toEqual(['dev/Admin']);
    const unverified = evaluate(identity({ email: 'a@corp.example' }), rules, { now: NOW });
    expect(keys(unverified)).toEqual([]);
    expect(unverified.trace[3]!.reason).toBe('email is not verified');
    const sub = identity({ email: 'a@evil.corp.example.net', emailVerified: true });
    expect(keys(evaluate(sub, rules, { now: NOW }))).toEqual([]);
  });

  it('matches on MFA', () => {
    expect(
      keys(evaluate(identity({ mfa: { satisfied: true, methods: ['otp'] } }), rules, { now: NOW })),
    ).toEqual(['prod/Admin']);
    expect(evaluate(identity(), rules, { now: NOW }).trace[4]!.reason).toBe('signed in without MFA');
  });

  it('matches on auth age, measured at the given time', () => {
    const who = identity({ groups: ['fresh'], authTime: '2026-01-01T09:45:00Z' });
    expect(keys(evaluate(who, rules, { now: NOW }))).toEqual(['gov/Admin']);
    const stale = evaluate(identity({ groups: ['fresh'] }), rules, { now: NOW });
    expect(keys(stale)).toEqual([]);
    expect(stale.trace[5]!.reason).toBe('authenticated 1h ago, more than 30m');
  });
});

describe('evaluate: deny, permission set requirements, order', () => {
  const rules = config(`
  - { name: devs, match: { groups: [developers] }, accounts: ["*"], permissionSets: [ReadOnly, Admin] }
  - { name: no-gov-without-mfa, effect: deny, match: { mfa: false }, accounts: [gov], permissionSets: ["*"] }
  - { name: contractors, effect: deny, match: { groups: [contractors] }, accounts: ["*"], permissionSets: [Admin] }
`);

  it('lets deny beat allow, whatever the order, and says which rule denied', () => {
    const who = identity({ groups: ['developers', 'contractors'] });
    const result = evaluate(who, rules, { now: NOW });
    expect(keys(result)).toEqual(['dev/ReadOnly', 'prod/ReadOnly']);
    expect(
      result.decisions.find((d) => d.accountName === 'gov' && d.permissionSet === 'Admin'),
    ).toMatchObject({
      outcome: 'denied',
      allowedBy: ['devs'],
      deniedBy: ['no-gov-without-mfa', 'contractors'],
    });
    const reversed = { ...rules, assignments: [...rules.assignments].reverse() };
    expect(evaluate(who, reversed, { now: NOW }).entitlements).toEqual(result.entitlements);
  });

  it('withholds a permission set that requires MFA or a recent login', () => {
    const strict = mappingConfig(`${BASE.replace(
      'sessionDuration: 1h }',
      'sessionDuration: 1h, requireMfa: true }',
    ).replace('sessionDuration: 4h }', 'sessionDuration: 4h, maxAuthAge: 30m }')}
assignments:
  - { match: { groups: [developers] }, accounts: [prod], permissionSets: [ReadOnly, Admin] }`);
    const result = evaluate(identity({ groups: ['developers'] }), strict, { now: NOW });
    expect(keys(result)).toEqual([]);
    expect(result.decisions.map((d) => [d.permissionSet, d.outcome, d.reason])).toEqual([
      ['Admin', 'withheld', 'the permission set requires MFA and the login had none'],
      ['ReadOnly', 'withheld', 'the permission set needs a login within 30m; sign in again'],
    ]);
    const fresh = identity({
      groups: ['developers'],
      mfa: { satisfied: true, methods: ['otp'] },
      authTime: '2026-01-01T09:59:00Z',
    });
    expect(keys(evaluate(fresh, strict, { now: NOW }))).toEqual(['prod/Admin', 'prod/ReadOnly']);
  });

  it('gives the same entitlements for every order of the rules (property)', () => {
    const who = identity({ groups: ['developers', 'contractors'], mfa: { satisfied: true, methods: [] } });
    const expected = evaluate(who, rules, { now: NOW }).entitlements;
    fc.assert(
      fc.property(fc.shuffledSubarray([...rules.assignments], { minLength: 3, maxLength: 3 }), (order) => {
        expect(evaluate(who, { ...rules, assignments: order }, { now: NOW }).entitlements).toEqual(expected);
      }),
    );
  });
});

describe('evaluate: the resolved request', () => {
  it('resolves role ARNs in the account partition, from a role name or a template', () => {
    const admin = identity({ groups: ['admins'] });
    expect(entitlementFor(admin, groupRules, { account: 'gov', permissionSet: 'Admin' })?.roleArn).toBe(
      'arn:aws-us-gov:iam::333333333333:role/ops/Admin',
    );
    expect(
      entitlementFor(admin, groupRules, { account: '222222222222', permissionSet: 'ReadOnly' })?.roleArn,
    ).toBe('arn:aws:iam::222222222222:role/fedgate-ReadOnly');
  });

  it('carries the duration plan and the derived session names', () => {
    const entitlement = entitlementFor(identity({ groups: ['readers'] }), groupRules, {
      account: 'prod',
      permissionSet: 'ReadOnly',
    });
    expect(entitlement).toMatchObject({
      sessionDurationSeconds: 14400,
      durationPlan: { seconds: 14400, limitedBy: 'permission-set' },
      sourceIdentity: 'alice',
      backendId: 'aws',
      partition: 'aws',
      mode: 'assume-role',
      sessionTags: [],
      violations: [],
    });
    expect(entitlement?.roleSessionName).toMatch(/^alice\.[0-9a-f]{8}$/);
  });

  it('caps every session at 1h on a backend with role credentials', () => {
    const chained = config(`  - { match: { groups: [x] }, accounts: [prod], permissionSets: [ReadOnly] }`);
    const withChaining = {
      ...chained,
      backends: chained.backends.map((backend) => ({ ...backend, roleChaining: true })),
    };
    expect(evaluate(identity({ groups: ['x'] }), withChaining).entitlements[0]?.durationPlan).toEqual({
      seconds: 3600,
      limitedBy: 'role-chaining',
      explanation: '1h: role chaining: sessions started with role credentials last at most 1h',
    });
  });

  it("takes the backend's mode unless the set chooses one; ExternalId only for AssumeRole", () => {
    const rules = mappingConfig(`
backends:
  - { id: web, type: sts, mode: web-identity, roleChaining: true }
  - { id: keys, type: sts, roleChaining: true }
accounts:
  - { id: "111111111111", name: prod, backend: web, externalId: ext-prod }
  - { id: "222222222222", name: dev, backend: keys, externalId: ext-dev }
permissionSets:
  - { name: ReadOnly, roleName: fedgate-ReadOnly, sessionDuration: 4h }
  - { name: Pinned, mode: assume-role, roleName: fedgate-Pinned, sessionDuration: 4h }
assignments:
  - { match: { groups: [x] }, accounts: ["*"], permissionSets: ["*"] }`);
    const found = evaluate(identity({ groups: ['x'] }), rules).entitlements.map((entitlement) => ({
      at: `${entitlement.accountName}/${entitlement.permissionSet}`,
      mode: entitlement.mode,
      externalId: entitlement.externalId,
      seconds: entitlement.durationPlan.seconds,
    }));
    // Web identity uses no broker credentials, so roleChaining does not cap it.
    expect(found).toEqual([
      { at: 'dev/Pinned', mode: 'assume-role', externalId: 'ext-dev', seconds: 3600 },
      { at: 'dev/ReadOnly', mode: 'assume-role', externalId: 'ext-dev', seconds: 3600 },
      { at: 'prod/Pinned', mode: 'assume-role', externalId: 'ext-prod', seconds: 3600 },
      { at: 'prod/ReadOnly', mode: 'web-identity', externalId: undefined, seconds: 14400 },
    ]);
  });

  it('fills the session policy and managed ARNs for the account, and compiles tags', () => {
    const rules = mappingConfig(`
backends: [{ id: gov, type: sts, partition: aws-us-gov, region: us-gov-west-1 }]
accounts: [{ id: "333333333333", name: gov, backend: gov }]
permissionSets:
  - name: Data
    roleName: data
    managedPolicyArns: ["arn:{{partition}}:iam::{{accountId}}:policy/data", "arn:aws-us-gov:iam::aws:policy/ReadOnlyAccess"]
    sessionPolicy: { Version: "2012-10-17", Statement: [{ Effect: Allow, Action: "s3:*", Resource: "arn:{{partition}}:s3:::data-{{accountId}}/*" }] }
    tags: { Department: "{{attributes.department}}" }
    transitiveTagKeys: [Department]
assignments:
  - { match: { groups: [data] }, accounts: [gov], permissionSets: [Data] }`);
    const [entitlement] = evaluate(
      identity({ groups: ['data'], attributes: { department: ['R&D'] } }),
      rules,
    ).entitlements;
    expect(entitlement).toMatchObject({
      policy:
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws-us-gov:s3:::data-333333333333/*"}]}',
      policyArns: [
        'arn:aws-us-gov:iam::333333333333:policy/data',
        'arn:aws-us-gov:iam::aws:policy/ReadOnlyAccess',
      ],
      sessionTags: [{ key: 'Department', value: 'R_D' }],
      transitiveTagKeys: ['Department'],
      violations: [],
    });
  });

  it('finds nothing for an entitlement the identity does not have', () => {
    const developer = identity({ groups: ['developers'] });
    expect(
      entitlementFor(developer, groupRules, { account: 'prod', permissionSet: 'Admin' }),
    ).toBeUndefined();
    expect(
      entitlementFor(developer, groupRules, { account: '999999999999', permissionSet: 'ReadOnly' }),
    ).toBeUndefined();
  });

  it('finds a held entitlement by account name and set name in any case, or the id', () => {
    const developer = identity({ groups: ['developers'] });
    for (const [account, permissionSet] of [
      ['PROD', 'readonly'],
      ['Dev', 'READONLY'],
      ['222222222222', 'ReadOnly'],
    ] as const) {
      expect(entitlementFor(developer, groupRules, { account, permissionSet })?.permissionSet).toBe(
        'ReadOnly',
      );
    }
  });
});

describe('evaluate: AWS constraints for arbitrary identities (property)', () => {
  const tagged = mappingConfig(`
backends: [{ id: aws, type: sts }]
accounts: [{ id: "111111111111", name: prod, backend: aws }]
permissionSets:
  - name: P
    roleName: r
    tags: { U: "{{username}}", G: "{{groups}}", A: "{{attributes.a}}", E: "{{email}}", D: "{{displayName}}" }
    transitiveTagKeys: [U, A]
assignments:
  - { match: { groups: { any: ["*"] } }, accounts: [prod], permissionSets: [P] }
mapping: { roleSessionName: "{{displayName}}", tags: { authTags: true } }`);
  const NAME = /^[\w+=,.@-]{2,64}$/;

  it('emits only tags, names and transitive keys STS accepts, and never a violation in replace mode', () => {
    const text = fc.string({ unit: 'binary', maxLength: 300 });
    fc.assert(
      fc.property(
        fc.record({
          username: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 200 }),
          subject: fc.string({ unit: 'binary', minLength: 1, maxLength: 64 }),
          email: text,
          displayName: text,
          groups: fc.array(fc.string({ unit: 'grapheme-composite', minLength: 1, maxLength: 60 }), {
            minLength: 1,
            maxLength: 30,
          }),
          values: fc.array(text, { maxLength: 4 }),
        }),
        ({ username, subject, email, displayName, groups, values }) => {
          const who = identity({
            username,
            subject,
            email,
            emailVerified: true,
            displayName,
            groups,
            attributes: { a: values },
          });
          const [entitlement] = evaluate(who, tagged, { now: NOW }).entitlements;
          expect(entitlement).toBeDefined();
          expect(entitlement!.violations).toEqual([]);
          expect(entitlement!.roleSessionName).toMatch(NAME);
          expect(entitlement!.sourceIdentity).toMatch(NAME);
          expect(entitlement!.sourceIdentity.toLowerCase().startsWith('aws:')).toBe(false);
          expect(entitlement!.sessionTags.length).toBeLessThanOrEqual(50);
          for (const tag of entitlement!.sessionTags) {
            expect(tag.value).toMatch(/^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u);
            expect(tag.key).toMatch(/^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u);
          }
          const keys = entitlement!.sessionTags.map((tag) => tag.key);
          expect(entitlement!.transitiveTagKeys.every((key) => keys.includes(key))).toBe(true);
        },
      ),
    );
  });
});
