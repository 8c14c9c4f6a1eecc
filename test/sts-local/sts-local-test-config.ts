/**
 * The accounts, users and roles the sts-local tests run against; each role
 * exists for one trust-policy case, named after it.
 */
export const BROKER = {
  accessKeyId: 'AKIATESTBROKER000001',
  secretAccessKey: 'test-broker-secret-key-0123456789',
};
export const OUTSIDER = {
  accessKeyId: 'AKIATESTOUTSIDER0001',
  secretAccessKey: 'test-outsider-secret-key-012345678',
};
export const OTHER_ACCOUNT_USER = {
  accessKeyId: 'AKIATESTOTHERACCT001',
  secretAccessKey: 'test-other-account-secret-0123456',
};
export const MFA_SERIAL = 'arn:aws:iam::111111111111:mfa/broker';
export const MFA_CODE = '123456';
export const ACCOUNT = '111111111111';
export const OTHER_ACCOUNT = '222222222222';

/** The ARN of a role in the test account. */
export function roleArn(name: string, account = ACCOUNT): string {
  return `arn:aws:iam::${account}:role/${name}`;
}

const BROKER_ARN = `arn:aws:iam::${ACCOUNT}:user/broker`;

export const TEST_CONFIG_YAML = `
regions: [us-east-1, eu-west-1]
accounts:
  - id: '${ACCOUNT}'
    users:
      - name: broker
        accessKeyId: ${BROKER.accessKeyId}
        secretAccessKey: \${env:BROKER_SECRET}
        tags: { team: platform }
        mfa: { serialNumber: '${MFA_SERIAL}', tokenCode: '${MFA_CODE}' }
      - name: outsider
        accessKeyId: ${OUTSIDER.accessKeyId}
        secretAccessKey: ${OUTSIDER.secretAccessKey}
    roles:
      - name: Basic
        maxSessionDuration: 2h
        tags: { Purpose: tests }
        trustPolicy:
          Statement:
            - Effect: Allow
              Principal: { AWS: '${BROKER_ARN}' }
              Action: [sts:AssumeRole, sts:SetSourceIdentity, sts:TagSession]
      - name: NoTagSession
        trustPolicy:
          Statement:
            - { Effect: Allow, Principal: { AWS: '${BROKER_ARN}' }, Action: sts:AssumeRole }
      - name: ExternalId
        trustPolicy:
          Statement:
            - Effect: Allow
              Principal: { AWS: '${BROKER_ARN}' }
              Action: sts:AssumeRole
              Condition: { StringEquals: { 'sts:ExternalId': ext-123 } }
      - name: SourceIdentity
        trustPolicy:
          Statement:
            - Effect: Allow
              Principal: { AWS: '${BROKER_ARN}' }
              Action: [sts:AssumeRole, sts:SetSourceIdentity]
              Condition: { StringLike: { 'sts:SourceIdentity': 'alice*' } }
      - name: Mfa
        trustPolicy:
          Statement:
            - Effect: Allow
              Principal: { AWS: '${ACCOUNT}' }
              Action: sts:AssumeRole
              Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } }
      - name: ExplicitDeny
        trustPolicy: '{"Version":"2012-10-17","Statement":[
          {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::${ACCOUNT}:root"},"Action":"sts:AssumeRole"},
          {"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::${ACCOUNT}:user/outsider"},"Action":"sts:*"}]}'
      - name: TagConditions
        trustPolicy:
          Statement:
            - Effect: Allow
              Principal: { AWS: '${BROKER_ARN}' }
              Action: [sts:AssumeRole, sts:TagSession]
              Condition:
                StringEquals: { 'aws:RequestTag/team': platform, 'aws:PrincipalTag/team': platform }
                ForAllValues:StringEquals: { 'aws:TagKeys': [team, project] }
      - name: LoopbackOnly
        trustPolicy:
          Statement:
            - Effect: Allow
              Principal: { AWS: '${BROKER_ARN}' }
              Action: sts:AssumeRole
              Condition: { IpAddress: { 'aws:SourceIp': 127.0.0.0/8 } }
      - name: CorporateNetworkOnly
        trustPolicy:
          Statement:
            - Effect: Allow
              Principal: { AWS: '${BROKER_ARN}' }
              Action: sts:AssumeRole
              Condition: { IpAddress: { 'aws:SourceIp': 10.0.0.0/8 } }
      - name: ChainTarget
        maxSessionDuration: 4h
        trustPolicy:
          Statement:
            - Effect: Allow
              Principal: { AWS: '${roleArn('Basic')}' }
              Action: [sts:AssumeRole, sts:SetSourceIdentity, sts:TagSession]
  - id: '${OTHER_ACCOUNT}'
    users:
      - name: other
        accessKeyId: ${OTHER_ACCOUNT_USER.accessKeyId}
        secretAccessKey: ${OTHER_ACCOUNT_USER.secretAccessKey}
    roles:
      - name: CrossAccount
        trustPolicy:
          Statement:
            - { Effect: Allow, Principal: { AWS: '${ACCOUNT}' }, Action: sts:AssumeRole }
`;

/** The environment the test config's references read. */
export const TEST_ENV = { BROKER_SECRET: BROKER.secretAccessKey };
