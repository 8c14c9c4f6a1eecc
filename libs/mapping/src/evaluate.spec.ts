import type { Identity } from '@fedgate/core';
import { evaluate, findEntitlement, type MappingConfig } from './evaluate';

const config: MappingConfig = {
  backends: [
    {
      id: 'aws',
      type: 'sts',
      mode: 'assume-role',
      region: 'us-east-1',
      partition: 'aws',
      timeout: 10,
      maxAttempts: 3,
    },
    {
      id: 'gov',
      type: 'sts',
      mode: 'assume-role',
      region: 'us-gov-west-1',
      partition: 'aws-us-gov',
      timeout: 10,
      maxAttempts: 3,
    },
  ],
  accounts: [
    { id: '111111111111', name: 'prod', backend: 'aws' },
    { id: '222222222222', name: 'dev', backend: 'aws' },
    { id: '333333333333', name: 'gov', backend: 'gov' },
  ],
  permissionSets: [
    { name: 'ReadOnly', roleName: 'fedgate-ReadOnly', sessionDuration: 14400 },
    { name: 'Admin', roleArn: 'arn:{{partition}}:iam::{{accountId}}:role/ops/Admin', sessionDuration: 3600 },
  ],
  assignments: [
    {
      match: { groups: ['readers', 'developers'] },
      accounts: ['prod', '222222222222'],
      permissionSets: ['ReadOnly'],
    },
    {
      name: 'admins',
      match: { groups: ['admins'] },
      accounts: ['dev', 'gov'],
      permissionSets: ['Admin', 'ReadOnly'],
    },
    {
      match: { connectors: ['corp'], groups: ['developers'] },
      accounts: ['prod'],
      permissionSets: ['Admin'],
    },
  ],
};

function identity(groups: string[], connectorId = 'demo'): Identity {
  return {
    connectorId,
    subject: 'u-1',
    username: 'alice',
    groups,
    attributes: {},
    mfa: { satisfied: false, methods: [] },
    authTime: '2026-01-01T00:00:00.000Z',
  };
}

function keys(result: ReturnType<typeof evaluate>): string[] {
  return result.entitlements.map((entitlement) => `${entitlement.accountName}/${entitlement.permissionSet}`);
}

describe('evaluate', () => {
  it('grants nothing to an identity in no assigned group, and says why', () => {
    const result = evaluate(identity(['sales']), config);
    expect(result.entitlements).toEqual([]);
    expect(result.trace.map((entry) => entry.matched)).toEqual([false, false, false]);
    expect(result.trace[0]!.reason).toBe('not in any of the groups readers, developers');
  });

  it('grants every account × permission set of a matching rule, by account id or name', () => {
    expect(keys(evaluate(identity(['developers']), config))).toEqual(['dev/ReadOnly', 'prod/ReadOnly']);
  });

  it('takes the union of matching rules, each entitlement once', () => {
    expect(keys(evaluate(identity(['developers', 'admins']), config))).toEqual([
      'dev/Admin',
      'dev/ReadOnly',
      'gov/Admin',
      'gov/ReadOnly',
      'prod/ReadOnly',
    ]);
  });

  it('applies a rule only to the connectors it names', () => {
    expect(keys(evaluate(identity(['developers'], 'corp'), config))).toContain('prod/Admin');
    expect(keys(evaluate(identity(['developers'], 'demo'), config))).not.toContain('prod/Admin');
    expect(evaluate(identity(['developers'], 'demo'), config).trace[2]!.reason).toBe(
      'connector demo is not one of corp',
    );
  });

  it('resolves role ARNs in the account partition, from a role name or a template', () => {
    const result = evaluate(identity(['admins']), config);
    expect(findEntitlement(result.entitlements, 'gov', 'Admin')?.roleArn).toBe(
      'arn:aws-us-gov:iam::333333333333:role/ops/Admin',
    );
    expect(findEntitlement(result.entitlements, '222222222222', 'ReadOnly')?.roleArn).toBe(
      'arn:aws:iam::222222222222:role/fedgate-ReadOnly',
    );
  });

  it('carries the permission set duration and the derived session names', () => {
    const entitlement = findEntitlement(
      evaluate(identity(['readers']), config).entitlements,
      'prod',
      'ReadOnly',
    );
    expect(entitlement).toMatchObject({
      sessionDurationSeconds: 14400,
      sourceIdentity: 'alice',
      backendId: 'aws',
      partition: 'aws',
    });
    expect(entitlement?.roleSessionName).toMatch(/^alice\.[0-9a-f]{8}$/);
  });

  it('does not depend on the order of the rules', () => {
    const reversed = { ...config, assignments: [...config.assignments].reverse() };
    const who = identity(['developers', 'admins'], 'corp');
    expect(evaluate(who, reversed).entitlements).toEqual(evaluate(who, config).entitlements);
  });

  it('finds nothing for an entitlement the identity does not have', () => {
    const result = evaluate(identity(['developers']), config);
    expect(findEntitlement(result.entitlements, 'prod', 'Admin')).toBeUndefined();
    expect(findEntitlement(result.entitlements, '999999999999', 'ReadOnly')).toBeUndefined();
  });
});
