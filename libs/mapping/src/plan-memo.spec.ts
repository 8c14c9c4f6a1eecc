import type { Identity } from '@fedgate/core';
import { identity, mappingConfig, NOW } from '../../../test/mapping/config-fixture';
import type { IssuePlan } from './issue-plan';
import { planIssue, type IssuePlanning } from './plan-issue';
import { planIssueMemoized } from './plan-memo';

const yaml = `
backends: [{ id: aws, type: sts }]
accounts: [{ id: "111111111111", name: prod, backend: aws }]
permissionSets:
  - { name: Data, roleName: fedgate-Data, sessionDuration: 2h, tags: { Department: "{{attributes.department}}" } }
  - { name: Fresh, roleName: fedgate-Fresh }
assignments:
  - { match: { groups: [data] }, accounts: [prod], permissionSets: [Data] }
  - { match: { groups: [data], maxAuthAge: 2h }, accounts: [prod], permissionSets: [Fresh] }
`;
const config = mappingConfig(yaml);

/** An identity as the session layer hands it out: frozen, one object per stored session. */
function frozen(overrides: Partial<Identity> = {}): Identity {
  const made = identity({ groups: ['data'], attributes: { department: ['Data'] }, ...overrides });
  Object.freeze(made.groups);
  Object.freeze(made.attributes);
  return Object.freeze(made);
}

function planned(result: IssuePlanning): IssuePlan {
  if (result.kind !== 'plan') {
    throw new Error(`expected a plan, got ${result.kind}`);
  }
  return result.plan;
}

const data = { account: 'prod', permissionSet: 'Data' };

describe('planIssueMemoized', () => {
  it("gives the same frozen plan to the same identity and config, equal to planIssue's", () => {
    const alice = frozen();
    const first = planned(planIssueMemoized(alice, config, data, { now: NOW }));
    expect(planned(planIssueMemoized(alice, config, data, { now: NOW }))).toBe(first);
    expect(first).toEqual(planned(planIssue(alice, config, data, { now: NOW })));
    expect(Object.isFrozen(first.sessionTags[0])).toBe(true);
    expect(() => {
      (first.sessionTags as { key: string; value: string }[]).push({ key: 'x', value: 'y' });
    }).toThrow(TypeError);
  });

  it('plans again for another config object: a reload takes effect on the next request', () => {
    const alice = frozen();
    const before = planned(planIssueMemoized(alice, config, data, { now: NOW }));
    const reloaded = mappingConfig(yaml.replace('sessionDuration: 2h', 'sessionDuration: 1h'));
    const after = planned(planIssueMemoized(alice, reloaded, data, { now: NOW }));
    expect(before.duration.seconds).toBe(7200);
    expect(after.duration.seconds).toBe(3600);
    // The old config's plans stay its own.
    expect(planned(planIssueMemoized(alice, config, data, { now: NOW }))).toBe(before);
  });

  it('plans again for a refreshed identity (a new object): changed groups and attributes count at once', () => {
    const alice = frozen();
    expect(planIssueMemoized(alice, config, data, { now: NOW }).kind).toBe('plan');
    const refreshed = frozen({ attributes: { department: ['Sales'] } });
    expect(planned(planIssueMemoized(refreshed, config, data, { now: NOW })).sessionTags).toEqual([
      { key: 'Department', value: 'Sales' },
    ]);
    const removed = frozen({ groups: [] });
    expect(planIssueMemoized(removed, config, data, { now: NOW }).kind).toBe('not_entitled');
  });

  it('remembers nothing for an identity that could change (not frozen)', () => {
    const alice = identity({ groups: ['data'], attributes: { department: ['Data'] } });
    const first = planned(planIssueMemoized(alice, config, data, { now: NOW }));
    expect(planned(planIssueMemoized(alice, config, data, { now: NOW }))).not.toBe(first);
    alice.groups = [];
    expect(planIssueMemoized(alice, config, data, { now: NOW }).kind).toBe('not_entitled');
  });

  it('plans every time where the answer depends on the clock (maxAuthAge)', () => {
    const alice = frozen();
    const fresh = { account: 'prod', permissionSet: 'Fresh' };
    expect(planIssueMemoized(alice, config, fresh, { now: NOW }).kind).toBe('plan');
    const later = new Date(NOW.getTime() + 3 * 3600 * 1000);
    expect(planIssueMemoized(alice, config, fresh, { now: later }).kind).toBe('not_entitled');
  });

  it('keys on the request: another duration or spelling is its own plan, refusals are not remembered', () => {
    const alice = frozen();
    const full = planned(planIssueMemoized(alice, config, data, { now: NOW }));
    const short = planned(planIssueMemoized(alice, config, { ...data, requestedSeconds: 900 }, { now: NOW }));
    expect(short.duration.seconds).toBe(900);
    expect(full.duration.seconds).toBe(7200);
    expect(
      planned(planIssueMemoized(alice, config, { account: 'PROD', permissionSet: 'data' }, { now: NOW })),
    ).toEqual(full);
    const unknown = { account: 'prod', permissionSet: 'Nope' };
    expect(planIssueMemoized(alice, config, unknown, { now: NOW }).kind).toBe('not_entitled');
    expect(planIssueMemoized(alice, config, unknown, { now: NOW }).kind).toBe('not_entitled');
  });
});
