import fc from 'fast-check';
import type { Identity } from '@fedgate/core';
import { identity, mappingConfig, NOW } from '../../../test/mapping/config-fixture';
import { referenceEvaluate, referenceRequestedEntitlement } from '../../../test/mapping/reference/evaluate';
import { compileMapping, type MappingConfig } from './compiled-mapping';
import { entitlementsOf, evaluate } from './evaluate';
import { entitlementFor } from './requested-entitlement';
import { planIssue } from './plan-issue';
import { planIssueMemoized } from './plan-memo';

/**
 * The indexed evaluation (compiled rules, group and grant indexes, no trace
 * on the request path) must give exactly what the evaluator before the index
 * gave (kept in test/mapping/reference), for any rules, identity and request.
 */

const GROUPS = ['eng', 'Eng', 'ops', 'aws-prod-admins', 'aws-dev-admins', 'team-1', 'team-22', 'a.b', 'axb'];
const GLOBS = ['aws-*-admins', 'team-?', 'a.b*', '*', 'E*', 'o?s'];
const ACCOUNTS = [
  { id: '111111111111', name: 'prod', backend: 'aws' },
  { id: '222222222222', name: 'Dev', backend: 'aws', externalId: 'ext-dev' },
  { id: '333333333333', name: 'gov', backend: 'gov' },
];
const REFERENCES = ACCOUNTS.flatMap((account) => [account.id, account.name]);
const SET_NAMES = ['ReadOnly', 'Admin', 'Recent', 'Tagged'];
const DEPARTMENTS = ['R&D', 'Sales', 'sales', 'Ops'];

const pattern = fc.oneof(fc.constantFrom(...GROUPS), fc.constantFrom(...GLOBS));
const patterns = fc.uniqueArray(pattern, { minLength: 1, maxLength: 4 });
const grantList = (names: readonly string[]) =>
  fc.oneof(
    { weight: 1, arbitrary: fc.constant(['*']) },
    { weight: 4, arbitrary: fc.uniqueArray(fc.constantFrom(...names), { minLength: 1, maxLength: 3 }) },
  );

const attributeCondition = fc.oneof(
  fc.constantFrom(...DEPARTMENTS),
  fc.uniqueArray(fc.constantFrom(...DEPARTMENTS), { minLength: 1, maxLength: 3 }),
  fc.constantFrom({ regex: '[RS].*' }, { regex: 'sales|Ops' }, { equals: 'Ops' }),
);

const match = fc
  .record(
    {
      connectors: fc.uniqueArray(fc.constantFrom('corp', 'github'), { minLength: 1, maxLength: 2 }),
      groups: fc.oneof(
        patterns,
        fc.record({ any: patterns, all: patterns }, { requiredKeys: ['any'] }),
        fc.record({ all: patterns }),
      ),
      attributes: fc.record({ department: attributeCondition }),
      emailDomains: fc.uniqueArray(fc.constantFrom('corp.example', 'other.example'), {
        minLength: 1,
        maxLength: 2,
      }),
      mfa: fc.boolean(),
      maxAuthAge: fc.constantFrom('30m', '2h'),
    },
    { requiredKeys: [] },
  )
  .filter((conditions) => Object.keys(conditions).length > 0);

const rule = fc.record(
  {
    named: fc.boolean(),
    effect: fc.constantFrom('allow', 'allow', 'deny'),
    match,
    accounts: grantList(REFERENCES),
    permissionSets: grantList(SET_NAMES),
  },
  { requiredKeys: ['named', 'match', 'accounts', 'permissionSets'] },
);

const setOptions = fc.record({ requireMfa: fc.boolean(), recent: fc.boolean() });

function configOf(
  rules: ({ named?: boolean } & Record<string, unknown>)[],
  options: { requireMfa: boolean; recent: boolean },
): MappingConfig {
  const sets = [
    { name: 'ReadOnly', roleName: 'fedgate-ReadOnly', sessionDuration: '4h' },
    { name: 'Admin', roleName: 'fedgate-Admin', requireMfa: options.requireMfa },
    { name: 'Recent', roleName: 'fedgate-Recent', ...(options.recent ? { maxAuthAge: '30m' } : {}) },
    {
      name: 'Tagged',
      mode: 'federation-token',
      sessionPolicy: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }],
      },
      tags: { Who: '{{username}}', Department: '{{attributes.department}}', Groups: '{{groups}}' },
    },
  ];
  return mappingConfig(`
backends: [{ id: aws, type: sts }, { id: gov, type: sts, partition: aws-us-gov, region: us-gov-west-1 }]
accounts: ${JSON.stringify(ACCOUNTS)}
permissionSets: ${JSON.stringify(sets)}
mapping: { roleSessionName: "{{username}}" }
assignments: ${JSON.stringify(rules.map(({ named, ...assignment }, index) => (named === true ? { name: `rule-${index}`, ...assignment } : assignment)))}
`);
}

