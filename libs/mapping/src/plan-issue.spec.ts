import { FedgateError } from '@fedgate/core';
import { identity, mappingConfig, NOW } from '../../../test/mapping/config-fixture';
import type { IssuePlan } from './issue-plan';
import { planIssue, type IssuePlanning } from './plan-issue';

const config = mappingConfig(`
backends:
  - { id: aws, type: sts, signinUrl: "https://signin.example.com/federation" }
  - { id: web, type: sts, mode: web-identity }
  - { id: keys, type: sts, mode: federation-token, credentials: { accessKeyId: AKIAFEDGATEUNIT00001, secretAccessKey: not-a-real-secret } }
accounts:
  - { id: "111111111111", name: prod, backend: aws, externalId: ext-prod }
  - { id: "222222222222", name: web, backend: web, externalId: ext-web }
  - { id: "333333333333", name: keys, backend: keys }
permissionSets:
  - name: Data
    roleName: fedgate-Data
    sessionDuration: 2h
    consoleDestination: https://console.aws.amazon.com/s3/home
    managedPolicyArns: ["arn:{{partition}}:iam::aws:policy/ReadOnlyAccess"]
    tags: { Department: "{{attributes.department}}" }
    transitiveTagKeys: [Department]
  - name: Reports
    sessionDuration: 18h
    sessionPolicy: { Version: "2012-10-17", Statement: [{ Effect: Allow, Action: "s3:GetObject", Resource: "*" }] }
    tags: { Department: "{{attributes.department}}" }
  - name: Wide
    roleName: fedgate-Wide
    tags: { Department: "{{attributes.department}}" }
assignments:
  - { match: { groups: [data] }, accounts: [prod, web], permissionSets: [Data] }
  - { match: { groups: [data] }, accounts: [keys], permissionSets: [Reports] }
  - { match: { groups: [data] }, accounts: [prod], permissionSets: [Wide] }
mapping: { tags: { authTags: false, onInvalid: reject } }
`);

const who = identity({ groups: ['data'], attributes: { department: ['Data'] } });

function planned(result: IssuePlanning): IssuePlan {
  if (result.kind !== 'plan') {
    throw new Error(`expected a plan, got ${result.kind}`);
  }
  return result.plan;
}

describe('planIssue', () => {
  it('plans AssumeRole with the role, names, tags, transitive keys, policies and ExternalId, and nothing else', () => {
    const plan = planned(planIssue(who, config, { account: 'prod', permissionSet: 'Data' }, { now: NOW }));
    expect(plan).toStrictEqual({
      mode: 'assume-role',
      accountId: '111111111111',
      accountName: 'prod',
      partition: 'aws',
      backendId: 'aws',
      permissionSet: 'Data',
      duration: {
        seconds: 7200,
        limitedBy: 'permission-set',
        explanation: "2h: the permission set's sessionDuration",
      },
      sessionTags: [{ key: 'Department', value: 'Data' }],
      policyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
      consoleDestination: 'https://console.aws.amazon.com/s3/home',
      signinUrl: 'https://signin.example.com/federation',
      roleArn: 'arn:aws:iam::111111111111:role/fedgate-Data',
      roleSessionName: expect.stringMatching(/^alice\.[0-9a-f]{8}$/) as unknown,
      sourceIdentity: 'alice',
      transitiveTagKeys: ['Department'],
      externalId: 'ext-prod',
    });
  });

  it('plans web identity without an ExternalId, even when the account has one', () => {
    const plan = planned(
      planIssue(who, config, { account: '222222222222', permissionSet: 'Data' }, { now: NOW }),
    );
    expect(plan.mode).toBe('web-identity');
    expect(Object.keys(plan).sort()).toEqual(
      [
        'mode',
        'accountId',
        'accountName',
        'partition',
        'backendId',
        'permissionSet',
        'duration',
        'sessionTags',
        'policyArns',
        'consoleDestination',
        'roleArn',
        'roleSessionName',
        'sourceIdentity',
        'transitiveTagKeys',
      ].sort(),
    );
  });

  it('plans GetFederationToken with the federated user name and no role, session names or transitive keys', () => {
    const plan = planned(planIssue(who, config, { account: 'keys', permissionSet: 'Reports' }, { now: NOW }));
    expect(plan).toStrictEqual({
      mode: 'federation-token',
      accountId: '333333333333',
      accountName: 'keys',
      partition: 'aws',
      backendId: 'keys',
      permissionSet: 'Reports',
      duration: {
        seconds: 64800,
        limitedBy: 'permission-set',
        explanation: "18h: the permission set's sessionDuration",
      },
      sessionTags: [{ key: 'Department', value: 'Data' }],
      policy:
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}',
      policyArns: [],
      federatedUserName: expect.stringMatching(/^alice\.[0-9a-f]{8}$/) as unknown,
    });
  });

  it('carries the requested duration into the plan and its reason', () => {
    const shorter = planned(
      planIssue(
        who,
        config,
        { account: 'prod', permissionSet: 'Data', requestedSeconds: 1800 },
        { now: NOW },
      ),
    );
    expect(shorter.duration).toEqual({
      seconds: 1800,
      limitedBy: 'requested',
      explanation: '30m: as requested',
      requestedSeconds: 1800,
    });
    const longer = planned(
      planIssue(
        who,
        config,
        { account: 'prod', permissionSet: 'Data', requestedSeconds: 43200 },
        { now: NOW },
      ),
    );
    expect(longer.duration).toMatchObject({
      seconds: 7200,
      limitedBy: 'permission-set',
      requestedSeconds: 43200,
    });
    const tiny = planned(
      planIssue(
        who,
        config,
        { account: 'keys', permissionSet: 'Reports', requestedSeconds: 60 },
        { now: NOW },
      ),
    );
    expect(tiny.duration).toMatchObject({ seconds: 900, limitedBy: 'aws-minimum', requestedSeconds: 60 });
  });

  it('refuses what the identity is not entitled to, with the error to throw', () => {
    const result = planIssue(who, config, { account: 'keys', permissionSet: 'Data' }, { now: NOW });
    expect(result.kind).toBe('not_entitled');
    expect(result.kind === 'not_entitled' ? result.error : undefined).toMatchObject({
      code: 'not_entitled',
      phase: 'mapping.entitlement',
      message: 'You are not entitled to permission set "Data" in account "keys"',
    });
    expect(planIssue(identity(), config, { account: 'prod', permissionSet: 'Data' }, { now: NOW }).kind).toBe(
      'not_entitled',
    );
  });

  it('refuses an entitlement over an AWS limit, naming the limits', () => {
    const result = planIssue(
      identity({ groups: ['data'], attributes: { department: ['a;b'] } }),
      config,
      { account: 'prod', permissionSet: 'Wide' },
      { now: NOW },
    );
    if (result.kind !== 'over_limit') {
      throw new Error(`expected over_limit, got ${result.kind}`);
    }
    expect(result.violations.map((violation) => violation.limit)).toEqual(['tag-value']);
    expect(result.error).toBeInstanceOf(FedgateError);
    expect(result.error).toMatchObject({ code: 'sts_rejected', phase: 'mapping.limits' });
  });

  it('refuses a requested duration that is not a positive whole number of seconds', () => {
    for (const requestedSeconds of [0, -900, 1800.5, Number.NaN]) {
      let thrown: unknown;
      try {
        planIssue(who, config, { account: 'prod', permissionSet: 'Data', requestedSeconds }, { now: NOW });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toMatchObject({ code: 'invalid_request', phase: 'mapping.plan' });
    }
  });
});
