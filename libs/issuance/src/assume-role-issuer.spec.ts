import type { Entitlement } from '@fedgate/mapping';
import { AssumeRoleIssuer } from './assume-role-issuer';

const entitlement: Entitlement = {
  accountId: '111111111111',
  accountName: 'prod',
  partition: 'aws',
  backendId: 'aws',
  permissionSet: 'Dev',
  roleArn: 'arn:aws:iam::111111111111:role/Dev',
  sessionDurationSeconds: 7200,
  roleSessionName: 'alice.0123abcd',
  sourceIdentity: 'alice',
};

describe('AssumeRoleIssuer.plannedDuration', () => {
  it.each([
    [undefined, 7200],
    [3600, 3600],
    [43200, 7200],
    [60, 900],
  ])('turns a request for %p seconds into %p', (requested, expected) => {
    expect(AssumeRoleIssuer.plannedDuration(entitlement, requested)).toBe(expected);
  });
});