const who: fc.Arbitrary<Identity> = fc
  .record({
    connectorId: fc.constantFrom('corp', 'github'),
    groups: fc.uniqueArray(
      fc.oneof(fc.constantFrom(...GROUPS), fc.constantFrom('aws-x-admins', 'team-', 'E')),
      {
        maxLength: 6,
      },
    ),
    // Connectors hand out groups sorted (a binary search reads them); explain input may not be.
    sorted: fc.boolean(),
    department: fc.uniqueArray(fc.constantFrom(...DEPARTMENTS), { maxLength: 2 }),
    email: fc.option(fc.constantFrom('alice@corp.example', 'alice@CORP.example', 'bob@other.example')),
    emailVerified: fc.option(fc.boolean()),
    mfa: fc.boolean(),
    minutesAgo: fc.constantFrom(1, 29, 31, 90, 200),
  })
  .map((drawn) =>
    identity({
      connectorId: drawn.connectorId,
      username: 'Alice.Smith',
      groups: drawn.sorted ? [...drawn.groups].sort() : drawn.groups,
      attributes: drawn.department.length === 0 ? {} : { department: drawn.department },
      ...(drawn.email === null ? {} : { email: drawn.email }),
      ...(drawn.emailVerified === null ? {} : { emailVerified: drawn.emailVerified }),
      mfa: { satisfied: drawn.mfa, methods: drawn.mfa ? ['otp'] : [] },
      authTime: new Date(NOW.getTime() - drawn.minutesAgo * 60_000).toISOString(),
    }),
  );

/** Requests name accounts by id or by name in any case, sets in any case, and things that do not exist. */
const request = fc.record({
  account: fc.oneof(
    fc.constantFrom(...REFERENCES, 'PROD', 'dev', 'GOV', 'nope', '444444444444'),
    fc.constantFrom(...ACCOUNTS.map((account) => account.name.toUpperCase())),
  ),
  permissionSet: fc.constantFrom(...SET_NAMES, 'readonly', 'ADMIN', 'tagged', 'Missing'),
  requestedSeconds: fc.option(fc.constantFrom(900, 3600, 7200)),
});

function expectSameAsReference(
  config: MappingConfig,
  person: Identity,
  requests: { account: string; permissionSet: string; requestedSeconds: number | null }[],
): void {
  const reference = referenceEvaluate(person, config, { now: NOW });
  expect(evaluate(person, config, { now: NOW })).toEqual(reference);
  expect(entitlementsOf(person, config, { now: NOW })).toEqual(reference.entitlements);
  for (const { requestedSeconds, ...named } of requests) {
    const options = { now: NOW, ...(requestedSeconds === null ? {} : { requestedSeconds }) };
    expect(entitlementFor(person, config, named, options)).toEqual(
      referenceRequestedEntitlement(referenceEvaluate(person, config, options).entitlements, named),
    );
  }
}

describe('indexed evaluation against the reference evaluator (property)', () => {
  it('gives the same evaluation, entitlements and requested entitlement for random rules, identities and requests', () => {
    fc.assert(
      fc.property(
        fc.array(rule, { minLength: 1, maxLength: 8 }),
        setOptions,
        fc.array(who, { minLength: 1, maxLength: 3 }),
        fc.array(request, { minLength: 1, maxLength: 6 }),
        (rules, options, people, requests) => {
          const config = configOf(rules, options);
          for (const person of people) {
            expectSameAsReference(config, person, requests);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('agrees on every pair when many rules share groups, wildcards and denies', () => {
    const every = ACCOUNTS.flatMap((account) =>
      SET_NAMES.map((permissionSet) => ({ account: account.name, permissionSet, requestedSeconds: null })),
    );
    fc.assert(
      fc.property(
        fc.array(rule, { minLength: 20, maxLength: 60 }),
        setOptions,
        who,
        (rules, options, person) => {
          expectSameAsReference(configOf(rules, options), person, every);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('planIssueMemoized against planIssue (property)', () => {
  it('answers what planIssue answers, asked again later, with auth-age rules and sets included', () => {
    fc.assert(
      fc.property(
        fc.array(rule, { minLength: 1, maxLength: 8 }),
        setOptions,
        who,
        fc.array(request, { minLength: 1, maxLength: 6 }),
        fc.array(fc.constantFrom(0, 1, 29, 31, 90, 200), { minLength: 2, maxLength: 4 }),
        (rules, options, drawn, requests, minutesLater) => {
          const config = configOf(rules, options);
          // As the session layer hands it out: frozen, the same object for every request.
          const person = Object.freeze({ ...drawn, groups: Object.freeze([...drawn.groups]) }) as Identity;
          for (const minutes of [...minutesLater].sort((a, b) => a - b)) {
            const now = new Date(NOW.getTime() + minutes * 60_000);
            for (const { requestedSeconds, ...named } of requests) {
              const asked = { ...named, ...(requestedSeconds === null ? {} : { requestedSeconds }) };
              expect(planIssueMemoized(person, config, asked, { now })).toEqual(
                planIssue(person, config, asked, { now }),
              );
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('compileMapping', () => {
  it('compiles a config once, however many evaluations use it', () => {
    const config = configOf(
      [{ match: { groups: ['eng'] }, accounts: ['prod'], permissionSets: ['ReadOnly'] }],
      {
        requireMfa: false,
        recent: false,
      },
    );
    const compiled = compileMapping(config);
    evaluate(identity({ groups: ['eng'] }), config, { now: NOW });
    entitlementFor(identity({ groups: ['eng'] }), config, { account: 'prod', permissionSet: 'ReadOnly' });
    expect(compileMapping(config)).toBe(compiled);
    expect(compileMapping({ ...config })).not.toBe(compiled);
  });

  it('tests only the rules that name the requested pair', () => {
    const config = configOf(
      [
        { match: { groups: ['eng', 'ops'] }, accounts: ['prod'], permissionSets: ['ReadOnly'] },
        { match: { groups: ['team-1'] }, accounts: ['Dev'], permissionSets: ['Admin'] },
        { effect: 'deny', match: { groups: ['a.b'] }, accounts: ['*'], permissionSets: ['ReadOnly'] },
      ],
      { requireMfa: false, recent: false },
    );
    const pair = compileMapping(config).rulesForPair('111111111111', 'ReadOnly');
    expect(pair.rules.map((entry) => entry.index)).toEqual([0, 2]);
  });
});
