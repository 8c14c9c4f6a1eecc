import { configIssues, mappingConfig } from '../../../test/mapping/config-fixture';

const ACCOUNTS = `
backends:
  - { id: aws, type: sts }
  - { id: gov, type: sts, partition: aws-us-gov, region: us-gov-west-1 }
  - { id: chained, type: sts, roleChaining: true }
accounts:
  - { id: "111111111111", name: prod, backend: aws }
  - { id: "333333333333", name: gov, backend: gov }
  - { id: "444444444444", name: inner, backend: chained }
`;

function issues(yaml: string): string[] {
  return configIssues(`${ACCOUNTS}${yaml}`);
}

function set(fields: string): string {
  return `permissionSets:\n  - { name: P, ${fields} }\n`;
}

describe('permission set keys', () => {
  it('accepts every key, with defaults', () => {
    const config = mappingConfig(`${ACCOUNTS}
permissionSets:
  - name: P
    roleName: r
    sessionDuration: 2h
    maxSessionDuration: 4h
    managedPolicyArns: [arn:aws:iam::aws:policy/ReadOnlyAccess]
    sessionPolicy: '{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotAction":"s3:*","NotResource":"*"}}'
    tags: { Team: "{{attributes.team}}", Who: "user {{username}}" }
    transitiveTagKeys: [Team]
    requireMfa: true
    maxAuthAge: 15m
    consoleDestination: https://eu-west-1.console.aws.amazon.com/s3
  - { name: F, mode: federation-token, sessionDuration: 36h, managedPolicyArns: ["arn:{{partition}}:iam::{{accountId}}:policy/x"] }
admins: { users: ["corp:00u1"], groups: [ops], connectors: [corp] }
mapping: { roleSessionName: "{{username}}", sourceIdentity: "{{email}}", tags: { separator: " ", onInvalid: reject, authTags: true } }`);
    expect(config.permissionSets[0]?.mode).toBeUndefined();
    expect(config.permissionSets[0]).toMatchObject({
      sessionDuration: 7200,
      maxSessionDuration: 14400,
      sessionPolicy:
        '{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotAction":"s3:*","NotResource":"*"}}',
      maxAuthAge: 900,
    });
    expect(config.permissionSets[1]).toMatchObject({
      mode: 'federation-token',
      sessionDuration: 129600,
      tags: {},
      requireMfa: false,
    });
    expect(config.mapping.tags).toEqual({ separator: ' ', onInvalid: 'reject', authTags: true });
    expect(mappingConfig(ACCOUNTS).mapping).toEqual({
      tags: { separator: ':', onInvalid: 'replace', authTags: false },
    });
    expect(mappingConfig(ACCOUNTS).admins).toEqual({ users: [], groups: [] });
  });

  it('rejects impossible durations', () => {
    expect(issues(set('roleName: r, sessionDuration: 13h'))).toEqual([
      'permissionSets[0].sessionDuration: must be between 15m and 12h',
    ]);
    expect(issues(set('roleName: r, sessionDuration: 37h'))).toEqual([
      'permissionSets[0].sessionDuration: must be between 15m and 1d12h',
    ]);
    expect(issues(set('roleName: r, sessionDuration: 10m'))).toEqual([
      'permissionSets[0].sessionDuration: must be between 15m and 1d12h',
    ]);
    expect(issues(set('roleName: r, sessionDuration: 2h, maxSessionDuration: 1h'))).toEqual([
      "permissionSets[0].sessionDuration: is longer than maxSessionDuration (1h), the role's own limit",
    ]);
    expect(issues(set('roleName: r, maxSessionDuration: 30m'))).toEqual([
      'permissionSets[0].maxSessionDuration: must be between 1h and 12h',
    ]);
    expect(issues(set('roleName: r, maxAuthAge: 30s'))).toEqual([
      'permissionSets[0].maxAuthAge: must be between 1m and 30d',
    ]);
  });

  it('rejects malformed ARNs, and more than 10 managed policies', () => {
    expect(
      issues(
        set(
          'roleArn: "arn:aws:iam::12345:role/x", managedPolicyArns: ["arn:aws:iam::aws:role/x", "arn:aws:s3:::b"]',
        ),
      ),
    ).toEqual([
      'permissionSets[0].roleArn: must be a role ARN such as arn:aws:iam::{{accountId}}:role/Name',
      'permissionSets[0].managedPolicyArns[0]: must be a policy ARN such as arn:aws:iam::aws:policy/ReadOnlyAccess or arn:{{partition}}:iam::{{accountId}}:policy/Name',
      'permissionSets[0].managedPolicyArns[1]: must be a policy ARN such as arn:aws:iam::aws:policy/ReadOnlyAccess or arn:{{partition}}:iam::{{accountId}}:policy/Name',
    ]);
    const eleven = Array.from({ length: 11 }, (_, i) => `arn:aws:iam::aws:policy/P${i}`).join(', ');
    expect(issues(set(`roleName: r, managedPolicyArns: [${eleven}]`))).toEqual([
      "permissionSets[0].managedPolicyArns: must list at most 10 ARNs (AWS's limit)",
    ]);
  });

  it('rejects ARNs whose partition or account contradicts an account they are granted in', () => {
    expect(
      issues(`permissionSets:
  - { name: P, roleArn: "arn:aws:iam::111111111111:role/x", managedPolicyArns: ["arn:aws:iam::aws:policy/A", "arn:aws:iam::999999999999:policy/B"] }
  - { name: Q, roleArn: "arn:{{partition}}:iam::{{accountId}}:role/x", consoleDestination: "https://console.aws.amazon.com/" }
assignments:
  - { match: { groups: [g] }, accounts: [prod, gov], permissionSets: [P, Q] }`),
    ).toEqual([
      'permissionSets[0].roleArn: is in partition aws, but assignments[0] grants it in account gov (333333333333, partition aws-us-gov)',
      'permissionSets[0].managedPolicyArns[0]: is in partition aws, but assignments[0] grants it in account gov (333333333333, partition aws-us-gov)',
      'permissionSets[0].managedPolicyArns[1]: is in account 999999999999, but assignments[0] grants it in account prod (111111111111, partition aws)',
      'permissionSets[1].consoleDestination: is not on the console of partition aws-us-gov, but assignments[0] grants it in account gov (333333333333, partition aws-us-gov)',
    ]);
    // A deny grants nothing, so it cannot contradict anything.
    expect(
      issues(`${set('roleArn: "arn:aws:iam::111111111111:role/x"')}assignments:
  - { effect: deny, match: { groups: [g] }, accounts: [gov], permissionSets: [P] }`),
    ).toEqual([]);
  });

  it('rejects session policies that are not valid JSON or not IAM policy documents', () => {
    expect(issues(set(`roleName: r, sessionPolicy: '{"Version": '`))).toEqual([
      expect.stringMatching(/^permissionSets\[0\]\.sessionPolicy: is not valid JSON \(/),
    ]);
    expect(
      issues(`permissionSets:
  - name: P
    roleName: r
    sessionPolicy:
      Version: 2012-10-17 # YAML 1.2 reads this as a string; the document is otherwise wrong
      Statement:
        - { Sid: a, Effect: allow, Action: "s3:GetObject", Resource: bucket }
        - { Sid: a, Effect: Deny, Action: [], NotAction: "s3", Principal: "*", Resource: "*" }
        - { Effect: Allow, Resource: "*", Condition: { StringEquals: ["x"] }, Extra: 1 }`),
    ).toEqual([
      'permissionSets[0].sessionPolicy.Statement[0].Effect: must be Allow or Deny',
      'permissionSets[0].sessionPolicy.Statement[0].Resource: "bucket" is not * or an ARN',
      'permissionSets[0].sessionPolicy.Statement[1].Sid: duplicates the Sid of Statement[0]',
      'permissionSets[0].sessionPolicy.Statement[1].Action: must not be an empty list',
      'permissionSets[0].sessionPolicy.Statement[1].NotAction: use Action or NotAction, not both',
      'permissionSets[0].sessionPolicy.Statement[1].NotAction: "s3" is not an action such as s3:GetObject',
      'permissionSets[0].sessionPolicy.Statement[1].Principal: is not allowed: a session policy applies to the session itself',
      'permissionSets[0].sessionPolicy.Statement[2]: needs Action (or NotAction)',
      'permissionSets[0].sessionPolicy.Statement[2].Condition.StringEquals: must be a mapping of condition keys to values',
      'permissionSets[0].sessionPolicy.Statement[2].Extra: unknown policy statement key',
    ]);
  });

  it('counts inline policy and managed ARNs against the 2048-character budget, and refuses non-Latin-1 text', () => {
    const big = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::${'b'.repeat(1940)}"}}`;
    expect(big.length).toBeLessThanOrEqual(2048);
    expect(issues(set(`roleName: r, sessionPolicy: '${big}'`))).toEqual([]);
    expect(
      issues(
        set(
          `roleName: r, sessionPolicy: '${big}', managedPolicyArns: [arn:aws:iam::aws:policy/ReadOnlyAccess]`,
        ),
      ),
    ).toEqual([
      `permissionSets[0].sessionPolicy: inline policy plus managed policy ARNs is ${big.length + 38} characters; AWS allows 2048`,
    ]);
    expect(
      issues(
        set(
          `roleName: r, sessionPolicy: '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/→"}}'`,
        ),
      ),
    ).toEqual([
      'permissionSets[0].sessionPolicy: has the character U+2192; AWS allows only tab, LF, CR and U+0020–U+00FF in session policies',
    ]);
  });

  it('rejects tag templates with unknown fields, bad keys, case conflicts and bad transitive keys', () => {
    expect(
      issues(`permissionSets:
  - name: P
    roleName: r
    tags: { Team: "{{attributes.team}}", team: x, "aws:Owner": x, "fedgate:mfa": x, "Bad Key!": x, A: "{{user}}", B: "{{ attributes. }}", C: "a{{username}", D: "x;y" }
    transitiveTagKeys: [TEAM, Missing, Team]`),
    ).toEqual([
      'permissionSets[0].tags.team: conflicts with tag "Team": AWS tag keys are case-insensitive',
      'permissionSets[0].tags["aws:Owner"]: tag key "aws:Owner" starts with aws:, which AWS reserves',
      'permissionSets[0].tags["fedgate:mfa"]: tag keys starting with fedgate: are fedgate\'s own (see mapping.tags.authTags)',
      'permissionSets[0].tags["Bad Key!"]: tag key "Bad Key!" has characters AWS does not allow (letters, digits, spaces and _.:/=+-@ only)',
      'permissionSets[0].tags.A: uses unknown field {{user}} (known: {{username}}, {{subject}}, {{connectorId}}, {{email}}, {{displayName}}, {{groups}}, {{attributes.NAME}})',
      'permissionSets[0].tags.B: uses unknown field {{attributes.}} (known: {{username}}, {{subject}}, {{connectorId}}, {{email}}, {{displayName}}, {{groups}}, {{attributes.NAME}})',
      'permissionSets[0].tags.C: has unbalanced {{ }} braces',
      'permissionSets[0].tags.D: has literal characters AWS does not allow in a tag value (letters, digits, spaces and _.:/=+-@ only)',
      'permissionSets[0].transitiveTagKeys[0]: "TEAM" is not one of this set\'s tags (did you mean "Team"?)',
      expect.stringMatching(
        /^permissionSets\[0\]\.transitiveTagKeys\[1\]: "Missing" is not one of this set's tags \(Team, team, /,
      ),
    ]);
  });

  it('counts fedgate tags against the 50-tag limit, and allows them as transitive keys only when sent', () => {
    const fifty = Array.from({ length: 49 }, (_, i) => `T${i}: x`).join(', ');
    expect(issues(`${set(`roleName: r, tags: { ${fifty} }`)}mapping: { tags: { authTags: true } }`)).toEqual([
      "permissionSets[0].tags: has 49 tags; with fedgate:mfa and fedgate:auth-time that is over AWS's 50",
    ]);
    expect(issues(set('roleName: r, transitiveTagKeys: ["fedgate:mfa", "fedgate:other"]'))).toEqual([
      'permissionSets[0].transitiveTagKeys[0]: "fedgate:mfa" is only sent with mapping.tags.authTags: true',
      'permissionSets[0].transitiveTagKeys[1]: "fedgate:other" is not a tag fedgate sends (its own are fedgate:mfa and fedgate:auth-time)',
    ]);
  });

  it('checks federation-token sets: no role, a policy, no transitive tags, no role-credential backend', () => {
    expect(
      issues(`permissionSets:
  - { name: F, mode: federation-token, roleName: r, maxSessionDuration: 2h, tags: { A: x }, transitiveTagKeys: [A] }
assignments:
  - { match: { groups: [g] }, accounts: [inner], permissionSets: [F] }`),
    ).toEqual([
      'permissionSets[0].sessionPolicy: is required with mode: federation-token (without a policy the session can do nothing)',
      'permissionSets[0].roleName: GetFederationToken sessions have no role: remove it, or use mode: assume-role',
      'permissionSets[0].maxSessionDuration: applies to roles only (mode: assume-role)',
      'permissionSets[0].transitiveTagKeys: GetFederationToken session tags cannot be transitive',
      "assignments[0].permissionSets: grants federation-token set F on backend chained, whose role credentials cannot call GetFederationToken (it needs an IAM user's keys)",
    ]);
  });
});

describe('issuance modes', () => {
  const MODES = `
backends:
  - { id: roles, type: sts, mode: web-identity }
  - { id: users, type: sts, mode: federation-token, credentials: { accessKeyId: AKIAEXAMPLEEXAMPLE, secretAccessKey: s } }
  - { id: temporary, type: sts, mode: federation-token, credentials: { accessKeyId: ASIAEXAMPLEEXAMPLE, secretAccessKey: s, sessionToken: t } }
accounts:
  - { id: "111111111111", name: web, backend: roles, externalId: "ext-1234" }
  - { id: "222222222222", name: fed, backend: users }
  - { id: "333333333333", name: tmp, backend: temporary }
`;
  const POLICY = 'managedPolicyArns: [arn:aws:iam::aws:policy/ReadOnlyAccess]';

  it("lets a set without mode take its backend's mode, and a set choose its own", () => {
    const config = mappingConfig(`${MODES}permissionSets:
  - { name: Role, roleName: r }
  - { name: Fed, ${POLICY} }
  - { name: Own, mode: assume-role, roleName: r }
assignments:
  - { match: { groups: [g] }, accounts: [web], permissionSets: [Role, Own] }
  - { match: { groups: [g] }, accounts: [fed], permissionSets: [Fed, Own] }`);
    expect(config.permissionSets.map((entry) => entry.mode)).toEqual([undefined, undefined, 'assume-role']);
    expect(config.accounts[0]?.externalId).toBe('ext-1234');
  });

  it('rejects sets whose shape does not fit the mode their backend gives them', () => {
    expect(
      configIssues(`${MODES.replace('backends:', 'backends:\n  - { id: plain, type: sts }').replace('accounts:', 'accounts:\n  - { id: "444444444444", name: plain, backend: plain }')}permissionSets:
  - { name: Role, roleName: r }
  - { name: Fed, ${POLICY} }
assignments:
  - { match: { groups: [g] }, accounts: [fed], permissionSets: [Role] }
  - { match: { groups: [g] }, accounts: [plain], permissionSets: [Fed] }
  - { match: { groups: [g] }, accounts: [tmp], permissionSets: [Fed] }`),
    ).toEqual([
      'permissionSets[0].mode: is needed: the set names a role, but assignments[0] grants it in account fed (222222222222, partition aws) on backend users, whose mode is federation-token (use assume-role or web-identity)',
      'permissionSets[1].roleName: is needed: assignments[1] grants it in account plain (444444444444, partition aws) on backend plain, whose mode assume-role assumes a role (or set mode: federation-token)',
      "assignments[2].permissionSets: grants federation-token set Fed on backend temporary, whose credentials have a session token: GetFederationToken needs an IAM user's long-term keys",
    ]);
  });

  it('asks a set with neither role nor policy for a role', () => {
    expect(issues(set('sessionDuration: 1h'))).toEqual([
      'permissionSets[0].roleName: set roleName or roleArn (or, for GetFederationToken sessions, a sessionPolicy or managedPolicyArns)',
    ]);
  });

  it('checks ExternalId characters and length', () => {
    expect(configIssues(MODES.replace('externalId: "ext-1234"', 'externalId: "a b"'))).toEqual([
      'accounts[0].externalId: must be 2–1224 characters of letters, digits and _+=,.@:/-',
    ]);
  });
});

describe('assignment keys', () => {
  it('accepts rules on attributes alone, globs, all/any, deny and *', () => {
    const config = mappingConfig(`${ACCOUNTS}${set('roleName: r')}assignments:
  - { match: { attributes: { dept: Data, level: [L1, L2], cc: { regex: "CC-\\\\d+" } } }, accounts: ["*"], permissionSets: ["*"] }
  - { name: d, effect: deny, match: { groups: { all: ["eng-*"], any: [a] }, emailDomains: [Corp.Example], mfa: false, maxAuthAge: 1h }, accounts: [prod], permissionSets: [P] }`);
    expect(config.assignments[0]).toEqual({
      effect: 'allow',
      match: {
        attributes: { dept: { equals: 'Data' }, level: { in: ['L1', 'L2'] }, cc: { regex: 'CC-\\d+' } },
      },
      accounts: ['*'],
      permissionSets: ['*'],
    });
    expect(config.assignments[1]?.match).toEqual({
      groups: { all: ['eng-*'], any: ['a'] },
      emailDomains: ['corp.example'],
      mfa: false,
      maxAuthAge: 3600,
    });
  });

  it('lists every mistake in assignments with its path', () => {
    expect(
      issues(`${set('roleName: r')}assignments:
  - { name: a, match: {}, accounts: [prod, "*"], permissionSets: [P] }
  - { name: A, effect: allow-all, match: { groups: { some: [x] } }, accounts: [nope], permissionSets: [P] }
  - { match: { attributes: { cc: { regex: "(" } , dept: { equals: a, in: [b] } }, emailDomains: ["not a domain"] }, accounts: [prod], permissionSets: [P] }
admins: { users: [okta:1, nocolon], connectors: [okta] }`),
    ).toEqual([
      'assignments[0].match: must have at least one condition (connectors, groups, attributes, emailDomains, mfa or maxAuthAge)',
      'assignments[0].accounts: "*" (every account) must be the only entry',
      'assignments[1].name: duplicates assignments[0].name ("A"; names are case-insensitive)',
      'assignments[1].effect: must be one of: allow, deny',
      'assignments[1].match.groups: set any, all or both',
      'assignments[1].match.groups.some: unknown key',
      'assignments[1].accounts[0]: unknown account "nope" (known: prod (111111111111), gov (333333333333), inner (444444444444))',
      expect.stringMatching(
        /^assignments\[2\]\.match\.attributes\.cc\.regex: is not a valid regular expression/,
      ),
      'assignments[2].match.attributes.dept: set exactly one of equals, in and regex',
      'assignments[2].match.emailDomains[0]: must be a domain name such as corp.example',
      'admins.users[0]: unknown connector "okta" (known: corp, github)',
      'admins.users[1]: must be connectorId:subject, such as corp:jdoe',
      'admins.connectors[0]: unknown connector "okta" (known: corp, github)',
    ]);
  });
});

describe('mapping settings', () => {
  it('rejects name templates with unknown fields and separators AWS refuses in tags', () => {
    expect(
      issues('mapping: { roleSessionName: "{{login}}", tags: { separator: ",", onInvalid: drop } }'),
    ).toEqual([
      'mapping.roleSessionName: uses unknown field {{login}} (known: {{username}}, {{subject}}, {{connectorId}}, {{email}}, {{displayName}}, {{groups}}, {{attributes.NAME}})',
      'mapping.tags.separator: must be characters AWS allows in a tag value (letters, digits, spaces and _.:/=+-@)',
      'mapping.tags.onInvalid: must be one of: replace, reject',
    ]);
  });
});
